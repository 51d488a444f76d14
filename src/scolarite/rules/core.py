"""Core universe rules: e-mail addresses (R12, R13)."""

from __future__ import annotations

import re

from scolarite.errors import ValidationError
from scolarite.service import CREATE, UPDATE, Context, Service

# Deliberately simple: one @, no spaces, a dot in the domain.  Stricter checks
# refuse real addresses; this one refuses what is plainly not an address.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def register(service: Service) -> None:
    service.before((CREATE, UPDATE), "Mail", check_address)


async def check_address(ctx: Context) -> None:
    """R12: a Mail's Adresse is an e-mail address; it is stored trimmed."""
    address = (ctx.data.get("Adresse") or "").strip()
    if not EMAIL.match(address):
        raise ValidationError(
            f"Adresse {ctx.data.get('Adresse')!r} is not an e-mail address (expected name@domain.tld)",
            target="Adresse",
        )
    ctx.data["Adresse"] = address
