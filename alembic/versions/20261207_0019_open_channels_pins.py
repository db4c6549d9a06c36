"""open channels, pins and saved messages

- `channel.visibility`: "open" (anyone may browse, read and join) or "private"
  (members only); existing channels stay private.
- `pin`: a message pinned to its channel (one pin per message).
- `saved_message`: a message a person saved for later.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('channel') as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.String(length=10), server_default='private', nullable=False))
    op.create_index('ix_channel_visibility', 'channel', ['visibility'])
    op.create_table(
        'pin',
        sa.Column('message_id', BIG_ID, nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('pinned_by', sa.Integer(), nullable=True),
        sa.Column('pinned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['pinned_by'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('message_id'),
    )
    op.create_index('ix_pin_channel_id', 'pin', ['channel_id'])
    op.create_table(
        'saved_message',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('message_id', BIG_ID, nullable=False),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'message_id'),
    )
    op.create_index('ix_saved_message_message_id', 'saved_message', ['message_id'])


def downgrade() -> None:
    op.drop_index('ix_saved_message_message_id', table_name='saved_message')
    op.drop_table('saved_message')
    op.drop_index('ix_pin_channel_id', table_name='pin')
    op.drop_table('pin')
    op.drop_index('ix_channel_visibility', table_name='channel')
    with op.batch_alter_table('channel') as batch_op:
        batch_op.drop_column('visibility')
