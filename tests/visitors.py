"""Visitors of the site through the Quart test client: cookies kept, forms filled in with
the CSRF token of the page, as a browser would; and the mail they get."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from io import BytesIO
from pathlib import Path
from urllib.parse import urlencode

import pyotp
from quart import Quart, Response
from quart.typing import TestClientProtocol as Client
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from podsite.data import OutboxMessage
from podsite.infrastructure import db
from podsite.services.accounts import account_service, mailer

ADMIN_PASSWORD = 'admin password 123'


class Browser:
    """A visitor with cookies who fills in forms: it reads each form's CSRF token from the
    page first, as a browser would send it."""

    TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

    def __init__(self, client: Client, cookie: str | None = None) -> None:
        self.client = client
        if cookie is not None:
            self.client.cookie_jar = None  # type: ignore[assignment]
            self.headers = {'Cookie': f'podsite_session={cookie}'}
        else:
            self.headers = {}

    async def page(self, path: str) -> str:
        response = await self.client.get(path, headers=self.headers)
        assert response.status_code == 200, (path, response.status_code)
        return await response.get_data(as_text=True)

    async def submit(self, path: str, form: Mapping[str, str | list[str]]) -> Response:
        """Posts the form after loading a page that carries the session's CSRF token; a list
        is a field sent once per value, as a `<select multiple>` is."""
        html = await self.page('/account/login' if '/reset/' not in path else path)
        if 'name="csrf_token"' not in html:
            html = await self.page('/account/reset')
        match = self.TOKEN.search(html)
        assert match is not None
        body = urlencode({**form, 'csrf_token': match.group(1)}, doseq=True)
        return await self.client.post(
            path,
            data=body.encode(),
            headers=self.headers | {'Content-Type': 'application/x-www-form-urlencoded'},
        )

    async def upload(
        self,
        path: str,
        form: Mapping[str, str | list[str]],
        files: dict[str, Path],
        *,
        token: bool = True,
    ) -> Response:
        """Posts a multipart form with files read from disk, as the episode form sends
        audio; a list is a field sent once per value; `token=False` leaves the CSRF token
        out."""
        html = await self.page('/account/login')
        match = self.TOKEN.search(html)
        assert match is not None
        sent = {**form, 'csrf_token': match.group(1)} if token else dict(form)
        fields = MultiDict(
            [
                (name, value)
                for name, values in sent.items()
                for value in ([values] if isinstance(values, str) else values)
            ]
        )
        for name, file in files.items():
            fields.add(name, FileStorage(BytesIO(file.read_bytes()), filename=file.name))
        boundary, body = encode_multipart(fields)
        return await self.client.post(
            path,
            data=body,
            headers=self.headers | {'Content-Type': f'multipart/form-data; boundary={boundary}'},
        )

    def cookie(self) -> str | None:
        jar = self.client.cookie_jar
        if jar is None:
            return None
        return next((c.value for c in jar if c.name == 'podsite_session'), None)


async def logged_in(app: Quart, *, role: str, email: str, sponsor_id: int | None = None) -> Browser:
    """A browser logged in as a new account with the role (and, for advertisers, sponsor)."""
    async with app.app_context():
        await account_service.create_user(
            name=role.title(), email=email, password=ADMIN_PASSWORD, role=role,
            sponsor_id=sponsor_id,
        )  # fmt: skip
    browser = Browser(app.test_client())
    response = await browser.submit('/account/login', {'email': email, 'password': ADMIN_PASSWORD})
    assert response.status_code == 302
    return browser


async def edit_form(admin: Browser, episode_id: int) -> dict[str, str | list[str]]:
    """The edit form's fields as the page fills them in, sent back as a browser would."""
    html = await admin.page(f'/admin/episodes/{episode_id}')
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+"[^>]*? value="([^"]*)"', html))
    fields |= dict(re.findall(r'<textarea id="(\w+)"[^>]*>(.*?)</textarea>', html, re.S))
    fields = {key: unescape(value) for key, value in fields.items()}
    sent: dict[str, str | list[str]] = dict(fields)
    for menu in re.finditer(r'<select id="(\w+)"([^>]*)>(.*?)</select>', html, re.S):
        chosen = [
            unescape(value)
            for value in re.findall(r'<option value="([^"]*)" selected="selected"', menu[3])
        ]
        if ' multiple' in menu[2]:
            sent[menu[1]] = chosen
        elif chosen:
            sent[menu[1]] = chosen[0]
    if re.search(r'name="explicit" checked="checked"', html):
        sent['explicit'] = 'on'
    return sent


@dataclass
class TwoFactorEnrolment:
    secret: str
    recovery_codes: list[str]


async def turn_on_two_factor(browser: Browser, now: datetime) -> TwoFactorEnrolment:
    """Turns two-factor sign-in on for the browser's account, as its person does: the key
    read from the page into an authenticator app, and the code that app shows at `now`."""
    page = await browser.page('/account/two-factor')
    key = re.search(r'<code class="totp-key">([^<]+)</code>', page)
    assert key is not None, page
    secret = key.group(1).replace(' ', '')
    response = await browser.submit(
        '/account/two-factor/enrol', {'code': pyotp.TOTP(secret).at(now)}
    )
    html = await response.get_data(as_text=True)
    assert response.status_code == 200, html
    codes = re.findall(r'<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>', html)
    return TwoFactorEnrolment(secret, codes)


@dataclass(frozen=True)
class Email:
    subject: str
    body: str

    def link(self) -> str:
        """The path of the first link to the site (https://podcast.test) in the body."""
        match = re.search(r'https://podcast\.test(/\S+)', self.body)
        assert match is not None, self.body
        return match.group(1)


async def send_mail(app: Quart) -> mailer.MailReport:
    """Now, what the background sender of a serving instance does every few seconds."""
    async with app.app_context():
        return await mailer.send_queued_mail()


async def emails_to(app: Quart, address: str) -> list[Email]:
    """Every message the outbox holds for the address, oldest first, sent or not."""
    async with app.app_context():
        rows = await db.session().execute(
            select(OutboxMessage.subject, OutboxMessage.body)
            .where(OutboxMessage.to_address == address)
            .order_by(OutboxMessage.id)
        )
        return [Email(row.subject, row.body) for row in rows]
