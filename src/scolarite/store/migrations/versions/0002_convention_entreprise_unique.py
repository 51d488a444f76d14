"""convention entreprise unique

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:04:51.832096
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('Convention', schema=None) as batch_op:
        batch_op.create_index('uq_Convention_EntrepriseId', ['EntrepriseId'], unique=True, sqlite_where=sa.text('"EntrepriseId" != 0 AND _deleted = false'), postgresql_where=sa.text('"EntrepriseId" != 0 AND _deleted = false'))



def downgrade() -> None:
    with op.batch_alter_table('Convention', schema=None) as batch_op:
        batch_op.drop_index('uq_Convention_EntrepriseId', sqlite_where=sa.text('"EntrepriseId" != 0 AND _deleted = false'), postgresql_where=sa.text('"EntrepriseId" != 0 AND _deleted = false'))

