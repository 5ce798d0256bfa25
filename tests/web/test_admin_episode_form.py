"""The episode form as a host who publishes every week uses it: it says what a save did and
when listeners see it, shows every problem at once beside its field, and a save that changes
nothing changes nothing (the transcript, the publish time to the second, the audit log)."""

import re
from datetime import UTC, datetime, timedelta

from quart import Quart
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import AuditEntry, Episode, Transcript
from tests.clock import MovableClock
from tests.visitors import Browser, edit_form

VALID = {
    'number': '9001', 'title': 'Brand new', 'status': 'published', 'duration': '45:00',
    'media_url': 'https://media.example.com/9001.mp3', 'media_size_bytes': '43200000',
    'media_type': 'audio/mpeg', 'episode_type': 'full', 'show_notes': 'Hello **world**',
}  # fmt: skip


async def saved_message(admin: Browser, form: dict[str, str]) -> str:
    response = await admin.submit('/admin/episodes/new', VALID | form)
    assert response.status_code == 302, await response.get_data(as_text=True)
    html = await admin.page(response.headers['Location'])
    message = re.search(r'<p class="form-message" role="status">(.*?)</p>', html, re.S)
    assert message is not None
    return message.group(1)


async def test_a_saved_draft_says_it_is_on_no_public_page(admin: Browser) -> None:
    message = await saved_message(admin, {'status': 'draft'})
    assert message == 'Saved as a draft; not on the site, the feed or search.'


async def test_a_scheduled_episode_says_when_it_goes_live(
    admin: Browser, clock: MovableClock
) -> None:
    live_at = (clock() + timedelta(days=6, hours=2)).replace(second=0, microsecond=0)
    message = await saved_message(
        admin, {'status': 'scheduled', 'publish_at': f'{live_at:%Y-%m-%dT%H:%M}'}
    )
    day = f'{live_at:%b} {live_at.day}, {live_at:%Y at %H:%M}'
    assert message.startswith(f'Saved. It goes live on {day} UTC (in 6 days)')
    assert 'not on the site, the feed or search' in message


async def test_a_published_episode_says_it_shows_now(admin: Browser) -> None:
    message = await saved_message(admin, {'status': 'published'})
    assert message == 'Saved. The site, the feed and search show it now.'


async def test_every_problem_shows_at_once_beside_its_field_with_a_summary(
    admin: Browser, session: AsyncSession
) -> None:
    before = await session.scalar(select(func.count()).select_from(Episode))
    response = await admin.submit(
        '/admin/episodes/new',
        VALID
        | {
            'number': '1',  # taken
            'title': '',
            'duration': 'forever',
            'media_url': 'ftp://x',
            'people': 'nobody-at-all',
            'sponsors': 'no-such-sponsor',
            'chapters': '{"chapters": [',
        },
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    broken = ['number', 'title', 'duration', 'media_url', 'people', 'sponsors', 'chapters']
    for field in broken:
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', html
        ), field
        assert f'<p class="field-error" id="{field}-error">' in html, field
        assert f'<a href="#{field}">' in html, field
    assert html.count('aria-invalid="true"') == len(broken)
    assert 'Another episode has this number.' in html
    assert 'No guests with these slugs: nobody-at-all.' in html
    assert 'No sponsors with these slugs: no-such-sponsor.' in html
    assert 'value="ftp://x"' in html  # what was typed is kept
    assert await session.scalar(select(func.count()).select_from(Episode)) == before


async def test_an_external_media_file_needs_a_length_and_a_size(
    admin: Browser, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/episodes/new', VALID | {'duration': '0:00:00', 'media_size_bytes': '0'}
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'An episode with a media URL needs its length.' in html
    assert 'An episode with a media URL needs the size of the file in bytes.' in html
    assert await session.scalar(select(Episode).where(Episode.number == 9001)) is None


async def test_the_stored_transcript_fills_the_box_and_an_untouched_save_keeps_it(
    admin: Browser, session: AsyncSession
) -> None:
    transcript = await session.scalar(
        select(Transcript).where(Transcript.cues.is_not(None)).limit(1)
    )
    assert transcript is not None
    form = await edit_form(admin, transcript.episode_id)
    assert form['transcript'].startswith('WEBVTT')
    assert form['transcript_format'] == 'vtt'
    first_words = ' '.join(transcript.cues[0]['text'].split()[:3])
    assert first_words in form['transcript']
    response = await admin.submit(f'/admin/episodes/{transcript.episode_id}', form)
    assert response.status_code == 302
    await session.refresh(transcript)
    assert transcript.cues is not None and first_words in transcript.cues[0]['text']


async def test_saving_untouched_keeps_the_seconds_and_logs_nothing(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    episode_id = await session.scalar(
        select(Episode.id).where(Episode.is_published.is_(True)).order_by(Episode.number)
    )
    assert episode_id is not None
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    await session.execute(
        update(Episode).where(Episode.id == episode_id).values(published_at=moment)
    )
    await session.commit()
    form = await edit_form(admin, episode_id)
    assert form['publish_at'] == '2024-05-06T07:08:09'
    entries_before = await session.scalar(select(func.count()).select_from(AuditEntry))
    response = await admin.submit(f'/admin/episodes/{episode_id}', form)
    assert response.status_code == 302
    session.expire_all()
    stored = await session.scalar(select(Episode.published_at).where(Episode.id == episode_id))
    assert stored == moment
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == entries_before

    changed = await admin.submit(
        f'/admin/episodes/{episode_id}', form | {'publish_at': '2024-05-06T07:08:30'}
    )
    assert changed.status_code == 302
    entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry is not None
    assert list(entry.changes) == ['published_at']
