"""New-episode emails. When an episode goes public (published now, or a scheduled one whose
time passed), the background sender (`mailer.py`) queues one email per account that asked
for them, through the outbox.

Only confirmed accounts get them: an address is confirmed by the link emailed at sign-up
(accounts an admin makes start confirmed), so the checkbox takes effect after that double
opt-in. Each episode is mailed once: its `EpisodeAnnouncement` row is inserted with the
messages in one transaction, and a second instance, worker or restart that finds the same
episode fails on that row's key and queues nothing. Every email carries a signed one-click
unsubscribe link, in the body and in the `List-Unsubscribe` headers (RFC 8058).
"""

from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from podsite import urls
from podsite.data import Episode, EpisodeAnnouncement, OutboxMessage, User
from podsite.infrastructure import clock, db
from podsite.services.catalogue import episode_service
from podsite.settings import current_settings

ANNOUNCE_WITHIN = timedelta(days=2)
"""How recently an episode must have gone public to be news: an imported back catalogue, or
an episode entered late with an old date, is not mailed."""
UNSUBSCRIBE_SALT = 'episode-emails-unsubscribe'


def _signer() -> URLSafeSerializer:
    # No expiry: an unsubscribe link must work in a years-old email too.
    return URLSafeSerializer(current_settings().secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, email: str) -> str:
    return _signer().dumps([user_id, email])


def _account_of(token: str) -> tuple[int, str] | None:
    try:
        user_id, email = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(email, str):
        return None
    return user_id, email


def is_signed_here(token: str) -> bool:
    """Whether the site made this unsubscribe token (no database needed to tell)."""
    return _account_of(token) is not None


async def unsubscribe(token: str) -> str | None:
    """Turns new-episode emails off for the account the token was made for; its address,
    or None for a token that was not signed here (or an account that is gone)."""
    account = _account_of(token)
    if account is None:
        return None
    user_id, email = account
    session = db.session()
    changed = await session.execute(
        update(User)
        .where(User.id == user_id, User.email == email)
        .values(wants_episode_emails=False)
        .returning(User.email)
    )
    address = changed.scalar_one_or_none()
    await session.commit()
    return address


async def announce_due(*, base_url: str) -> int:
    """Queues the emails of every episode that went public lately and was not announced;
    how many emails were queued."""
    now = clock.now()
    due = await db.session().execute(
        select(Episode.id, Episode.number, Episode.slug, Episode.title, Episode.subtitle)
        .where(
            episode_service.is_public(now),
            Episode.published_at > now - ANNOUNCE_WITHIN,
            ~exists().where(EpisodeAnnouncement.episode_id == Episode.id),
        )
        .order_by(Episode.published_at)
    )
    queued = 0
    for episode in due.all():
        queued += await _announce(
            episode.id, f'{episode.number}: {episode.title}', episode.subtitle,
            urls.absolute(base_url, urls.episode_url(episode.number, episode.slug)), base_url,
        )  # fmt: skip
    return queued


async def _announce(episode_id: int, title: str, subtitle: str, link: str, base_url: str) -> int:
    session = db.session()
    recipients = (
        await session.execute(
            select(User.id, User.email, User.name).where(
                User.wants_episode_emails.is_(True), User.email_confirmed_at.is_not(None)
            )
        )
    ).all()
    session.add(EpisodeAnnouncement(episode_id=episode_id, recipients=len(recipients)))
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()  # announced a moment ago by another sender
        return 0
    messages = []
    for user in recipients:
        token = unsubscribe_token(user.id, user.email)
        unsubscribe_link = urls.absolute(base_url, urls.account_unsubscribe_url(token))
        messages.append(
            {
                'to_address': user.email,
                'subject': f'New episode {title}'[:300],
                'body': (
                    f'Hello {user.name},\n\nA new episode is out:\n\n{title}\n'
                    + (f'{subtitle}\n' if subtitle else '')
                    + f'\nListen: {link}\n\n'
                    f'You get this because you asked for new-episode emails. Stop them with '
                    f'one click: {unsubscribe_link}\n'
                ),
                'headers': {
                    'List-Unsubscribe': f'<{unsubscribe_link}>',
                    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
                },
            }
        )
    if messages:
        await session.execute(insert(OutboxMessage), messages)
    await session.commit()
    return len(messages)
