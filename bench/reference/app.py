"""The reference the issue measures podsite against: the same episode page from the same
database, the conventional way (Flask, Jinja2 templates with a base layout, SQLAlchemy's
sync ORM), served by gunicorn. It reuses podsite's models, its read models (filled here from
its own plain queries: the footer's years, the neighbours, the sponsor reads) and its small pure
helpers (date and duration text, the chapter list, static file versions, URLs, artwork copies,
tracked links in the notes, the embed code and the schema.org data), so the page is the same page,
byte for byte apart from whitespace and escaping (tests/web/test_bench_reference.py); it has
no caches.

    PODSITE_DATABASE_URL=sqlite+aiosqlite:////tmp/bench.db \\
        gunicorn --workers 2 --chdir bench/reference 'app:create_app()'
"""

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import and_, create_engine, exists, func, select
from sqlalchemy.orm import Session

from podsite.data import (
    Episode,
    EpisodeGuest,
    Guest,
    LiveStream,
    Podcast,
    ShortLink,
    Sponsor,
    SponsorPlacement,
    Transcript,
)
from podsite.formats.json_ld import script_text
from podsite.formats.show_notes import with_tracked_links
from podsite.infrastructure.static_files import file_versions, versioned_url
from podsite.schemas.catalogue import EpisodeDetails, EpisodeLink, GuestRef, Placement, SiteInfo
from podsite.settings import PACKAGE_DIR, Settings
from podsite.urls import embed_url, feed_url, media_download_path
from podsite.viewmodels.episodes.details import people_heading, table_of_contents
from podsite.viewmodels.episodes.embedding import EMBED_HEIGHT, EMBED_WIDTH, iframe_snippet
from podsite.viewmodels.shared.artwork import artwork_copy_url
from podsite.viewmodels.shared.formatting import date_text, duration_text
from podsite.viewmodels.shared.structured_data import podcast_episode

# As werkzeug's url_for writes a query string.
QUERY_SAFE = "!$'()*,/:;?@"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__, root_path=str(Path(__file__).parent))
    # The same database podsite serves, through the sync driver of the same backend.
    engine = create_engine(
        settings.database_url.replace('sqlite+aiosqlite', 'sqlite').replace(
            'postgresql+asyncpg', 'postgresql+psycopg'
        )
    )
    app.extensions['engine'] = engine
    base_url = settings.public_base_url
    app.jinja_env.globals.update(
        static_url=partial(versioned_url, file_versions(PACKAGE_DIR / 'static')),
        artwork_copy_url=artwork_copy_url,
        date_text=date_text,
        duration_text=duration_text,
    )

    @app.get('/health')
    def health() -> str:
        return 'ok'

    @app.get('/episodes/show/<int:number>/<slug>')
    def episode_page(number: int, slug: str) -> ResponseReturnValue:
        now = datetime.now(UTC)
        public = and_(Episode.is_published.is_(True), Episode.published_at <= now)
        with Session(engine) as session:
            podcast, live_now, first, latest = session.execute(
                select(
                    Podcast,
                    LiveStream,
                    select(func.min(Episode.published_at)).where(public).scalar_subquery(),
                    select(func.max(Episode.published_at)).where(public).scalar_subquery(),
                )
                .outerjoin(LiveStream, (LiveStream.starts_at <= now) & (LiveStream.ends_at > now))
                .order_by(Podcast.id, LiveStream.starts_at)
                .limit(1)
            ).one()
            found = session.execute(
                select(Episode, exists().where(Transcript.episode_id == Episode.id)).where(
                    public, Episode.number == number
                )
            ).one_or_none()
            if found is None:
                abort(404)
            episode, has_transcript = found
            if episode.slug != slug:
                return redirect(f'/episodes/show/{number}/{episode.slug}', 301)
            people = session.execute(
                select(EpisodeGuest.role, Guest)
                .join(Guest, Guest.id == EpisodeGuest.guest_id)
                .where(EpisodeGuest.episode_id == episode.id)
                .order_by(EpisodeGuest.position)
            ).all()
            # Archived sponsors are not shown; without its (unarchived) tracked link a read
            # has no link at all.
            sponsors = session.execute(
                select(SponsorPlacement.id, Sponsor, ShortLink.name)
                .join(
                    Sponsor,
                    (Sponsor.id == SponsorPlacement.sponsor_id) & Sponsor.archived_at.is_(None),
                )
                .outerjoin(
                    ShortLink,
                    (ShortLink.placement_id == SponsorPlacement.id)
                    & ShortLink.archived_at.is_(None),
                )
                .where(SponsorPlacement.episode_id == episode.id)
                .order_by(SponsorPlacement.position)
            ).all()
            stream_youtube_id = session.scalar(
                select(LiveStream.youtube_id)
                .where(LiveStream.episode_id == episode.id)
                .order_by(LiveStream.starts_at.desc())
                .limit(1)
            )
            previous = session.execute(
                select(Episode.number, Episode.slug, Episode.title)
                .where(public, Episode.number < episode.number)
                .order_by(Episode.number.desc())
                .limit(1)
            ).one_or_none()
            following = session.execute(
                select(Episode.number, Episode.slug, Episode.title)
                .where(public, Episode.number > episode.number)
                .order_by(Episode.number)
                .limit(1)
            ).one_or_none()
            details = EpisodeDetails.model_validate(
                {name: getattr(episode, name, None) for name in EpisodeDetails.model_fields}
                | {
                    'has_transcript': has_transcript,
                    'guests': [
                        GuestRef(name=g.name, slug=g.slug, photo_url=g.photo_url, role=role)
                        for role, g in people
                    ],
                    'linked_transcripts': episode.linked_transcripts or (),
                    'sponsors': [
                        Placement(
                            placement_id=placement_id,
                            name=sponsor.name,
                            slug=sponsor.slug,
                            logo_url=sponsor.logo_url,
                            website_url=sponsor.website_url,
                            description=sponsor.description,
                            link_name=link_name,
                        )
                        for placement_id, sponsor, link_name in sponsors
                    ],
                    'previous': None if previous is None else EpisodeLink(**previous._mapping),
                    'next': None if following is None else EpisodeLink(**following._mapping),
                    'stream_youtube_id': stream_youtube_id,
                }
            )
            site = SiteInfo.model_validate(
                {name: getattr(podcast, name, None) for name in SiteInfo.model_fields}
                | {
                    'subscribe_urls': podcast.subscribe_urls or {},
                    'first_episode_year': first.year if first else None,
                    'latest_episode_year': latest.year if latest else None,
                }
            )
        details_url = details.details_url
        download_url = media_download_path(
            details.number,
            details.slug,
            media_type=details.media_type,
            media_url=details.media_url,
            media_file=details.media_file,
        )
        artwork_file = details.artwork_file or site.artwork_file
        if details.artwork_file:
            image = artwork_copy_url(details.artwork_file, 'og')
        else:
            image = details.image_url or artwork_copy_url(site.artwork_file, 'og')
            image = image or site.artwork_url
        description = details.subtitle or details.summary[:300]
        label = details.short_label
        page_title = f'{label}: {details.title}' if label else details.title
        structured = podcast_episode(
            details,
            site,
            settings,
            download_path=download_url,
            image_path=image,
            description=description,
        )
        query = urlencode({'url': base_url + details_url, 'format': 'json'}, safe=QUERY_SAFE)
        player_url = base_url + embed_url(details.number, details.slug)
        tracked = {s.website_url: s.link_path for s in details.sponsors if s.link_path}
        return render_template(
            'episode.html',
            site=site,
            live_now=live_now,
            episode=details,
            chapters=table_of_contents(details.chapters),
            full_title=f'{page_title} · {site.title}',
            meta_description=description,
            canonical_url=base_url + details_url,
            og_image=base_url + image if image.startswith('/') else image,
            og_type='article',
            twitter_card='player',
            json_ld=script_text(structured),
            feed_url=base_url + feed_url(),
            footer_notice=site.footer_notice(now.year),
            artwork_file=artwork_file,
            download_url=download_url,
            download_label=download_url.rpartition('.')[2].upper(),
            absolute_download_url=base_url + download_url,
            oembed_url=f'{base_url}/oembed?{query}',
            embed_url=player_url,
            embed_width=EMBED_WIDTH,
            embed_height=EMBED_HEIGHT,
            embed_snippet=iframe_snippet(
                player_url, details.title, width=EMBED_WIDTH, height=EMBED_HEIGHT
            ),
            youtube_embed_url=(
                f'https://www.youtube-nocookie.com/embed/{details.youtube_id}'
                if details.youtube_id
                else None
            ),
            people_heading=people_heading(details),
            show_notes_html=with_tracked_links(details.show_notes_html, tracked),
            current_path=request.path,
        )

    return app
