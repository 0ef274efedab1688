"""question log: a keyed hash of the chat instead of its id, and a private flag

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00.000000

A private chat's id is, on Telegram, the asker's user id: the log keeps no chat id any
more. Rows logged before this revision cannot be told apart by chat or by privacy, so
they lose their chat id and become private (`chat_key` NULL): no digest ever lists them.
The ids are blanked before the column is dropped so no live row version keeps them;
PostgreSQL frees the dead versions at its next VACUUM, SQLite rewrites the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE question_log SET chat_id = NULL"))
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('private', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
        batch_op.drop_column('chat_id')
        batch_op.create_index('ix_question_log_chat_key', ['chat_key', 'asked_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.drop_index('ix_question_log_chat_key')
        batch_op.add_column(sa.Column('chat_id', sa.String(length=64), nullable=True))
        batch_op.drop_column('private')
        batch_op.drop_column('chat_key')
