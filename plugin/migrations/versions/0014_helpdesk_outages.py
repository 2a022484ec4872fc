"""A helpdesk that does not answer pauses its own actions: when it stopped answering, when it is next probed, and
what the last call met

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('connections') as batch:
        batch.add_column(sa.Column('unreachable_since', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('probe_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('unreachable_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('connections') as batch:
        batch.drop_column('unreachable_error')
        batch.drop_column('probe_at')
        batch.drop_column('unreachable_since')
