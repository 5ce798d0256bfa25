"""Plumbing shared by every area: database, templates, static files, request log."""
