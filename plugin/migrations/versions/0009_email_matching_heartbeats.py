"""e-mail identities in the EMAIL_MATCHING normal form (+tag and Gmail dots); worker heartbeats for /metrics

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00
"""

import logging
import os

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    from plugin.identity import DEFAULT_EMAIL_MATCHING, EMAIL_MATCHING, renormalise_stored

    # Stored addresses take the normal form matching now uses, so jane.doe+x@googlemail.com finds
    # janedoe@gmail.com in the same single indexed query. The mode is the one the service will run with.
    mode = os.environ.get("CONTACTGUARD_EMAIL_MATCHING") or DEFAULT_EMAIL_MATCHING
    if mode not in EMAIL_MATCHING:
        mode = DEFAULT_EMAIL_MATCHING
    changed, left = renormalise_stored(op.get_bind(), mode, log=log.warning)
    if changed or left:
        log.info("e-mail identities re-normalised for EMAIL_MATCHING=%s: %d changed, %d left", mode, changed, left)
    # When the elected worker last finished a sweep pass: /metrics shows it, an alert fires when it stops.
    op.create_table(
        'worker_heartbeats',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeats')),
    )


def downgrade() -> None:
    # The re-normalised addresses stay as they are: the old (strict) matching still finds the bare forms.
    op.drop_table('worker_heartbeats')
