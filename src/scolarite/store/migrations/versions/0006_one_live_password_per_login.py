"""one live password per login

A login could be given a second password with `scolarite credentials add`, and
both then worked.  The database now keeps one live password per login (a partial
unique index); where a login had several, the newest stays and the older ones are
revoked.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

LIVE_LOGIN = "kind = 'basic' AND revoked_at IS NULL"


def upgrade() -> None:
    op.execute(
        "UPDATE scolarite_credential SET revoked_at = CURRENT_TIMESTAMP "
        f"WHERE {LIVE_LOGIN} AND id < (SELECT MAX(newer.id) FROM scolarite_credential newer "
        "WHERE newer.kind = 'basic' AND newer.revoked_at IS NULL AND newer.name = scolarite_credential.name)"
    )
    op.create_index('uq_scolarite_credential_live_login', 'scolarite_credential', ['name'], unique=True,
                    sqlite_where=sa.text(LIVE_LOGIN), postgresql_where=sa.text(LIVE_LOGIN))


def downgrade() -> None:
    op.drop_index('uq_scolarite_credential_live_login', table_name='scolarite_credential')
