"""The reference the issue measures podsite against: the same episode page from the same
database, the conventional way (Flask, Jinja2 templates with a base layout, SQLAlchemy's
sync ORM), served by gunicorn. It reuses podsite's models and its small pure helpers (date
and duration text, the chapter list, static file versions, the embed code and the schema.org
data, which read podsite's read models), so the page is the same page,
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
from sqlalchemy import create_engine, exists, select
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
from podsite.infrastructure.static_files import file_versions, versioned_url
from podsite.schemas.catalogue import EpisodeDetails, GuestRef, SiteInfo
from podsite.settings import PACKAGE_DIR, Settings
from podsite.urls import embed_url
from podsite.viewmodels.episodes.details import table_of_contents
from podsite.viewmodels.episodes.embedding import EMBED_HEIGHT, EMBED_WIDTH, iframe_snippet
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
        date_text=date_text,
        duration_text=duration_text,
    )

    @app.get('/health')
    def health() -> str:
        return 'ok'

    @app.get('/episodes/show/<int:number>/<slug>')
    def episode_page(number: int, slug: str) -> ResponseReturnValue:
        now = datetime.now(UTC)
        with Session(engine) as session:
            podcast, live_now = session.execute(
                select(Podcast, LiveStream)
                .outerjoin(LiveStream, (LiveStream.starts_at <= now) & (LiveStream.ends_at > now))
                .order_by(Podcast.id, LiveStream.starts_at)
                .limit(1)
            ).one()
            found = session.execute(
                select(Episode, exists().where(Transcript.episode_id == Episode.id)).where(
                    Episode.is_published.is_(True),
                    Episode.published_at <= now,
                    Episode.number == number,
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
            sponsors = session.execute(
                select(Sponsor, ShortLink.name)
                .join(SponsorPlacement, SponsorPlacement.sponsor_id == Sponsor.id)
                .outerjoin(ShortLink, ShortLink.placement_id == SponsorPlacement.id)
                .where(SponsorPlacement.episode_id == episode.id)
                .order_by(SponsorPlacement.position)
            ).all()
            details_url = f'/episodes/show/{episode.number}/{episode.slug}'
            download_url = f'/episodes/download/{episode.number}/{episode.slug}.mp3'
            image = episode.image_url or podcast.artwork_url
            description = episode.subtitle or episode.summary[:300]
            details = EpisodeDetails.model_validate(
                {name: getattr(episode, name, None) for name in EpisodeDetails.model_fields}
                | {
                    'has_transcript': has_transcript,
                    'guests': [
                        GuestRef(name=g.name, slug=g.slug, photo_url=g.photo_url, role=role)
                        for role, g in people
                    ],
                    'linked_transcripts': (),
                    'sponsors': (),
                }
            )
            site = SiteInfo.model_validate(
                {name: getattr(podcast, name) for name in SiteInfo.model_fields}
            )
            structured = podcast_episode(
                details,
                site,
                settings,
                download_path=download_url,
                image_path=image,
                description=description,
            )
            query = urlencode({'url': base_url + details_url, 'format': 'json'}, safe=QUERY_SAFE)
            player_url = base_url + embed_url(episode.number, episode.slug)
            return render_template(
                'episode.html',
                site=podcast,
                live_now=live_now,
                episode=episode,
                has_transcript=has_transcript,
                people=people,
                sponsors=sponsors,
                chapters=table_of_contents(episode.chapters),
                full_title=f'#{episode.number}: {episode.title} · {podcast.title}',
                meta_description=description,
                canonical_url=base_url + details_url,
                og_image=base_url + image if image.startswith('/') else image,
                og_type='article',
                twitter_card='player',
                json_ld=script_text(structured),
                download_url=download_url,
                absolute_download_url=base_url + download_url,
                oembed_url=f'{base_url}/oembed?{query}',
                embed_url=player_url,
                embed_width=EMBED_WIDTH,
                embed_height=EMBED_HEIGHT,
                embed_snippet=iframe_snippet(
                    player_url, episode.title, width=EMBED_WIDTH, height=EMBED_HEIGHT
                ),
                current_path=request.path,
            )

    return app
