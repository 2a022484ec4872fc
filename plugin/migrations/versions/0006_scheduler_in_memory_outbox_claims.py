"""drop APScheduler's job store (it held the pickled settings); outbox leases carry their claim token

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # APScheduler created this table itself (never through a migration); the sweep job now lives in memory.
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")
    with op.batch_alter_table('outbox_actions') as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))


def downgrade() -> None:
    # The job store is not restored: it held only a copy of the job, which the worker recreates in memory.
    with op.batch_alter_table('outbox_actions') as batch_op:
        batch_op.drop_column('claimed_by')
