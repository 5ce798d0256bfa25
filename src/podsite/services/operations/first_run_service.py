"""The first run of a production site: until it has an administrator or the show's settings,
it is not set up, and `/setup` creates both in one transaction. A site with either (a feed
imported from the command line, say) gets its first administrator from `podsite
create-admin` instead: the open page is for a site that has nothing to lose yet."""

from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from podsite.data import Podcast, User
from podsite.formats.feed_document import site_podcast_guid
from podsite.formats.xml_text import clean_text
from podsite.infrastructure import db
from podsite.infrastructure.passwords import hash_password
from podsite.schemas.account import UserInfo
from podsite.schemas.admin import PodcastWrite
from podsite.services.accounts import account_service, audit_service
from podsite.settings import current_settings

HAS_ADMIN = exists().where(User.role == 'admin')
HAS_SHOW = exists().where(Podcast.id.is_not(None))


class AlreadySetUpError(Exception):
    """The site has an administrator or a show (perhaps made a moment ago by another
    request)."""


async def needs_setup() -> bool:
    """True while the site has neither an administrator nor the show's settings: then
    every page leads to `/setup`."""
    row = (await db.session().execute(select(HAS_ADMIN, HAS_SHOW))).one()
    return not row[0] and not row[1]


async def set_up(*, show: PodcastWrite, name: str, email: str, password: str) -> UserInfo:
    """Stores the show's settings and the first administrator, with its audit entry, in
    one transaction. Of two requests at once, the second fails on the show's fixed id."""
    session = db.session()
    if not await needs_setup():
        raise AlreadySetUpError
    podcast = Podcast(
        id=1,
        guid=site_podcast_guid(current_settings().public_base_url),
        **show.model_dump(mode='json', exclude_unset=True),
    )
    session.add(podcast)
    admin = User(
        name=clean_text(name).strip() or 'Admin',
        email=account_service.normalize_email(email),
        password_hash=await hash_password(password),
        role='admin',
        email_confirmed_at=datetime.now(UTC),
    )
    session.add(admin)
    try:
        await session.flush()
    except IntegrityError as error:
        await session.rollback()
        raise AlreadySetUpError from error
    user = UserInfo.model_validate(
        {column.key: getattr(admin, column.key) for column in account_service.USER_COLUMNS}
    )
    audit_service.record(
        actor=user, action='create', entity='podcast', entity_id=podcast.id,
        summary=show.title, changes={'first_admin': user.email},
    )  # fmt: skip
    await session.commit()
    return user
