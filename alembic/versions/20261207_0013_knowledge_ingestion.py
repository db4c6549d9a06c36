"""knowledge ingestion: background processing and web crawls

- `knowledge_document.status` (queued, reading, embedding, ready, failed),
  `status_reason`, `progress_done`/`progress_total` (passages embedded) and
  `claimed_at` (the processing worker's lease). Existing documents are ready.
- `knowledge_payload`: a queued document's raw bytes, deleted once read.
- `knowledge_crawl`, `knowledge_crawl_page`: "Add from the web" and the documents
  each crawl made.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('knowledge_document') as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='ready', nullable=False))
        batch_op.add_column(sa.Column('status_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('progress_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('progress_total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_knowledge_document_status'), ['status'], unique=False)
    op.execute("UPDATE knowledge_document SET progress_done = chunk_count, progress_total = chunk_count")
    op.create_table(
        'knowledge_payload',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['knowledge_document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id'),
    )
    op.create_table(
        'knowledge_crawl',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('depth', sa.Integer(), nullable=False),
        sa.Column('max_pages', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_reason', sa.String(length=500), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_knowledge_crawl_agent_id'), 'knowledge_crawl', ['agent_id'], unique=False)
    op.create_index(op.f('ix_knowledge_crawl_status'), 'knowledge_crawl', ['status'], unique=False)
    op.create_table(
        'knowledge_crawl_page',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('crawl_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['crawl_id'], ['knowledge_crawl.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['knowledge_document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id'),
    )
    op.create_index(op.f('ix_knowledge_crawl_page_crawl_id'), 'knowledge_crawl_page', ['crawl_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_knowledge_crawl_page_crawl_id'), table_name='knowledge_crawl_page')
    op.drop_table('knowledge_crawl_page')
    op.drop_index(op.f('ix_knowledge_crawl_status'), table_name='knowledge_crawl')
    op.drop_index(op.f('ix_knowledge_crawl_agent_id'), table_name='knowledge_crawl')
    op.drop_table('knowledge_crawl')
    op.drop_table('knowledge_payload')
    with op.batch_alter_table('knowledge_document') as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_document_status'))
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('progress_total')
        batch_op.drop_column('progress_done')
        batch_op.drop_column('status_reason')
        batch_op.drop_column('status')
