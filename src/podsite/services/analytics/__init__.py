"""How a request becomes a counted download, in the order it happens:

`recording` (on the request path: events queued, never awaited) → `storage` (batches written
off the request path, addresses hashed with a daily salt) → `counting` (new events turned into
counted downloads under `iab_rules`, the IAB v2.3 rules as pure functions) → `reporting`
(the numbers the admin and advertisers see); `agents` names the app and platform of a
User-Agent."""
