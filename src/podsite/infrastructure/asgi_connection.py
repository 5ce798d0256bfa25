"""How the app takes an HTTP request from the ASGI server (`Quart.asgi_http_class`).

Quart runs every request as two tasks in a task group: one handles the request, the other
reads the server's messages (the body, then a disconnect that cancels the handler). The
request ends only when that reader has seen the disconnect, which the server sends once the
response is out. For a page, whose whole request is one message with no body to follow,
that is a task, a task group and a second trip to the server for nothing: a bare Quart app
answers in 100 µs in-process with Quart's own handling and 63 µs with this one
(`bench/page_cost.py`, 2026-12-05).

A request whose first message holds the whole body is handled here in the server's own
task, as a plain call. A request whose body comes in several messages (an upload) takes
Quart's own way, with the first message handed back to it. What the plain call gives up:
a visitor who leaves while a page is being made no longer cancels it; it ends quietly at
its first send, after the fraction of a millisecond a page takes.
"""

from typing import Any

from quart.asgi import ASGIHTTPConnection
from quart.wrappers.base import ClientDisconnectedError

from podsite.infrastructure.asgi_types import Message


class WholeRequestConnection(ASGIHTTPConnection):
    async def __call__(self, receive: Any, send: Any) -> None:
        first = await receive()
        if first['type'] != 'http.request' or first.get('more_body', False):
            await super().__call__(_with_first(first, receive), send)
            return
        send = _disconnect_on_os_error(send)
        request = self._create_request_from_scope(send)
        await request.body.put(first.get('body', b''))
        request.body.set_complete()
        try:
            await self.handle_request(request, send)
        except ClientDisconnectedError:
            # The visitor left while the response went out: nobody is there to tell.
            return


def _disconnect_on_os_error(send: Any) -> Any:
    """`send`, raising Quart's ClientDisconnectedError when the connection is gone, as
    Quart's own connection does."""

    async def sending(message: Message) -> None:
        try:
            await send(message)
        except OSError as error:
            raise ClientDisconnectedError() from error

    return sending


def _with_first(first: Message, receive: Any) -> Any:
    """`receive`, giving back the message already taken from it first."""
    pending = [first]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        message: Message = await receive()
        return message

    return replayed
