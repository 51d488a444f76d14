"""Which peer to believe: trusted reverse proxies, the client's address, and the host links are built on.

A link the server writes (``@odata.context``, ``@odata.nextLink``, ``Location``) must never carry a host or a
scheme that an untrusted client chose: it would send the next client elsewhere (``javascript://evil.example``).
So ``X-Forwarded-Proto``, ``-Host`` and ``-For`` are read only from a peer listed in ``forwarded_allow_ips``
(like uvicorn's and gunicorn's setting of that name), a scheme must be ``http`` or ``https`` and a host must be a
host name or address with an optional port; the ``Host`` header of any other peer is used only when it names
an allowed host (the loopback names and ``allowed_hosts``; Django's ALLOWED_HOSTS), else links use the server's
own address.  ``--public-url`` overrides all of it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}"
    r"[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$"
)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


class Peers:
    def __init__(self, forwarded_allow_ips: Iterable[str], allowed_hosts: Iterable[str]):
        self.any_proxy = False
        self.proxies: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in forwarded_allow_ips:
            if item == "*":
                self.any_proxy = True
                continue
            try:
                self.proxies.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"forwarded-allow-ips: {item!r} is not an address or a network") from None
        hosts = [h.lower() for h in allowed_hosts]
        self.any_host = "*" in hosts
        self.hosts = {*LOOPBACK_HOSTS, *hosts}
        self._trusted: dict[str, bool] = {}

    def trusted(self, address: str | None) -> bool:
        if address is None:
            return False
        if self.any_proxy:
            return True
        known = self._trusted.get(address)
        if known is None:
            try:
                ip = ipaddress.ip_address(address)
                known = any(ip in network for network in self.proxies)
            except ValueError:
                known = False
            if len(self._trusted) > 10_000:
                self._trusted.clear()
            self._trusted[address] = known
        return known

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: the peer's, or, behind trusted proxies, the nearest address in
        ``X-Forwarded-For`` that is not one of them."""
        if peer is None:
            return "unknown"
        if not forwarded_for or not self.trusted(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusted(hop):
                return hop[:64]
        return hops[0][:64] if hops else peer

    def host_allowed(self, host: str) -> bool:
        if not valid_host(host):
            return False
        if self.any_host:
            return True
        name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else host.lower().split("]")[0] + "]"
        return name in self.hosts


def valid_host(host: str) -> bool:
    return bool(host) and len(host) <= 255 and bool(_HOST.match(host))


def valid_scheme(scheme: str) -> bool:
    return scheme.lower() in ("http", "https")
