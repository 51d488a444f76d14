"""Database tables, derived from the entity declarations.

Every entity set gets one table named after the set, one column per property
(same name), its internal columns (``__internal__``, e.g. a folder's ``_parent_id``),
plus a ``_deleted`` flag: DELETE is a soft delete, the row stays for
history and ``Object`` keeps its dates.  Ids come from the ``Object`` table, whose
identity column is the one id sequence shared by every set (R10).

Foreign keys are checked by the application rather than declared to the
database: GraphV1 writes ``0`` for "no reference" (R9), which a database foreign
key cannot express, and a soft-deleted row must stop being a valid target.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa

from scolarite.schema import Entity, Schema

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

OBJECT_SET = "Object"
DELETED = "_deleted"
SET_COLUMN = "_set"


def _id_type() -> sa.types.TypeEngine[int]:
    # INTEGER PRIMARY KEY is SQLite's rowid alias (auto-assigned); BIGINT elsewhere.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def build_tables(schema: Schema) -> tuple[sa.MetaData, dict[str, sa.Table]]:
    metadata = sa.MetaData(naming_convention=NAMING)
    tables: dict[str, sa.Table] = {}
    for entity in schema:
        tables[entity.__entity_set__] = _entity_table(metadata, entity)
    _technical_tables(metadata)
    return metadata, tables


def _entity_table(metadata: sa.MetaData, entity: type[Entity]) -> sa.Table:
    is_registry = entity.__entity_set__ == OBJECT_SET
    columns: list[sa.Column[Any]] = []
    ordered: list[str] = []
    for prop in entity.properties.values():
        if prop.key:
            if is_registry:
                col = sa.Column(prop.name, _id_type(), sa.Identity(), primary_key=True)
            elif prop.edm.category == "guid":
                col = sa.Column(prop.name, prop.edm.sa_type(), primary_key=True)
            else:
                col = sa.Column(prop.name, sa.BigInteger(), primary_key=True, autoincrement=False)
        else:
            # Foreign keys get an index of their own; other indexed properties (those the
            # documented queries filter or sort on) one that ends with the key, so that
            # ``$orderby=Nom`` (sorted by Nom, then Id for stable pages) reads the index
            # in order instead of sorting the table.
            col = sa.Column(prop.name, prop.edm.sa_type(), nullable=True, index=bool(prop.ref) and not prop.index)
            if prop.index:
                ordered.append(prop.name)
        columns.append(col)
    for prop in entity.__internal__.values():
        columns.append(sa.Column(prop.name, prop.edm.sa_type(), nullable=True, index=prop.index))
    if is_registry:
        columns.append(sa.Column(SET_COLUMN, sa.String(64), nullable=False))
    else:
        columns.append(sa.Column(DELETED, sa.Boolean(), nullable=False, server_default=sa.false()))
    table = sa.Table(entity.__entity_set__, metadata, *columns, sqlite_autoincrement=is_registry)
    for name in ordered:
        sa.Index(f"ix_{entity.__entity_set__}_{name}_{entity.key.name}", table.c[name], table.c[entity.key.name])
    for names, _ in entity.unique_keys():
        # Unique among live rows that have a value: 0 / "" mean "none" (R9).
        cols = [table.c[name] for name in names]
        where = sa.and_(*[col != _empty(entity, col.name) for col in cols], table.c[DELETED] == sa.false())
        sa.Index(unique_index_name(entity, names), *cols, unique=True, sqlite_where=where, postgresql_where=where)
    return table


def _empty(entity: type[Entity], name: str) -> str | int:
    return "" if entity.properties[name].edm.category == "string" else 0


def unique_index_name(entity: type[Entity], names: str | tuple[str, ...]) -> str:
    """``uq_Set_A_B``; cut and completed by a digest when longer than PostgreSQL's 63 characters."""
    name = f"uq_{entity.__entity_set__}_{names if isinstance(names, str) else '_'.join(names)}"
    if len(name) <= 63:
        return name
    return f"{name[:54]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _technical_tables(metadata: sa.MetaData) -> None:
    sa.Table(
        "scolarite_credential",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),  # "basic" or "apikey"
        sa.Column("name", sa.String(200), nullable=False),  # login, or the key's label
        sa.Column("lookup", sa.String(64), nullable=True, unique=True),  # sha256 of an API key
        sa.Column("secret_hash", sa.Text(), nullable=False),  # argon2 of a password / sha256 of a key
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Index("ix_scolarite_credential_name", "name"),
        # One live password per login: a second one is a replacement (the old one revoked).
        sa.Index(
            "uq_scolarite_credential_live_login",
            "name",
            unique=True,
            sqlite_where=sa.text("kind = 'basic' AND revoked_at IS NULL"),
            postgresql_where=sa.text("kind = 'basic' AND revoked_at IS NULL"),
        ),
    )
    # Failed sign-ins, shared by the server's processes (store/throttle.py): one row per key
    # (an address, or a login at an address).
    sa.Table(
        "scolarite_auth_failure",
        metadata,
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
    )
    # Named counters for generated codes (A00294, CS00000573, C00001): one row per
    # counter, incremented with UPDATE … RETURNING so that concurrent creations from
    # several server processes never draw the same number.
    sa.Table(
        "scolarite_counter",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    # Settings that are not entity sets (e.g. the referential of contractual modes).
    sa.Table(
        "scolarite_setting",
        metadata,
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
    )
