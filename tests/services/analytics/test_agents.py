import pytest

from podsite.services.analytics.agents import classify


@pytest.mark.parametrize(
    ('user_agent', 'app', 'platform'),
    [
        ('AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)',
         'Apple Podcasts', 'iOS'),
        ('Podcasts/1650.20 CFNetwork/1404.0.5 Darwin/22.3.0', 'Apple Podcasts', 'iOS'),
        ('atc/1.0 watchOS/9.4 model/Watch6,2 hwp/t8301 build/20T250 (6; dt:227)',
         'Apple Podcasts', 'watchOS'),
        ('Spotify/8.8.12 iOS/16.3 (iPhone14,5)', 'Spotify', 'iOS'),
        ('Spotify/8.8.10 Android/33 (SM-G991B)', 'Spotify', 'Android'),
        ('Overcast/3.0 (+http://overcast.fm/; iOS podcast app)', 'Overcast', 'iOS'),
        ('Pocket Casts', 'Pocket Casts', 'Other'),
        ('AntennaPod/3.2.0', 'AntennaPod', 'Other'),
        ('PodcastAddict/v5 (+https://podcastaddict.com/; Android podcast app)',
         'Podcast Addict', 'Android'),
        ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
         'Chrome/120.0.0.0 Safari/537.36', 'Chrome', 'Windows'),
        ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
         'Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 'Microsoft Edge', 'Windows'),
        ('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
         'Firefox', 'Linux'),
        ('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like '
         'Gecko) Version/17.2 Safari/605.1.15', 'Safari', 'macOS'),
        ('AlexaMediaPlayer/2.1.4676.0 (Linux;Android 5.1.1) ExoPlayerLib/1.5.9',
         'Alexa', 'Android'),
        ('SomethingNobodyKnows/1.0', 'Other', 'Other'),
    ],
)  # fmt: skip
def test_user_agents_are_grouped_into_apps_and_platforms(
    user_agent: str, app: str, platform: str
) -> None:
    assert classify(user_agent) == (app, platform)
