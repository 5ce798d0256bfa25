"""Accounts: sign-ups confirmed by email, logins (sessions), profile and address changes,
password changes and resets.

No answer tells whether an address has an account. A sign-up with a taken address is
answered like any other, and its owner gets a notice instead of a link; a reset request
is only queued, for every address alike, and the background sender makes the link
(`issue_requested_resets`); an address change is answered the same whether or not the new
address is free.

Links in emails are of two kinds. Reset links are random tokens stored as hashes: each
works once, and using one (or changing the password) ends every other. Sign-up and
address-change links are signed (itsdangerous) with what they were issued against (a
fingerprint of the password hash, the address being left), so each works until it has
done its work, or until a newer sign-up or change made it stale; nothing is stored.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from podsite import urls
from podsite.data import PasswordReset, PasswordResetRequest, User, UserSession
from podsite.formats.xml_text import clean_text
from podsite.infrastructure import db
from podsite.infrastructure.passwords import hash_password, verify_password
from podsite.schemas.account import UserInfo
from podsite.services.accounts import audit_service, outbox_service
from podsite.settings import current_settings

SESSION_LIFETIME = timedelta(days=30)
RESET_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)
"""Of the link an invited person sets their password with: an invitation waits in an inbox
longer than a reset someone just asked for."""
LINK_LIFETIME = timedelta(hours=48)
"""Of sign-up and address-change links."""
SIGN_UP_SALT = 'podsite.confirm-account'
EMAIL_CHANGE_SALT = 'podsite.change-email'
RESET_REQUESTS_PER_ROUND = 100
USER_COLUMNS = (
    User.id,
    User.email,
    User.name,
    User.role,
    User.sponsor_id,
    User.wants_episode_emails,
)


class EmailTakenError(Exception):
    """Another account already uses this address."""


class LinkOutcome(StrEnum):
    """What an emailed link did, or would do."""

    DONE = 'done'
    UNKNOWN = 'unknown'
    EXPIRED = 'expired'
    USED = 'used'
    TAKEN = 'taken'
    """An address change whose address another account confirmed meanwhile."""


def normalize_email(email: str) -> str:
    return clean_text(email).strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _signer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_settings().secret_key, salt=salt)


def _fingerprint(password_hash: str) -> str:
    """Changes with every new password (argon2 salts each hash): a sign-up link carries it,
    so signing up again with the address makes the earlier links stale."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _read_link(token: str, salt: str) -> list[object] | LinkOutcome:
    try:
        payload = _signer(salt).loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except SignatureExpired:
        return LinkOutcome.EXPIRED
    except BadSignature:
        return LinkOutcome.UNKNOWN
    return payload if isinstance(payload, list) else LinkOutcome.UNKNOWN


async def create_user(
    *, name: str, email: str, password: str, role: str = 'listener', sponsor_id: int | None = None
) -> UserInfo:
    """An account that can log in at once: its address comes from an admin, not a sign-up."""
    session = db.session()
    user = User(
        name=clean_text(name).strip(),
        email=normalize_email(email),
        password_hash=await hash_password(password),
        role=role,
        sponsor_id=sponsor_id,
        email_confirmed_at=datetime.now(UTC),
    )
    session.add(user)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise EmailTakenError(email) from error
    found = await user_by_id(user.id)
    assert found is not None
    return found


async def user_by_id(user_id: int) -> UserInfo | None:
    row = (await db.session().execute(select(*USER_COLUMNS).where(User.id == user_id))).first()
    return None if row is None else UserInfo.model_validate(row._mapping)


async def user_by_email(email: str) -> UserInfo | None:
    query = select(*USER_COLUMNS).where(User.email == normalize_email(email))
    row = (await db.session().execute(query)).first()
    return None if row is None else UserInfo.model_validate(row._mapping)


# Signing up


async def register(*, name: str, email: str, password: str, base_url: str) -> None:
    """Signs up: a new address (or one whose sign-up was never confirmed, whose name and
    password are replaced) gets a link that finishes it; the owner of a confirmed account
    gets a notice instead. The password is hashed either way, so both take as long."""
    password_hash = await hash_password(password)
    address = normalize_email(email)
    session = db.session()
    user = await session.scalar(select(User).where(User.email == address))
    if user is not None and user.email_confirmed_at is not None:
        outbox_service.enqueue(
            to=address,
            subject='Someone tried to sign up with your email',
            body=(
                f'Hello {user.name},\n\n'
                'Someone (hopefully you) tried to create an account with this email address,\n'
                'which already has one. Nothing changed.\n\n'
                f'Log in here: {urls.absolute(base_url, urls.login_url())}\n'
                'Forgot your password? Choose a new one: '
                f'{urls.absolute(base_url, urls.reset_request_url())}\n\n'
                'If it was not you, you can ignore this email.\n'
            ),
        )
    else:
        if user is None:
            user = User(name=clean_text(name).strip(), email=address, password_hash=password_hash)
            session.add(user)
        else:
            user.name, user.password_hash = clean_text(name).strip(), password_hash
        try:
            await session.flush()
        except IntegrityError:
            # The same address signed up twice at once: the other sign-up mails its link.
            await session.rollback()
            return
        token = _signer(SIGN_UP_SALT).dumps([user.id, _fingerprint(password_hash)])
        hours = int(LINK_LIFETIME.total_seconds() // 3600)
        outbox_service.enqueue(
            to=address,
            subject='Confirm your email',
            body=(
                f'Hello {user.name},\n\n'
                f'Open this link within {hours} hours to finish creating your account:\n\n'
                f'{urls.absolute(base_url, urls.confirm_account_url(token))}\n\n'
                'If you did not sign up, ignore this email: without the link, no account is made.\n'
            ),
        )
    await session.commit()


async def _account_to_confirm(token: str) -> int | LinkOutcome:
    """The id of the unconfirmed account a sign-up link finishes, or why there is none."""
    payload = _read_link(token, SIGN_UP_SALT)
    if isinstance(payload, LinkOutcome):
        return payload
    match payload:
        case [int(user_id), str(fingerprint)] if 0 < user_id <= 2**31 - 1:
            pass
        case _:
            return LinkOutcome.UNKNOWN
    row = (
        await db.session().execute(
            select(User.password_hash, User.email_confirmed_at).where(User.id == user_id)
        )
    ).first()
    if row is None or _fingerprint(row.password_hash) != fingerprint:
        return LinkOutcome.UNKNOWN
    return LinkOutcome.USED if row.email_confirmed_at is not None else user_id


async def sign_up_link_status(token: str) -> LinkOutcome:
    found = await _account_to_confirm(token)
    return found if isinstance(found, LinkOutcome) else LinkOutcome.DONE


async def confirm_account(token: str) -> tuple[LinkOutcome, UserInfo | None]:
    """Finishes a sign-up: the account can log in from now on; with it, the user to log in."""
    found = await _account_to_confirm(token)
    if isinstance(found, LinkOutcome):
        return found, None
    session = db.session()
    claimed = await session.execute(
        update(User)
        .where(User.id == found, User.email_confirmed_at.is_(None))
        .values(email_confirmed_at=datetime.now(UTC))
    )
    await session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return LinkOutcome.USED, None  # the same link, opened twice at once
    return LinkOutcome.DONE, await user_by_id(found)


# Logging in


async def authenticate(*, email: str, password: str) -> UserInfo | None:
    """The user, or None; unknown addresses and unconfirmed sign-ups cost as much time as
    wrong passwords, and get the same None."""
    query = select(User.id, User.password_hash, User.email_confirmed_at).where(
        User.email == normalize_email(email)
    )
    row = (await db.session().execute(query)).first()
    if not await verify_password(row.password_hash if row else None, password) or row is None:
        return None
    if row.email_confirmed_at is None:
        return None
    return await user_by_id(row.id)


async def start_session(*, user_id: int) -> str:
    session = db.session()
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        UserSession(
            token_hash=_token_hash(token), user_id=user_id, expires_at=now + SESSION_LIFETIME
        )
    )
    await session.execute(update(User).where(User.id == user_id).values(last_login_at=now))
    await session.commit()
    return token


async def user_for_session(token: str) -> UserInfo | None:
    query = (
        select(*USER_COLUMNS)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token))
        .where(UserSession.expires_at > datetime.now(UTC))
    )
    row = (await db.session().execute(query)).first()
    return None if row is None else UserInfo.model_validate(row._mapping)


async def end_session(token: str) -> None:
    session = db.session()
    await session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
    await session.commit()


# The account page


async def is_current_password(*, user_id: int, password: str) -> bool:
    stored = await db.session().scalar(select(User.password_hash).where(User.id == user_id))
    return await verify_password(stored, password)


async def update_profile(*, user_id: int, name: str, wants_episode_emails: bool) -> UserInfo:
    """Name and preferences; the address changes only through `request_email_change`."""
    session = db.session()
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            name=clean_text(name).strip(),
            wants_episode_emails=wants_episode_emails,
        )
    )
    await session.commit()
    found = await user_by_id(user_id)
    assert found is not None
    return found


async def request_email_change(*, user_id: int, new_email: str, base_url: str) -> None:
    """Emails the new address a link that moves the account there once opened, or, when a
    confirmed account has the address already, a notice; nothing else tells them apart."""
    session = db.session()
    address = normalize_email(new_email)
    current = (await session.execute(select(User.email, User.name).where(User.id == user_id))).one()
    taken = await session.scalar(
        select(User.id).where(User.email == address, User.email_confirmed_at.is_not(None))
    )
    if taken is not None:
        outbox_service.enqueue(
            to=address,
            subject='Someone tried to use your email for their account',
            body=(
                'Hello,\n\n'
                'Someone (hopefully you) asked to move their account to this email address,\n'
                'which already has an account here. Nothing changed.\n\n'
                'If it was not you, you can ignore this email.\n'
            ),
        )
    else:
        token = _signer(EMAIL_CHANGE_SALT).dumps([user_id, current.email, address])
        hours = int(LINK_LIFETIME.total_seconds() // 3600)
        outbox_service.enqueue(
            to=address,
            subject='Confirm your new email address',
            body=(
                f'Hello {current.name},\n\n'
                'Someone (hopefully you) asked to use this address for their account.\n'
                f'Open this link within {hours} hours to confirm it:\n\n'
                f'{urls.absolute(base_url, urls.email_change_url(token))}\n\n'
                'If you did not ask for this, ignore this email: nothing changes without\n'
                'the link.\n'
            ),
        )
    await session.commit()


async def _email_change(token: str) -> tuple[int, str, str] | LinkOutcome:
    """The account, its address and the new one an address-change link is for, or why
    it does nothing."""
    payload = _read_link(token, EMAIL_CHANGE_SALT)
    if isinstance(payload, LinkOutcome):
        return payload
    match payload:
        case [int(user_id), str(old), str(new)] if 0 < user_id <= 2**31 - 1:
            pass
        case _:
            return LinkOutcome.UNKNOWN
    current = await db.session().scalar(select(User.email).where(User.id == user_id))
    if current == new:
        return LinkOutcome.USED
    if current != old:  # gone, or moved on since the link was sent
        return LinkOutcome.UNKNOWN
    return user_id, old, new


async def email_change_status(token: str) -> tuple[LinkOutcome, str]:
    """What the link would do, and the address it is for (empty if the link is no good)."""
    found = await _email_change(token)
    if isinstance(found, LinkOutcome):
        return found, ''
    return LinkOutcome.DONE, found[2]


async def change_email(*, token: str, base_url: str) -> tuple[LinkOutcome, str]:
    """Moves the account to the link's address. A sign-up of that address never confirmed
    gives way (it was nobody's: the link proves whose the address is); pending reset links,
    sent to the old address, stop working; the old address is told."""
    found = await _email_change(token)
    if isinstance(found, LinkOutcome):
        return found, ''
    user_id, old, new = found
    session = db.session()
    now = datetime.now(UTC)
    await session.execute(delete(User).where(User.email == new, User.email_confirmed_at.is_(None)))
    try:
        moved = await session.execute(
            update(User).where(User.id == user_id, User.email == old).values(email=new)
        )
    except IntegrityError:
        await session.rollback()
        return LinkOutcome.TAKEN, new
    if not moved.rowcount:  # type: ignore[attr-defined]
        await session.rollback()  # the same link, opened twice at once
        return LinkOutcome.USED, new
    await _end_reset_links(user_id, now)
    outbox_service.enqueue(
        to=old,
        subject='Your email address was changed',
        body=(
            'Hello,\n\n'
            f'The email address of your account is now {new}; this address gets no more\n'
            'email about it.\n\n'
            'If you did not change it, someone else may be using your account: contact us\n'
            f'at once ({base_url}).\n'
        ),
    )
    await session.commit()
    return LinkOutcome.DONE, new


async def change_password(*, user_id: int, current: str, new: str, keep_session: str) -> bool:
    """Sets the new password if `current` is right, and logs out every session of the
    account but `keep_session` (the one changing it); pending reset links stop working."""
    session = db.session()
    stored = await session.scalar(select(User.password_hash).where(User.id == user_id))
    if not await verify_password(stored, current):
        return False
    await session.execute(
        update(User).where(User.id == user_id).values(password_hash=await hash_password(new))
    )
    await session.execute(
        delete(UserSession).where(
            UserSession.user_id == user_id, UserSession.token_hash != _token_hash(keep_session)
        )
    )
    await _end_reset_links(user_id, datetime.now(UTC))
    await session.commit()
    return True


# Password resets


async def request_password_reset(*, email: str) -> None:
    """Queues the request, whatever the address: the background sender mails a link if the
    address has an account (`issue_requested_resets`)."""
    session = db.session()
    session.add(PasswordResetRequest(email=normalize_email(email)))
    await session.commit()


async def issue_requested_resets(*, base_url: str) -> int:
    """Turns queued reset requests into one-time links, emailed through the outbox; requests
    for addresses without an account are dropped. How many links were made."""
    session = db.session()
    issued = 0
    while True:
        ids = list(
            await session.scalars(
                select(PasswordResetRequest.id)
                .order_by(PasswordResetRequest.id)
                .limit(RESET_REQUESTS_PER_ROUND)
            )
        )
        if not ids:
            await session.commit()
            return issued
        # Whoever deletes a request handles it: another sender running now gets none of these.
        taken = await session.scalars(
            delete(PasswordResetRequest)
            .where(PasswordResetRequest.id.in_(ids))
            .returning(PasswordResetRequest.email)
        )
        for email in dict.fromkeys(taken.all()):  # one link per address and round
            user = await user_by_email(email)
            if user is not None:
                _issue_reset_link(user, base_url)
                issued += 1
        await session.commit()


def _reset_token(user_id: int, lifetime: timedelta) -> str:
    """A new one-time link's token, stored as its hash in the current transaction."""
    token = secrets.token_urlsafe(32)
    db.session().add(
        PasswordReset(
            token_hash=_token_hash(token),
            user_id=user_id,
            expires_at=datetime.now(UTC) + lifetime,
        )
    )
    return token


def _issue_reset_link(user: UserInfo, base_url: str) -> None:
    token = _reset_token(user.id, RESET_LIFETIME)
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    outbox_service.enqueue(
        to=user.email,
        subject='Reset your password',
        body=(
            f'Hello {user.name},\n\n'
            f'Someone (hopefully you) asked to reset the password of your account.\n'
            f'Choose a new password here within {minutes} minutes; the link works once:\n\n'
            f'{urls.absolute(base_url, urls.reset_url(token))}\n\n'
            'If you did not ask for this, you can ignore this email.\n'
        ),
    )


# Invitations


async def invite(
    *,
    email: str,
    role: str,
    sponsor_id: int | None,
    site_title: str,
    actor: UserInfo,
    base_url: str,
) -> UserInfo:
    """An account an admin makes for someone: unconfirmed, with a password nobody knows,
    until its person chooses one through the emailed one-time link (a reset link that
    lasts a week; using it confirms the address). Audited with the account, in one
    transaction. Raises `EmailTakenError` when the address has an account already."""
    session = db.session()
    address = normalize_email(email)
    user = User(
        name=address.partition('@')[0],
        email=address,
        password_hash=await hash_password(secrets.token_urlsafe(32)),
        role=role,
        sponsor_id=sponsor_id if role == 'advertiser' else None,
        email_confirmed_at=None,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise EmailTakenError(email) from error
    token = _reset_token(user.id, INVITATION_LIFETIME)
    outbox_service.enqueue(
        to=address,
        subject=f'You are invited to {site_title}',
        body=(
            f'Hello,\n\n{actor.name} ({actor.email}) made you an account on {site_title}, '
            f'as {role}.\n'
            f'Choose your password here within {INVITATION_LIFETIME.days} days; '
            'the link works once:\n\n'
            f'{urls.absolute(base_url, urls.reset_url(token))}\n\n'
            'If you did not expect this, you can ignore this email.\n'
        ),
    )
    audit_service.record(
        actor=actor,
        action='invite',
        entity='user',
        entity_id=user.id,
        summary=address,
        changes=audit_service.changes_between({}, {'role': role, 'sponsor_id': user.sponsor_id}),
    )
    await session.commit()
    invited = await user_by_id(user.id)
    assert invited is not None
    return invited


async def reset_status(token: str) -> LinkOutcome:
    row = (
        await db.session().execute(
            select(PasswordReset.expires_at, PasswordReset.used_at).where(
                PasswordReset.token_hash == _token_hash(token)
            )
        )
    ).first()
    if row is None:
        return LinkOutcome.UNKNOWN
    if row.used_at is not None:
        return LinkOutcome.USED
    if row.expires_at <= datetime.now(UTC):
        return LinkOutcome.EXPIRED
    return LinkOutcome.DONE


async def finish_password_reset(*, token: str, new_password: str) -> LinkOutcome:
    """Sets the password once per link; every other link of the account stops working and
    every session of it is logged out. The link proves the address too, so a sign-up never
    confirmed is confirmed by it."""
    status = await reset_status(token)
    if status is not LinkOutcome.DONE:
        return status
    session = db.session()
    now = datetime.now(UTC)
    claimed = await session.execute(
        update(PasswordReset)
        .where(PasswordReset.token_hash == _token_hash(token), PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .returning(PasswordReset.user_id)
    )
    user_id = claimed.scalar()
    if user_id is None:  # another request used the link a moment ago
        await session.rollback()
        return LinkOutcome.USED
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=await hash_password(new_password))
    )
    await session.execute(
        update(User)
        .where(User.id == user_id, User.email_confirmed_at.is_(None))
        .values(email_confirmed_at=now)
    )
    await _end_reset_links(user_id, now)
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    await session.commit()
    return LinkOutcome.DONE


async def _end_reset_links(user_id: int, now: datetime) -> None:
    """Marks every pending reset link of the account used, in the current transaction."""
    await db.session().execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
