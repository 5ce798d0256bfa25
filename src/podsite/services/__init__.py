"""Typed async functions over the database, one room per domain of the product; the only
request-path code that touches the session. Each returns Pydantic read models (`schemas/`),
never ORM objects a template could lazy-load."""
