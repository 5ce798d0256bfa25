"""Every route of the URL map under junk, as every kind of visitor: no answer is a 5xx and
nothing is logged as an error.

Hypothesis draws requests of three kinds over one site (the demo catalogue, with local
media files so that downloads serve byte ranges):

- a rule of the URL map with any method, junk in its path arguments (huge and foreign
  numbers, long and odd text, traversal), a junk query string and a junk body;
- a link that the site's own pages showed, with junk query parameters;
- a form that the site's own pages showed, filled in as the page filled it in, with a few
  fields spoiled (by values of their own kind: a number field gets numbers past every
  integer type, a date field dates past the calendar's end) or dropped, or fields of other
  forms added, sent urlencoded, as multipart (with an upload) or as a raw body.

Each request comes from an anonymous visitor, a listener, an advertiser or an admin (a
fresh login each time, since a request may log out or change a role), with the CSRF token
right, wrong or missing, in the form or the header, from a random address (directly or
through `X-Forwarded-For`), with random conditional, range, encoding and cookie headers.

The site keeps what earlier requests changed (an admin's edits, new accounts, bans), as a
site under attack would. `PODSITE_FUZZ_EXAMPLES` sets how many requests are drawn: the
default takes about a minute on CI on each database; 0 skips the test.
"""

import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlencode, urlsplit

import lxml.html
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from podsite.app import create_app
from podsite.data import Episode, Sponsor
from podsite.infrastructure import db
from podsite.services.accounts import account_service
from tests.clock import MovableClock
from tests.databases import settings_for
from tests.factories import silent_mp3
from tests.visitors import ADMIN_PASSWORD

FUZZ_EXAMPLES = int(os.environ.get('PODSITE_FUZZ_EXAMPLES', '3000'))
SURVEYED_PAGES_PER_VISITOR = 80
FORMS_PER_ROUTE = 2
CSRF_TOKEN = 'fuzz-csrf-token'
SESSION_COOKIE = 'podsite_session'
VISITORS = ('anonymous', 'listener', 'advertiser', 'admin', 'admin')
METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
QUERY_NAMES = ('q', 'page', 'limit', 'status', 'saved', 'next', 'period', 'v')
RULE_ARGUMENT = re.compile(r'<(?:(?P<converter>\w+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>')

# Values that have broken sites before, by the kind of field they spoil.
NUMBERS = [
    '', '0', '-1', ' 7 ', '1.5', '1e3', '1e309', 'NaN', 'inf', str(2**31 - 1), str(2**31),
    str(2**63 - 1), str(2**63), str(2**64), '9' * 40, '9' * 5000, '²',
    '\N{ARABIC-INDIC DIGIT ONE}',
]  # fmt: skip
MOMENTS = [
    '2024-02-30', '2024-13-01T25:61', '0001-01-01T00:00', '9999-12-31T23:59',
    '9999-12-31T23:59-05:00', '0001-01-01T00:00+05:00', '9999-12-31T23:59:59.999999',
    '2024-01-01T00:00+23:59', '1:99:99', '99:59:59.9999', '100:00:00', '0:00', '-1:00',
]  # fmt: skip
ADDRESSES = [
    'javascript:alert(1)', 'data:text/html,x', '//evil.example', 'http://', 'https://[::1',
    'https://' + 'a' * 3000 + '.example', 'mailto:', '/static/' + 'a' * 300, '../../etc/passwd',
    'a@b.c', 'x@' + 'y' * 300 + '.example', '@', 'a@b', 'ADMIN@EXAMPLE.COM ',
]  # fmt: skip
STRUCTURED = [
    '[' * 100_000, '{"chapters": [{"startTime": 1e999}]}', '{"chapters": [null, 1, []]}',
    '{"chapters": [{"startTime": "x", "title": null}]}', '{"chapters": "x"}',
    '{"chapters": [{"startTime": -1, "url": "javascript:x", "img": 5}]}',
    'no-such-guest host\nother one, guest', 'WEBVTT\n\n00:00:01.000 --> 00:00:00.000\nback',
    '1\n99:99:99,999 --> 00:00:01,000\nx',
    'WEBVTT\n\n' + '00:00:01.000 --> 00:00:02.000\nx\n\n' * 500,
]  # fmt: skip
WORDS = [
    '', ' ', "'", '"', '\\', '%', '%00', '\x00', '\x1b[31m', '\r\nSet-Cookie: x=y', '\u202e',
    '\ud7ff', '🎙️', 'a:*', '\N{MODIFIER LETTER TRIANGULAR COLON}', '\N{MODIFIER LETTER APOSTROPHE}',
    '\N{PARENTHESIZED DIGIT ONE}*', '<script>alert(1)</script>', 'a' * 256, 'x' * 70_000,
    'admin', 'advertiser', 'listener', 'on', 'all', '7', 'draft', 'published', 'scheduled',
    'no-transcript', 'vtt', 'srt', 'txt', 'episode', 'bonus', 'trailer', 'full',
]  # fmt: skip
ODD_VALUES = {'number': NUMBERS, 'moment': MOMENTS, 'address': ADDRESSES, 'structured': STRUCTURED}
KIND_OF_VALUE = [
    ('number', re.compile(r'-?[0-9]+$')),
    ('moment', re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]+:[0-9]{2}')),
    ('address', re.compile(r'https?://|/|\S+@')),
    ('structured', re.compile(r'[{\[]|WEBVTT')),
]
ODD_HEADERS = {
    'Range': ['bytes=-5', 'bytes=0-0', 'bytes=5-', 'bytes=-0', 'bytes=9999999999-',
              'bytes=0-1,3-4', 'bytes=abc', 'items=0-5', 'bytes=-99999999999999999999', 'bytes='],
    'If-None-Match': ['*', '"x"', 'W/"x"', 'junk', '""'],
    'If-Modified-Since': ['Mon, 01 Jan 2001 00:00:00 GMT', 'junk',
                          'Sun, 31 Dec 9999 23:59:59 GMT'],
    'If-Range': ['"x"', 'Mon, 01 Jan 2001 00:00:00 GMT', 'junk'],
    'Accept-Encoding': ['gzip', 'identity', 'br;q=1, gzip;q=0', '*;q=0', 'junk;q=x'],
    'Accept': ['application/json', 'text/html', '*/*;q=junk'],
    'User-Agent': ['AppleCoreMedia/1.0.0', 'Overcast/3.0', 'Googlebot/2.1', '', 'x' * 9000],
    'Referer': ['https://evil.example/', 'junk'],
    'Origin': ['https://evil.example', 'null'],
    'X-Forwarded-For': ['203.0.113.9', '203.0.113.9, 127.0.0.1', 'junk', '::1', ', ,'],
    'Host': ['evil.example', 'podcast.test:99999', ''],
    'Authorization': ['Basic junk', 'Bearer x'],
}  # fmt: skip
CONTENT_TYPES = [
    'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=latin-1',
    'multipart/form-data', 'multipart/form-data; boundary=x', 'application/json', 'text/plain',
]  # fmt: skip
COOKIES = ['x=y', f'{SESSION_COOKIE}=junk', f'{SESSION_COOKIE}=', '%%%=;;;']
UPLOADS = [b'', b'WEBVTT\n\n', b'\xff\xfe\x00junk', b'1\n00:00:01,000 --> 00:00:02,000\nx\n']
UPLOAD_NAMES = ['t.vtt', 't.srt', 't.txt', '', 'a' * 300 + '.vtt', '../x.txt']

Draw = Callable[[st.SearchStrategy[Any]], Any]


@dataclass(frozen=True)
class SurveyedForm:
    """A form as one of the site's pages showed it to a visitor."""

    visitor: str
    action: str
    method: str
    fields: tuple[tuple[str, str], ...]
    uploads: tuple[str, ...]


@dataclass
class FuzzSite:
    app: Quart
    client: Client
    user_ids: dict[str, int]
    rules: list[Rule]
    links: dict[str, list[str]] = field(default_factory=dict)
    forms: dict[str, list[SurveyedForm]] = field(default_factory=dict)
    field_names: list[str] = field(default_factory=list)


@dataclass
class FuzzRequest:
    visitor: str
    method: str
    path: str
    query: str = ''
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None
    files: dict[str, FileStorage] | None = None
    data: bytes | None = None
    client_address: str = '127.0.0.1'

    def describe(self) -> str:
        body = self.form if self.data is None else self.data
        headers = {name: value[:100] for name, value in self.headers.items()}
        return (
            f'{self.visitor}: {self.method} {self.path[:300]}?{self.query[:300]} from '
            f'{self.client_address} headers={headers} body={str(body)[:1000]} '
            f'files={list(self.files or ())}'
        )


@pytest.fixture
async def local_media(database_url: str, tmp_path: Path) -> Path:
    """Audio files for a few demo episodes, so that downloads serve byte ranges."""
    media = tmp_path / 'media'
    media.mkdir()
    app = create_app(settings_for(database_url))
    async with app.test_app(), db.Database.of(app).sessionmaker() as session:
        for url in (await session.scalars(select(Episode.media_url).limit(5))).all():
            (media / urlsplit(url).path.rsplit('/', 1)[-1]).write_bytes(silent_mp3(2))
    return media


@pytest.fixture
async def fuzz_site(
    database_url: str, clock: MovableClock, local_media: Path
) -> AsyncIterator[FuzzSite]:
    """The demo site with a listener, an advertiser and an admin, and what its pages link
    to and ask for, as each kind of visitor sees them."""
    settings = settings_for(
        database_url,
        media_dir=local_media,
        # The test client's own address, so that X-Forwarded-For is read too.
        trusted_proxies=['127.0.0.1/32'],
        analytics_interval_seconds=0,
    )
    app = create_app(settings, clock=clock)
    async with app.test_app():
        client = app.test_client()
        client.cookie_jar = None  # type: ignore[assignment]  # each request brings its own
        site = FuzzSite(app, client, await _accounts(app), list(app.url_map.iter_rules()))
        await _survey(site)
        yield site


async def _accounts(app: Quart) -> dict[str, int]:
    async with app.app_context():
        sponsor_id = await db.session().scalar(select(Sponsor.id).limit(1))
        ids = {}
        for role in ('listener', 'advertiser', 'admin'):
            user = await account_service.create_user(
                name=f'Fuzz {role}', email=f'fuzz-{role}@example.com', password=ADMIN_PASSWORD,
                role=role, sponsor_id=sponsor_id if role == 'advertiser' else None,
            )  # fmt: skip
            ids[role] = user.id
    return ids


async def _session_cookie(site: FuzzSite, visitor: str) -> str:
    """A signed session cookie holding a fresh login for the visitor and the CSRF token."""
    values = {'csrf_token': CSRF_TOKEN}
    if visitor != 'anonymous':
        async with site.app.app_context():
            values['login'] = await account_service.start_session(user_id=site.user_ids[visitor])
    serializer = site.app.session_interface.get_signing_serializer(site.app)  # type: ignore[attr-defined]
    return f'{SESSION_COOKIE}={serializer.dumps(values)}'


async def _survey(site: FuzzSite) -> None:
    """Visits each GET page with sample arguments and the pages they link to, as each kind
    of visitor, keeping the internal links and the forms (a few per route)."""
    adapter = site.app.url_map.bind('podcast.test')
    starts = [path for rule in site.rules for path in _sample_paths(rule)]
    field_names: set[str] = set()
    for visitor in sorted(set(VISITORS)):
        headers = {'Cookie': await _session_cookie(site, visitor)}
        queue, seen, links = list(starts), set[str](), set[str]()
        forms: dict[str, list[SurveyedForm]] = {}
        while queue and len(seen) < SURVEYED_PAGES_PER_VISITOR:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = await site.client.get(path, headers=headers)
            if response.status_code != 200 or 'html' not in (response.content_type or ''):
                continue
            page = lxml.html.fromstring(await response.get_data(as_text=True), base_url=path)
            for _, _, link, _ in page.iterlinks():  # type: ignore[attr-defined]
                parts = urlsplit(link)
                if not parts.netloc and parts.path.startswith('/'):
                    links.add(f'{parts.path}?{parts.query}' if parts.query else parts.path)
                    queue.append(parts.path)
            for form in page.forms:  # type: ignore[attr-defined]
                surveyed = _surveyed_form(visitor, form, path)
                field_names.update(name for name, _ in surveyed.fields)
                try:
                    endpoint, _ = adapter.match(surveyed.action, method=surveyed.method)
                except HTTPException:
                    continue
                kept = forms.setdefault(str(endpoint), [])
                if len(kept) < FORMS_PER_ROUTE and surveyed not in kept:
                    kept.append(surveyed)
        site.links[visitor] = sorted(links)
        site.forms[visitor] = [form for kept in forms.values() for form in kept]
    site.field_names = sorted(field_names)


def _surveyed_form(visitor: str, form: Any, page: str) -> SurveyedForm:
    fields = tuple((name, value or '') for name, value in form.form_values() if name)
    uploads = tuple(
        element.name for element in form.inputs if getattr(element, 'type', '') == 'file'
    )
    action = urlsplit(form.get('action') or page).path or page
    return SurveyedForm(visitor, action, (form.method or 'GET').upper(), fields, uploads)


def _sample_paths(rule: Rule) -> list[str]:
    """A GET rule with values its arguments accept (each `any` option, the number 1); none
    for rules taking text (slugs, tokens), which the pages' own links lead to."""
    if 'GET' not in (rule.methods or ()):
        return []
    paths = [rule.rule]
    for match in RULE_ARGUMENT.finditer(rule.rule):
        if match['converter'] == 'any':
            values = (match['options'] or '').replace(' ', '').split(',')
        elif match['converter'] == 'int':
            values = ['1']
        else:
            return []
        paths = [path.replace(match.group(0), value, 1) for path in paths for value in values]
    return paths


# Strategies are built once: building one per draw was most of the time a request took.
FREE_TEXT = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(str),
    st.binary(max_size=20).map(lambda raw: raw.decode('latin-1')),
)
NUMBER_ARGUMENTS = st.one_of(st.integers(0, 60), st.integers(0, 2**70), st.just(2**31 - 1))
SLUGS = st.from_regex(r'[a-z0-9-]{1,40}', fullmatch=True)
RAW_BYTES = st.binary(min_size=1, max_size=30)
RAW_BODIES = st.binary(max_size=300)
UPLOADED_BYTES = st.sampled_from(UPLOADS) | st.binary(max_size=200)
QUERY_NAME_LISTS = st.lists(st.sampled_from(QUERY_NAMES) | st.text(max_size=8), max_size=3)
HEADER_NAME_LISTS = st.lists(st.sampled_from(sorted(ODD_HEADERS)), max_size=3, unique=True)
CLIENT_ADDRESSES = st.just('127.0.0.1') | st.ip_addresses().map(str)


@cache
def _sampled(options: tuple[object, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


@cache
def _subsets(options: tuple[str, ...], most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(options), max_size=most, unique=True)


@cache
def _below(count: int) -> st.SearchStrategy[int]:
    return st.integers(0, count - 1)


def choose[T](draw: Draw, options: Sequence[T]) -> T:
    return draw(_sampled(tuple(options)))  # type: ignore[no-any-return]


def one_in(draw: Draw, count: int) -> bool:
    return draw(_below(count)) == 0  # type: ignore[no-any-return]


def odd_value(draw: Draw, like: str = '') -> str:
    """Odd text of the kind `like` is (a number for a number, ...), or of any kind."""
    kinds = [kind for kind, pattern in KIND_OF_VALUE if pattern.match(like)]
    pools = [kinds[0]] * 3 if kinds and like else list(ODD_VALUES)
    pool = choose(draw, [*pools, 'words'])
    if one_in(draw, 5):
        return str(draw(FREE_TEXT))
    return choose(draw, WORDS if pool == 'words' else ODD_VALUES[pool])


def _path_argument(draw: Draw, converter: str | None, options: str | None) -> str:
    if one_in(draw, 6):
        return quote_from_bytes(draw(RAW_BYTES), safe='')
    if converter == 'int':
        return quote(odd_value(draw), safe='') if one_in(draw, 4) else str(draw(NUMBER_ARGUMENTS))
    if converter == 'any':
        return 'x' if one_in(draw, 4) else choose(draw, (options or '').replace(' ', '').split(','))
    text = odd_value(draw) if one_in(draw, 2) else str(draw(SLUGS))
    return quote(text, safe='/' if converter == 'path' else '')


def _query(draw: Draw, base: str = '') -> str:
    names = draw(QUERY_NAME_LISTS)
    encoded = [f'{quote(name, safe="")}={quote(odd_value(draw), safe="")}' for name in names]
    if one_in(draw, 4):  # raw bytes, invalid UTF-8 included
        encoded.append(quote_from_bytes(draw(RAW_BYTES), safe='=&'))
    return '&'.join(part for part in (base, *encoded) if part)


def _headers(draw: Draw) -> dict[str, str]:
    headers = {name: choose(draw, ODD_HEADERS[name]) for name in draw(HEADER_NAME_LISTS)}
    if one_in(draw, 6):
        headers['Cookie'] = choose(draw, COOKIES)
    return headers


def _spoiled(draw: Draw, base: dict[str, str], names: list[str]) -> dict[str, str]:
    """The form as the page filled it in, with a few fields spoiled or dropped, and maybe
    fields of other forms: with every field spoiled at once, nothing but the first check
    of a form would ever run."""
    form = dict(base)
    for name in draw(_subsets(tuple(sorted(form)), 2)) if form else ():
        if one_in(draw, 6):
            del form[name]
        else:
            form[name] = odd_value(draw, form[name])
    for name in draw(_subsets(tuple(names), 2)) if names else ():
        form[name] = odd_value(draw)
    return form


def _body(draw: Draw, request: FuzzRequest, form: dict[str, str], uploads: tuple[str, ...]) -> None:
    encoding = choose(draw, ['urlencoded', 'urlencoded', 'multipart', 'raw'])
    if encoding == 'raw':
        request.data = draw(RAW_BODIES) if one_in(draw, 2) else urlencode(form).encode()
        request.headers['Content-Type'] = choose(draw, CONTENT_TYPES)
        return
    request.form = form
    if encoding == 'multipart':
        request.files = {
            name: FileStorage(BytesIO(draw(UPLOADED_BYTES)), filename=choose(draw, UPLOAD_NAMES))
            for name in uploads or ('upload',)
        }


def _csrf(draw: Draw, request: FuzzRequest) -> None:
    sent = choose(draw, ['right', 'right', 'right', 'wrong', 'missing'])
    if sent == 'missing':
        if request.form is not None:
            request.form.pop('csrf_token', None)
        return
    token = CSRF_TOKEN if sent == 'right' else choose(draw, ['wrong', '', CSRF_TOKEN + 'x'])
    if request.form is not None and one_in(draw, 2):
        request.form['csrf_token'] = token
    else:
        request.headers['X-CSRF-Token'] = token


def _method(draw: Draw, usual: Sequence[str]) -> str:
    """Mostly a method the route takes, sometimes any."""
    return choose(draw, METHODS) if one_in(draw, 8) else choose(draw, usual)


def draw_request(draw: Draw, site: FuzzSite) -> FuzzRequest:
    visitor = choose(draw, VISITORS)
    kind = choose(draw, ['rule', 'link', 'form', 'form'])
    if kind == 'form' and site.forms[visitor]:
        surveyed = choose(draw, site.forms[visitor])
        request = FuzzRequest(visitor, _method(draw, [surveyed.method]), surveyed.action)
        if request.method == 'GET':
            request.query = urlencode(_spoiled(draw, dict(surveyed.fields), []))
        else:
            form = _spoiled(draw, dict(surveyed.fields), site.field_names)
            _body(draw, request, form, surveyed.uploads)
    elif kind == 'link' and site.links[visitor]:
        path, _, query = choose(draw, site.links[visitor]).partition('?')
        request = FuzzRequest(visitor, _method(draw, ['GET']), path, _query(draw, query))
    else:
        rule = site.rules[draw(_below(len(site.rules)))]
        path = rule.rule
        for match in RULE_ARGUMENT.finditer(rule.rule):
            value = _path_argument(draw, match['converter'], match['options'])
            path = path.replace(match.group(0), value, 1)
        methods = sorted((rule.methods or {'GET'}) - {'OPTIONS'})
        request = FuzzRequest(visitor, _method(draw, methods), path, _query(draw))
        if request.method not in {'GET', 'HEAD'}:
            _body(draw, request, _spoiled(draw, {}, site.field_names), ())
    request.headers.update(_headers(draw))
    if request.method not in {'GET', 'HEAD', 'OPTIONS'}:
        _csrf(draw, request)
    request.client_address = str(draw(CLIENT_ADDRESSES))
    return request


async def send(site: FuzzSite, request: FuzzRequest) -> int:
    headers = dict(request.headers)
    login = await _session_cookie(site, request.visitor)
    headers['Cookie'] = '; '.join(filter(None, [headers.get('Cookie'), login]))
    response = await site.client.open(  # type: ignore[call-arg]
        request.path + (f'?{request.query}' if request.query else ''),
        method=request.method,
        headers=headers,
        form=request.form,
        files=request.files,  # type: ignore[arg-type]
        data=request.data,
        scope_base={'client': (request.client_address, 50_000)},
    )
    await response.get_data()
    return response.status_code


@pytest.mark.skipif(FUZZ_EXAMPLES == 0, reason='PODSITE_FUZZ_EXAMPLES=0')
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_no_request_to_any_route_gets_a_server_error(
    fuzz_site: FuzzSite, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    request = draw_request(data.draw, fuzz_site)
    caplog.clear()
    status = await send(fuzz_site, request)
    event(f'HTTP {status}')
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert status < 500 and not errors, (status, request.describe(), errors)
