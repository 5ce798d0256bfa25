"""Show notes that came from another host, as their authors wrote them.

HTML notes are HTML: they are sanitised (nh3, as Markdown's output is) and never read as
Markdown, where indented HTML becomes a code block and `@_name_` or `M*A*S*H` lose their
characters to emphasis. Plain-text notes keep their paragraphs and line breaks. In both, bare
addresses (`https://...`, `www.example.org`, an email address) become links; addresses
without a scheme or `www.` are left as text, since `ASP.NET` or `Node.js` would be linked too.
Markdown stays for notes written in podsite's own editor (`formats/markdown.py`).
"""

import html
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import nh3
from linkify_it import LinkifyIt
from lxml import etree
from lxml import html as lxml_html

from podsite.formats.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

# Hosts' editors write images, spans and divs; what sanitising removes is what could run or
# restyle the page (scripts, styles, handlers, forms, frames).
IMPORTED_TAGS = ALLOWED_TAGS | {
    'caption', 'cite', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure', 'h1', 'img', 'mark',
    'q', 'small', 'span', 'u',
}  # fmt: skip
IMPORTED_ATTRIBUTES = {
    **ALLOWED_ATTRIBUTES,
    'img': {'src', 'alt', 'title', 'width', 'height'},
    'q': {'cite'},
}
# Shows link to wallets, torrents, chats and apps too; what is left out is what can run code
# (`javascript:`, `data:`, `vbscript:`).
URL_SCHEMES = {
    'http', 'https', 'mailto', 'tel', 'sms', 'ftp', 'sftp', 'bitcoin', 'lightning', 'magnet',
    'geo', 'xmpp', 'irc', 'ircs', 'matrix', 'spotify', 'itms', 'itms-podcasts', 'podcast',
    'feed', 'ipfs', 'nostr',
}  # fmt: skip
_linkify = LinkifyIt()
_PARAGRAPH_BREAK = re.compile(r'\n[ \t]*\n\s*')


def _clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=IMPORTED_TAGS,
        attributes=IMPORTED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel='noopener nofollow',
    )


def _links_in(text: str) -> list[tuple[int, int, str]]:
    """(start, end, href) of each address in the text worth a link."""
    return [
        (match.index, match.last_index, match.url)
        for match in _linkify.match(text) or ()
        if match.schema or match.text.lower().startswith('www.')
    ]


def html_notes(source: str) -> str:
    """Sanitised HTML, with the bare addresses in its text linked."""
    cleaned = _clean(source)
    if not cleaned.strip() or not _linkify.pretest(cleaned):
        return cleaned
    root = lxml_html.fragment_fromstring(cleaned, create_parent='div')
    _link_text_of(root)
    inner = ((root.text and html.escape(root.text, quote=False)) or '') + ''.join(
        etree.tostring(child, encoding='unicode', method='html') for child in root
    )
    return _clean(inner)


def _link_text_of(element: etree._Element) -> None:
    """Links the addresses in the element's text and in the text after each child, except
    inside links (and code, where an address is an example)."""
    if element.tag in {'a', 'code', 'pre'}:
        return
    for child in list(element):
        if isinstance(child.tag, str):
            _link_text_of(child)
        if child.tail and (pieces := _linked_pieces(child.tail)) is not None:
            child.tail, anchors = pieces
            for anchor in reversed(anchors):
                child.addnext(anchor)
    if element.text and (pieces := _linked_pieces(element.text)) is not None:
        element.text, anchors = pieces
        for position, anchor in enumerate(anchors):
            element.insert(position, anchor)


def _linked_pieces(text: str) -> tuple[str, list[etree._Element]] | None:
    """The text before the first address, and an `<a>` per address with the text after it as
    its tail; None when the text has no address."""
    links = _links_in(text)
    if not links:
        return None
    anchors = []
    for index, (start, end, href) in enumerate(links):
        anchor = etree.Element('a', href=href)
        anchor.text = text[start:end]
        following = links[index + 1][0] if index + 1 < len(links) else len(text)
        anchor.tail = text[end:following]
        anchors.append(anchor)
    return text[: links[0][0]], anchors


def text_notes(source: str) -> str:
    """Plain text as HTML: a paragraph per blank-line-separated block, a `<br>` per line break,
    and links for its addresses."""
    paragraphs = [block.strip() for block in _PARAGRAPH_BREAK.split(source.strip())]
    return _clean(
        ''.join(
            '<p>' + '<br>\n'.join(_linked_line(line) for line in block.split('\n')) + '</p>'
            for block in paragraphs
            if block
        )
    )


def _linked_line(line: str) -> str:
    parts, done = [], 0
    for start, end, href in _links_in(line):
        parts.append(html.escape(line[done:start], quote=False))
        parts.append(f'<a href="{html.escape(href)}">{html.escape(line[start:end])}</a>')
        done = end
    parts.append(html.escape(line[done:].rstrip(), quote=False))
    return ''.join(parts)


_HREF = re.compile(r'(<a\b[^>]*?\shref=")([^"]*)(")', re.IGNORECASE)


def with_tracked_links(notes_html: str, tracked: Mapping[str, str]) -> str:
    """Links in sanitised notes to one of `tracked`'s addresses (a sponsor's website, with or
    without its final slash) lead through its tracked link instead, so the click counts."""
    by_address = {_comparable(address): link for address, link in tracked.items() if address}
    lowered = notes_html.lower()
    # Most notes name no sponsor's site: looking for its host costs a quarter of going
    # through every link (9 against 36 µs for a demo episode's 31 links).
    if not any(_may_link_to(address, lowered) for address in by_address):
        return notes_html

    def tracked_link(match: re.Match[str]) -> str:
        link = by_address.get(_comparable(html.unescape(match.group(2))))
        if link is None:
            return match.group(0)
        return f'{match.group(1)}{html.escape(link)}{match.group(3)}'

    return _HREF.sub(tracked_link, notes_html)


def _may_link_to(address: str, lowered_html: str) -> bool:
    """Whether notes (in lower case) may hold a link to `address`: its host is in them (a
    host has no character that HTML escapes), or it has none to look for."""
    try:
        host = urlsplit(address).hostname
    except ValueError:
        return True
    return host is None or host in lowered_html


def _comparable(address: str) -> str:
    return address.strip().rstrip('/').lower()
