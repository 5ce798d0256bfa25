"""Accounts: registration, logins (sessions), profile changes and password resets."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from podsite.data import PasswordReset, User, UserSession
from podsite.formats.xml_text import clean_text
from podsite.infrastructure import db
from podsite.infrastructure.passwords import hash_password, verify_password
from podsite.schemas.account import UserInfo
from podsite.services.accounts import outbox_service

SESSION_LIFETIME = timedelta(days=30)
RESET_LIFETIME = timedelta(hours=1)
USER_COLUMNS = (
    User.id,
    User.email,
    User.name,
    User.role,
    User.sponsor_id,
    User.wants_newsletter,
    User.wants_episode_emails,
)


class EmailTakenError(Exception):
    """Another account already uses this address."""


class ResetOutcome(StrEnum):
    DONE = 'done'
    UNKNOWN = 'unknown'
    EXPIRED = 'expired'
    USED = 'used'


def normalize_email(email: str) -> str:
    return clean_text(email).strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    *, name: str, email: str, password: str, role: str = 'listener', sponsor_id: int | None = None
) -> UserInfo:
    session = db.session()
    user = User(
        name=clean_text(name).strip(),
        email=normalize_email(email),
        password_hash=await hash_password(password),
        role=role,
        sponsor_id=sponsor_id,
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


async def authenticate(*, email: str, password: str) -> UserInfo | None:
    """The user, or None; unknown addresses cost as much time as wrong passwords."""
    query = select(User.id, User.password_hash).where(User.email == normalize_email(email))
    row = (await db.session().execute(query)).first()
    if not await verify_password(row.password_hash if row else None, password) or row is None:
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


async def update_profile(
    *, user_id: int, name: str, email: str, wants_newsletter: bool, wants_episode_emails: bool
) -> UserInfo:
    session = db.session()
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            name=clean_text(name).strip(),
            email=normalize_email(email),
            wants_newsletter=wants_newsletter,
            wants_episode_emails=wants_episode_emails,
        )
    )
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise EmailTakenError(email) from error
    found = await user_by_id(user_id)
    assert found is not None
    return found


async def change_password(*, user_id: int, current: str, new: str) -> bool:
    session = db.session()
    stored = await session.scalar(select(User.password_hash).where(User.id == user_id))
    if not await verify_password(stored, current):
        return False
    await session.execute(
        update(User).where(User.id == user_id).values(password_hash=await hash_password(new))
    )
    await session.commit()
    return True


async def start_password_reset(*, email: str, base_url: str) -> None:
    """Emails a one-time link if the address has an account; says nothing either way."""
    user = await user_by_email(email)
    if user is None:
        return
    session = db.session()
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        PasswordReset(
            token_hash=_token_hash(token), user_id=user.id, expires_at=now + RESET_LIFETIME
        )
    )
    await session.commit()
    minutes = int(RESET_LIFETIME.total_seconds() // 60)
    await outbox_service.send(
        to=user.email,
        subject='Reset your password',
        body=(
            f'Hello {user.name},\n\n'
            f'Someone (hopefully you) asked to reset the password of your account.\n'
            f'Choose a new password here within {minutes} minutes; the link works once:\n\n'
            f'{base_url}/account/reset/{token}\n\n'
            'If you did not ask for this, you can ignore this email.\n'
        ),
    )


async def reset_status(token: str) -> ResetOutcome:
    row = (
        await db.session().execute(
            select(PasswordReset.expires_at, PasswordReset.used_at).where(
                PasswordReset.token_hash == _token_hash(token)
            )
        )
    ).first()
    if row is None:
        return ResetOutcome.UNKNOWN
    if row.used_at is not None:
        return ResetOutcome.USED
    if row.expires_at <= datetime.now(UTC):
        return ResetOutcome.EXPIRED
    return ResetOutcome.DONE


async def finish_password_reset(*, token: str, new_password: str) -> ResetOutcome:
    """Sets the password once per link, and logs every session of the account out."""
    status = await reset_status(token)
    if status is not ResetOutcome.DONE:
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
        return ResetOutcome.USED
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=await hash_password(new_password))
    )
    await session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    await session.commit()
    return ResetOutcome.DONE
