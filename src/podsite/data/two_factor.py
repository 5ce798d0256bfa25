"""Two-factor sign-in: an account's authenticator (TOTP) secret and its recovery codes.

An account has two-factor sign-in exactly when it has a `TotpCredential` row; the secret an
enrolment is still being confirmed with lives in the person's session until then.
"""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


class TotpCredential(Base):
    __tablename__ = 'totp_credential'

    user_id: Mapped[int] = mapped_column(
        ForeignKey('user_account.id', ondelete='CASCADE'), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    """Base32, as authenticator apps take it. Stored as is, as password hashes are: it
    must be read back to check a code, and whoever can read this table can read the
    sessions' and the site's other secrets too."""
    last_used_step: Mapped[int] = mapped_column(BigInteger)
    """The 30-second time step of the last code accepted: a code of this step or an earlier
    one is refused, so a code seen over a shoulder or in a log cannot be used again."""
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class RecoveryCode(Base):
    """One of the codes an account signs in with when its authenticator is lost; each works
    once. Only its argon2 hash is kept, as for passwords."""

    __tablename__ = 'recovery_code'

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey('user_account.id', ondelete='CASCADE'), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
