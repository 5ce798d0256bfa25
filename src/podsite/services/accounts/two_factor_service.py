"""Two-factor sign-in: turning it on with a code from the new authenticator, checking the
code at sign-in (refusing one already used), recovery codes that each work once, turning it
off with the password and a code, and the operator's reset of a locked-out account.

Codes are checked at the app's clock (`infrastructure/clock.py`), so tests move time on to
the next code rather than wait 30 seconds. Every change is in the audit log.
"""

import asyncio

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from podsite.data import AuditEntry, RecoveryCode, TotpCredential, User, UserSession
from podsite.data.base import utc_now
from podsite.infrastructure import clock, db
from podsite.infrastructure.passwords import (
    hash_recovery_code,
    matching_recovery_code,
    verify_password,
)
from podsite.schemas.account import UserInfo
from podsite.schemas.two_factor import (
    ConfirmedChange,
    OperatorReset,
    TwoFactorStatus,
    Verification,
)
from podsite.services.accounts import account_service, audit_service, two_factor_rules

AUDIT_ENTITY = 'two-factor'
OPERATOR = 'podsite reset-two-factor'
"""Who the audit log says reset an account's two-factor sign-in: the command line has no
account of its own."""


class AlreadyEnabledError(Exception):
    """The account turned two-factor sign-in on meanwhile (in another tab, say)."""


async def is_enabled(user_id: int) -> bool:
    query = select(TotpCredential.user_id).where(TotpCredential.user_id == user_id)
    return await db.session().scalar(query) is not None


async def status(user_id: int) -> TwoFactorStatus:
    """Whether it is on, since when, and how many recovery codes are left: one query."""
    enabled_at = select(TotpCredential.created_at).where(TotpCredential.user_id == user_id)
    codes_left = (
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    query = select(
        enabled_at.scalar_subquery().label('enabled_at'),
        codes_left.scalar_subquery().label('recovery_codes_left'),
    )
    row = (await db.session().execute(query)).one()
    return TwoFactorStatus(
        enabled=row.enabled_at is not None,
        enabled_at=row.enabled_at,
        recovery_codes_left=row.recovery_codes_left,
    )


async def enable(*, user: UserInfo, secret: str, code: str) -> list[str] | None:
    """Turns two-factor sign-in on when `code` is the authenticator's current code for
    `secret` (proof that the app holds it); the new recovery codes, shown once, or None.
    The confirming code counts as used: it cannot sign in a moment later."""
    step = two_factor_rules.matching_step(
        secret=secret, code=two_factor_rules.normalize_code(code), at=clock.now()
    )
    if step is None:
        return None
    session = db.session()
    session.add(TotpCredential(user_id=user.id, secret=secret, last_used_step=step))
    codes = await _add_recovery_codes(user.id)
    _audit(user, 'enable', 'Two-factor sign-in turned on')
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise AlreadyEnabledError(user.email) from error
    return codes


async def verify(*, user_id: int, code: str) -> Verification:
    """Checks an authenticator's code or a recovery code, and spends it if it is right."""
    session = db.session()
    secret = await session.scalar(
        select(TotpCredential.secret).where(TotpCredential.user_id == user_id)
    )
    if secret is None:
        return Verification.NOT_ENROLLED
    code = two_factor_rules.normalize_code(code)
    if two_factor_rules.is_authenticator_code(code):
        return await _spend_authenticator_code(user_id, secret, code)
    if two_factor_rules.could_be_recovery_code(code):
        return await _spend_recovery_code(user_id, code)
    return Verification.WRONG


async def disable(*, user: UserInfo, password: str, code: str) -> ConfirmedChange:
    """Turns two-factor sign-in off, given the account's password and a code."""
    outcome = await _confirm(user.id, password, code)
    if outcome is not ConfirmedChange.DONE:
        return outcome
    session = db.session()
    await _remove_credentials(user.id)
    _audit(user, 'disable', 'Two-factor sign-in turned off')
    await session.commit()
    return ConfirmedChange.DONE


async def replace_recovery_codes(
    *, user: UserInfo, password: str, code: str
) -> tuple[ConfirmedChange, list[str]]:
    """New recovery codes for old ones (all of which stop working), given the password and
    a code."""
    outcome = await _confirm(user.id, password, code)
    if outcome is not ConfirmedChange.DONE:
        return outcome, []
    session = db.session()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = await _add_recovery_codes(user.id)
    _audit(user, 'update', 'New recovery codes made; the old ones no longer work')
    await session.commit()
    return ConfirmedChange.DONE, codes


async def reset_by_operator(*, email: str) -> OperatorReset:
    """For an account locked out of its authenticator and recovery codes: two-factor sign-in
    off, and every session of the account logged out (the lost phone may be in other hands).
    An administrator in production is asked to enrol again on the next admin page."""
    user = await account_service.user_by_email(email)
    if user is None:
        return OperatorReset.NO_ACCOUNT
    if not await is_enabled(user.id):
        return OperatorReset.NOT_ENROLLED
    session = db.session()
    await _remove_credentials(user.id)
    await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.add(
        AuditEntry(
            user_id=None,
            user_email=OPERATOR,
            action='reset',
            entity=AUDIT_ENTITY,
            entity_id=user.id,
            summary=f'Two-factor sign-in of {user.email} reset from the command line; '
            'its sessions were logged out',
        )
    )
    await session.commit()
    return OperatorReset.DONE


async def _spend_authenticator_code(user_id: int, secret: str, code: str) -> Verification:
    step = two_factor_rules.matching_step(secret=secret, code=code, at=clock.now())
    if step is None:
        return Verification.WRONG
    session = db.session()
    # One statement takes the step, so two requests racing with the same code get one "yes".
    spent = await session.execute(
        update(TotpCredential)
        .where(TotpCredential.user_id == user_id, TotpCredential.last_used_step < step)
        .values(last_used_step=step)
        .returning(TotpCredential.user_id)
    )
    accepted = spent.scalar() is not None
    await session.commit()
    return Verification.AUTHENTICATOR if accepted else Verification.REPLAYED


async def _spend_recovery_code(user_id: int, code: str) -> Verification:
    session = db.session()
    unused = (
        await session.execute(
            select(RecoveryCode.id, RecoveryCode.code_hash).where(
                RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
            )
        )
    ).all()
    index = await matching_recovery_code([row.code_hash for row in unused], code)
    if index is None:
        return Verification.WRONG
    spent = await session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == unused[index].id, RecoveryCode.used_at.is_(None))
        .values(used_at=utc_now())
        .returning(RecoveryCode.id)
    )
    accepted = spent.scalar() is not None
    await session.commit()
    return Verification.RECOVERY_CODE if accepted else Verification.REPLAYED


async def _confirm(user_id: int, password: str, code: str) -> ConfirmedChange:
    stored = await db.session().scalar(select(User.password_hash).where(User.id == user_id))
    if not await verify_password(stored, password[:1000]):
        return ConfirmedChange.WRONG_PASSWORD
    match await verify(user_id=user_id, code=code):
        case Verification.AUTHENTICATOR | Verification.RECOVERY_CODE:
            return ConfirmedChange.DONE
        case Verification.REPLAYED:
            return ConfirmedChange.REPLAYED_CODE
        case Verification.NOT_ENROLLED:
            return ConfirmedChange.NOT_ENROLLED
        case Verification.WRONG:
            return ConfirmedChange.WRONG_CODE


async def _add_recovery_codes(user_id: int) -> list[str]:
    codes = two_factor_rules.new_recovery_codes()
    hashes = await asyncio.gather(*(hash_recovery_code(code) for code in codes))
    db.session().add_all(RecoveryCode(user_id=user_id, code_hash=hashed) for hashed in hashes)
    return codes


async def _remove_credentials(user_id: int) -> None:
    session = db.session()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))


def _audit(user: UserInfo, action: str, summary: str) -> None:
    audit_service.record(
        actor=user, action=action, entity=AUDIT_ENTITY, entity_id=user.id, summary=summary
    )
