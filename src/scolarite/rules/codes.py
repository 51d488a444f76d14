"""Generated codes: A00294 (learner), C00001 (affaire), CS00000573 (convention).

Numbers come from a named counter in the database (``Database.next_counter``),
incremented atomically, so that several server processes never hand out the same
number.  A code already taken (loaded from another system, say) is skipped.
"""

from __future__ import annotations

from scolarite.odata.schema import Entity
from scolarite.service import Context


async def next_code(ctx: Context, entity: type[Entity], prefix: str, width: int, prop: str = "Code") -> str:
    while True:
        n = await ctx.db.next_counter(ctx.conn, f"{entity.__entity_set__}.{prop}")
        code = f"{prefix}{n:0{width}d}"
        if not await ctx.db.taken(ctx.conn, entity, prop, code, deleted=True):
            return code


def keep_server_values(ctx: Context, *names: str) -> None:
    """On a full update, keep server-owned values the client left out or blanked.

    The documented PUT/POST bodies send them back (X9); a client that forgets one
    must not orphan the learner's Individu or the inscription's Affaire.
    """
    if ctx.previous is None:
        return
    for name in names:
        value = ctx.data.get(name)
        if value in (None, "", 0):
            ctx.data[name] = ctx.previous.get(name)
