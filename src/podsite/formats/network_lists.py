"""Lists of IP networks, one CIDR a line (`#` comments and blank lines allowed), as X4BNet's
data-centre list ships them: read from a folder, a zip archive or text, checked, merged
into sorted address intervals for lookups, and written back.

The list's repository keeps the data-centre list as `output/datacenter/ipv4.txt` and
`ipv6.txt`; a checkout, an archive of it (GitHub's puts everything in one top folder), or a
folder of plain `ipv4.txt` and `ipv6.txt` is read.
"""

import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from podsite.formats.list_sources import texts_by_place

FAMILIES = ('ipv4', 'ipv6')
MINIMUM_NETWORKS = {'ipv4': 1000, 'ipv6': 100}
"""Fewer than this is not the list (the one shipped has 42,000 and 8,700): a foreign or cut
file must not quietly switch the filter off."""
_FOLDERS = (('output', 'datacenter'), ('datacenter',), ())
"""Where the files may be, best first: a checkout also has the same list at its top, kept
there only for old links, and the VPN-only list in `output/vpn/`."""


class NetworkListError(ValueError):
    """The source is not a usable copy of the list; the message says why."""


type Intervals = tuple[tuple[int, ...], tuple[int, ...]]
"""(first addresses, last addresses) of disjoint networks, sorted."""

_BITS = {'ipv4': 32, 'ipv6': 128}
_SOCKET_FAMILY = {'ipv4': socket.AF_INET, 'ipv6': socket.AF_INET6}


@dataclass(frozen=True)
class NetworkList:
    """Each family's networks as written (`198.51.100.0/24`) and as address spans."""

    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    spans: dict[str, tuple[tuple[int, int], ...]]

    @classmethod
    def read(cls, source: Path | bytes, *, label: str | None = None) -> 'NetworkList':
        """From a folder, a zip archive's path, or a zip archive's bytes."""
        if label is None:
            label = str(source) if isinstance(source, Path) else 'the download'
        try:
            found = texts_by_place(source, _place)
        except (OSError, zipfile.BadZipFile) as error:
            raise NetworkListError(
                f'{label} is neither a folder nor a zip archive of the data-centre list'
            ) from error
        # The best place first: a checkout also has the list at its top, kept for old links.
        texts: dict[str, str] = {}
        for (_, family), text in sorted(found, key=lambda item: item[0]):
            texts.setdefault(family, text)
        missing = [family for family in FAMILIES if family not in texts]
        if missing:
            raise NetworkListError(
                f'{label} is not the data-centre list: no '
                f'{" or ".join(f"{family}.txt" for family in missing)} in it'
            )
        parsed = {
            family: parse_networks(texts[family], family, f'{family}.txt in {label}')
            for family in FAMILIES
        }
        return cls(
            ipv4=tuple(parsed['ipv4']),
            ipv6=tuple(parsed['ipv6']),
            spans={family: tuple(spans.values()) for family, spans in parsed.items()},
        )

    def write(self, folder: Path) -> None:
        """As `ipv4.txt` and `ipv6.txt`, the shape `read` takes back."""
        folder.mkdir(parents=True, exist_ok=True)
        for family in FAMILIES:
            networks = getattr(self, family)
            (folder / f'{family}.txt').write_text(''.join(f'{n}\n' for n in networks))

    def intervals(self, family: str) -> Intervals:
        """The family's networks as sorted, disjoint (first, last) intervals, overlaps
        merged."""
        firsts: list[int] = []
        lasts: list[int] = []
        for first, last in sorted(self.spans[family]):
            if lasts and first <= lasts[-1] + 1:
                lasts[-1] = max(lasts[-1], last)
            else:
                firsts.append(first)
                lasts.append(last)
        return tuple(firsts), tuple(lasts)


def parse_networks(text: str, family: str, label: str) -> dict[str, tuple[int, int]]:
    """Each network of one family (`ipv4` or `ipv6`) and its span of addresses as integers.

    Read with `socket.inet_pton` rather than `ipaddress.ip_network`, which took 2 s for the
    51,000 networks of the list at every start; this takes a tenth of that."""
    bits, socket_family = _BITS[family], _SOCKET_FAMILY[family]
    networks: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.split('#', 1)[0].strip()
        if not entry:
            continue
        address, slash, length = entry.partition('/')
        try:
            value = int.from_bytes(socket.inet_pton(socket_family, address))
            prefix = int(length) if slash else bits
        except (OSError, ValueError):
            raise NetworkListError(
                f'{label}, line {number}: {entry!r} is not an {family} network'
            ) from None
        if not 0 <= prefix <= bits:
            raise NetworkListError(f'{label}, line {number}: {entry!r} has no such prefix')
        hosts = (1 << (bits - prefix)) - 1
        networks[entry] = (value & ~hosts, value | hosts)
    if len(networks) < MINIMUM_NETWORKS[family]:
        raise NetworkListError(
            f'{label} has {len(networks)} networks, too few to be the list '
            f'(at least {MINIMUM_NETWORKS[family]})'
        )
    return networks


def _place(path: PurePosixPath) -> tuple[int, str] | None:
    """Which file of the list a path (from the list's top) is, and how good a place it is
    in (lower is better)."""
    if path.name not in {f'{family}.txt' for family in FAMILIES}:
        return None
    folder = path.parts[:-1]
    return (_FOLDERS.index(folder), path.stem) if folder in _FOLDERS else None
