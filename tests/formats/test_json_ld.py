"""JSON-LD for script elements: nothing in it can end the element."""

import json

from podsite.formats.json_ld import script_text


def test_no_text_can_close_the_script_element_or_open_a_comment() -> None:
    data = {'name': '</script><script>alert(1)</script> <!-- & -->', 'emoji': 'éé 🎙'}
    text = script_text(data)
    assert not {'<', '>', '&'} & set(text)
    assert json.loads(text) == data
    assert 'éé 🎙' in text  # readable, not escaped needlessly
