"""Addresses of the copies made of uploaded artwork (formats/artwork.py makes them)."""

from podsite.formats.artwork import variant_file_name
from podsite.urls import artwork_url


def artwork_copy_url(file_name: str, variant: str) -> str:
    """`300`, `600` or `og` (the 1200 x 630 card); empty when no artwork was uploaded."""
    return artwork_url(variant_file_name(file_name, variant)) if file_name else ''
