"""The step events, processes, official numbers and their sequences (moments in UTC).

Revision ID: 0001
Revises:
Create Date: 2026-12-01 20:17:29.531397
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "number_sequences",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "classification", name=op.f("pk_number_sequences")),
    )
    op.create_table(
        "official_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=200), nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=120), nullable=False),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_numbers")),
        sa.UniqueConstraint("process_key", name=op.f("uq_official_numbers_process_key")),
        sa.UniqueConstraint("year", "classification", "seq", name="uq_official_numbers_seq"),
    )
    op.create_table(
        "processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("sop_number", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("since", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=True),
        sa.Column("access_class", sa.String(length=20), nullable=True),
        sa.Column("retention_active_years", sa.Integer(), nullable=True),
        sa.Column("retention_inactive_years", sa.Integer(), nullable=True),
        sa.Column("final_disposition", sa.String(length=30), nullable=True),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("bag_name", sa.String(length=200), nullable=True),
        sa.Column("official_number", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
        sa.UniqueConstraint("workflow_id", "started_at", name="uq_processes_key"),
    )
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processes_classification"), ["classification"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_processes_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_processes_workflow_id"), ["workflow_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_processes_year"), ["year"], unique=False)

    op.create_table(
        "step_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("sop_number", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("task_id", sa.String(length=40), nullable=True),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("person", sa.String(length=64), nullable=True),
        sa.Column("acting_for", sa.String(length=64), nullable=True),
        sa.Column("acting_kind", sa.String(length=8), nullable=True),
        sa.Column("via", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("doc_kind", sa.String(length=40), nullable=True),
        sa.Column("doc_version", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=True),
        sa.Column("clock_start", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("standard_time", sa.String(length=10), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("working_hours", sa.Float(), nullable=True),
        sa.Column("allowed_hours", sa.Float(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_step_events_process_id_processes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_step_events_event_key")),
    )
    with op.batch_alter_table("step_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_step_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_step_events_process_id"), ["process_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("step_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_events_process_id"))
        batch_op.drop_index(batch_op.f("ix_step_events_kind"))
        batch_op.drop_index(batch_op.f("ix_step_events_at"))

    op.drop_table("step_events")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processes_year"))
        batch_op.drop_index(batch_op.f("ix_processes_workflow_id"))
        batch_op.drop_index(batch_op.f("ix_processes_code"))
        batch_op.drop_index(batch_op.f("ix_processes_classification"))

    op.drop_table("processes")
    op.drop_table("official_numbers")
    op.drop_table("number_sequences")
