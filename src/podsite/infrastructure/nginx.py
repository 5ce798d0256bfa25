"""nginx on loopback as a foreground child process, configured from a generated file: the
benchmark serves a saved page with it, the static export test serves an exported site."""

import grp
import os
import pwd
from pathlib import Path

# How a static export is served: extension-less pages are `path/index.html` files, and the
# feed (`/episodes/rss`) is a file without an extension that podcast apps expect as RSS.
EXPORT_LOCATIONS = """location / {
    try_files $uri $uri/index.html $uri.html =404;
}
location = /episodes/rss {
    default_type application/rss+xml;
}"""


SINGLE_PAGE = 'location / { default_type text/html; }'


def loopback_config(prefix: Path, root: Path, *, port: int, locations: str = SINGLE_PAGE) -> Path:
    """`nginx.conf` in `prefix` for one server on 127.0.0.1:`port` serving `root`; nginx is
    then run with `nginx -p prefix -c <this file>` and stays in the foreground."""
    config = prefix / 'nginx.conf'
    # Started as root, workers would drop to an account that cannot read a private temp folder.
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    config.write_text(
        f"""
user {user} {group};
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{
        text/html html;
        text/css css;
        text/javascript js;
        text/plain txt;
        text/vtt vtt;
        application/json json;
        application/xml xml;
        image/svg+xml svg;
        image/png png;
        image/jpeg jpg jpeg;
    }}
    default_type application/octet-stream;
    client_body_temp_path {prefix}/temp;
    proxy_temp_path {prefix}/temp;
    fastcgi_temp_path {prefix}/temp;
    uwsgi_temp_path {prefix}/temp;
    scgi_temp_path {prefix}/temp;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        {locations}
    }}
}}
"""
    )
    (prefix / 'temp').mkdir(exist_ok=True)
    return config
