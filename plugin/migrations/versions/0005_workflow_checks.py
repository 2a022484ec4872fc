"""workflow checks: social-work enquiry, late appeals, letter decision dates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pre_restriction_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('social_work_enquiry_to', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('social_work_enquired_on', sa.Date(), nullable=True))
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('window_closes_on', sa.Date(), nullable=True))
    # Before this revision a late appeal was known only by its recorded reason (and audited so).
    appeals = sa.table('appeals', sa.column('late', sa.Boolean()), sa.column('late_reason', sa.Text()))
    op.execute(appeals.update().where(appeals.c.late_reason.isnot(None), appeals.c.late_reason != '').values(late=True))
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_column('decided_on')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_column('window_closes_on')
        batch_op.drop_column('late')
    with op.batch_alter_table('pre_restriction_checks', schema=None) as batch_op:
        batch_op.drop_column('social_work_enquired_on')
        batch_op.drop_column('social_work_enquiry_to')
