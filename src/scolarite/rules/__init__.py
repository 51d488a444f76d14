"""Business rules: per-entity handlers registered on the service (CAP style).

Each module holds the rules of one universe and a ``register(service)``
function; ``register`` below wires them all.
"""

from __future__ import annotations

from scolarite.service import Service


def register(service: Service) -> None:
    """Attach every rule module's handlers to ``service``."""
    # Workflow rules (inscription, convention, files) register here as they land.
    return None
