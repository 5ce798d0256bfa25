"""Hypothesis strategies shared by the property tests."""

from functools import cache

from hypothesis import strategies as st

REFUSED_BY_XML = '\x00\x01\x08\x0b\x0c\x0e\x1f\ud800\udfff\ufffe\uffff'
"""One of each kind of character XML 1.0 does not allow: controls, lone surrogates, the two
non-characters."""
MARKUP = '<>&"\']#;\r\n\t\x7f\x85'
"""Characters that writers must escape or that parsers treat apart, drawn often enough that
`]]>`, `&#11;` and `\\r\\n` come up."""


@cache
def any_text(
    *, min_size: int = 0, max_size: int = 60, surrogates: bool = True
) -> st.SearchStrategy[str]:
    """Any Unicode text, lone surrogates included (which the default alphabet leaves out)
    unless the text must travel as UTF-8 (a form, a database driver), with the characters XML
    refuses and markup drawn often. Built once per shape: building and checking the strategy
    costs more than drawing from it."""
    refused = REFUSED_BY_XML if surrogates else REFUSED_BY_XML.replace('\ud800\udfff', '')
    alphabet = st.one_of(
        st.characters(exclude_categories=() if surrogates else ('Cs',)),
        st.sampled_from(refused),
        st.sampled_from(MARKUP),
    )
    return st.text(alphabet, min_size=min_size, max_size=max_size)
