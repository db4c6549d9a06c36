"""channel arena

- `arena_match`: two agents' hidden answers to one question in a channel, the
  versions that answered, the result and both ratings after it.
- `arena_vote`: one vote per member and match.
- `agent.arena_rating` (Elo, starts at 1000), `agent.arena_games`.
- `message.arena`: the card every member sees (like `message.reactions`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'arena_match',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('message_id', BIG_ID, nullable=False),
        sa.Column('started_by', sa.Integer(), nullable=True),
        sa.Column('agent_a_id', sa.Integer(), nullable=True),
        sa.Column('agent_b_id', sa.Integer(), nullable=True),
        sa.Column('name_a', sa.String(length=100), nullable=False),
        sa.Column('name_b', sa.String(length=100), nullable=False),
        sa.Column('version_a', sa.Integer(), nullable=True),
        sa.Column('version_b', sa.Integer(), nullable=True),
        sa.Column('answer_a', sa.Text(), nullable=False),
        sa.Column('answer_b', sa.Text(), nullable=False),
        sa.Column('status_a', sa.String(length=20), nullable=False),
        sa.Column('status_b', sa.String(length=20), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=True),
        sa.Column('rating_a', sa.Float(), nullable=True),
        sa.Column('rating_b', sa.Float(), nullable=True),
        sa.Column('change_a', sa.Float(), server_default='0', nullable=False),
        sa.Column('change_b', sa.Float(), server_default='0', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by'], ['user_account.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['agent_a_id'], ['agent.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['agent_b_id'], ['agent.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_arena_match_message_id', 'arena_match', ['message_id'])
    op.create_table(
        'arena_vote',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('match_id', BIG_ID, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['match_id'], ['arena_match.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('match_id', 'user_id', name='uq_arena_vote_voter'),
    )
    with op.batch_alter_table('agent') as batch_op:
        batch_op.add_column(sa.Column('arena_rating', sa.Float(), server_default='1000', nullable=False))
        batch_op.add_column(sa.Column('arena_games', sa.Integer(), server_default='0', nullable=False))
    op.add_column('message', sa.Column('arena', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('message', 'arena')
    with op.batch_alter_table('agent') as batch_op:
        batch_op.drop_column('arena_games')
        batch_op.drop_column('arena_rating')
    op.drop_table('arena_vote')
    op.drop_index('ix_arena_match_message_id', table_name='arena_match')
    op.drop_table('arena_match')
