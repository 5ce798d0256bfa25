"""Blueprints, one module per area; each view is a few lines over its view model."""
