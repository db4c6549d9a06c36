"""retrieval test sets and cited passages

- `retrieval_question`: an agent's retrieval test set, each question with the
  documents a good search finds (`expected`, document ids).
- `retrieval_run`: what each "Run" of the set scored (hit@k, MRR, per question)
  and what it measured (documents, passages, settings), for the history.
- `agent.share_cited_passages`: whether channel members may read the knowledge
  passages a reply cites (default: only their file names).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'retrieval_question',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('question', sa.String(length=500), nullable=False),
        sa.Column('expected', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_retrieval_question_agent_id'), 'retrieval_question', ['agent_id'], unique=False)
    op.create_table(
        'retrieval_run',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('questions', sa.Integer(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('mrr', sa.Float(), nullable=False),
        sa.Column('details', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('setup', sa.JSON(), server_default='{}', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_retrieval_run_agent_id'), 'retrieval_run', ['agent_id'], unique=False)
    op.add_column('agent', sa.Column('share_cited_passages', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('agent') as batch_op:
        batch_op.drop_column('share_cited_passages')
    op.drop_index(op.f('ix_retrieval_run_agent_id'), table_name='retrieval_run')
    op.drop_table('retrieval_run')
    op.drop_index(op.f('ix_retrieval_question_agent_id'), table_name='retrieval_question')
    op.drop_table('retrieval_question')
