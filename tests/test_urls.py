"""Every URL builder matches its route, so a changed route cannot leave stale links behind."""

from collections.abc import Callable
from typing import Any

import pytest
from quart import Quart, url_for

from podsite import urls

BUILT: list[tuple[Callable[..., str], dict[str, Any]]] = [
    (urls.home_url, {}),
    (urls.all_episodes_url, {}),
    (urls.episode_url, {'number': 268, 'slug': 'analyzing-notebooks'}),
    (urls.transcript_url, {'number': 7, 'slug': 'a-b-c'}),
    (urls.transcript_file_url, {'number': 7, 'slug': 'a-b-c', 'extension': 'vtt'}),
    (urls.transcript_file_url, {'number': 7, 'slug': 'a-b-c', 'extension': 'txt'}),
    (urls.embed_url, {'number': 268, 'slug': 'analyzing-notebooks'}),
    (urls.feed_url, {}),
    (urls.download_url, {'number': 1, 'slug': 'first', 'extension': 'mp3'}),
    (urls.download_url, {'number': 2, 'slug': 'a-video', 'extension': 'mp4'}),
    (urls.chapters_url, {'number': 12}),
    (urls.artwork_url, {'name': '0123456789abcdef.png'}),
    (urls.artwork_url, {'name': '0123456789abcdef-og.jpg'}),
    (urls.guest_list_url, {}),
    (urls.guest_url, {'slug': 'ada-lovelace'}),
    (urls.friends_url, {}),
    (urls.live_stream_url, {}),
    (urls.stream_confirm_url, {'token': 'q3X_-9aZ'}),
    (urls.stream_unsubscribe_url, {'token': 'WzEsImFAYi5jIl0.s1g-n_d'}),
    (urls.sitemap_page_url, {'page': 3}),
    (urls.policy_url, {'slug': 'cookies'}),
    (urls.short_link_url, {'name': 'sponsor-42'}),
    (urls.login_url, {}),
    (urls.reset_request_url, {}),
    (urls.reset_url, {'token': 'q3X_-9aZ'}),
    (urls.confirm_account_url, {'token': 'WzEsImFiIl0.Z1x2Yw.s1g-n_d'}),
    (urls.email_change_url, {'token': 'WzEsImEiLCJiIl0.Z1x2Yw.s1g-n_d'}),
    (urls.account_unsubscribe_url, {'token': 'WzEsImFAYi5jIl0.s1g-n_d'}),
]


def endpoint_of(builder: Callable[..., str]) -> str:
    """The endpoint a builder's docstring names first, in backquotes."""
    doc = builder.__doc__ or ''
    return doc.split('`')[1]


def test_every_builder_is_checked() -> None:
    public = {
        name for name, value in vars(urls).items() if callable(value) and name.endswith('_url')
    }
    assert {builder.__name__ for builder, _ in BUILT} == public


@pytest.mark.parametrize(
    ('builder', 'arguments'), BUILT, ids=[f'{b.__name__}-{i}' for i, (b, _) in enumerate(BUILT)]
)
async def test_builder_matches_its_route(
    app: Quart, builder: Callable[..., str], arguments: dict[str, Any]
) -> None:
    async with app.test_request_context('/'):
        assert builder(**arguments) == url_for(endpoint_of(builder), **arguments)


async def test_the_privacy_policy_and_the_terms_have_addresses_of_their_own(app: Quart) -> None:
    async with app.test_request_context('/'):
        assert urls.policy_url('privacy') == url_for('policies.privacy')
        assert urls.policy_url('terms') == url_for('policies.terms')


def test_absolute_puts_a_path_on_the_address_and_leaves_other_addresses_alone() -> None:
    base = 'https://podcast.example'
    assert urls.absolute(base, urls.home_url()) == 'https://podcast.example/'
    assert urls.absolute(base, urls.feed_url()) == 'https://podcast.example/episodes/rss'
    artwork = 'https://media.example/show/art.jpg'
    assert urls.absolute(base, artwork) == artwork
    assert urls.absolute(base, '') == ''
    assert urls.absolute(base, '//cdn.example/cover.jpg') == '//cdn.example/cover.jpg'
