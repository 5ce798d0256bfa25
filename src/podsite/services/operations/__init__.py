"""Running the site: the schema (Alembic is its only path) and the health check."""
