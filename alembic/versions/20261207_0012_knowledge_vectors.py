"""knowledge vectors

Hybrid retrieval (full text + embeddings) and per-agent chunk settings:
- `knowledge_chunk.embedding` (float32 bytes) and `.embedding_model`: a passage's vector
  and the model that made it (vectors of another model are ignored);
- `knowledge_document.text`: the extracted text, so passages can be cut again without
  the file (backfilled from the passages, overlaps removed); `.chunk_size`/`.chunk_overlap`
  it was cut with; `.embedding_model` when all its passages have vectors;
  `.claimed_until`: the lease of the host re-chunking or embedding it;
- `agent.chunk_size`/`.chunk_overlap` (defaults 800/150, today's) and
  `agent.knowledge_stamp` (bumped on every change, for the per-process vector caches).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OVERLAP_SEARCHED = 400
"""Chunks of revision 0011 start with at most 150 characters of the previous one."""


def _joined(chunks: list[str]) -> str:
    """The document's text again: each passage without the start it repeats from the one before."""
    text = ""
    for chunk in chunks:
        if not text:
            text = chunk
            continue
        tail = text[-OVERLAP_SEARCHED:]
        cut = next((size for size in range(min(len(tail), len(chunk)), 0, -1) if tail.endswith(chunk[:size])), 0)
        rest = chunk[cut:].lstrip(" ")
        text = text + ("" if rest.startswith("\n") or not rest else " ") + rest if cut else text + "\n\n" + chunk
    return text


def upgrade() -> None:
    with op.batch_alter_table('agent') as batch_op:
        batch_op.add_column(sa.Column('chunk_size', sa.Integer(), server_default='800', nullable=False))
        batch_op.add_column(sa.Column('chunk_overlap', sa.Integer(), server_default='150', nullable=False))
        batch_op.add_column(sa.Column('knowledge_stamp', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('knowledge_document') as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('chunk_size', sa.Integer(), server_default='800', nullable=False))
        batch_op.add_column(sa.Column('chunk_overlap', sa.Integer(), server_default='150', nullable=False))
        batch_op.add_column(sa.Column('embedding_model', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
    # Not batch mode: SQLite's FTS triggers on knowledge_chunk must survive (a plain ADD COLUMN keeps them).
    op.add_column('knowledge_chunk', sa.Column('embedding', sa.LargeBinary(), nullable=True))
    op.add_column('knowledge_chunk', sa.Column('embedding_model', sa.String(length=100), nullable=True))

    bind = op.get_bind()
    document = sa.table('knowledge_document', sa.column('id'), sa.column('text'))
    chunk = sa.table('knowledge_chunk', sa.column('document_id'), sa.column('ordinal'), sa.column('content'))
    for (document_id,) in bind.execute(sa.select(document.c.id)).all():
        chunks = bind.execute(
            sa.select(chunk.c.content).where(chunk.c.document_id == document_id).order_by(chunk.c.ordinal)
        ).scalars().all()
        bind.execute(document.update().where(document.c.id == document_id).values(text=_joined(list(chunks))))


def downgrade() -> None:
    op.drop_column('knowledge_chunk', 'embedding_model')
    op.drop_column('knowledge_chunk', 'embedding')
    with op.batch_alter_table('knowledge_document') as batch_op:
        for name in ('claimed_until', 'embedding_model', 'chunk_overlap', 'chunk_size', 'text'):
            batch_op.drop_column(name)
    with op.batch_alter_table('agent') as batch_op:
        for name in ('knowledge_stamp', 'chunk_overlap', 'chunk_size'):
            batch_op.drop_column(name)
