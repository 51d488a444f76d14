"""an index on Affaire.Code

Each new inscription draws an affaire code and checks that no affaire has it
yet: without this index that check read the whole table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 12:40:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('Affaire', schema=None) as batch_op:
        batch_op.create_index('ix_Affaire_Code_Id', ['Code', 'Id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('Affaire', schema=None) as batch_op:
        batch_op.drop_index('ix_Affaire_Code_Id')
