"""podsite: a self-hosted, async podcast website engine."""
