"""Typed async functions: the only code that touches the database session."""
