"""reply versions and tool notes

- `message.reply_to_id`: the message an agent's reply answers, so "Regenerate"
  answers it again with what the channel (or thread) looked like then. No foreign
  key: the asked message may be deleted while its answer stays (then a regenerated
  reply answers the person's message before it), and SQLite would rebuild the
  whole table (and its search triggers) to add one.
- `message.versions`: a regenerated reply's earlier texts, oldest first
  ([{"content", "status", "sources", "notes", "created_at"}]), browsable "1/2".
- `message.notes`: what went wrong while an agent wrote the reply (a tool that
  failed: "Web search failed: …"), shown under the finished reply.

Plain ADD/DROP COLUMN on both backends: no table rewrite, the SQLite search
triggers stay (SQLite ≥ 3.35 drops a column in place).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('message', sa.Column('reply_to_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
    op.add_column('message', sa.Column('versions', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('message', sa.Column('notes', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    op.drop_column('message', 'notes')
    op.drop_column('message', 'versions')
    op.drop_column('message', 'reply_to_id')
