"""Apps, bots and devices as the OPAWG user-agent list names them; its own examples, read
from ../shared/data, are the test data."""

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from podsite.formats.user_agent_lists import AgentListError
from podsite.schemas.analytics import Window
from podsite.services.analytics import agents
from podsite.services.analytics.agents import Kind, classify, identify
from podsite.services.analytics.iab_rules import (
    MediaFacts,
    RawDownload,
    counted_downloads,
    is_countable_request,
)
from podsite.tools.demo_listening import AGENTS


def counts(user_agent: str) -> bool:
    return is_countable_request(
        RawDownload(occurred_at=datetime(2026, 3, 2, tzinfo=UTC), episode_id=1, ip_hash='a',
                    user_agent=user_agent, range_header=None, method='GET', status=302)
    )  # fmt: skip


@pytest.mark.parametrize(
    ('user_agent', 'app', 'platform'),
    [
        # AppleCoreMedia is the system's media library, which Apple Podcasts and every other
        # app using it send; the list names the library, not one of its users.
        ('AppleCoreMedia/1.0.0.20E247 (iPhone; U; CPU OS 16_4 like Mac OS X; en_us)',
         'AppleCoreMedia', 'Apple iPhone'),
        ('AppleCoreMedia/1.0.0.20L563 (HomePod; U; CPU OS 16_6 like Mac OS X; en_us)',
         'AppleCoreMedia', 'Apple HomePod'),
        ('Podcasts/1650.20 CFNetwork/1404.0.5 Darwin/22.3.0', 'Apple Podcasts', 'Apple iPhone'),
        ('Spotify/8.8.12 iOS/16.3 (iPhone14,5)', 'Spotify', 'Apple iPhone'),
        ('Spotify/8.8.10 Android/33 (SM-G991B)', 'Spotify', 'Android Phone'),
        ('Overcast/3.0 (+http://overcast.fm/; iOS podcast app)', 'Overcast', 'Apple iPhone'),
        ('Pocket Casts', 'Pocket Casts', 'Other Mobile Device'),
        ('AntennaPod/3.2.0', 'AntennaPod', 'Android Phone'),
        ('PodcastAddict/v5 (+https://podcastaddict.com/; Android podcast app)',
         'Podcast Addict', 'Android Phone'),
        ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
         'Chrome/120.0.0.0 Safari/537.36', 'Chrome', 'Windows Computer'),
        ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
         'Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0', 'Edge', 'Windows Computer'),
        ('Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
         'Firefox', 'Other Computer'),
        ('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like '
         'Gecko) Version/17.2 Safari/605.1.15', 'Safari', 'Apple Computer'),
        ('AlexaMediaPlayer/2.1.4676.0 (Linux;Android 5.1.1) ExoPlayerLib/1.5.9',
         'Alexa-enabled device', 'Android Phone'),
        ('SomethingNobodyKnows/1.0', 'Other', 'Other'),
    ],
)  # fmt: skip
def test_user_agents_are_grouped_into_apps_and_devices(
    user_agent: str, app: str, platform: str
) -> None:
    assert classify(user_agent) == (app, platform)


@pytest.mark.parametrize(
    ('user_agent', 'app'),
    [
        ('RadioPublic/android-2.2', 'RadioPublic'),
        ('RadioPublicDraper/81b12be Faraday/0.15.2 ruby/2.3.8', 'RadioPublic'),
        ('StorytelDownloader/1.0', 'Storytel'),
        ('Mozilla/5.0 (compatible; Metacast/1.0 +metacast.app)', 'Metacast'),
        ('Yandex.Music/2019-11-01.trunk.5885661', 'Yandex Music'),
        ('WhatsApp/0.3.5374 N', 'WhatsApp'),
        ('Player%20FM/588 CFNetwork/1121.2.2 Darwin/19.2.0', 'Player FM'),
        ('NSPlayer/12.00.18362.0418 WMFSDK/12.00.18362.0418', 'Windows Media Player'),
        ('البودكاست/1530.3 CFNetwork/1209 Darwin/20.2.0', 'Apple Podcasts'),
        # The same agent as a server hands it over: UTF-8 bytes read as Latin-1.
        ('البودكاست/1530.3 CFNetwork/1209 Darwin/20.2.0'.encode().decode('latin-1'),
         'Apple Podcasts'),
    ],
)  # fmt: skip
def test_real_apps_once_taken_for_bots_or_malformed_count(user_agent: str, app: str) -> None:
    assert counts(user_agent)
    assert identify(user_agent).kind is Kind.APP
    assert identify(user_agent).name == app


@pytest.mark.parametrize(
    'user_agent',
    [
        'Spotify/1.0',
        'iTMS',
        'itunesstored/1.0 iOS/17.0 model/iPhone14,2 hwp/t8110 build/21A329 (6; dt:271) AMS/1',
        'Amazon Music Podcast',
        'Deezer Podcasters/1.0',
        'Adswizz-podscribe/1.0',
        'MagellanAI/1.0.4270',
        'ListenNotes/3.0 (id=c1ef144e30174bf6ba1fedf9174ed908; +https://www.listennotes.com/about/)',
        'Goodpods/2.2',
        'Castopod/1.0',
        'atc/1.0',
        'Trackable/0.1',
        'PlayerFM/1.0 Podcast Sync (0 subscribers; url=https://player.fm/series/series-2567872)',
        'python-requests/2.31',
        'okhttp/4.12.0',
        # Named by no list, but calling itself a bot (agent_data/podsite.json).
        'Mozilla/5.0 (compatible; BrandNewBot/1.0; +https://bot.example)',
        'FancyCrawler/2.0',
    ],
)
def test_bots_the_list_names_once_counted_are_refused(user_agent: str) -> None:
    assert identify(user_agent).is_bot
    assert not counts(user_agent)


@pytest.fixture
def opawg(shared_data: Path) -> Path:
    """The list's build folder (`*.examples.json`, `*.runtime.json`) in ../shared/data."""
    build = shared_data / 'user-agents' / 'build'
    if not (build / 'apps.examples.json').is_file():
        pytest.skip(f'the OPAWG examples are not at {build} (see ../shared/data/README.md)')
    return build


def opawg_examples(build: Path, part: str) -> list[tuple[str, str]]:
    """(entry name, example) of one file of the list."""
    entries = json.loads((build / f'{part}.examples.json').read_text())['entries']
    return [(entry['name'], example) for entry in entries for example in entry['examples']]


def bot_libraries(build: Path) -> set[str]:
    """Libraries the list marks as bots (curl, python-requests)."""
    entries = json.loads((build / 'libraries.runtime.json').read_text())['entries']
    return {entry['name'] for entry in entries if entry.get('category') == 'bot'}


def opawg_devices(build: Path) -> list[tuple[str, re.Pattern[str]]]:
    entries = json.loads((build / 'devices.runtime.json').read_text())['entries']
    return [(entry['name'], re.compile(entry['pattern'])) for entry in entries]


def device_by_the_list(rules: list[tuple[str, re.Pattern[str]]], user_agent: str) -> str:
    """The list's README: the first device entry whose pattern matches (Python's re)."""
    return next((name for name, rule in rules if rule.search(user_agent)), 'Other')


def test_every_bot_example_of_the_list_is_refused(opawg: Path) -> None:
    """IAB v2.3, 5.5.2, step 1.2, items 2 and 5: known bots are filtered."""
    bot_names = bot_libraries(opawg)
    bots = opawg_examples(opawg, 'bots') + [
        (name, example) for name, example in opawg_examples(opawg, 'libraries') if name in bot_names
    ]
    assert len(bots) > 300
    counted = [example for _, example in bots if counts(example)]
    assert counted == []
    assert [(n, e) for n, e in bots if identify(e).name != n] == []


@pytest.mark.parametrize('part', ['apps', 'browsers', 'libraries'])
def test_every_app_example_of_the_list_counts_under_its_names(opawg: Path, part: str) -> None:
    """Every app, browser and (not bot) library example counts, named as the list names its
    app and device; through the counting rules themselves, each as its own listener."""
    bot_names = bot_libraries(opawg)
    examples = [(n, e) for n, e in opawg_examples(opawg, part) if n not in bot_names]
    assert len(examples) > {'apps': 900, 'browsers': 10, 'libraries': 30}[part]
    rules = opawg_devices(opawg)
    facts = MediaFacts(size_bytes=1000, first_minute_bytes=None)
    events = [
        RawDownload(occurred_at=datetime(2026, 3, 2, tzinfo=UTC), episode_id=1,
                    ip_hash=f'listener-{index}', user_agent=example, range_header=None,
                    method='GET', status=200)
        for index, (_, example) in enumerate(examples)
    ]  # fmt: skip
    # One address per example: the high-volume rule is about addresses, not this list.
    downloads = counted_downloads(events, {1: facts}, window=Window.CALENDAR_DAY)
    assert sorted(download.user_agent for download in downloads) == sorted(e for _, e in examples)
    named = [(name, device_by_the_list(rules, example)) for name, example in examples]
    assert [classify(example) for _, example in examples] == named


def test_devices_are_named_as_the_lists_own_algorithm_names_them(opawg: Path) -> None:
    """Devices by the list's README, with Python's re: the first entry whose pattern
    matches. (Not always the example's own entry: `Watch/1140 CFNetwork/...` is an example
    of Apple Watch, but Apple iPhone comes first and matches `CFNetwork`.)"""
    rules = opawg_devices(opawg)
    examples = [
        example
        for part in ('apps', 'browsers', 'libraries', 'devices')
        for _, example in opawg_examples(opawg, part)
    ]
    expected = [device_by_the_list(rules, example) for example in examples]
    assert [identify(example).device for example in examples] == expected
    assert expected.count('Apple HomePod') > 0


def test_verdicts_are_kept_per_agent() -> None:
    agent = 'Overcast/2024.1 (+http://overcast.fm/; iOS podcast app)'
    identify(agent)
    hits = identify.cache_info().hits
    assert identify(agent).name == 'Overcast'
    assert identify.cache_info().hits == hits + 1
    assert identify.cache_info().maxsize == agents.CACHE_SIZE


def shipped_copy(tmp_path: Path) -> Path:
    """A folder laid out like the list's repository (`src/NAME.json`)."""
    folder = tmp_path / 'user-agents-v2'
    (folder / 'src').mkdir(parents=True)
    for part in ('bots', 'apps', 'libraries', 'browsers', 'devices'):
        shutil.copy(agents.SHIPPED / f'{part}.json', folder / 'src' / f'{part}.json')
    return folder


def test_a_refreshed_list_is_preferred_to_the_shipped_one(tmp_path: Path) -> None:
    source = shipped_copy(tmp_path)
    apps = json.loads((source / 'src' / 'apps.json').read_text())
    apps['entries'].insert(0, {'name': 'Tomorrow Player', 'pattern': '^TomorrowPlayer/'})
    (source / 'src' / 'apps.json').write_text(json.dumps(apps))
    data_dir = tmp_path / 'data'
    assert agents.load_matcher(data_dir).identify('TomorrowPlayer/1.0').name == 'Other'

    lists = agents.update_list(str(source), data_dir)

    assert lists.apps.entries[0].name == 'Tomorrow Player'
    assert agents.load_matcher(data_dir).identify('TomorrowPlayer/1.0').name == 'Tomorrow Player'
    assert 'from ' + str(source) in (data_dir / 'user-agents' / 'SOURCE.md').read_text()
    # Again, it replaces the copy it wrote.
    agents.update_list(str(source), data_dir)
    assert sorted(path.name for path in data_dir.iterdir()) == ['user-agents']


def test_a_broken_refreshed_copy_falls_back_to_the_shipped_list(tmp_path: Path) -> None:
    folder = tmp_path / 'data' / 'user-agents'
    folder.mkdir(parents=True)
    (folder / 'bots.json').write_text('{"entries": [')
    assert agents.load_matcher(tmp_path / 'data').identify('Overcast/3.0').name == 'Overcast'


def test_a_pattern_that_does_not_compile_changes_nothing(tmp_path: Path) -> None:
    source = shipped_copy(tmp_path)
    bots = json.loads((source / 'src' / 'bots.json').read_text())
    bots['entries'].append({'name': 'Broken', 'pattern': '(unclosed'})
    (source / 'src' / 'bots.json').write_text(json.dumps(bots))

    with pytest.raises(AgentListError, match="'Broken' in the list does not compile"):
        agents.update_list(str(source), tmp_path / 'data')
    assert not (tmp_path / 'data' / 'user-agents').exists()


def test_the_demo_listens_with_apps_the_list_names() -> None:
    named = {identify(agent).name: identify(agent).kind for _, agent in AGENTS}
    assert named.pop('AhrefsBot') is Kind.BOT
    assert Kind.UNKNOWN not in named.values()
    assert {'Apple Podcasts', 'Spotify', 'Overcast', 'Pocket Casts'} <= named.keys()


def test_each_of_podsites_own_rules_gives_its_reason() -> None:
    rules = json.loads((agents.SHIPPED / 'podsite.json').read_text())['entries']
    assert rules
    assert all(len(rule['reason']) > 40 for rule in rules)
