"""Alembic environment: migrations run on the connection the server hands over."""

from alembic import context

from scolarite.model import schema
from scolarite.store.tables import build_tables

target_metadata, _ = build_tables(schema)


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `scolarite migrate`")
run_migrations_online()
