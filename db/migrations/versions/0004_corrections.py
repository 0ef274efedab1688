"""corrections: where answers were posted, and the corrections that follow them

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000

`posted_answers` records each message that showed a fact's answer (platform, chat,
message, fact and version; never who asked); `corrections` holds one row per earlier
message to correct after a fact changed, claimed with a lease like digest deliveries.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('posted_answers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('fact_id', sa.String(length=120), nullable=False),
    sa.Column('fact_version', sa.Integer(), nullable=True),
    sa.Column('answer_sha256', sa.String(length=64), nullable=False),
    sa.Column('posted_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'chat_id', 'message_id', name='uq_posted_answer_message')
    )
    with op.batch_alter_table('posted_answers', schema=None) as batch_op:
        batch_op.create_index('ix_posted_answers_fact', ['fact_id', 'posted_at'], unique=False)

    op.create_table('corrections',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('posted_answer_id', sa.Integer(), nullable=False),
    sa.Column('fact_id', sa.String(length=120), nullable=False),
    sa.Column('old_version', sa.Integer(), nullable=True),
    sa.Column('new_version', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('changed_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('next_attempt_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['posted_answer_id'], ['posted_answers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('posted_answer_id', 'new_version', name='uq_correction_per_version')
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index('ix_corrections_changed_at', ['changed_at'], unique=False)
        batch_op.create_index('ix_corrections_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_corrections_message', ['posted_answer_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_corrections_message')
        batch_op.drop_index('ix_corrections_due')
        batch_op.drop_index('ix_corrections_changed_at')

    op.drop_table('corrections')
    with op.batch_alter_table('posted_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_posted_answers_fact')

    op.drop_table('posted_answers')
