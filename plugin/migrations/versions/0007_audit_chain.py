"""hash-chain the audit trail: prev_hash and hash on every entry, and the chain's head

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:00:00

Existing entries are chained in id order, as they stand now: the chain proves nothing about what
happened to them before this revision.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import plugin.models.base
from plugin.models.audit import GENESIS, HEAD_ID, entry_hash

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
]


def _entries() -> sa.TableClause:
    """audit_entries as this revision sees it, with the types that read `at` and `details` back."""
    return sa.table(
        'audit_entries',
        sa.column('id', sa.Integer()),
        sa.column('at', plugin.models.base.UTCDateTime()),
        sa.column('actor', sa.String()),
        sa.column('actor_officer_id', sa.Integer()),
        sa.column('action', sa.String()),
        sa.column('entity_type', sa.String()),
        sa.column('entity_id', sa.Integer()),
        sa.column('customer_id', sa.Integer()),
        sa.column('details', sa.JSON()),
        sa.column('prev_hash', sa.String()),
        sa.column('hash', sa.String()),
    )


def _triggers_off(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    else:
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_no_change")


def _triggers_on(sqlite: bool) -> None:
    if sqlite:
        # Also after a batch table rebuild, which drops the table's triggers with the old table.
        op.execute("DROP TRIGGER IF EXISTS audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        for statement in APPEND_ONLY_SQLITE:
            op.execute(statement)
    else:
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_no_change")


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('updated_at', plugin.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head')),
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    _triggers_off(sqlite)
    table = _entries()
    last, count = GENESIS, 0
    for row in bind.execute(sa.select(table).order_by(table.c.id)).all():
        new = entry_hash(
            last,
            row.at,
            row.actor,
            row.actor_officer_id,
            row.action,
            row.entity_type,
            row.entity_id,
            row.customer_id,
            row.details,
        )
        bind.execute(table.update().where(table.c.id == row.id).values(prev_hash=last, hash=new))
        last, count = new, count + 1
    if count:
        bind.execute(
            sa.table(
                'audit_head',
                sa.column('id'),
                sa.column('entries'),
                sa.column('last_hash'),
                sa.column('updated_at', plugin.models.base.UTCDateTime()),
            )
            .insert()
            .values(id=HEAD_ID, entries=count, last_hash=last, updated_at=dt.datetime.now(dt.timezone.utc))
        )

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
    _triggers_on(sqlite)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _triggers_off(sqlite)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _triggers_on(sqlite)
    op.drop_table('audit_head')
