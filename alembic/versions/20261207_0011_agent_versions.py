"""agent versions

- `agent_version`: every save that changes an agent is kept, numbered per agent,
  with its author, its settings (MCP servers without their tokens) and a
  fingerprint of its knowledge documents then.
- `agent.version`: the number of its newest version.
- `message.agent_version`, `usage_event.agent_version`: the version behind a
  reply and a usage row.
Existing agents get version 1: their settings as they are now.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:30:00
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
SETTINGS = ("name", "slug", "emoji", "description", "instructions", "model", "temperature", "max_tokens", "reply_mode",
            "context_size", "knowledge_enabled", "share_cited_passages", "tools", "mcp_servers", "mcp_trigger")
"""The agent settings of this revision (services/agent_versions.snapshot keeps them from now on)."""


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _fingerprint(rows) -> str:
    digest = hashlib.sha256(",".join(f"{row.id}:{row.size_bytes}" for row in rows).encode())
    return digest.hexdigest()[:16]


def upgrade() -> None:
    op.create_table(
        'agent_version',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('knowledge', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('agent_id', 'number', name='uq_agent_version_number'),
    )
    op.add_column('agent', sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    op.add_column('message', sa.Column('agent_version', sa.Integer(), nullable=True))
    op.add_column('usage_event', sa.Column('agent_version', sa.Integer(), nullable=True))

    bind = op.get_bind()
    agent = sa.table('agent', sa.column('id'), sa.column('owner_id'), sa.column('version'),
                     *[sa.column(name) for name in SETTINGS])
    document = sa.table('knowledge_document', sa.column('id'), sa.column('agent_id'), sa.column('size_bytes'))
    version = sa.table('agent_version', sa.column('agent_id'), sa.column('number'), sa.column('author_id'),
                       sa.column('settings', sa.JSON()), sa.column('knowledge'), sa.column('created_at'))
    now = datetime.now(UTC)
    for row in bind.execute(sa.select(agent)).all():
        settings = {name: getattr(row, name) for name in SETTINGS}
        settings["tools"] = _json(settings["tools"]) or []
        servers = _json(settings["mcp_servers"]) or []
        settings["mcp_servers"] = [{**{k: v for k, v in server.items() if k != "token"}, "has_token": bool(server.get("token"))}
                                   for server in servers]
        docs = bind.execute(sa.select(document.c.id, document.c.size_bytes)
                            .where(document.c.agent_id == row.id).order_by(document.c.id)).all()
        bind.execute(version.insert().values(agent_id=row.id, number=1, author_id=row.owner_id, settings=settings,
                                             knowledge=_fingerprint(docs), created_at=now))
        bind.execute(agent.update().where(agent.c.id == row.id).values(version=1))


def downgrade() -> None:
    with op.batch_alter_table('usage_event') as batch_op:
        batch_op.drop_column('agent_version')
    op.drop_column('message', 'agent_version')
    with op.batch_alter_table('agent') as batch_op:
        batch_op.drop_column('version')
    op.drop_table('agent_version')
