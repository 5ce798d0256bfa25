"""Show notes and bios: Markdown rendered to HTML, then sanitised."""

import nh3
from markdown_it import MarkdownIt

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
