"""webhooks

- `incoming_webhook`: a channel's secret posting URL (only its SHA-256 is kept).
- `webhook`, `webhook_delivery` (the outbox), `webhook_attempt` (the delivery log).
- `message.integration`: the name an incoming webhook's message shows.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'incoming_webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('creator_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=20), nullable=False),
        sa.Column('trigger_agents', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['creator_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_incoming_webhook_channel_id', 'incoming_webhook', ['channel_id'])
    op.create_index('ix_incoming_webhook_token_hash', 'incoming_webhook', ['token_hash'], unique=True)
    op.create_table(
        'webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=True),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.String(length=200), nullable=False),
        sa.Column('secret', sa.String(length=80), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('disabled_reason', sa.String(length=300), server_default='', nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_owner_id', 'webhook', ['owner_id'])
    op.create_table(
        'webhook_delivery',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    pending = sa.text("status = 'pending'")
    op.create_index('ix_webhook_delivery_due', 'webhook_delivery', ['next_attempt_at'],
                    postgresql_where=pending, sqlite_where=pending)
    op.create_index('ix_webhook_delivery_webhook', 'webhook_delivery', ['webhook_id', 'id'])
    op.create_table(
        'webhook_attempt',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', BIG_ID, nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_attempt_webhook', 'webhook_attempt', ['webhook_id', 'id'])
    op.add_column('message', sa.Column('integration', sa.String(length=80), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':  # in place: a batch rebuild would cascade-delete through foreign keys
        op.execute('ALTER TABLE message DROP COLUMN integration')
    else:
        op.drop_column('message', 'integration')
    op.drop_index('ix_webhook_attempt_webhook', table_name='webhook_attempt')
    op.drop_table('webhook_attempt')
    op.drop_index('ix_webhook_delivery_webhook', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_due', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_index('ix_webhook_owner_id', table_name='webhook')
    op.drop_table('webhook')
    op.drop_index('ix_incoming_webhook_token_hash', table_name='incoming_webhook')
    op.drop_index('ix_incoming_webhook_channel_id', table_name='incoming_webhook')
    op.drop_table('incoming_webhook')
