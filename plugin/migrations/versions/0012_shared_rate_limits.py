"""Worker processes share each helpdesk account's rate limit: one token bucket row per account

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Used on PostgreSQL (plugin/worker/rate_limits.py); on SQLite one worker paces in its own process.
    op.create_table(
        'rate_limit_buckets',
        sa.Column('account', sa.String(length=64), primary_key=True),
        sa.Column('tokens', sa.Float(), nullable=False),
        sa.Column('updated', sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('rate_limit_buckets')
