"""attachments

`attachment`: images sent in channels, bytes and a thumbnail stored in the
database so every host can serve them; removed with their message (or
channel) by foreign-key cascade, so retention's DELETE takes them along.
`message.attachments` ([{id, filename, width, height}]): what a page of
messages shows of them, without a second query.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'attachment',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('content_type', sa.String(length=50), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('thumbnail', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_attachment_channel_id'), 'attachment', ['channel_id'], unique=False)
    op.create_index(op.f('ix_attachment_message_id'), 'attachment', ['message_id'], unique=False)
    with op.batch_alter_table('message') as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('message') as batch_op:
        batch_op.drop_column('attachments')
    op.drop_index(op.f('ix_attachment_message_id'), table_name='attachment')
    op.drop_index(op.f('ix_attachment_channel_id'), table_name='attachment')
    op.drop_table('attachment')
