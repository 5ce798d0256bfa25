"""QR codes drawn as inline SVG: well-formed, titled, and nothing of the text in the markup."""

from lxml import etree

from podsite.formats.qr_code import TITLE, qr_code_svg

SECRET_URI = 'otpauth://totp/Show:host%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=<Show>'


def test_the_svg_is_well_formed_and_titled() -> None:
    svg = qr_code_svg(SECRET_URI)
    root = etree.fromstring(svg.encode())
    assert root.tag == 'svg' and root.get('class') == 'qr-code'
    assert root.findtext('title') == TITLE
    assert int(root.get('width')) >= 100


def test_the_text_is_drawn_not_written() -> None:
    svg = qr_code_svg(SECRET_URI)
    assert 'JBSWY3DP' not in svg and '<Show>' not in svg
    assert svg == qr_code_svg(SECRET_URI), 'the same text gives the same drawing'
    assert svg != qr_code_svg(SECRET_URI.replace('JBSW', 'KBSW'))
