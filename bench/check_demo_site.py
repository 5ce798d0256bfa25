"""`make check-site`: `podsite check-site --links` against a fresh demo site, as CI runs it.

The site's configured public address differs from the loopback address it is served on,
as in production behind a proxy, so the check also proves that sitemap URLs are mapped
back onto the server being checked.
"""

import argparse
import subprocess
import sys

from demo_site import demo_site
from run import BIN

PUBLIC_URL = 'https://podcast.example'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=300)
    options = parser.parse_args()
    with demo_site(episodes=options.episodes, public_url=PUBLIC_URL) as site:
        command = [str(BIN / 'podsite'), 'check-site', site.base_url, '--links', '--quiet']
        code = subprocess.run(command, check=False).returncode
        if code:
            print(f'--- server log ---\n{site.log.read_text()}', file=sys.stderr)
    sys.exit(code)


if __name__ == '__main__':
    main()
