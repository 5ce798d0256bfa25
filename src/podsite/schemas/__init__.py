"""Pydantic read models: what services hand to view models and templates."""
