"""One-way hashes of secrets: credentials' passwords and write-only properties.

Argon2id (argon2-cffi's defaults, tens of milliseconds on purpose), run in a
thread so that the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

hasher = PasswordHasher()
PREFIX = "$argon2"


def is_hashed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


async def hash_secret(text: str) -> str:
    return await asyncio.to_thread(hasher.hash, text)


async def verify(stored: str, text: str) -> bool:
    """Whether ``text`` is the secret ``stored`` is the hash of."""
    try:
        return await asyncio.to_thread(hasher.verify, stored, text)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
