"""Business rules: per-entity handlers registered on the service (CAP style).

Each module holds the rules of one universe and a ``register(service)``
function; ``register`` below wires them all.
"""

from __future__ import annotations

from scolarite.service import Service


def register(service: Service) -> None:
    """Attach every rule module's handlers to ``service``."""
    from . import admission, core, documents, file, finance, inscription, relation_entreprise

    for module in (core, inscription, admission, finance, relation_entreprise, file, documents):
        module.register(service)
