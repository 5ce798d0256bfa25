"""The episode form as a host who publishes every week uses it: it says what a save did and
when listeners see it, shows every problem at once beside its field, and a save that changes
nothing changes nothing (the transcript, the publish time to the second, the audit log)."""

import json
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from quart import Quart, Response
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from werkzeug.datastructures import FileStorage

from podsite.data import AuditEntry, Episode, Guest, Sponsor, Transcript
from tests.clock import MovableClock
from tests.databases import QueryCounter
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
            'guests': ['nobody-at-all', 'robin-calloway'],
            'sponsors': 'no-such-sponsor',
            'chapter_time_0': '1:99',
            'chapter_title_0': 'Intro',
        },
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    broken = ['number', 'title', 'duration', 'media_url', 'guests', 'sponsors', 'chapter_time_0']
    for field in broken:
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', html
        ), field
        assert f'<p class="field-error" id="{field}-error">' in html, field
        assert f'<a href="#{field}">' in html, field
    assert '<a href="#chapter_time_0">Chapter 1</a>: Write the start time as H:MM:SS' in html
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
    assert 'Give the length of the audio at this URL, or upload the file.' in html
    assert 'Give the size of the file at this URL in bytes, or upload the file.' in html
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
    chapters = {
        'version': '1.2.0',
        'chapters': [
            {'startTime': 0, 'title': 'Intro', 'toc': False},
            {'startTime': 12.5, 'toc': False},
        ],
    }
    await session.execute(
        update(Episode)
        .where(Episode.id == episode_id)
        .values(published_at=moment, recorded_at=None, chapters=chapters)
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


async def submit_with_chapters_file(
    admin: Browser, form: dict[str, str], content: bytes, filename: str
) -> Response:
    html = await admin.page('/admin/episodes/new')
    token = Browser.TOKEN.search(html)
    assert token is not None
    upload = FileStorage(BytesIO(content), filename=filename, content_type='application/json')
    return await admin.client.post(
        '/admin/episodes/new',
        form=form | {'csrf_token': token.group(1)},
        files={'chapters_file': upload},
    )


async def stored_chapters(session: AsyncSession) -> object:
    session.expire_all()
    return await session.scalar(select(Episode.chapters).where(Episode.number == 9001))


async def test_chapters_are_edited_as_rows_and_stored_as_podcasting_2_json(
    admin: Browser, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/episodes/new',
        VALID
        | {
            'chapter_time_0': '0:00:00', 'chapter_title_0': 'Hello',
            'chapter_time_1': '', 'chapter_title_1': '',  # a blank row is no chapter
            'chapter_time_2': '12:30', 'chapter_title_2': 'The parser',
            'chapter_url_2': 'https://example.com/parser', 'chapter_img_2': 'https://example.com/p.png',
            'chapter_time_3': '0:44:59.5', 'chapter_title_3': 'Goodbye',
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert await stored_chapters(session) == {
        'version': '1.2.0',
        'chapters': [
            {'startTime': 0, 'title': 'Hello'},
            {'startTime': 750, 'title': 'The parser', 'url': 'https://example.com/parser',
             'img': 'https://example.com/p.png'},
            {'startTime': 2699.5, 'title': 'Goodbye'},
        ],
    }  # fmt: skip
    edit = await admin.page(response.headers['Location'])
    assert 'id="chapter_time_2" name="chapter_time_2" value="0:44:59.5"' in edit
    assert 'id="chapter_time_5"' in edit  # three blank rows to add more
    assert 'id="chapter_time_6"' not in edit


async def test_wrong_chapter_rows_each_get_a_message_and_nothing_is_stored(
    admin: Browser, session: AsyncSession
) -> None:
    response = await admin.submit(
        '/admin/episodes/new',
        VALID
        | {
            'chapter_time_0': '0:05:00', 'chapter_title_0': 'First',
            'chapter_time_1': '0:01:00', 'chapter_title_1': 'Before the first',
            'chapter_time_2': 'soon', 'chapter_title_2': 'No time',
            'chapter_time_3': '0:20:00', 'chapter_title_3': '',
            'chapter_time_4': '0:30:00', 'chapter_title_4': 'Link', 'chapter_url_4': 'javascript:x',
            'chapter_time_5': '0:50:00', 'chapter_title_5': 'Past the end',
        },
    )  # fmt: skip
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    for row, message in (
        (1, 'Each chapter starts after the one above it.'),
        (2, 'Write the start time as H:MM:SS'),
        (3, 'Give the chapter a title.'),
        (4, 'The link must be a web address'),
        (5, 'past the end of the episode'),
    ):
        assert re.search(rf'id="chapter_time_{row}-error">[^<]*{message}', html), row
    assert 'id="chapter_time_0-error"' not in html
    assert 'value="Before the first"' in html  # what was typed stays
    assert await session.scalar(select(Episode).where(Episode.number == 9001)) is None


async def test_chapters_are_imported_from_a_json_chapters_file(
    admin: Browser, session: AsyncSession
) -> None:
    document = {
        'version': '1.2.0',
        'chapters': [
            {'startTime': 0, 'title': 'Intro', 'toc': False},
            {'startTime': 90, 'title': 'Main', 'url': 'https://example.com/'},
        ],
    }
    response = await submit_with_chapters_file(
        admin, VALID, json.dumps(document).encode(), 'chapters.json'
    )
    assert response.status_code == 302
    assert await stored_chapters(session) == document  # `toc` kept, though not shown


async def test_chapters_are_imported_from_lines_of_time_and_title(
    admin: Browser, session: AsyncSession
) -> None:
    lines = b'00:00:00 Intro\n\n00:01:30.250 Main <https://example.com/>\n'
    response = await submit_with_chapters_file(admin, VALID, lines, 'chapters.txt')
    assert response.status_code == 302
    assert await stored_chapters(session) == {
        'version': '1.2.0',
        'chapters': [
            {'startTime': 0, 'title': 'Intro'},
            {'startTime': 90.25, 'title': 'Main', 'url': 'https://example.com/'},
        ],
    }


@pytest.mark.parametrize(
    ('content', 'message'),
    [
        (b'{"chapters": [{"startTime": 0, "title": "x"}]}', 'needs "version": "1.2.0"'),
        (b'{"version": "1.2.0", "chapters": [{"title": "x"}]}', 'needs a "startTime" number'),
        (b'{"version": "1.2.0", "chapters": [{"startTime": "0"}]}', 'needs a "startTime"'),
        (b'{"version": "1.2.0", "chapters": [{"startTime": NaN}]}', 'not a number JSON'),
        (b'{"version": "1.2.0", "chapters": [', 'Not valid JSON'),
        (b'[' * 100_000, 'nested too deeply'),
        (b'{"version": "1.2.0", "chapters": [{"startTime": 99999, "title": "x"}]}',
         'past the end of the episode'),
        (b'00:00:00 Intro\nsoon: Main\n', 'Line 2 of the file'),
        (b'\xff\xfe', 'not UTF-8'),
    ],
)  # fmt: skip
async def test_a_bad_chapters_file_is_explained_and_nothing_is_stored(
    admin: Browser, session: AsyncSession, content: bytes, message: str
) -> None:
    response = await submit_with_chapters_file(admin, VALID, content, 'chapters.json')
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert await session.scalar(select(Episode).where(Episode.number == 9001)) is None


async def test_hosts_guests_and_sponsors_are_chosen_in_order_from_lists(
    admin: Browser, app: Quart, session: AsyncSession
) -> None:
    guests = list((await session.scalars(select(Guest.slug).order_by(Guest.slug))).all())
    sponsors = list((await session.scalars(select(Sponsor.slug).order_by(Sponsor.slug))).all())
    assert len(guests) > 18 and len(sponsors) >= 2
    chosen_guests = [guests[18], guests[2], guests[11]]  # not in alphabetical order
    response = await admin.submit(
        '/admin/episodes/new',
        VALID
        | {
            'hosts': [guests[5]],
            'guests': chosen_guests,
            'sponsors': [sponsors[1], sponsors[0]],
        },
    )
    assert response.status_code == 302
    html = await admin.page(response.headers['Location'])
    for field, expected, every in (
        ('hosts', [guests[5]], guests),
        ('guests', chosen_guests, guests),
        ('sponsors', [sponsors[1], sponsors[0]], sponsors),
    ):
        menu = re.search(
            rf'<select id="{field}" name="{field}" multiple[^>]*>(.*?)</select>', html, re.S
        )
        assert menu is not None, field
        values = re.findall(r'<option value="([^"]+)"', menu[1])
        assert sorted(values) == sorted(every), field  # everyone can be chosen
        selected = re.findall(r'<option value="([^"]+)" selected="selected"', menu[1])
        assert selected == expected, field
        assert values[: len(expected)] == expected, field  # sent back in this order
    page = await Browser(app.test_client()).page('/episodes/show/9001/brand-new')
    positions = [page.index(f'/guests/{slug}') for slug in chosen_guests]
    assert positions == sorted(positions)
    assert 'picker.js' in html and 'chapter_rows.js' in html
    assert '<script>' not in html  # no inline script: the CSP forbids them


async def test_an_archived_sponsor_stays_where_it_was_read_but_is_placed_nowhere_new(
    admin: Browser, session: AsyncSession
) -> None:
    read_by, other = (await session.scalars(select(Episode).limit(2))).all()
    sponsor = await session.scalar(select(Sponsor).order_by(Sponsor.slug))
    assert sponsor is not None
    slug = sponsor.slug
    placed = await admin.submit(
        f'/admin/episodes/{read_by.id}', await edit_form(admin, read_by.id) | {'sponsors': [slug]}
    )
    assert placed.status_code == 302
    await session.execute(
        update(Sponsor).where(Sponsor.slug == slug).values(archived_at=datetime.now(UTC))
    )
    await session.commit()

    kept = await admin.page(f'/admin/episodes/{read_by.id}')
    offered = await admin.page(f'/admin/episodes/{other.id}')
    saved_again = await admin.submit(
        f'/admin/episodes/{read_by.id}', await edit_form(admin, read_by.id)
    )
    refused = await admin.submit(
        f'/admin/episodes/{other.id}', await edit_form(admin, other.id) | {'sponsors': [slug]}
    )

    assert f'<option value="{slug}" selected="selected">{sponsor.name} (archived)' in kept
    assert f'value="{slug}"' not in offered
    assert saved_again.status_code == 302
    assert refused.status_code == 400
    assert f'Archived sponsors cannot be placed on an episode: {slug}.' in (
        await refused.get_data(as_text=True)
    )


async def test_the_edit_page_costs_the_same_queries_for_any_episode(
    admin: Browser, session: AsyncSession, queries: QueryCounter
) -> None:
    """Guests, sponsors, chapters and transcript are read in a fixed number of queries,
    however many an episode has."""
    ids = (await session.scalars(select(Episode.id).order_by(Episode.number).limit(3))).all()
    await admin.page(f'/admin/episodes/{ids[0]}')  # the layout's data is kept after this
    counts = []
    for episode_id in ids:
        queries.reset()
        await admin.page(f'/admin/episodes/{episode_id}')
        counts.append(queries.page_count)
    assert len(set(counts)) == 1, counts
    # The session and user, the episode, its people, sponsors, transcript, the lists of
    # guests and sponsors to choose from.
    assert counts[0] == 7, counts
