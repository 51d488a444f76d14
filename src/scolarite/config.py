"""Settings, from ``SCOLARITE_*`` environment variables (the CLI sets them from its options)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from scolarite.odata.limits import Limits


@dataclass
class Settings:
    database_url: str | None = None
    max_page_size: int = 1000
    max_body_bytes: int = 10 * 1024 * 1024
    public_url: str | None = None  # e.g. https://api.ecole.fr/GraphV1/ behind a proxy
    timezone: str = "Europe/Paris"
    trust_forwarded: bool = True
    auth_cache_seconds: float = 1.0  # how long a successful credential check is trusted
    limits: Limits = field(default_factory=Limits)  # what one request may ask (SCOLARITE_MAX_*, odata/limits.py)

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ
        return cls(
            database_url=env.get("SCOLARITE_DATABASE_URL") or None,
            max_page_size=int(env.get("SCOLARITE_MAX_PAGE_SIZE", "1000")),
            max_body_bytes=int(env.get("SCOLARITE_MAX_BODY_BYTES", str(10 * 1024 * 1024))),
            public_url=env.get("SCOLARITE_PUBLIC_URL") or None,
            timezone=env.get("SCOLARITE_TIMEZONE", "Europe/Paris"),
            trust_forwarded=env.get("SCOLARITE_TRUST_FORWARDED", "1") not in ("0", "false", "no"),
            auth_cache_seconds=float(env.get("SCOLARITE_AUTH_CACHE_SECONDS", "1")),
            limits=Limits.from_settings(env.get),
        )
