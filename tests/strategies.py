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
def any_text(*, min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[str]:
    """Any Unicode text, lone surrogates included (which the default alphabet leaves out),
    with the characters XML refuses and markup drawn often. Built once per size: building
    and checking the strategy costs more than drawing from it."""
    alphabet = st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(REFUSED_BY_XML),
        st.sampled_from(MARKUP),
    )
    return st.text(alphabet, min_size=min_size, max_size=max_size)
