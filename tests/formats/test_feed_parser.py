"""Reading real feeds with their damage, and refusing what is not a feed."""

import csv
import json
from pathlib import Path

import pytest

from podsite.formats.feed_parser import FeedError, duration_seconds, parse_feed

FEED = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Show</title>
<itunes:category text="Technology"/>
<itunes:category text="Education"><itunes:category text="Courses"/></itunes:category>
<podcast:locked owner="a@example.com">yes</podcast:locked>
<podcast:funding url="https://fund.example">Support us</podcast:funding>
<podcast:medium>podcast</podcast:medium>
<item><title>One</title><guid>g1</guid><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate>
<enclosure url="https://m.example/1.mp3" length="123" type="audio/mp3"/>
<itunes:duration>1:02:03</itunes:duration><itunes:episode>7</itunes:episode>
<itunes:explicit>yes</itunes:explicit>
<podcast:person role="guest" href="https://ada.example">Ada</podcast:person>
<podcast:transcript url="t.vtt" type="text/vtt"/>
<podcast:chapters url="c.json" type="application/json+chapters"/>
<podcast:soundbite startTime="73.5" duration="60">Best bit</podcast:soundbite>
</item>
<item><title>Two</title><guid>g1</guid></item>
</channel></rss>"""


def test_fields_of_channel_and_items() -> None:
    feed = parse_feed(FEED)
    assert feed.categories == [['Technology'], ['Education', 'Courses']]
    assert (feed.locked, feed.funding_url, feed.funding_text) == (
        True,
        'https://fund.example',
        'Support us',
    )
    (medium,) = feed.extra_elements
    assert medium.startswith('<podcast:medium ') and medium.endswith('>podcast</podcast:medium>')
    (episode,) = feed.episodes
    assert (episode.number, episode.duration_seconds, episode.media_type) == (7, 3723, 'audio/mpeg')
    assert episode.explicit and episode.published_at.year == 2024
    assert [(p.name, p.role) for p in episode.people] == [('Ada', 'guest')]
    assert episode.transcripts[0].url == 't.vtt' and episode.chapters is not None
    assert episode.soundbites == [{'start': 73.5, 'duration': 60.0, 'title': 'Best bit'}]
    assert feed.skipped == [('g1', 'duplicate GUID: kept the first')]


@pytest.mark.parametrize(
    ('text', 'seconds'),
    [('1:02:03', 3723), ('62:03', 3723), ('3723', 3723), ('3723.7', 3723), ('', 0),
     ('about an hour', 0), ('-5', 0), ('00:45', 45), ('00:60:05', 3605), ('1:2:3:4', 0)],
)  # fmt: skip
def test_durations_in_every_format(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&x;</title></channel></rss>"""


@pytest.mark.parametrize(
    ('data', 'message'),
    [
        (b'', 'empty'),
        (b'<html><body>Not a feed</body></html>', 'not an RSS feed'),
        (b'{"title": "json"}', 'not well-formed'),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut', 'not well-formed'),
        (BILLION_LAUGHS, 'declares XML entities'),
        (EXTERNAL, 'declares XML entities'),
        (b'<rss version="2.0"></rss>', 'no <channel>'),
        (b'<?xml version="1.0" encoding="utf-8"?><rss><channel><title>\xff\xfe</title>'
         b'</channel></rss>', 'not well-formed'),
    ],
)  # fmt: skip
def test_hostile_or_broken_input_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse_feed(data)


CONTROL_CHARACTERS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Show\x0b</title>
<item><title>One&#11; &#x1F;and &#xFFFE;two &#233;</title><guid>g1</guid>
<description>Line\x0bbreak from a word processor\x0c</description></item>
</channel></rss>"""


def test_a_feed_whose_only_flaw_is_control_characters_is_read_without_them() -> None:
    feed = parse_feed(CONTROL_CHARACTERS)
    assert feed.title == 'Show'
    (episode,) = feed.episodes
    assert episode.title == 'One and two \u00e9'
    assert episode.summary == 'Linebreak from a word processor'
    assert feed.warnings == [
        'left out 6 characters XML does not allow (control characters such as a vertical '
        'tab); the rest of the feed is read as it was'
    ]
    assert parse_feed(FEED).warnings == []


def test_other_damage_is_still_refused_with_the_line_of_the_file_as_it_was() -> None:
    broken = b'<rss version="2.0">\n<channel>\x0b<title>cut</channel></rss>'
    with pytest.raises(FeedError, match=r'line 2\)'):
        parse_feed(broken)


def test_a_utf_16_feed_is_not_cleaned_byte_by_byte() -> None:
    """Its bytes are half characters: removing "control bytes" would garble it."""
    utf16 = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel>'
    utf16 += '<title>Show\x0b</title></channel></rss>'
    with pytest.raises(FeedError, match='not well-formed'):
        parse_feed(utf16.encode('utf-16'))
    clean = utf16.replace('\x0b', '').encode('utf-16')
    assert parse_feed(clean).title == 'Show'


def manifest(shared_data: Path) -> dict[str, int]:
    with (shared_data / 'feeds' / 'MANIFEST.tsv').open() as handle:
        return {row['file']: int(row['items']) for row in csv.DictReader(handle, delimiter='\t')}


def test_every_real_feed_is_read_with_all_its_items(shared_data: Path) -> None:
    for name, items in manifest(shared_data).items():
        data = (shared_data / 'feeds' / name).read_bytes()
        if name == 'no-agenda-malformed-entity.xml':
            with pytest.raises(FeedError, match="Entity 'gtgt' not defined"):
                parse_feed(data)
            continue
        feed = parse_feed(data)
        assert len(feed.episodes) + len(feed.skipped) == items, name
        assert all(e.guid and e.title for e in feed.episodes), name
    dupes = parse_feed((shared_data / 'feeds' / 'transistor-dupped-guids.xml').read_bytes())
    assert len(dupes.skipped) == 2


def test_quirky_small_feeds_match_what_podcastparser_reads(shared_data: Path) -> None:
    folder = shared_data / 'feeds' / 'podcastparser-cases'
    compared = 0
    for path in sorted(folder.glob('*.rss')):
        expected = json.loads(path.with_suffix('.json').read_text())
        try:
            feed = parse_feed(path.read_bytes())
        except FeedError:
            continue  # Atom documents and broken files: refused with a message (above)
        with_media = [e for e in expected.get('episodes', []) if e.get('enclosures')]
        ours = [e for e in feed.episodes if e.media_url]
        assert len(ours) >= len(with_media), path.name
        compared += 1
    assert compared >= 60


def test_each_kind_of_element_is_mapped_kept_or_dropped_with_a_reason() -> None:
    feed = parse_feed(
        b"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"
        xmlns:atom="http://www.w3.org/2005/Atom" xmlns:wp="com-wordpress:feed-additions:1"
        xmlns:podcast="https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md">
        <channel><title>Show</title><atom:link rel="self" href="https://old.example/rss"/>
        <itunes:type>serial</itunes:type><wp:site>42</wp:site><ttl>60</ttl>
        <podcast:person>Ada</podcast:person>
        <item><title>One</title><guid>1</guid><link>https://old.example/1</link>
        <enclosure url="https://m.example/1.mp3" type="audio/mpeg" length="1"/>
        <enclosure url="https://m.example/1.ogg" type="audio/ogg" length="1"/>
        <podcast:episode display="Ep. 1">1</podcast:episode>
        <podcast:person role="producer">Bo</podcast:person>
        <itunes:author>Ada</itunes:author></item></channel></rss>"""
    )
    counts = {count.kind: count for count in feed.elements}
    assert (counts['itunes:type'].mapped, counts['podcast:person'].mapped) == (1, 1)
    assert counts['atom:link'].dropped == 1 and 'own address' in counts['atom:link'].why_dropped
    assert (counts['wp:site'].kept, counts['ttl'].kept, counts['itunes:author'].kept) == (1, 1, 1)
    assert counts['enclosure'].mapped == 1 and counts['enclosure'].dropped == 1
    assert counts['link'].dropped == 1 and counts['podcast:episode'].kept == 1
    assert feed.show_type == 'serial' and feed.self_url == 'https://old.example/rss'
    assert [(p.name, p.role) for p in feed.people] == [('Ada', 'host')]
    (episode,) = feed.episodes
    assert episode.number == 1 and episode.people == []
    # Kept elements carry the canonical URIs of known namespaces, however the source spelt them.
    kept = ' '.join(episode.extra_elements)
    assert 'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in kept
    assert 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in kept
    assert 'github' not in kept and 'DTDs' not in kept


def test_notes_and_numbers_as_the_source_gave_them() -> None:
    feed = parse_feed(
        b"""<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
        xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>S</title>
        <item><title>A</title><guid>a</guid><description>Line one
line two</description><itunes:episode>0</itunes:episode><itunes:season>0</itunes:season></item>
        <item><title>B</title><guid>b</guid><description>&lt;p&gt;HTML&lt;/p&gt;</description>
        <podcast:season name="Two">2</podcast:season><podcast:episode>3</podcast:episode></item>
        </channel></rss>"""
    )
    a, b = feed.episodes
    assert (a.show_notes_format, a.number, a.season, a.published_at) == ('text', 0, 0, None)
    assert (b.show_notes_format, b.number, b.season) == ('html', 3, 2)
    assert any('name="Two"' in element for element in b.extra_elements)


def test_numbers_and_dates_past_what_the_site_stores_are_left_out() -> None:
    odd = (
        FEED.replace(
            b'<itunes:episode>7</itunes:episode>', b'<itunes:episode>\xc2\xb2</itunes:episode>'
        )
        .replace(b'length="123"', b'length="' + b'9' * 30 + b'"')
        .replace(b'Tue, 02 Jan 2024 10:00:00 GMT', b'Fri, 31 Dec 9999 23:59:59 -0500')
    )
    (episode,) = parse_feed(odd).episodes
    assert (episode.number, episode.media_size_bytes) == (None, 0)
    assert episode.published_at is None  # unknown, rather than past the calendar's end
