"""The reference the issue measures podsite against: the same episode page from the same
database, the conventional way (Flask, Jinja2, SQLAlchemy's sync ORM), served by
gunicorn. It reuses podsite's models, so the queries are the same; it has no caches.

    PODSITE_DATABASE_URL=sqlite+aiosqlite:////tmp/bench.db \\
        gunicorn --workers 2 --chdir bench/reference app:app
"""

import os
from datetime import datetime

from flask import Flask, abort, redirect, render_template
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from podsite.data import Episode, EpisodeGuest, Guest, Podcast, Sponsor, SponsorPlacement

app = Flask(__name__)
# The same database podsite serves, through the sync driver of the same backend.
engine = create_engine(
    os.environ['PODSITE_DATABASE_URL']
    .replace('sqlite+aiosqlite', 'sqlite')
    .replace('postgresql+asyncpg', 'postgresql+psycopg')
)


@app.get('/health')
def health() -> str:
    return 'ok'


@app.get('/episodes/show/<int:number>/<slug>')
def episode_page(number: int, slug: str) -> object:
    with Session(engine) as session:
        podcast = session.scalars(select(Podcast).limit(1)).one()
        episode = session.scalars(
            select(Episode).where(Episode.number == number, Episode.is_published.is_(True))
        ).one_or_none()
        if episode is None:
            abort(404)
        if episode.slug != slug:
            return redirect(f'/episodes/show/{number}/{episode.slug}', 301)
        guests = session.scalars(
            select(Guest)
            .join(EpisodeGuest, EpisodeGuest.guest_id == Guest.id)
            .where(EpisodeGuest.episode_id == episode.id)
            .order_by(EpisodeGuest.position)
        ).all()
        sponsors = session.scalars(
            select(Sponsor)
            .join(SponsorPlacement, SponsorPlacement.sponsor_id == Sponsor.id)
            .where(SponsorPlacement.episode_id == episode.id)
            .order_by(SponsorPlacement.position)
        ).all()
        return render_template(
            'episode.html', podcast=podcast, episode=episode, guests=guests, sponsors=sponsors,
            published=datetime.strftime(episode.published_at, '%B %-d, %Y'),
        )  # fmt: skip
