"""agent tools

`agent.tools` (built-in tool names) and `agent.mcp_servers` ([{url, token,
disabled_tools}]); `message.sources` ([{title, url}], the pages a reply drew on);
`usage_event.tool_calls`. Server defaults so existing rows read as "no tools",
"no sources", 0 calls. Batch mode so the downgrade also works on SQLite.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 01:47:05.782185
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('agent') as batch_op:
        batch_op.add_column(sa.Column('tools', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('mcp_servers', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('message') as batch_op:
        batch_op.add_column(sa.Column('sources', sa.JSON(), server_default='[]', nullable=False))

    with op.batch_alter_table('usage_event') as batch_op:
        batch_op.add_column(sa.Column('tool_calls', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('usage_event') as batch_op:
        batch_op.drop_column('tool_calls')

    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_column('sources')

    with op.batch_alter_table('agent') as batch_op:
        batch_op.drop_column('mcp_servers')
        batch_op.drop_column('tools')
