"""Settings, from ``SCOLARITE_*`` environment variables (the CLI sets them from its options).

Every setting is read here, once; the rest of the code receives a ``Settings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from scolarite.odata.limits import Limits

# The store's own default (``store.engine.DEFAULT_POOL_SIZE``): a ``Database`` built without a pool size.
DEFAULT_DB_POOL_SIZE = 16


def _pool_size(env: Mapping[str, str]) -> int:
    """``SCOLARITE_DB_POOL_SIZE`` (at least 1; a value that is not a number keeps the default)."""
    try:
        return max(1, int(env.get("SCOLARITE_DB_POOL_SIZE", str(DEFAULT_DB_POOL_SIZE))))
    except ValueError:
        return DEFAULT_DB_POOL_SIZE


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    try:
        value = float(raw) if raw not in (None, "") else default
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise ValueError(f"{name}={raw!r} may not be negative")
    return value


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass
class Settings:
    database_url: str | None = None
    max_page_size: int = 1000
    max_body_bytes: int = 10 * 1024 * 1024
    public_url: str | None = None  # e.g. https://api.ecole.fr/GraphV1/ behind a proxy
    timezone: str = "Europe/Paris"
    trust_forwarded: bool = True
    auth_cache_seconds: float = 1.0  # how long a successful credential check is trusted
    # Database connections kept per pool and process (``Database(pool_size=…)``).  On PostgreSQL the API's
    # reads and writes share one asyncpg pool of this size; SQLAlchemy's pool (administration) opens
    # connections only when used, up to this size and half as many again: keep workers × 2.5 × this under
    # max_connections.  A pool smaller than the concurrency a worker sees closes and reopens connections all
    # the time.
    db_pool_size: int = DEFAULT_DB_POOL_SIZE
    limits: Limits = field(default_factory=Limits)  # what one request may ask (SCOLARITE_MAX_*, odata/limits.py)
    # Peers whose X-Forwarded-* headers are believed (addresses or networks; "*": any): a reverse proxy.
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1", "::1")
    # Host headers links may be built from, when no trusted proxy says otherwise ("*": any).  Empty: the
    # loopback names only; links for any other Host use the server's own address (or --public-url).
    allowed_hosts: tuple[str, ...] = ()
    # Failed sign-ins: after this many failures of one login from one address (or of any login from one
    # address), within the window, that address waits, 1 s then twice as long at each new failure, up to
    # the longest back-off.
    auth_max_failures: int = 5
    auth_max_failures_per_address: int = 20
    auth_failure_window: float = 900.0
    auth_max_backoff: float = 300.0
    auth_hash_concurrency: int = 2  # Argon2 verifications at once per worker
    # Connections (api/http.py): reading a request's head, its body, waiting between requests.
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    keep_alive_timeout: float = 5.0
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    max_connections: int = 1000  # per worker; beyond it new requests get 503

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("SCOLARITE_DATABASE_URL") or None,
            db_pool_size=_pool_size(env),
            max_page_size=int(env.get("SCOLARITE_MAX_PAGE_SIZE", "1000")),
            max_body_bytes=int(env.get("SCOLARITE_MAX_BODY_BYTES", str(10 * 1024 * 1024))),
            public_url=env.get("SCOLARITE_PUBLIC_URL") or None,
            timezone=env.get("SCOLARITE_TIMEZONE", "Europe/Paris"),
            trust_forwarded=env.get("SCOLARITE_TRUST_FORWARDED", "1") not in ("0", "false", "no"),
            auth_cache_seconds=_number(env, "SCOLARITE_AUTH_CACHE_SECONDS", 1.0),
            limits=Limits.from_settings(env.get),
            forwarded_allow_ips=_list(env, "SCOLARITE_FORWARDED_ALLOW_IPS", cls.forwarded_allow_ips),
            allowed_hosts=_list(env, "SCOLARITE_ALLOWED_HOSTS", cls.allowed_hosts),
            auth_max_failures=int(_number(env, "SCOLARITE_AUTH_MAX_FAILURES", cls.auth_max_failures)),
            auth_max_failures_per_address=int(
                _number(env, "SCOLARITE_AUTH_MAX_FAILURES_PER_ADDRESS", cls.auth_max_failures_per_address)
            ),
            auth_failure_window=_number(env, "SCOLARITE_AUTH_FAILURE_WINDOW", cls.auth_failure_window),
            auth_max_backoff=_number(env, "SCOLARITE_AUTH_MAX_BACKOFF", cls.auth_max_backoff),
            auth_hash_concurrency=max(
                1, int(_number(env, "SCOLARITE_AUTH_HASH_CONCURRENCY", cls.auth_hash_concurrency))
            ),
            header_timeout=_number(env, "SCOLARITE_HEADER_TIMEOUT", cls.header_timeout),
            body_timeout=_number(env, "SCOLARITE_BODY_TIMEOUT", cls.body_timeout),
            keep_alive_timeout=_number(env, "SCOLARITE_KEEP_ALIVE_TIMEOUT", cls.keep_alive_timeout),
            max_header_bytes=int(_number(env, "SCOLARITE_MAX_HEADER_BYTES", cls.max_header_bytes)),
            max_headers=int(_number(env, "SCOLARITE_MAX_HEADERS", cls.max_headers)),
            max_connections=int(_number(env, "SCOLARITE_MAX_CONNECTIONS", cls.max_connections)),
        )
