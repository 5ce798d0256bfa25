"""Subscribe URLs derived from the feed's address and the show's Apple Podcasts id."""

from podsite.formats.subscribe_apps import apple_podcasts_id, derived_urls, listed_links

FEED = 'https://podcast.test/episodes/rss'
APPLE = 'https://podcasts.apple.com/us/podcast/the-show/id979020229'


def test_the_apple_id_is_read_from_the_show_url() -> None:
    assert apple_podcasts_id(APPLE) == '979020229'
    assert apple_podcasts_id(APPLE + '?i=1000') == '979020229'
    assert apple_podcasts_id('https://podcasts.apple.com/us/podcast/the-show') is None
    assert apple_podcasts_id('') is None


def test_overcast_and_pocket_casts_follow_from_the_apple_id() -> None:
    derived = derived_urls(feed_url=FEED, apple_url=APPLE)
    assert derived['overcast'] == 'https://overcast.fm/itunes979020229'
    assert derived['pocket_casts'] == 'https://pca.st/itunes/979020229'


def test_antennapod_follows_from_the_feed_with_its_address_quoted() -> None:
    derived = derived_urls(feed_url=FEED, apple_url='')
    assert derived == {
        'antennapod': 'https://antennapod.org/deeplink/subscribe?url='
        'https%3A%2F%2Fpodcast.test%2Fepisodes%2Frss'
    }


def test_only_listed_apps_get_buttons_in_a_fixed_order() -> None:
    listed = {'spotify': 'https://open.spotify.com/show/x', 'castro': '',
              'apple_podcasts': APPLE, 'unknown_app': 'https://example.com'}  # fmt: skip
    links = listed_links(listed)
    assert [(link.name, link.url) for link in links] == [
        ('Apple Podcasts', APPLE),
        ('Spotify', 'https://open.spotify.com/show/x'),
    ]
