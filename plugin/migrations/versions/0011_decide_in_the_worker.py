"""Webhook events are decided by the worker: the event as received waits in `inbound` until then

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION contactguard_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('contactguard_outbox', '');
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    # The request path stores the event and answers; the worker decides. Until then the event's fields
    # (addresses, subject, text: what the decision needs) wait here, and are cleared once it is decided.
    with op.batch_alter_table('webhook_events') as batch:
        batch.add_column(sa.Column('inbound', sa.JSON(), nullable=True))
    op.create_index(
        'ix_webhook_events_pending',
        'webhook_events',
        ['id'],
        postgresql_where=sa.text("outcome = 'pending'"),
        sqlite_where=sa.text("outcome = 'pending'"),
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Every stored event and every queued helpdesk action wakes the workers at commit (plugin/worker/wakeup.py).
        op.execute(NOTIFY_FUNCTION)
        for table in ('webhook_events', 'outbox_actions'):
            op.execute(
                f"CREATE TRIGGER {table}_wake_workers AFTER INSERT ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION contactguard_notify_work()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('webhook_events', 'outbox_actions'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_wake_workers ON {table}")
        op.execute("DROP FUNCTION IF EXISTS contactguard_notify_work()")
    op.drop_index('ix_webhook_events_pending', table_name='webhook_events')
    with op.batch_alter_table('webhook_events') as batch:
        batch.drop_column('inbound')
