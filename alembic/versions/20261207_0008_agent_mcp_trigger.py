"""agent mcp trigger

`agent.mcp_trigger`: whose messages may make the agent use its MCP tools (which act
with the owner's tokens): "owner" (the default, also for existing agents) or
"members". Batch mode so the downgrade also works on SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agent') as batch_op:
        batch_op.add_column(
            sa.Column('mcp_trigger', sa.String(length=16), server_default='owner', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('agent') as batch_op:
        batch_op.drop_column('mcp_trigger')
