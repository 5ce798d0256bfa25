"""Live streams: the schedule and archive, and their notify-me subscribers."""
