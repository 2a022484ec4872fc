"""A connection's id is public and its webhook token is kept only as a hash: every existing webhook URL keeps
working (its token's SHA-256 is stored, generation 0), and a connection whose id was its token gets a new id,
moved in every row that refers to it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 10:00:00
"""

import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Every column holding a connection's id (grep the models for connection_id).
REFERRING = ('webhook_events', 'outbox_actions', 'identities', 'officer_helpdesk_ids')


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _foreign_keys_off(bind)
    with op.batch_alter_table('connections') as batch:
        batch.add_column(sa.Column('webhook_token_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('token_generation', sa.Integer(), nullable=True))
    rows = bind.execute(sa.text('SELECT id, url_token FROM connections')).all()
    for connection_id, token in rows:
        # The URL already pasted into the helpdesk keeps working; its token cannot be derived (generation 0).
        bind.execute(
            sa.text('UPDATE connections SET webhook_token_hash = :hash, token_generation = 0 WHERE id = :id'),
            {'hash': hashlib.sha256(token.encode()).hexdigest(), 'id': connection_id},
        )
    columns = [c['name'] for c in sa.inspect(bind).get_columns('connections') if c['name'] not in ('id', 'url_token')]
    for connection_id, token in rows:
        if connection_id == token:  # the id was the credential: in admin URLs, the API, sidebar links and logs
            _move(bind, connection_id, 'cg' + secrets.token_hex(6), columns)
    with op.batch_alter_table('connections') as batch:
        batch.drop_constraint(batch.f('uq_connections_url_token'), type_='unique')
        batch.drop_column('url_token')
        batch.alter_column('webhook_token_hash', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('token_generation', existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(batch.f('uq_connections_webhook_token_hash'), ['webhook_token_hash'])
    if bind.dialect.name == 'sqlite':
        dangling = bind.execute(sa.text('PRAGMA foreign_key_check')).all()
        if dangling:
            raise RuntimeError(f'rows refer to no connection after moving ids: {dangling[:5]}')


def _foreign_keys_off(bind) -> None:
    """SQLite: dropping url_token makes batch mode copy the connections table and drop the old one, which rows in
    webhook_events and outbox_actions refer to; with foreign keys on SQLite refuses, and the pragma changes only
    outside a transaction. So, as SQLite's own procedure for changing a table does: what earlier migrations did is
    committed, foreign keys are turned off for this connection (the migration's own, closed when it ends), and a
    new transaction begins; `PRAGMA foreign_key_check` at the end proves nothing was left dangling."""
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.execute('COMMIT')
    raw.execute('PRAGMA foreign_keys=OFF')
    raw.execute('BEGIN IMMEDIATE')


def _move(bind, old: str, new: str, columns: list[str]) -> None:
    """The connection under a new id, and every row that referred to the old one; the old row is deleted."""
    listed = ', '.join(columns)
    bind.execute(
        sa.text(
            f'INSERT INTO connections (id, url_token, {listed}) SELECT :new, :new, {listed} FROM connections WHERE id = :old'
        ),
        {'new': new, 'old': old},
    )
    for table in REFERRING:
        bind.execute(
            sa.text(f'UPDATE {table} SET connection_id = :new WHERE connection_id = :old'), {'new': new, 'old': old}
        )
    bind.execute(sa.text('DELETE FROM connections WHERE id = :old'), {'old': old})


def downgrade() -> None:
    # The tokens themselves were never stored: after a downgrade each connection has a new webhook URL, shown by
    # `connections show`, to paste into its helpdesk. Ids stay as they are.
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        _foreign_keys_off(bind)
    with op.batch_alter_table('connections') as batch:
        batch.add_column(sa.Column('url_token', sa.String(length=64), nullable=True))
    for (connection_id,) in bind.execute(sa.text('SELECT id FROM connections')).all():
        bind.execute(
            sa.text('UPDATE connections SET url_token = :token WHERE id = :id'),
            {'token': 'cg' + secrets.token_urlsafe(24), 'id': connection_id},
        )
    with op.batch_alter_table('connections') as batch:
        batch.drop_constraint(batch.f('uq_connections_webhook_token_hash'), type_='unique')
        batch.drop_column('token_generation')
        batch.drop_column('webhook_token_hash')
        batch.alter_column('url_token', existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(batch.f('uq_connections_url_token'), ['url_token'])
