"""Sponsors on the public pages, and the tracked short links of their reads."""
