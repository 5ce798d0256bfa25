"""People who log in: accounts, sessions, roles, the outbox every email goes through, and
the audit log of admin changes."""
