"""Load reference data (civilités, programmes, états…) from a YAML file.

The file maps entity-set names to lists of rows, in dependency order, each row
with its explicit ``Id`` (or ``Streamid``).  Keys starting with ``_`` are
settings stored beside the data (e.g. ``_modes_contractuels``).  Every value is
checked against the entity declaration like an API body.  Loading twice updates
the rows instead of duplicating them, so ``scolarite serve --demo`` can be run
again on the same database.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from scolarite.errors import ValidationError
from scolarite.schema import Schema
from scolarite.schema.values import CREATE, check_values

from .db import Database


class ReferentialError(ValueError):
    pass


def demo_file() -> Path:
    return Path(str(resources.files("scolarite.demo") / "referentials.yaml"))


async def load(db: Database, schema: Schema, path: Path) -> dict[str, int]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ReferentialError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ReferentialError(f"{path}: expected a mapping of entity sets to lists of rows")
    counts: dict[str, int] = {}
    settings = db.metadata.tables["scolarite_setting"]
    async with db.write() as conn:
        for set_name, rows in data.items():
            if set_name.startswith("_"):
                await conn.execute(sa.delete(settings).where(settings.c.name == set_name[1:]))
                await conn.execute(sa.insert(settings).values(name=set_name[1:], value=rows))
                continue
            entity = schema.get(set_name)
            if entity is None:
                raise ReferentialError(f"{path}: unknown entity set {set_name!r}")
            keyname = entity.key.name
            for i, row in enumerate(rows or []):
                if not isinstance(row, dict) or keyname not in row:
                    raise ReferentialError(f"{path}: {set_name} row {i + 1} needs an explicit {keyname}")
                key = entity.key.edm.parse(row[keyname])
                body: dict[str, Any] = {k: v for k, v in row.items() if k != keyname}
                try:
                    values = check_values(entity, body, CREATE)
                except ValidationError as exc:
                    raise ReferentialError(f"{path}: {set_name} {key}: {exc.message}") from None
                table = db.table(entity)
                existing = (await conn.execute(sa.select(table.c[keyname]).where(table.c[keyname] == key))).first()
                if existing:
                    await conn.execute(sa.update(table).where(table.c[keyname] == key).values(**values))
                else:
                    await db.insert(conn, entity, values, key=key)
                counts[set_name] = counts.get(set_name, 0) + 1
        await db.fix_sequences(conn)
    return counts
