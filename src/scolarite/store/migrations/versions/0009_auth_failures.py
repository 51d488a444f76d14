"""failed sign-ins, shared by the server's processes

One row per key (a client address, or a login at an address): how many failures
in a row and when the last one was; each process derives the wait from them (store/throttle.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 00:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'scolarite_auth_failure',
        sa.Column('key', sa.String(300), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_scolarite_auth_failure')),
    )


def downgrade() -> None:
    op.drop_table('scolarite_auth_failure')
