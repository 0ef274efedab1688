"""fact versions, documents in the database, seeds conflicts

The database becomes the table of record: every fact gets a version history
(`fact_versions`, with the whole fact in each version), the documents' text is
stored with their metadata, and clashes between seeds/ and an editor's change are
kept in `fact_conflicts`.

Existing facts get version 1, recorded as imported from seeds/ (which is where every
fact came from until now). The stored seeds digest is dropped so the next start-up
imports seeds/ again: that fills in the documents' text and changes no fact.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

import db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_SEEDS_ACTOR = "import:seeds/facts.yaml"
_SEEDS_DIGEST_KEY = "seeds_sha256"


def upgrade() -> None:
    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('seed_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seed_version', sa.Integer(), nullable=True))

    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('added_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('added_at', db.types.UTCDateTime(timezone=True), nullable=True))

    op.create_table('fact_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('fact_id', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('changed_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('retracted', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['fact_id'], ['facts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fact_id', 'version', name='uq_fact_version')
    )
    op.create_table('fact_conflicts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('fact_id', sa.String(length=120), nullable=False),
    sa.Column('detected_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kept_version', sa.Integer(), nullable=False),
    sa.Column('seeds_change', sa.String(length=16), nullable=False),
    sa.Column('seeds_content', sa.JSON(), nullable=True),
    sa.Column('resolved_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=120), nullable=True),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['fact_id'], ['facts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('fact_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fact_conflicts_fact_id'), ['fact_id'], unique=False)

    _first_versions()


def _first_versions() -> None:
    """Version 1 of every fact already in the table, as seeds/ gave it."""
    facts = sa.table(
        'facts', sa.column('id', sa.String), sa.column('headline', sa.Text),
        sa.column('short', sa.Text), sa.column('questions', sa.JSON),
        sa.column('tags', sa.JSON), sa.column('event_date', sa.Date),
        sa.column('sources_differ', sa.Boolean), sa.column('retracted', sa.Boolean),
        sa.column('content_sha256', sa.String), sa.column('updated_at', db.types.UTCDateTime),
        sa.column('seed_sha256', sa.String), sa.column('seed_version', sa.Integer),
    )
    claims = sa.table(
        'claims', sa.column('fact_id', sa.String), sa.column('position', sa.Integer),
        sa.column('source_id', sa.String), sa.column('says', sa.Text),
        sa.column('quote', sa.Text), sa.column('speaker', sa.String),
    )
    versions = sa.table(
        'fact_versions', sa.column('fact_id', sa.String), sa.column('version', sa.Integer),
        sa.column('actor', sa.String), sa.column('origin', sa.String),
        sa.column('changed_at', db.types.UTCDateTime), sa.column('change', sa.String),
        sa.column('content', sa.JSON), sa.column('retracted', sa.Boolean),
        sa.column('summary', sa.Text),
    )
    connection = op.get_bind()
    claims_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for claim in connection.execute(sa.select(claims).order_by(claims.c.fact_id,
                                                               claims.c.position)):
        claims_of[claim.fact_id].append({"source": claim.source_id, "says": claim.says,
                                         "quote": claim.quote, "speaker": claim.speaker})
    rows = []
    for fact in connection.execute(sa.select(facts)):
        content = {
            "id": fact.id, "headline": fact.headline, "short": fact.short,
            "questions": list(fact.questions), "tags": list(fact.tags),
            "event_date": fact.event_date.isoformat() if fact.event_date else None,
            "sources_differ": bool(fact.sources_differ), "claims": claims_of[fact.id],
        }
        rows.append({"fact_id": fact.id, "version": 1, "actor": _SEEDS_ACTOR,
                     "origin": "seeds", "changed_at": fact.updated_at,
                     "change": "retracted" if fact.retracted else "imported",
                     "content": content, "retracted": bool(fact.retracted), "summary": ""})
    if rows:
        connection.execute(versions.insert(), rows)
    connection.execute(facts.update().values(seed_version=1))
    connection.execute(facts.update().where(facts.c.retracted.is_(False))
                       .values(seed_sha256=facts.c.content_sha256))
    meta = sa.table('meta', sa.column('key', sa.String))
    connection.execute(meta.delete().where(meta.c.key == _SEEDS_DIGEST_KEY))


def downgrade() -> None:
    with op.batch_alter_table('fact_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fact_conflicts_fact_id'))

    op.drop_table('fact_conflicts')
    op.drop_table('fact_versions')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('added_at')
        batch_op.drop_column('added_by')
        batch_op.drop_column('url')
        batch_op.drop_column('text')

    with op.batch_alter_table('facts', schema=None) as batch_op:
        batch_op.drop_column('seed_version')
        batch_op.drop_column('seed_sha256')
        batch_op.drop_column('version')
