"""QR codes drawn as inline SVG markup, by `segno` (pure Python): the page that shows one
needs no image library, no request to another site and no script."""

import segno

TITLE = 'QR code to scan with your authenticator app'


def qr_code_svg(text: str, *, scale: int = 5) -> str:
    """An `<svg>` element (no XML declaration) with a white quiet zone, for dark themes too.
    Its title is a constant: nothing of `text` reaches the markup but the drawing."""
    code = segno.make(text, error='m')
    return code.svg_inline(scale=scale, title=TITLE, dark='#000', light='#fff', svgclass='qr-code')
