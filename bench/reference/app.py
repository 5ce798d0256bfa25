"""The reference the issue measures podsite against: the same episode page from the same
database, the conventional way (Flask, Jinja2 templates with a base layout, SQLAlchemy's
sync ORM), served by gunicorn. It reuses podsite's models and its small pure helpers (date
and duration text, the chapter list, static file versions), so the page is the same page,
byte for byte apart from whitespace and escaping (tests/web/test_bench_reference.py); it has
no caches.

    PODSITE_DATABASE_URL=sqlite+aiosqlite:////tmp/bench.db \\
        gunicorn --workers 2 --chdir bench/reference 'app:create_app()'
"""

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

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
from podsite.infrastructure.static_files import file_versions, versioned_url
from podsite.settings import PACKAGE_DIR, Settings
from podsite.viewmodels.episodes.details import table_of_contents
from podsite.viewmodels.shared.formatting import date_text, duration_text


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
            artwork = podcast.artwork_url
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
                meta_description=episode.subtitle or episode.summary[:300],
                canonical_url=base_url + details_url,
                og_image=base_url + artwork if artwork.startswith('/') else artwork,
                current_path=request.path,
            )

    return app
