"""A letter overtaken by events (the restriction lapsed, was lifted or withdrawn before it went) is marked as not to
be sent, with the reason; events waiting for a lookup hold SQL NULL, not JSON null

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letters') as batch:
        batch.add_column(sa.Column('not_sent_reason', sa.Text(), nullable=True))
    # Events handed to a lookup had their content cleared to JSON null, not SQL NULL, so the worker took them up
    # again on every pass (and held back their ticket's later events): clear them properly.
    op.execute("UPDATE webhook_events SET inbound = NULL WHERE CAST(inbound AS TEXT) = 'null'")


def downgrade() -> None:
    with op.batch_alter_table('letters') as batch:
        batch.drop_column('not_sent_reason')
