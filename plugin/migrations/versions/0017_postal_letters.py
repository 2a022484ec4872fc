"""Letters that can be posted: a customer's UK postal address, and the officer who decided what each letter
reports (who signs it); letters queued before this keep no officer and are signed as the records say

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ADDRESS = ('address_line_1', 'address_line_2', 'address_town', 'address_county')


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        for name in ADDRESS:
            batch.add_column(sa.Column(name, sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('address_postcode', sa.String(length=8), nullable=True))
    with op.batch_alter_table('letters') as batch:
        batch.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_letters_decided_by_id_officers'), 'officers', ['decided_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('letters') as batch:
        batch.drop_constraint(op.f('fk_letters_decided_by_id_officers'), type_='foreignkey')
        batch.drop_column('decided_by_id')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('address_postcode')
        for name in reversed(ADDRESS):
            batch.drop_column(name)
