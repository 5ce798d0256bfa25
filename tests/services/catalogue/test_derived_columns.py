"""What the services that write rows derive from what a person wrote."""

from datetime import UTC, datetime

from podsite.services.catalogue.derived_columns import (
    episode_columns,
    live_stream_columns,
    policy_columns,
)


def test_markdown_is_rendered_and_sanitised() -> None:
    assert episode_columns(show_notes='Hello **world**') == {
        'show_notes_html': '<p>Hello <strong>world</strong></p>\n'
    }
    assert '<script' not in policy_columns(body='<script>alert(1)</script> *Terms*')['body_html']


def test_a_stream_ends_its_duration_after_it_starts() -> None:
    columns = live_stream_columns(
        description='', starts_at=datetime(2031, 5, 4, 23, 30, tzinfo=UTC), duration_minutes=90
    )
    assert columns == {'description_html': '', 'ends_at': datetime(2031, 5, 5, 1, 0, tzinfo=UTC)}
