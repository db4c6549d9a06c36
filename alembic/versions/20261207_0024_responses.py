"""responses

- `stored_response`: Responses API responses kept per user (`resp_<random>` ids) so
  `previous_response_id` can continue a conversation; they go with their user, agent
  or channel (cascade) and with the chat history's retention.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'stored_response',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('channel_id', sa.Integer(), nullable=True),
        sa.Column('conversation', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    for column in ('user_id', 'agent_id', 'channel_id', 'created_at'):
        op.create_index(f'ix_stored_response_{column}', 'stored_response', [column], unique=False)


def downgrade() -> None:
    for column in ('created_at', 'channel_id', 'agent_id', 'user_id'):
        op.drop_index(f'ix_stored_response_{column}', table_name='stored_response')
    op.drop_table('stored_response')
