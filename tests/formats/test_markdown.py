"""Show notes are Markdown, rendered to safe HTML."""

from podsite.formats.markdown import render_markdown


def test_markdown_becomes_html_with_safe_links() -> None:
    html = render_markdown('## Links\n\n- [Python](https://python.org)\n\n**bold** `code`')
    assert '<h2>Links</h2>' in html
    assert '<a href="https://python.org" rel="noopener nofollow">Python</a>' in html
    assert '<strong>bold</strong>' in html and '<code>code</code>' in html


def test_scripts_handlers_and_javascript_urls_are_removed() -> None:
    html = render_markdown(
        '<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n<img src=x onerror=alert(3)>'
        '\n\n<iframe src="https://evil.test"></iframe><style>body{}</style>'
    )
    for dangerous in ('<script', 'href="javascript', 'onerror=', '<iframe', '<style', '<img'):
        assert dangerous not in html
