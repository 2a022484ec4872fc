"""connections get a url_token: the webhook URL can be rotated while events keep their connection id

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('connections') as batch_op:
        batch_op.add_column(sa.Column('url_token', sa.String(length=64), nullable=True))
    # Existing webhook URLs keep working: their token is the id they were given.
    op.execute("UPDATE connections SET url_token = id")
    with op.batch_alter_table('connections') as batch_op:
        batch_op.alter_column('url_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_connections_url_token'), ['url_token'])


def downgrade() -> None:
    # A rotated URL is lost on downgrade: the webhook URL is the id again (update the helpdesk).
    with op.batch_alter_table('connections') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_connections_url_token'), type_='unique')
        batch_op.drop_column('url_token')
