"""Data-centre and VPN addresses, by the X4BNet list podsite ships or a refreshed copy."""

from pathlib import Path

import pytest

from podsite.services.analytics import datacenters


@pytest.mark.parametrize(
    ('address', 'listed'),
    [
        ('52.95.110.1', True),  # Amazon Web Services
        ('::ffff:52.95.110.1', True),  # the same, as a dual-stack socket reports it
        ('2a05:d018::1', True),  # Amazon Web Services, IPv6
        ('80.22.100.101', False),
        ('198.51.100.7', False),
        ('127.0.0.1', False),
        ('2001:db8::1', False),
        ('<local>', False),
        ('', False),
    ],
)
def test_the_shipped_list_knows_data_centres(address: str, listed: bool) -> None:
    assert datacenters.shipped_matcher().contains(address) is listed


def test_the_shipped_list_comes_with_its_licence_and_source() -> None:
    assert 'MIT License' in (datacenters.SHIPPED / 'LICENSE').read_text()
    source = (datacenters.SHIPPED / 'SOURCE.md').read_text()
    assert 'https://github.com/X4BNet/lists_vpn' in source and 'commit' in source
    assert datacenters.shipped_matcher().networks > 40_000


def test_a_broken_refreshed_copy_falls_back_to_the_shipped_list(tmp_path: Path) -> None:
    folder = tmp_path / 'data' / 'datacenters'
    folder.mkdir(parents=True)
    (folder / 'ipv4.txt').write_text('not a network\n')
    (folder / 'ipv6.txt').write_text('')
    assert datacenters.load_matcher(tmp_path / 'data') is datacenters.shipped_matcher()


def test_a_refreshed_copy_is_preferred_and_replaced_whole(tmp_path: Path) -> None:
    source = tmp_path / 'source'
    source.mkdir()
    listed = (datacenters.SHIPPED / 'ipv4.txt').read_text() + '198.51.100.0/24\n'
    (source / 'ipv4.txt').write_text(listed)
    (source / 'ipv6.txt').write_text((datacenters.SHIPPED / 'ipv6.txt').read_text())
    data_dir = tmp_path / 'data'

    datacenters.update_list(str(source), data_dir)
    datacenters.update_list(str(source), data_dir)

    assert datacenters.load_matcher(data_dir).contains('198.51.100.7')
    assert sorted(path.name for path in data_dir.iterdir()) == ['datacenters']
    assert 'from ' + str(source) in (data_dir / 'datacenters' / 'SOURCE.md').read_text()
