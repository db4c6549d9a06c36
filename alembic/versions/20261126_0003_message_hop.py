"""message hop

`message.hop`: how many agent replies led to a message (0 for a person's,
the trigger's hop + 1 for an agent's reply). The agent runner stops agent-to-agent
hand-offs at its hop limit. Existing rows get 0 (written by people, or replies
to them). Batch mode so the downgrade also works on SQLite.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 07:53:31.351819
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('message') as batch_op:
        batch_op.add_column(sa.Column('hop', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_column('hop')
