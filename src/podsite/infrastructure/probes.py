"""Paths only attackers ask for (WordPress logins, `.env`, `.git`, PHP scripts...): the
hackers blueprint answers them with a tiny 404, and no short link may be named like one."""

PROBE_PREFIXES = (
    '/wp-admin', '/wp-content', '/wp-includes', '/.git', '/.svn', '/.hg', '/.aws', '/.ssh',
    '/phpmyadmin', '/pma', '/myadmin', '/cgi-bin', '/vendor/phpunit', '/.well-known/../',
    '/owa', '/ecp', '/boaform', '/actuator', '/solr', '/jenkins', '/manager/html',
)  # fmt: skip
PROBE_PATHS = frozenset({
    '/wp-login.php', '/xmlrpc.php', '/.env', '/.env.local', '/.env.production', '/.DS_Store',
    '/config.json', '/config.php', '/wp-config.php', '/server-status', '/.htaccess',
    '/.htpasswd', '/web.config', '/backup.sql', '/database.sql', '/dump.sql', '/id_rsa',
})  # fmt: skip
PROBE_SUFFIXES = ('.php', '.asp', '.aspx', '.jsp', '.cgi', '.env', '.sql', '.bak')


def is_probe(path: str) -> bool:
    lowered = path.lower()
    return (
        lowered in PROBE_PATHS
        or lowered.startswith(PROBE_PREFIXES)
        or lowered.endswith(PROBE_SUFFIXES)
    )
