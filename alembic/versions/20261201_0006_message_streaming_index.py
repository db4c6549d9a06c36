"""message streaming index

`ix_message_streaming`: a partial index of the replies still being written
(status 'streaming'), by `created_at`. Every worker's orphan sweeper
(services/agent_runs/orphans.py) looks for old ones every few seconds; without it
that is a scan of the whole message table. On Postgres it is built CONCURRENTLY,
so sends are not blocked while a large table is read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STREAMING = sa.text("status = 'streaming'")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index(
                'ix_message_streaming',
                'message',
                ['created_at'],
                postgresql_where=STREAMING,
                postgresql_concurrently=True,
            )
    else:
        op.create_index('ix_message_streaming', 'message', ['created_at'], sqlite_where=STREAMING)


def downgrade() -> None:
    op.drop_index('ix_message_streaming', table_name='message')
