"""Pure parsers and writers of the formats a podcast lives in (RSS in and out, transcripts,
MP3 headers, iCalendar, Markdown): no database, no Quart, testable on bytes alone."""
