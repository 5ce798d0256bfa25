"""Requests taken from the ASGI server: whole in one message, in several, or cut short."""

import asyncio
from pathlib import Path

from quart import Quart, request

from podsite.app import create_app
from podsite.infrastructure.asgi_connection import WholeRequestConnection
from podsite.infrastructure.asgi_types import Message, Scope
from podsite.settings import Settings


def echo_app() -> Quart:
    app = Quart(__name__)
    app.asgi_http_class = WholeRequestConnection

    @app.route('/echo', methods=['GET', 'POST'])
    async def echo() -> str:
        return f'{request.method} {len(await request.get_data())} bytes'

    return app


def http_scope(method: str) -> Scope:
    return {
        'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': '1.1', 'method': method,
        'scheme': 'http', 'path': '/echo', 'raw_path': b'/echo', 'query_string': b'',
        'root_path': '', 'headers': [(b'host', b'127.0.0.1')],
        'client': ('127.0.0.1', 50000), 'server': ('127.0.0.1', 80),
    }  # fmt: skip


class FakeServer:
    """Hands the app the given messages, then a disconnect once the response is out (or at
    once when the connection is lost), as a server does; keeps what the app sends."""

    def __init__(self, *messages: Message, connection_lost: bool = False) -> None:
        self.messages = list(messages)
        self.receive_calls = 0
        self.sent: list[Message] = []
        self.connection_lost = connection_lost
        self.response_out = asyncio.Event()

    async def receive(self) -> Message:
        self.receive_calls += 1
        if self.messages:
            return self.messages.pop(0)
        if not self.connection_lost:
            await self.response_out.wait()
        return {'type': 'http.disconnect'}

    async def send(self, message: Message) -> None:
        if self.connection_lost:
            raise ConnectionResetError('the visitor left')
        self.sent.append(message)
        if message['type'] == 'http.response.body' and not message.get('more_body', False):
            self.response_out.set()

    @property
    def body(self) -> bytes:
        return b''.join(m.get('body', b'') for m in self.sent if m['type'] == 'http.response.body')


async def test_a_request_in_one_message_is_answered_after_a_single_receive() -> None:
    server = FakeServer({'type': 'http.request', 'body': b'', 'more_body': False})
    await echo_app()(http_scope('GET'), server.receive, server.send)

    assert server.sent[0]['status'] == 200
    assert server.body == b'GET 0 bytes'
    assert server.receive_calls == 1, 'no second trip to the server for its disconnect'


async def test_a_body_in_several_messages_is_read_whole() -> None:
    server = FakeServer(
        {'type': 'http.request', 'body': b'a' * 1000, 'more_body': True},
        {'type': 'http.request', 'body': b'b' * 500, 'more_body': True},
        {'type': 'http.request', 'body': b'c' * 24, 'more_body': False},
    )
    await echo_app()(http_scope('POST'), server.receive, server.send)

    assert server.sent[0]['status'] == 200
    assert server.body == b'POST 1524 bytes'


async def test_a_small_post_in_one_message_is_read_whole() -> None:
    server = FakeServer({'type': 'http.request', 'body': b'name=value', 'more_body': False})
    await echo_app()(http_scope('POST'), server.receive, server.send)

    assert server.body == b'POST 10 bytes'


async def test_a_visitor_gone_before_the_response_ends_the_request_quietly() -> None:
    server = FakeServer(
        {'type': 'http.request', 'body': b'', 'more_body': False}, connection_lost=True
    )
    await echo_app()(http_scope('GET'), server.receive, server.send)  # raises nothing

    assert server.sent == []


async def test_a_visitor_gone_before_the_request_is_left_to_quart() -> None:
    server = FakeServer({'type': 'http.disconnect'})
    await echo_app()(http_scope('POST'), server.receive, server.send)

    assert server.sent == []


def test_the_site_takes_its_requests_this_way(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f'sqlite+aiosqlite:///{tmp_path / "site.db"}'))
    assert app.asgi_http_class is WholeRequestConnection
