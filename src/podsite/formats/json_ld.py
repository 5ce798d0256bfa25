"""JSON-LD for a `<script type="application/ld+json">` element.

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
