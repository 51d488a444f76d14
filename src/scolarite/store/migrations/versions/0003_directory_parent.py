"""directory parent: the internal column _parent_id (the folder holding a folder or file entry)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:11:29.165981
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('Directory', schema=None) as batch_op:
        batch_op.add_column(sa.Column('_parent_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_Directory__parent_id'), ['_parent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('Directory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_Directory__parent_id'))
        batch_op.drop_column('_parent_id')
