"""View models: one per page, holding the page's logic and loading its data."""
