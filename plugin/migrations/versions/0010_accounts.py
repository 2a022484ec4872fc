"""accounts (password, TOTP, lockout) for officers to sign in, and their personal API tokens

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One account per officer; its role is the officer's, so nothing about roles is stored here.
    op.create_table(
        'accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('totp_secret_encrypted', sa.LargeBinary(), nullable=True),
        sa.Column('totp_last_step', sa.Integer(), nullable=True),
        sa.Column('failed_attempts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(), nullable=True),
        sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['officer_id'], ['officers.id'], name=op.f('fk_accounts_officer_id_officers'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
        sa.UniqueConstraint('officer_id', name=op.f('uq_accounts_officer_id')),
    )
    # Tokens are stored as SHA-256 hashes: the raw token is shown once and never kept.
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['account_id'], ['accounts.id'], name=op.f('fk_api_tokens_account_id_accounts'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_account_id'))
    op.drop_table('api_tokens')
    op.drop_table('accounts')
