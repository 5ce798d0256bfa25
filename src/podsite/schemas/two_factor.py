"""Read models of two-factor sign-in."""

from datetime import datetime
from enum import StrEnum

from podsite.schemas.catalogue import ReadModel


class TwoFactorStatus(ReadModel):
    enabled: bool
    enabled_at: datetime | None
    recovery_codes_left: int


class Verification(StrEnum):
    """How a code typed at sign-in (or to confirm a change) was taken."""

    AUTHENTICATOR = 'authenticator'
    RECOVERY_CODE = 'recovery-code'
    WRONG = 'wrong'
    REPLAYED = 'replayed'
    """The authenticator's code of a moment already signed in with (or an earlier one)."""
    NOT_ENROLLED = 'not-enrolled'

    @property
    def accepted(self) -> bool:
        return self in {Verification.AUTHENTICATOR, Verification.RECOVERY_CODE}


class ConfirmedChange(StrEnum):
    """The outcome of a change that needs the password and a code (turning off, new codes)."""

    DONE = 'done'
    WRONG_PASSWORD = 'wrong-password'  # noqa: S105 (an outcome's name, not a password)
    WRONG_CODE = 'wrong-code'
    REPLAYED_CODE = 'replayed-code'
    NOT_ENROLLED = 'not-enrolled'


class OperatorReset(StrEnum):
    DONE = 'done'
    NO_ACCOUNT = 'no-account'
    NOT_ENROLLED = 'not-enrolled'
