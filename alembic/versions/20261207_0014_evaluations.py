"""evaluations: test sets, cases, runs and their results

- `eval_set`: an agent's named test set, with the model that judges rubric checks.
- `eval_case`: a case of a set: the message (earlier turns, an image), the
  expected answer or a note, and its checks (JSON).
- `eval_run`: one evaluation of an agent version on a set: status, progress
  counts, who started it (whose limits it spends), a heartbeat.
- `eval_result`: per case of a run: passed, each check's outcome, the reply,
  latency, tokens and cost.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'eval_set',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('judge_model', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_eval_set_agent_id'), 'eval_set', ['agent_id'], unique=False)
    op.create_table(
        'eval_case',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('set_id', BIG_ID, nullable=False),
        sa.Column('input', sa.String(length=8000), nullable=False),
        sa.Column('turns', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('image', sa.Text(), nullable=True),
        sa.Column('expected', sa.String(length=8000), nullable=False),
        sa.Column('note', sa.String(length=2000), nullable=False),
        sa.Column('checks', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['set_id'], ['eval_set.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_eval_case_set_id'), 'eval_case', ['set_id'], unique=False)
    op.create_table(
        'eval_run',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('set_id', BIG_ID, nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Integer(), nullable=False),
        sa.Column('stop_requested', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_id'], ['eval_set.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_eval_run_set_id'), 'eval_run', ['set_id'], unique=False)
    op.create_table(
        'eval_result',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('run_id', BIG_ID, nullable=False),
        sa.Column('case_id', BIG_ID, nullable=False),
        sa.Column('input', sa.String(length=8000), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('checks', sa.JSON(), server_default='[]', nullable=False),
        sa.Column('reply', sa.Text(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('latency_ms', sa.Integer(), nullable=False),
        sa.Column('prompt_tokens', sa.Integer(), nullable=False),
        sa.Column('completion_tokens', sa.Integer(), nullable=False),
        sa.Column('cost_usd', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['eval_run.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('run_id', 'case_id', name='uq_eval_result_case'),
    )


def downgrade() -> None:
    op.drop_table('eval_result')
    op.drop_index(op.f('ix_eval_run_set_id'), table_name='eval_run')
    op.drop_table('eval_run')
    op.drop_index(op.f('ix_eval_case_set_id'), table_name='eval_case')
    op.drop_table('eval_case')
    op.drop_index(op.f('ix_eval_set_agent_id'), table_name='eval_set')
    op.drop_table('eval_set')
