"""People with accounts, their sessions, password resets, and the mail sent to them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podsite.data.base import Base, utc_now


class User(Base):
    __tablename__ = 'user_account'

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Stored lowercased: addresses are compared without regard to case."""
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12), default='listener')
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey('sponsor.id', ondelete='SET NULL'), default=None
    )
    """For advertisers: the sponsor whose numbers they may see."""
    wants_episode_emails: Mapped[bool] = mapped_column(default=False)
    """Mailed when an episode goes public; only once the address is confirmed (its owner
    opened the sign-up link), so no one gets episode mail they did not confirm."""
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    """None until the owner of the address opens the link emailed at sign-up: until then the
    account cannot log in, and signing up again with the address replaces its name and
    password. Accounts an admin makes are confirmed from the start."""


class UserSession(Base):
    """A login. The cookie carries the token; only its hash is stored, and logging out
    deletes the row, so a copied cookie stops working too."""

    __tablename__ = 'user_session'

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey('user_account.id', ondelete='CASCADE'), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]


class PasswordReset(Base):
    __tablename__ = 'password_reset'

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey('user_account.id', ondelete='CASCADE'), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordResetRequest(Base):
    """A reset asked for on the form, waiting for the background sender to turn it into a
    link and an email. The form stores one for every address, with or without an account,
    so its answer (and the time it takes) says nothing about which addresses have one."""

    __tablename__ = 'password_reset_request'

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(default=utc_now)


class OutboxMessage(Base):
    """Every email the site sends, kept: development reads them here, tests assert on them.
    Requests only queue them; the background sender sends them (`services/accounts/mailer.py`).
    """

    __tablename__ = 'outbox_message'

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """Extra header lines, such as a list message's `List-Unsubscribe`."""
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    """Why the last attempt failed, or why the message was not sent at all."""
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utc_now, index=True)
    """When a sender should take it: due once queued; moved on while a sender has it (so no
    other instance takes it too) and after a failure; None once sent or given up."""


class EpisodeAnnouncement(Base):
    """An episode whose new-episode email was queued: one row per episode, inserted with
    the messages in one transaction, so each episode is mailed once whichever instance or
    worker (or restart) finds it first."""

    __tablename__ = 'episode_announcement'

    episode_id: Mapped[int] = mapped_column(
        ForeignKey('episode.id', ondelete='CASCADE'), primary_key=True
    )
    recipients: Mapped[int]
    announced_at: Mapped[datetime] = mapped_column(default=utc_now)
