"""notifications

- `channel_member.notify` ("all" | "mentions" | "nothing"; NULL: the default for the
  channel's kind, domain/notify_rules.py) and `channel_member.muted`.
- `notification_setting`: quiet hours, e-mail on/off and delay, the unsubscribe token
  and how far the e-mail digest got.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('channel_member', sa.Column('notify', sa.String(length=10), nullable=True))
    op.add_column('channel_member', sa.Column('muted', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'notification_setting',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email_enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('email_delay_minutes', sa.Integer(), nullable=True),
        sa.Column('quiet_start', sa.String(length=5), server_default='', nullable=False),
        sa.Column('quiet_end', sa.String(length=5), server_default='', nullable=False),
        sa.Column('timezone', sa.String(length=64), server_default='UTC', nullable=False),
        sa.Column('unsubscribe_token', sa.String(length=64), nullable=True),
        sa.Column('emailed_through_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), server_default='0', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_index('ix_notification_setting_unsubscribe_token', 'notification_setting', ['unsubscribe_token'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_notification_setting_unsubscribe_token', table_name='notification_setting')
    op.drop_table('notification_setting')
    for column in ('muted', 'notify'):
        if op.get_bind().dialect.name == 'sqlite':  # in place: a batch rebuild would cascade-delete through foreign keys
            op.execute(f'ALTER TABLE channel_member DROP COLUMN {column}')
        else:
            op.drop_column('channel_member', column)
