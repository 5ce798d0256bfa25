"""Getting a show out and in: the feed, feed import, transcripts and chapters, media files."""
