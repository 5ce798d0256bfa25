"""Show notes and bios: Markdown rendered to HTML, then sanitised."""

import re

import nh3
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from podsite.formats.xml_text import clean_text

_markdown = MarkdownIt('commonmark', {'linkify': False}).enable('table').enable('strikethrough')

ALLOWED_TAGS = {
    'a', 'abbr', 'b', 'blockquote', 'br', 'code', 'del', 'em', 'h2', 'h3', 'h4', 'h5', 'h6',
    'hr', 'i', 'li', 'ol', 'p', 'pre', 's', 'strong', 'sub', 'sup', 'table', 'tbody', 'td',
    'th', 'thead', 'tr', 'ul',
}  # fmt: skip
ALLOWED_ATTRIBUTES = {'a': {'href', 'title'}, 'abbr': {'title'}, 'td': {'align'}, 'th': {'align'}}


def render_markdown(source: str) -> str:
    """Safe HTML for untrusted Markdown: scripts, styles, handlers and odd URLs are dropped."""
    return nh3.clean(
        _markdown.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={'http', 'https', 'mailto'},
        link_rel='noopener nofollow',
    )


# What ends a line, and what ends a paragraph, in plain text.
_LINES = {'li', 'tr', 'br', 'dt', 'dd'}
_PARAGRAPHS = {
    'p',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'pre',
    'ul',
    'ol',
    'table',
    'div',
}
_RELATIVE = re.compile(r'(\s(?:href|src)=")(/(?!/)[^"]*)(")', re.IGNORECASE)
_EXTRA_BLANK_LINES = re.compile(r'\n{3,}')


def plain_text(rendered_html: str) -> str:
    """Rendered notes as the text a reader saw, for fields that take no markup (a feed's
    `<description>`, a calendar event's): no `**`, no tags, a line per block."""
    # lxml takes only what XML allows; stored text may hold control characters.
    cleaned = clean_text(rendered_html)
    if not cleaned.strip():
        return ''
    root = lxml_html.fragment_fromstring(cleaned, create_parent='div')
    for element in root.iter():
        if element.tag in _LINES or element.tag in _PARAGRAPHS:
            # The newlines the renderer puts between blocks are layout, not text.
            ending = '\n' if element.tag in _LINES else '\n\n'
            element.tail = ending + (element.tail or '').lstrip()
    return _EXTRA_BLANK_LINES.sub('\n\n', root.text_content()).strip()


def absolute_links(rendered_html: str, base_url: str) -> str:
    """Links and images that point within the site (`/guests`) given with its address, for
    HTML read away from the site: in a podcast app, `/guests` leads nowhere."""
    base = base_url.rstrip('/')
    return _RELATIVE.sub(lambda match: f'{match[1]}{base}{match[2]}{match[3]}', rendered_html)
