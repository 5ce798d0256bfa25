"""`make bench`: what judging one download request costs: naming its user agent
(services/analytics/agents.py) and looking its address up in the data-centre list
(services/analytics/datacenters.py).

Loads the shipped OPAWG list, then times a verdict for agents never seen (the matcher
itself: every pattern of the list, in one RE2 set per part) and for agents seen before
(the kept verdict). The agents are the list's own examples from ../shared/data, or,
without it, variants of a few real agents. The bar: a new agent under 50 µs, a seen one
under 1 µs. Then loads the shipped data-centre list and times a lookup of random IPv4
and IPv6 addresses (half of them in listed networks) and of IPv4 addresses in IPv6 form;
the bar: under 10 µs, next to the 1 ms a batch insert spends per event.
"""

import argparse
import ipaddress
import json
import random
import statistics
import sys
import time
from pathlib import Path

from podsite.services.analytics import agents, datacenters

NEW_AGENT_BAR_US = 50.0
SEEN_AGENT_BAR_US = 1.0
DATACENTER_BAR_US = 10.0
EXAMPLES = Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'user-agents' / 'build'
FALLBACK = (
    'Podcasts/1720.1 CFNetwork/1474 Darwin/23.0.0',
    'AppleCoreMedia/1.0.0.21A351 (iPhone; U; CPU OS 17_0 like Mac OS X; en_us)',
    'Spotify/8.8.74 Android/34 (Pixel 8)',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
    'Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
)


def sample_agents() -> tuple[list[str], str]:
    if EXAMPLES.is_dir():
        found = [
            example
            for path in sorted(EXAMPLES.glob('*.examples.json'))
            if not path.name.startswith('referrers')
            for entry in json.loads(path.read_text())['entries']
            for example in entry['examples']
        ]
        return list(dict.fromkeys(found)), f'the OPAWG examples in {EXAMPLES}'
    variants = [f'{agent} v{n}' for n in range(300) for agent in FALLBACK]
    return variants, 'variants of five real agents (../shared/data not found)'


def sample_addresses(count: int) -> list[str]:
    """Random addresses of each family, half drawn from inside listed networks."""
    rng = random.Random(7)
    shipped = datacenters.SHIPPED
    listed = {
        family: (shipped / f'{family}.txt').read_text().split() for family in ('ipv4', 'ipv6')
    }
    addresses = []
    for index in range(count):
        family = 'ipv4' if index % 3 else 'ipv6'
        if index % 2:
            network = ipaddress.ip_network(rng.choice(listed[family]))
            addresses.append(str(network[rng.randrange(min(network.num_addresses, 1 << 16))]))
        elif family == 'ipv4':
            addresses.append(str(ipaddress.IPv4Address(rng.getrandbits(32))))
        else:
            addresses.append(str(ipaddress.IPv6Address(rng.getrandbits(128))))
    return addresses


def per_call_us(run: object, items: list[str], rounds: int) -> list[float]:
    """Microseconds per call, one figure per round over all items."""
    figures = []
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            run(item)  # type: ignore[operator]
        figures.append((time.perf_counter() - started) / len(items) * 1e6)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--rounds', type=int, default=5)
    options = parser.parse_args()

    started = time.perf_counter()
    matcher = agents.shipped_matcher()
    load_ms = (time.perf_counter() - started) * 1000
    items, source = sample_agents()

    new = per_call_us(matcher.identify, items, options.rounds)
    agents.identify.cache_clear()
    for item in items:
        agents.identify(item)
    seen = per_call_us(agents.identify, items, options.rounds)

    started = time.perf_counter()
    networks = datacenters.shipped_matcher()
    networks_ms = (time.perf_counter() - started) * 1000
    addresses = sample_addresses(3000)
    mapped = [f'::ffff:{address}' for address in addresses if '.' in address]
    lookup = per_call_us(networks.contains, addresses, options.rounds)
    lookup_mapped = per_call_us(networks.contains, mapped, options.rounds)
    inside = sum(map(networks.contains, addresses))

    print(f'{len(items)} distinct agents: {source}')
    print(f'load and compile the list: {load_ms:.0f} ms')
    print(
        f'load the data-centre list ({networks.networks} networks): {networks_ms:.0f} ms; '
        f'{len(addresses)} addresses, {inside} in listed networks'
    )
    failed = False
    for label, figures, bar in (
        ('new agent ', new, NEW_AGENT_BAR_US),
        ('seen agent', seen, SEEN_AGENT_BAR_US),
        ('data-centre lookup', lookup, DATACENTER_BAR_US),
        ('data-centre lookup, ::ffff:IPv4', lookup_mapped, DATACENTER_BAR_US),
    ):
        median = statistics.median(figures)
        verdict = 'ok' if median < bar else 'MISSED'
        failed |= median >= bar
        print(
            f'{label}: {median:.2f} µs a verdict (median of {options.rounds} rounds; '
            f'best {min(figures):.2f}), bar {bar:g} µs: {verdict}'
        )
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
