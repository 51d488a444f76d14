"""hash the passwords stored in clear

User.Password and Candidat.Password were stored as the client sent them (and
returned by every read).  They are write-only now: stored only as an Argon2 hash.
This migration replaces every stored value that is not a hash yet by its hash;
empty values stay empty.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 23:00:00
"""
import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLES = ("User", "Candidat")


def upgrade() -> None:
    conn = op.get_bind()
    hasher = PasswordHasher()
    for name in TABLES:
        table = sa.table(name, sa.column("Id"), sa.column("Password"))
        rows = conn.execute(sa.select(table.c.Id, table.c.Password).where(
            table.c.Password.is_not(None), table.c.Password != "", sa.not_(table.c.Password.startswith("$argon2"))
        )).all()
        for ident, clear in rows:
            conn.execute(sa.update(table).where(table.c.Id == ident).values(Password=hasher.hash(clear)))


def downgrade() -> None:
    pass  # a hash cannot be turned back into the password
