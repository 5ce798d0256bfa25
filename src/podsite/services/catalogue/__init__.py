"""What the public site shows: episodes, guests, the podcast's settings, policies, search,
the sitemap, and the content version every kept page is valid for."""
