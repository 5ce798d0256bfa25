"""Lists of networks, one CIDR a line, read from the layouts X4BNet's list comes in."""

import zipfile
from pathlib import Path

import pytest

from podsite.formats import network_lists
from podsite.formats.network_lists import NetworkList, NetworkListError, parse_networks


@pytest.fixture(autouse=True)
def small_lists_are_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network_lists, 'MINIMUM_NETWORKS', {'ipv4': 2, 'ipv6': 1})


def test_networks_are_read_as_spans_of_addresses() -> None:
    text = '# data centres\n198.51.100.0/24\n\n203.0.113.7  # one host\n192.0.2.0/25\n'
    assert parse_networks(text, 'ipv4', 'ipv4.txt') == {
        '198.51.100.0/24': (0xC6336400, 0xC63364FF),
        '203.0.113.7': (0xCB007107, 0xCB007107),
        '192.0.2.0/25': (0xC0000200, 0xC000027F),
    }


@pytest.mark.parametrize(
    ('text', 'problem'),
    [
        ('198.51.100.0/24\nnot a network\n', "line 2: 'not a network' is not an ipv4 network"),
        ('198.51.100.0/24\n198.51.100.0/33\n', "line 2: '198.51.100.0/33' has no such prefix"),
        ('198.51.100.0/24\n2001:db8::/32\n', 'line 2'),
        ('198.51.100.0/24\n', 'has 1 networks, too few to be the list'),
    ],
)
def test_a_bad_line_or_too_short_a_list_is_refused(text: str, problem: str) -> None:
    with pytest.raises(NetworkListError, match=problem):
        parse_networks(text, 'ipv4', 'ipv4.txt')


def test_overlapping_networks_merge_into_sorted_intervals(tmp_path: Path) -> None:
    (tmp_path / 'ipv4.txt').write_text('10.0.1.0/24\n10.0.0.0/16\n10.1.0.0/16\n192.0.2.0/24\n')
    (tmp_path / 'ipv6.txt').write_text('2001:db8::/32\n')
    firsts, lasts = NetworkList.read(tmp_path).intervals('ipv4')
    assert firsts == (0x0A000000, 0xC0000200)
    assert lasts == (0x0A01FFFF, 0xC00002FF)


def test_a_checkout_is_read_from_its_data_centre_folder(tmp_path: Path) -> None:
    """The repository also has the list at its top (an old path) and a VPN-only list."""
    (tmp_path / 'output' / 'datacenter').mkdir(parents=True)
    (tmp_path / 'output' / 'vpn').mkdir()
    (tmp_path / 'output' / 'datacenter' / 'ipv4.txt').write_text('10.0.0.0/8\n192.0.2.0/24\n')
    (tmp_path / 'output' / 'datacenter' / 'ipv6.txt').write_text('2001:db8::/32\n')
    (tmp_path / 'output' / 'vpn' / 'ipv4.txt').write_text('1.0.0.0/8\n2.0.0.0/8\n')
    (tmp_path / 'ipv4.txt').write_text('3.0.0.0/8\n4.0.0.0/8\n')
    assert NetworkList.read(tmp_path).ipv4 == ('10.0.0.0/8', '192.0.2.0/24')


def test_an_archive_is_read_and_written_back_alike(tmp_path: Path) -> None:
    archive_path = tmp_path / 'main.zip'
    with zipfile.ZipFile(archive_path, 'w') as archive:
        archive.writestr('lists_vpn-main/output/datacenter/ipv4.txt', '10.0.0.0/8\n192.0.2.0/24\n')
        archive.writestr('lists_vpn-main/output/datacenter/ipv6.txt', '2001:db8::/32\n')
    networks = NetworkList.read(archive_path)
    networks.write(tmp_path / 'copy')
    assert NetworkList.read(tmp_path / 'copy') == networks


@pytest.mark.parametrize('content', [b'not a zip', b''])
def test_neither_a_folder_nor_an_archive_is_refused(content: bytes) -> None:
    with pytest.raises(NetworkListError, match='neither a folder nor a zip archive'):
        NetworkList.read(content)


def test_an_archive_without_the_list_is_refused(tmp_path: Path) -> None:
    archive_path = tmp_path / 'other.zip'
    with zipfile.ZipFile(archive_path, 'w') as archive:
        archive.writestr('ipv4.txt', '10.0.0.0/8\n192.0.2.0/24\n')
    with pytest.raises(NetworkListError, match=r'no ipv6.txt in it'):
        NetworkList.read(archive_path)
