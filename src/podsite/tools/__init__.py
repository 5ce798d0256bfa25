"""Work apart from the request path, run from the command line: demo data, backup and
restore, the sitemap crawler (check-site) and the static export."""
