"""How a request becomes a counted download, in the order it happens:

`recording` (on the request path: downloads, short-link clicks and sponsor impressions
queued as plain events, never awaited) → `storage` (every batch written off the request
path, addresses hashed with a daily salt) → `counting` (every few minutes, new download
events turned into counted downloads under `iab_rules`, the IAB v2.3 rules as pure
functions) → `reporting` (the numbers the admin and advertisers see); `agents` names the app
and platform of a User-Agent."""
