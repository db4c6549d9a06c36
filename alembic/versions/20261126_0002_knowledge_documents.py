"""knowledge documents

Agents' knowledge: uploaded documents and their text chunks, with full-text
search by the database's own engine, written by hand per dialect:
- Postgres: a generated `tsvector` column (english configuration) on
  knowledge_chunk with a GIN index;
- SQLite: an FTS5 table over knowledge_chunk.content (external content, porter
  stemming), kept in sync by triggers, so cascaded deletes reach it too.
These objects are not in the models; alembic/env.py tells autogenerate to
ignore them (models.KNOWLEDGE_SEARCH_COLUMN / _SEARCH_INDEX / _FTS_TABLE).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 07:37:57.567454
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_knowledge_document_agent_id'), 'knowledge_document', ['agent_id'], unique=False)
    op.create_index(op.f('ix_knowledge_document_owner_id'), 'knowledge_document', ['owner_id'], unique=False)
    op.create_table('knowledge_chunk',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['knowledge_document.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_knowledge_chunk_agent_id'), 'knowledge_chunk', ['agent_id'], unique=False)
    op.create_index(op.f('ix_knowledge_chunk_document_id'), 'knowledge_chunk', ['document_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE knowledge_chunk ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english', content)) STORED"
        )
        op.execute("CREATE INDEX ix_knowledge_chunk_search ON knowledge_chunk USING GIN (search_vector)")
    elif dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE knowledge_chunk_fts USING fts5("
            "content, content='knowledge_chunk', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER knowledge_chunk_fts_insert AFTER INSERT ON knowledge_chunk BEGIN "
            "INSERT INTO knowledge_chunk_fts(rowid, content) VALUES (new.id, new.content); END"
        )
        op.execute(
            "CREATE TRIGGER knowledge_chunk_fts_delete AFTER DELETE ON knowledge_chunk BEGIN "
            "INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts, rowid, content) VALUES ('delete', old.id, old.content); END"
        )
        op.execute(
            "CREATE TRIGGER knowledge_chunk_fts_update AFTER UPDATE OF content ON knowledge_chunk BEGIN "
            "INSERT INTO knowledge_chunk_fts(knowledge_chunk_fts, rowid, content) VALUES ('delete', old.id, old.content); "
            "INSERT INTO knowledge_chunk_fts(rowid, content) VALUES (new.id, new.content); END"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_knowledge_chunk_search")
        op.execute("ALTER TABLE knowledge_chunk DROP COLUMN IF EXISTS search_vector")
    elif dialect == "sqlite":
        for trigger in ("knowledge_chunk_fts_update", "knowledge_chunk_fts_delete", "knowledge_chunk_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_chunk_fts")
    op.drop_index(op.f('ix_knowledge_chunk_document_id'), table_name='knowledge_chunk')
    op.drop_index(op.f('ix_knowledge_chunk_agent_id'), table_name='knowledge_chunk')
    op.drop_table('knowledge_chunk')
    op.drop_index(op.f('ix_knowledge_document_owner_id'), table_name='knowledge_document')
    op.drop_index(op.f('ix_knowledge_document_agent_id'), table_name='knowledge_document')
    op.drop_table('knowledge_document')
