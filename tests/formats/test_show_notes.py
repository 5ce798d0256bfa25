"""Imported show notes as their authors wrote them: HTML sanitised and never read as
Markdown, plain text with its paragraphs and line breaks, bare addresses linked."""

from lxml import html

from podsite.formats.show_notes import html_notes, text_notes, with_tracked_links


def links(fragment: str) -> list[str]:
    return [
        a.get('href') for a in html.fragment_fromstring(fragment, create_parent='div').iter('a')
    ]


INDENTED = """
    <p>In this episode:</p>
        <ul>
            <li><a href="https://one.example/a?b=1&amp;c=2">One</a>, with @_name_</li>
            <li>M*A*S*H and 2*3*4</li>
        </ul>
    <p onclick="steal()">Tip: <a href="bitcoin:1abc">bitcoin</a>, <a href="javascript:x()">x</a></p>
"""


def test_html_stays_html_even_indented_and_loses_only_what_could_run() -> None:
    notes = html_notes(INDENTED)
    assert '<pre>' not in notes and '<code>' not in notes
    assert '@_name_' in notes and 'M*A*S*H and 2*3*4' in notes
    assert links(notes) == ['https://one.example/a?b=1&c=2', 'bitcoin:1abc', None]
    assert 'onclick' not in notes and 'javascript' not in notes


def test_bare_addresses_are_linked_outside_links_and_code() -> None:
    notes = html_notes(
        '<p>See https://a.example/x, www.python.org and <b>mail me@example.com</b>.</p>'
        '<p><a href="https://b.example">https://b.example</a> <code>https://c.example</code></p>'
        '<p>ASP.NET and Node.js are not addresses.</p>'
    )
    assert links(notes) == [
        'https://a.example/x', 'http://www.python.org', 'mailto:me@example.com',
        'https://b.example',
    ]  # fmt: skip
    assert '<code>https://c.example</code>' in notes


def test_plain_text_keeps_paragraphs_line_breaks_and_characters() -> None:
    notes = text_notes('Hello & welcome <everyone>\nsecond line\n\n\nM*A*S*H https://x.example/y')
    assert notes == (
        '<p>Hello &amp; welcome &lt;everyone&gt;<br>\nsecond line</p>'
        '<p>M*A*S*H <a href="https://x.example/y" rel="noopener nofollow">https://x.example/y</a></p>'
    )


def test_links_to_a_tracked_address_lead_through_its_tracked_link() -> None:
    notes = (
        '<p><a href="https://acme.example/?a=1&amp;b=2">Acme</a>, '
        '<a href="https://beta.example">Beta</a> and <a href="https://other.example/">x</a>.</p>'
    )
    tracked = with_tracked_links(
        notes,
        {'https://acme.example/?a=1&b=2': '/r/acme-7', 'https://beta.example/': '/r/beta-7'},
    )
    assert tracked == (
        '<p><a href="/r/acme-7">Acme</a>, <a href="/r/beta-7">Beta</a> and '
        '<a href="https://other.example/">x</a>.</p>'
    )
    assert with_tracked_links(notes, {}) == notes
    assert with_tracked_links(notes, {'': '/r/none'}) == notes
    assert with_tracked_links(notes, {'https://gamma.example/': '/r/gamma-7'}) == notes


def test_a_tracked_address_is_found_whatever_the_case_of_its_host() -> None:
    notes = '<p><a href="HTTPS://Acme.Example/Offer">Acme</a></p>'

    tracked = with_tracked_links(notes, {'https://acme.example/offer/': '/r/acme-7'})

    assert tracked == '<p><a href="/r/acme-7">Acme</a></p>'
