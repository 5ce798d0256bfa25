"""Whether an address belongs to a data centre, a hosting or cloud provider or a VPN: not a
podcast consumer's own connection, so its downloads are not counted (IAB v2.3, 5.5.2,
step 1.2, item 2: "IP addresses that are identified from sources that are not actual
podcast consumers, such as requests that come from known bots, data centers, VPN
traffic").

The networks are X4BNet's data-centre list (MIT), shipped in `network_data/` with its
licence and `SOURCE.md`; `podsite update-datacenters` refreshes it into the data folder
without a release, and `use_data_dir`, called as the app is made, prefers that copy.

The 51,000 networks are merged into sorted, disjoint intervals of integers, one table per
address family, and an address is looked up with one binary search (`bisect`): a few
microseconds, most of it reading the address (bench/agents.py). A radix tree (pytricia,
py-radix) would spare little of that from Python, and neither has had a release for years.
"""

import logging
import socket
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from podsite.formats.network_lists import Intervals, NetworkList, NetworkListError
from podsite.infrastructure import data_folder

SHIPPED = Path(__file__).with_name('network_data')
LIST_FOLDER = 'datacenters'
"""Where in the data folder `podsite update-datacenters` puts a refreshed list."""
DEFAULT_SOURCE = 'https://github.com/X4BNet/lists_vpn/archive/refs/heads/main.zip'

_IPV4_MAPPED = bytes(10) + b'\xff\xff'
"""The first 12 bytes of an IPv4 address in IPv6 form (`::ffff:a.b.c.d`)."""

logger = logging.getLogger(__name__)


class DatacenterMatcher:
    def __init__(self, networks: NetworkList) -> None:
        self.networks = len(networks.ipv4) + len(networks.ipv6)
        self._tables: dict[int, Intervals] = {
            4: networks.intervals('ipv4'),
            6: networks.intervals('ipv6'),
        }

    def contains(self, ip: str) -> bool:
        """Whether `ip` (IPv4-mapped IPv6 read as IPv4) is in a listed network; an address
        that cannot be read is not. Read with `socket.inet_pton`: `ipaddress` took 10 to
        20 µs for an IPv6 address, the lookup itself under one."""
        try:
            packed, version = socket.inet_pton(socket.AF_INET, ip), 4
        except OSError:
            try:
                packed, version = socket.inet_pton(socket.AF_INET6, ip), 6
            except OSError:
                return False
            if packed.startswith(_IPV4_MAPPED):
                packed, version = packed[len(_IPV4_MAPPED) :], 4
        firsts, lasts = self._tables[version]
        value = int.from_bytes(packed)
        index = bisect_right(firsts, value) - 1
        return index >= 0 and value <= lasts[index]


@cache
def shipped_matcher() -> DatacenterMatcher:
    return DatacenterMatcher(NetworkList.read(SHIPPED))


def load_matcher(data_dir: Path) -> DatacenterMatcher:
    """The refreshed list in `data_dir` when there is a usable one, else the shipped one."""
    folder = data_dir / LIST_FOLDER
    if folder.is_dir():
        try:
            return DatacenterMatcher(NetworkList.read(folder))
        except NetworkListError as error:
            logger.warning('the data-centre list in %s is not used: %s', folder, error)
    return shipped_matcher()


@dataclass
class _InUse:
    matcher: DatacenterMatcher | None = None
    data_dir: Path | None = None


_in_use = _InUse()


def use_data_dir(data_dir: Path) -> None:
    """Look addresses up in the list in `data_dir` from now on (the shipped one if none)."""
    data_dir = data_dir.resolve()
    if _in_use.matcher is not None and _in_use.data_dir == data_dir:
        return
    _in_use.matcher, _in_use.data_dir = load_matcher(data_dir), data_dir


def matcher() -> DatacenterMatcher:
    return _in_use.matcher or shipped_matcher()


def is_datacenter(ip: str) -> bool:
    return matcher().contains(ip)


def update_list(source: str, data_dir: Path) -> NetworkList:
    """Fetch or read the list at `source` (an archive's URL or path, or a folder), check it,
    and put it in `data_dir` for the next start. A broken or foreign source changes nothing:
    `NetworkListError` says why."""
    networks = data_folder.read_source(source, NetworkList.read, NetworkListError)
    data_folder.install(
        data_dir,
        LIST_FOLDER,
        networks.write,
        provenance=f"X4BNet's data-centre list, from {source} (MIT licence, see "
        'network_data/LICENSE in podsite)',
    )
    return networks
