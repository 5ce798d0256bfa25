"""Show notes are Markdown, rendered to safe HTML."""

from podsite.formats.markdown import absolute_links, plain_text, render_markdown


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


def test_plain_text_is_what_a_reader_saw_a_line_per_block() -> None:
    rendered = render_markdown(
        '**Bold** and [a link](https://a.example).\n\n- one\n- *two*\n\n> quoted `code`'
    )
    assert plain_text(rendered) == 'Bold and a link.\n\none\ntwo\n\nquoted code'
    assert plain_text('') == plain_text('  ') == ''
    assert plain_text('&lt;b&gt; stays text') == '<b> stays text'


def test_links_and_images_within_the_site_get_its_address() -> None:
    html = (
        '<a href="/guests">g</a> <img src="/static/a.png"> <a href="//cdn.example/x">c</a> '
        '<a href="https://other.example/">o</a> <a href="#top">t</a>'
    )
    assert absolute_links(html, 'https://show.example/') == (
        '<a href="https://show.example/guests">g</a> '
        '<img src="https://show.example/static/a.png"> <a href="//cdn.example/x">c</a> '
        '<a href="https://other.example/">o</a> <a href="#top">t</a>'
    )
