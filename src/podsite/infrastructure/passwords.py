"""Password hashing with argon2id, off the event loop (a hash takes tens of milliseconds)."""

import asyncio
from collections.abc import Sequence
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


# Recovery codes are random (about 49 bits each, see two_factor_rules), not chosen by people,
# so the memory-hard cost that slows down guessing a dictionary word matters less: OWASP's
# minimum argon2id setting (19 MiB, 2 passes, 1 lane) hashes one in about 30 ms here where the
# password setting takes 300 ms (2026-12-08, shared 2-core machine), and an account's ten
# are hashed at enrolment and, for a wrong code, all checked at sign-in.
_code_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


async def hash_recovery_code(code: str) -> str:
    return await asyncio.to_thread(_code_hasher.hash, code)


async def matching_recovery_code(stored_hashes: Sequence[str], code: str) -> int | None:
    """The index of the hash `code` matches, in one trip off the event loop; None if none."""

    def first_match() -> int | None:
        for index, stored_hash in enumerate(stored_hashes):
            try:
                if _code_hasher.verify(stored_hash, code):
                    return index
            except (VerificationError, InvalidHashError):
                continue
        return None

    return await asyncio.to_thread(first_match)
