"""Password hashing with argon2id, off the event loop (a hash takes tens of milliseconds)."""

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _unknown_user_hash() -> str:
    """Verified against when the email is unknown, so both answers take as long."""
    return _hasher.hash('not the password of anyone')


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(stored_hash or _unknown_user_hash(), password)
        except (VerificationError, InvalidHashError):
            return False

    matches = await asyncio.to_thread(verify)
    return matches and stored_hash is not None
