"""The demo catalogue: seeded, believable, and shaped the way the pages and feeds expect."""

import hashlib
import itertools
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from podsite.infrastructure.slugs import is_valid_slug
from podsite.tools.demo_content import DemoCatalogue, DemoEpisode, generate_catalogue
from podsite.tools.demo_listening import ReleasedEpisode, generate_listening

LINK = re.compile(r'\[[^\]]+\]\(https://[^)\s]+\)')
YOUTUBE_ID = re.compile(r'[A-Za-z0-9_-]{11}')
SENTENCE_END = re.compile(r'[.!?](?:\s|$)')


# The day the demo is dated by in these tests, whatever day they run on.
TODAY = date(2026, 3, 9)


@pytest.fixture(scope='module')
def catalogue() -> DemoCatalogue:
    return generate_catalogue(today=TODAY)


def published(catalogue: DemoCatalogue) -> list[DemoEpisode]:
    return [episode for episode in catalogue.episodes if episode.is_published]


def test_the_same_seed_builds_the_same_catalogue_and_another_seed_does_not() -> None:
    first = generate_catalogue(episodes=30, seed=7).model_dump()
    assert generate_catalogue(episodes=30, seed=7).model_dump() == first
    assert generate_catalogue(episodes=30, seed=8).model_dump() != first


def test_the_catalogue_does_not_depend_on_string_hashing_between_processes() -> None:
    script = (
        'import hashlib\n'
        'from podsite.tools.demo_content import generate_catalogue\n'
        'import datetime\n'
        'today = datetime.date(2026, 3, 9)\n'
        'dump = generate_catalogue(episodes=20, seed=3, today=today).model_dump_json()\n'
        'print(hashlib.sha256(dump.encode()).hexdigest())\n'
    )
    digests = {
        subprocess.run(
            [sys.executable, '-c', script],
            env={**os.environ, 'PYTHONHASHSEED': hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for hash_seed in ('1', '2')
    }
    here = generate_catalogue(episodes=20, seed=3, today=TODAY).model_dump_json()
    assert digests == {hashlib.sha256(here.encode()).hexdigest()}


def test_three_hundred_episodes_bring_about_half_as_many_guests_and_ten_sponsors(
    catalogue: DemoCatalogue,
) -> None:
    assert [episode.number for episode in catalogue.episodes] == list(range(1, 301))
    assert len(catalogue.guests) == 150
    assert len(catalogue.people) == 151
    assert len(catalogue.sponsors) == 10
    assert len({guest.name for guest in catalogue.people}) == 151


@pytest.mark.parametrize(('episodes', 'guests'), [(1, 1), (2, 1), (25, 12), (1000, 500)])
def test_the_catalogue_scales_with_the_number_of_episodes(episodes: int, guests: int) -> None:
    scaled = generate_catalogue(episodes=episodes, today=TODAY)
    assert len(scaled.episodes) == episodes
    assert len(scaled.guests) == guests
    assert len({episode.slug for episode in scaled.episodes}) == episodes
    released = [episode.published_at for episode in scaled.episodes if episode.is_published]
    assert max(d for d in released if d.date() <= TODAY) == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert min(released) >= datetime(2015, 1, 5, tzinfo=UTC)  # a long catalogue is squeezed


def test_a_catalogue_needs_at_least_one_episode() -> None:
    with pytest.raises(ValueError, match='at least one episode'):
        generate_catalogue(episodes=0)


def test_the_show_itself_is_described(catalogue: DemoCatalogue) -> None:
    podcast = catalogue.podcast
    assert podcast.title
    assert podcast.description
    assert podcast.author
    assert podcast.owner_email.endswith('@example.com')
    assert podcast.categories == [['Technology'], ['Education', 'Courses']]
    assert podcast.language == 'en'
    assert podcast.explicit is False
    assert podcast.artwork_url == '/static/img/demo/artwork.png'


def test_every_episode_has_show_notes_with_headings_and_twenty_to_forty_links(
    catalogue: DemoCatalogue,
) -> None:
    for episode in catalogue.episodes:
        assert '\n## ' in episode.show_notes
        assert 20 <= len(LINK.findall(episode.show_notes)) <= 40, episode.number
        assert 2 <= len(SENTENCE_END.findall(episode.summary)) <= 3, episode.summary


def test_published_episodes_have_transcripts_of_several_thousand_words_covering_the_audio(
    catalogue: DemoCatalogue,
) -> None:
    names = {guest.slug: guest.name for guest in catalogue.people}
    for episode in published(catalogue):
        transcript = episode.transcript
        assert transcript is not None
        assert 2500 <= len(transcript.text.split()) <= 6000
        cues = transcript.cues
        assert cues[0].start == 0
        assert cues[-1].end == episode.duration_seconds
        assert all(cue.start < cue.end for cue in cues)
        assert all(before.end == after.start for before, after in itertools.pairwise(cues))
        cast = {names[appearance.guest_slug] for appearance in episode.appearances}
        assert {cue.speaker for cue in cues} <= cast
        assert all(cue.text in transcript.text for cue in cues[:20])


def test_slugs_are_unique_and_url_safe(catalogue: DemoCatalogue) -> None:
    for items in (catalogue.episodes, catalogue.people, catalogue.sponsors):
        slugs = [item.slug for item in items]
        assert len(set(slugs)) == len(slugs)
        assert all(is_valid_slug(slug) and len(slug) <= 80 for slug in slugs)
    guids = [episode.guid for episode in catalogue.episodes]
    assert len(set(guids)) == len(guids)


def test_the_host_leads_every_episode_and_every_guest_appears_somewhere(
    catalogue: DemoCatalogue,
) -> None:
    appearing: Counter[str] = Counter()
    for episode in catalogue.episodes:
        host, *guests = episode.appearances
        assert (host.guest_slug, host.role, host.position) == (catalogue.host.slug, 'host', 0)
        assert 1 <= len(guests) <= 3
        assert [guest.position for guest in guests] == list(range(1, len(guests) + 1))
        assert all(guest.role == 'guest' for guest in guests)
        assert len({guest.guest_slug for guest in guests}) == len(guests)
        appearing.update(guest.guest_slug for guest in guests)
    assert set(appearing) == {guest.slug for guest in catalogue.guests}


def test_guests_have_bios_photos_and_profiles(catalogue: DemoCatalogue) -> None:
    avatars = {f'/static/img/demo/guest-{k}.svg' for k in range(1, 13)}
    for guest in catalogue.people:
        assert 2 <= len(SENTENCE_END.findall(guest.bio)) <= 4, guest.bio
        assert guest.photo_url in avatars
        assert guest.website_url.startswith('https://')
        assert guest.social_links
        assert all(url.startswith('https://') for url in guest.social_links.values())


def test_sponsors_have_logos_and_each_episode_places_at_most_two(
    catalogue: DemoCatalogue,
) -> None:
    logos = [sponsor.logo_url for sponsor in catalogue.sponsors]
    assert logos == [f'/static/img/demo/sponsor-{k}.svg' for k in range(1, 11)]
    known = {sponsor.slug for sponsor in catalogue.sponsors}
    for episode in catalogue.episodes:
        slugs = [placement.sponsor_slug for placement in episode.placements]
        assert len(slugs) <= 2
        assert len(set(slugs)) == len(slugs)
        assert set(slugs) <= known
        assert [placement.position for placement in episode.placements] == list(range(len(slugs)))
    assert sum(bool(episode.placements) for episode in catalogue.episodes) > 150


def test_the_newest_episode_is_a_week_old_the_next_due_next_week_the_last_a_draft(
    catalogue: DemoCatalogue,
) -> None:
    *_, newest, scheduled, draft = catalogue.episodes
    assert newest.published_at == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert (newest.is_published, scheduled.is_published, draft.is_published) == (True, True, False)
    assert scheduled.published_at == datetime(2026, 3, 16, 10, tzinfo=UTC)
    assert draft.transcript is None
    dates = [episode.published_at for episode in catalogue.episodes]
    assert all(date.tzinfo is not None for date in dates)
    assert dates == sorted(dates)
    released = dates[:-2]
    assert {b - a for a, b in itertools.pairwise(released)} == {timedelta(weeks=1)}
    assert catalogue.podcast.copyright.startswith(f'© {dates[0].year}-2026 ')
    assert all(episode.is_published for episode in generate_catalogue(episodes=9).episodes)


def test_the_demo_is_dated_by_the_day_it_is_made() -> None:
    today = datetime.now(UTC).date()
    episodes = generate_catalogue(episodes=20).episodes
    assert episodes[-3].published_at.date() == today - timedelta(weeks=1)


def test_media_and_episode_fields_look_like_a_real_feed(catalogue: DemoCatalogue) -> None:
    for episode in catalogue.episodes:
        assert 1800 <= episode.duration_seconds <= 4500
        assert episode.media_url == (
            f'https://media.podsite.example/episodes/{episode.number:04d}-{episode.slug}.mp3'
        )
        expected_size = episode.duration_seconds * 16_000
        assert expected_size <= episode.media_size_bytes <= expected_size * 1.05
        assert episode.media_type == 'audio/mpeg'
        assert episode.explicit is False
        assert episode.youtube_id is None or YOUTUBE_ID.fullmatch(episode.youtube_id)
        assert episode.season == episode.published_at.year - 2014
    videos = sum(episode.youtube_id is not None for episode in catalogue.episodes)
    assert 70 <= videos <= 130
    types = Counter(episode.episode_type for episode in catalogue.episodes)
    assert catalogue.episodes[0].episode_type == 'trailer'
    assert types['trailer'] == 1
    assert 1 <= types['bonus'] <= 30
    assert types['full'] > 250


def test_demo_listening_is_repeatable_and_fades_after_each_release() -> None:
    released = datetime(2026, 9, 1, 10, tzinfo=UTC)
    episodes = [ReleasedEpisode(1, released, 40_000_000, (7,), (9,))]
    today = date(2026, 11, 25)

    first = generate_listening(episodes, seed=5, today=today)
    again = generate_listening(episodes, seed=5, today=today)
    other = generate_listening(episodes, seed=6, today=today)

    assert first == again
    assert first != other
    per_day = Counter(d.occurred_at.date() for d in first.downloads if d.range_header is None)
    assert per_day[released.date()] > per_day[released.date() + timedelta(days=30)]
    assert max(d.occurred_at.date() for d in first.downloads) <= today
    assert {c.short_link_id for c in first.clicks} == {9}
    assert all(i.placement_ids == [7] for i in first.impressions)


def test_the_demo_has_a_past_stream_that_became_an_episode_and_one_ahead(
    catalogue: DemoCatalogue,
) -> None:
    past, upcoming = catalogue.live_streams
    latest = published(catalogue)[-2]  # the newest released: the last published is scheduled
    assert past.episode_number == latest.number and past.starts_at is not None
    assert past.starts_at < latest.published_at
    assert upcoming.starts_at is None and upcoming.days_ahead > 0
    assert upcoming.episode_number is None
    assert all(YOUTUBE_ID.fullmatch(stream.youtube_id) for stream in catalogue.live_streams)
    assert generate_catalogue(seed=5).live_streams == generate_catalogue(seed=5).live_streams
