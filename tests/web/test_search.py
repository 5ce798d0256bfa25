"""Search across episodes, guests and transcripts, on SQLite (FTS5) and PostgreSQL."""

import logging
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quart.typing import TestClientProtocol as Client
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from podsite.data import Episode, Guest, Transcript
from podsite.services.catalogue.search_query import parse
from tests.databases import QueryCounter
from tests.factories import add_episode, add_guest


async def api(client: Client, query: str, **params: str) -> dict[str, object]:
    extra = ''.join(f'&{name}={value}' for name, value in params.items())
    response = await client.get(f'/search/api?q={quote(query)}{extra}')
    assert response.status_code == 200
    body = await response.get_json()
    assert isinstance(body, dict)
    return body


def titles(body: dict[str, object]) -> list[str]:
    return [hit['title'] for hit in body['episodes']]  # type: ignore[attr-defined,index]


async def test_empty_query_shows_how_to_search(client: Client) -> None:
    response = await client.get('/search')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'for an exact phrase' in html


async def test_results_are_grouped_highlighted_and_keep_the_query(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(
        session, name='Zebulon Quasar', slug='zebulon-quasar', bio='Maintains quasarlib.'
    )
    await add_episode(
        session, title='Quasarlib internals', slug='quasarlib', guests=(guest,),
        show_notes='We dig into quasarlib and its <b>scheduler</b>.',
    )  # fmt: skip
    response = await client.get('/search?q=quasarlib')
    html = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="quasarlib"' in html
    assert '<h2 id="guest-results">Guests <span class="count">(1)</span></h2>' in html
    assert html.index('id="episode-results"') < html.index('id="guest-results"')
    assert 'Zebulon Quasar' in html and 'Quasarlib internals' in html
    assert '<mark>quasarlib</mark>' in html.lower()
    assert '<b>scheduler</b>' not in html


async def test_transcript_hits_link_to_the_moment_it_was_said(
    client: Client, session: AsyncSession
) -> None:
    episode = await add_episode(session, title='Plain title', slug='plain-title')
    cues = [
        {'start': 10.0 * i, 'end': 10.0 * i + 9, 'speaker': 'Robin', 'text': f'Line {i}.'}
        for i in range(12)
    ]
    cues[7]['text'] = 'Flibbertigibbet parsers.'  # in the second passage, which starts at 50 s
    session.add(Transcript(episode_id=episode.id, text='...', cues=cues))
    await session.commit()
    body = await api(client, 'flibbertigibbet')
    (hit,) = body['episodes']  # type: ignore[misc]
    assert hit['url'] == f'/episodes/transcript/{episode.number}/plain-title#t50'
    assert hit['transcript_seconds'] == 50.0
    page = await (await client.get(hit['url'].split('#')[0])).get_data(as_text=True)
    assert 'id="t50"' in page


async def test_phrases_prefixes_case_and_accents(client: Client, session: AsyncSession) -> None:
    await add_episode(session, title='Café Résumé Zymurgy Quokkas', slug='cafe')
    await add_episode(session, title='Quokkas of zymurgy cafés', slug='other-order')
    assert titles(await api(client, 'CAFE resume')) == ['Café Résumé Zymurgy Quokkas']
    assert titles(await api(client, '"zymurgy quokkas"')) == ['Café Résumé Zymurgy Quokkas']
    assert len(titles(await api(client, 'zymur*'))) == 2
    assert len(titles(await api(client, 'QUOKKA'))) == 2  # stemmed: quokkas


async def test_unpublished_episodes_are_never_found(client: Client, session: AsyncSession) -> None:
    await add_episode(session, title='Secret xylophonics', slug='secret', published=False)
    assert titles(await api(client, 'xylophonics')) == []


async def test_index_follows_every_write(client: Client, session: AsyncSession) -> None:
    episode = await add_episode(session, title='Original wombat title', slug='wombat')
    assert titles(await api(client, 'wombat')) == ['Original wombat title']
    await session.execute(
        update(Episode).where(Episode.id == episode.id).values(title='Renamed to platypus')
    )
    await session.commit()
    assert titles(await api(client, 'wombat')) == []
    assert titles(await api(client, 'platypus')) == ['Renamed to platypus']
    session.add(Transcript(episode_id=episode.id, text='Talking about narwhals.', cues=None))
    await session.commit()
    assert titles(await api(client, 'narwhals')) == ['Renamed to platypus']
    await session.execute(
        update(Transcript).where(Transcript.episode_id == episode.id).values(text='Now okapis.')
    )
    await session.commit()
    assert titles(await api(client, 'narwhals')) == []
    assert titles(await api(client, 'okapis')) == ['Renamed to platypus']
    guest = await add_guest(session, name='Capybara Person', slug='capybara')
    assert (await api(client, 'capybara'))['guests']
    await session.execute(update(Guest).where(Guest.id == guest.id).values(name='Tapir Person'))
    await session.execute(delete(Episode).where(Episode.id == episode.id))
    await session.commit()
    assert not (await api(client, 'capybara'))['guests']
    assert (await api(client, 'tapir'))['guests']
    assert titles(await api(client, 'okapis')) == []


async def test_results_are_paginated(client: Client, session: AsyncSession) -> None:
    for index in range(23):
        await add_episode(session, title=f'Marsupial stories {index}', slug=f'm-{index}')
    first = await api(client, 'marsupial')
    assert (first['total_episodes'], first['pages'], len(first['episodes'])) == (23, 3, 10)  # type: ignore[arg-type]
    last = await api(client, 'marsupial', page='3')
    assert len(last['episodes']) == 3  # type: ignore[arg-type]
    html = await (await client.get('/search?q=marsupial&page=2')).get_data(as_text=True)
    assert 'Page 2 of 3' in html and 'rel="prev"' in html and 'rel="next"' in html
    assert len((await api(client, 'marsupial', limit='5'))['episodes']) == 5  # type: ignore[arg-type]


async def test_totals_count_every_matching_episode_not_only_the_best_rows(
    client: Client, session: AsyncSession
) -> None:
    """One episode saying the word in hundreds of transcript passages outranks a dozen that
    mention it once: every one is counted and reachable."""
    chatty = await add_episode(session, title='Chatty', slug='chatty')
    cues = [
        {'start': 2.0 * i, 'end': 2.0 * i + 1, 'speaker': 'Robin', 'text': 'Wombatology!'}
        for i in range(1500)
    ]
    session.add(Transcript(episode_id=chatty.id, text='...', cues=cues))
    for index in range(12):
        await add_episode(
            session, title=f'Quiet {index}', slug=f'quiet-{index}',
            show_notes='A long ramble about many things. ' * 20 + 'Also wombatology.',
        )  # fmt: skip
    await session.commit()
    first = await api(client, 'wombatology')
    assert (first['total_episodes'], first['pages']) == (13, 2)
    last = await api(client, 'wombatology', page='2')
    assert len(last['episodes']) == 3  # type: ignore[arg-type]
    every = titles(first) + titles(last)
    assert sorted(every) == sorted(['Chatty', *(f'Quiet {index}' for index in range(12))])
    html = await (await client.get('/search?q=wombatology')).get_data(as_text=True)
    assert 'Episodes <span class="count">(13)</span>' in html


@pytest.mark.parametrize(('given', 'shown'), [('0', 1), ('-3', 1), ('abc', 1), ('99', 3)])
async def test_pages_out_of_range_show_the_nearest_page(
    client: Client, session: AsyncSession, given: str, shown: int
) -> None:
    for index in range(23):
        await add_episode(session, title=f'Bandicoot tales {index}', slug=f'b-{index}')
    body = await api(client, 'bandicoot', page=given)
    assert body['page'] == shown
    response = await client.get(f'/search?q=bandicoot&page={given}')
    assert response.status_code == 200
    assert f'Page {shown} of 3' in await response.get_data(as_text=True)


async def test_episodes_are_listed_before_guests_and_guests_alone_still_show(
    client: Client, session: AsyncSession
) -> None:
    guest = await add_guest(session, name='Okapi Expert', slug='okapi-expert', bio='Okapis.')
    await add_episode(session, title='All about okapis', slug='okapis', guests=(guest,))
    body = await api(client, 'okapi')
    assert list(body).index('episodes') < list(body).index('guests')
    assert (body['total_episodes'], body['total_guests']) == (1, 1)
    for index in range(12):
        await add_episode(session, title=f'Okapi facts {index}', slug=f'okapi-{index}')
    second = await api(client, 'okapi', page='2')
    assert (second['guests'], second['total_guests']) == ([], 1)
    html = await (await client.get('/search?q=okapi')).get_data(as_text=True)
    assert html.index('id="episode-results"') < html.index('id="guest-results"')
    only_guest = await (await client.get('/search?q=expert')).get_data(as_text=True)
    assert 'id="guest-results"' in only_guest and 'id="episode-results"' not in only_guest


# Letters that PostgreSQL's unaccent turns into tsquery syntax.
LENGTH_MARK = '\N{MODIFIER LETTER TRIANGULAR COLON}'  # to `:`
APOSTROPHE = '\N{MODIFIER LETTER APOSTROPHE}'  # to `'`
N_APOSTROPHE = '\N{LATIN SMALL LETTER N PRECEDED BY APOSTROPHE}'  # to `'n`
PARENTHESIZED_ONE = '\N{PARENTHESIZED DIGIT ONE}'  # to `(1)`
UNACCENTED_TO_SYNTAX = [
    LENGTH_MARK, APOSTROPHE, N_APOSTROPHE, f'a{LENGTH_MARK}x', f'{PARENTHESIZED_ONE}*',
    '¼', 'a‼b', APOSTROPHE * 2, f'{N_APOSTROPHE}*', f'"a{LENGTH_MARK} b{APOSTROPHE}"',
    f'{PARENTHESIZED_ONE}⒜',
]  # fmt: skip

HOSTILE = [
    '"', '""', '"unbalanced', '*', '**', ':', '^', 'NEAR', 'NEAR(a b)', 'a AND', 'OR OR',
    'NOT python', '(', ')', '-', '+', '\\', "'", "'; DROP TABLE episode; --", '%', '_',
    'x' * 10_000, '🎙️🐍', 'a\x00b', '\x00', 'the of and', '&', '|', '!', '<->', ':*',
    'title:python', '{', 'a"b"c', '   ', '\u202e', 'ǅ', '日本語のテキスト',
    *UNACCENTED_TO_SYNTAX,
]  # fmt: skip


@pytest.mark.parametrize('query', HOSTILE)
async def test_odd_and_hostile_queries_never_fail(
    client: Client, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.get(f'/search?q={quote(query)}&page=abc')
    assert response.status_code == 200
    await api(client, query, page='-5', limit='99999')
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_letters_unaccent_turns_into_syntax_are_searched_as_letters(
    client: Client, session: AsyncSession
) -> None:
    title = f'Phonetics: the long vowel a{LENGTH_MARK}x and {PARENTHESIZED_ONE} footnotes'
    await add_episode(session, title=title, slug='ipa')
    assert titles(await api(client, f'a{LENGTH_MARK}x')) == [title]
    assert titles(await api(client, f'phonet* {PARENTHESIZED_ONE}*')) == [title]


async def test_overlong_queries_are_cut_with_a_message(client: Client) -> None:
    body = await api(client, 'python ' * 2000)
    assert 'shortened' in body['notices'][0]  # type: ignore[index]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.lists(
        # What a query string carries is UTF-8, which holds no lone surrogate.
        st.characters(exclude_categories=['Cs'])
        | st.sampled_from([*UNACCENTED_TO_SYNTAX, *'"*:&|!()<>\\\'']),
        max_size=150,
    ).map(''.join)
)
async def test_any_text_is_a_valid_search(client: Client, query: str) -> None:
    """On both databases: each run's database is the one the suite runs on."""
    await api(client, query)


def test_query_parsing_keeps_only_words() -> None:
    parsed = parse('"Type Hints" asyn* NEAR(x) title:py^2 flask')
    assert parsed.fts5() == '"type hints" "asyn"* "near" "x" "title" "py" "2" "flask"'
    assert parsed.tsquery_terms() == (
        ['type hints', 'asyn', 'near', 'x', 'title', 'py', '2', 'flask'],
        [False, True, False, False, False, False, False, False],
    )
    assert parse('   ').is_empty
    assert parse('"" * :').is_empty


async def test_every_page_has_the_search_box(client: Client) -> None:
    for path in ('/', '/episodes/all', '/guests', '/search?q=x'):
        html = await (await client.get(path)).get_data(as_text=True)
        assert 'action="/search"' in html, path


async def test_search_runs_a_fixed_number_of_queries(
    client: Client, session: AsyncSession, queries: QueryCounter
) -> None:
    queries.reset()
    await client.get('/search?q=python')
    first = queries.count
    for index in range(15):
        await add_episode(session, title=f'More python {index}', slug=f'p-{index}')
    queries.reset()
    await client.get('/search?q=python')
    assert queries.count == first <= 5


async def test_searching_guests_finds_them_by_bio(client: Client, session: AsyncSession) -> None:
    guest = await session.scalar(select(Guest).where(Guest.bio != '').limit(1))
    assert guest is not None
    word = max((w for w in guest.bio.split() if w.isalpha()), key=len)
    body = await api(client, f'"{word}"', limit='50')
    assert guest.slug in [hit['slug'] for hit in body['guests']]  # type: ignore[attr-defined,index]
