"""officer absence: periods an officer is away, so the deputy covers as sole point of contact

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import plugin.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'officer_absences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('created_at', plugin.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_officer_absences_ends_after_start')),
        sa.ForeignKeyConstraint(
            ['officer_id'], ['officers.id'], name=op.f('fk_officer_absences_officer_id_officers'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_officer_absences')),
    )
    op.create_index(
        'ix_officer_absences_officer_dates', 'officer_absences', ['officer_id', 'starts_on', 'ends_on'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_officer_absences_officer_dates', table_name='officer_absences')
    op.drop_table('officer_absences')
