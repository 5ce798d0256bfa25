"""JSON-LD for a `<script type="application/ld+json">` element, and ISO 8601 durations.

A data block is not executed (the CSP's `script-src` does not apply to it), but the HTML
parser still ends the element at the first `</script`, whatever JSON says: `<`, `>` and `&`
are written as JSON escapes, so no text an editor typed can close it or open a comment.
"""

import json
from typing import Any

_HTML_SAFE = str.maketrans({'<': '\\u003c', '>': '\\u003e', '&': '\\u0026'})


def script_text(data: dict[str, Any]) -> str:
    """`data` as JSON to put inside a script element unescaped."""
    return json.dumps(data, ensure_ascii=False, separators=(',', ':')).translate(_HTML_SAFE)


def iso_duration(seconds: int) -> str:
    """`PT1H2M3S` for 3723 seconds (ISO 8601, as schema.org's Duration wants it)."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f'{hours}H' if hours else '',
        f'{minutes}M' if minutes else '',
        f'{secs}S' if secs else '',
    ]
    return 'PT' + (''.join(parts) or '0S')
