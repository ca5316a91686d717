"""Check-ins, photos, metric entries and coaches' follow-up rules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 11:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allow_photo_forwarding", sa.Boolean(), server_default="0", nullable=False)
        )
    op.create_table(
        "checkin_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coaches.id"],
            name=op.f("fk_checkin_templates_coach_id_coaches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_templates")),
        sa.UniqueConstraint("form_key", name=op.f("uq_checkin_templates_form_key")),
    )
    with op.batch_alter_table("checkin_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_templates_coach_id"), ["coach_id"], unique=False
        )

    op.create_table(
        "checkin_plans",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_checkin_plans_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coaches.id"],
            name=op.f("fk_checkin_plans_coach_id_coaches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checkin_templates.id"],
            name=op.f("fk_checkin_plans_template_id_checkin_templates"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_checkin_plans")),
    )
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_plans_next_due_at"), ["next_due_at"], unique=False
        )

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("first_feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'submitted', 'reviewed', 'review_skipped', 'closed')",
            name=op.f("ck_checkins_status"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_checkins_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coaches.id"],
            name=op.f("fk_checkins_coach_id_coaches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["form_responses.id"],
            name=op.f("fk_checkins_response_id_form_responses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["users.id"],
            name=op.f("fk_checkins_reviewed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checkin_templates.id"],
            name=op.f("fk_checkins_template_id_checkin_templates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_checkins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("client_id", "due_at", name=op.f("uq_checkins_client_id_due_at")),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkins_coach_id_status_submitted_at",
            ["coach_id", "status", "submitted_at"],
            unique=False,
        )
        batch_op.create_index("ix_checkins_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "checkin_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_checkin_messages_author_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_checkin_messages_checkin_id_checkins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_messages")),
    )
    with op.batch_alter_table("checkin_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_messages_checkin_id"), ["checkin_id"], unique=False
        )

    op.create_table(
        "metric_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_metric_entries_checkin_id_checkins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_metric_entries_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_entries")),
    )
    with op.batch_alter_table("metric_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_metric_entries_checkin_id"), ["checkin_id"], unique=False
        )
        batch_op.create_index(
            "ix_metric_entries_client_id_metric_measured_at",
            ["client_id", "metric", "measured_at"],
            unique=False,
        )

    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name=op.f("fk_photos_checkin_id_checkins"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_photos_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photos_checkin_id"), ["checkin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_photos_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("checkin_nudge_hours", sa.Integer(), server_default="24", nullable=False)
        )
        batch_op.add_column(
            sa.Column("checkin_grace_hours", sa.Integer(), server_default="48", nullable=False)
        )
        batch_op.add_column(
            sa.Column("checkin_alert_after", sa.Integer(), server_default="2", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("allow_photo_forwarding")
    with op.batch_alter_table("coaches", schema=None) as batch_op:
        batch_op.drop_column("checkin_alert_after")
        batch_op.drop_column("checkin_grace_hours")
        batch_op.drop_column("checkin_nudge_hours")

    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photos_user_id"))
        batch_op.drop_index(batch_op.f("ix_photos_checkin_id"))

    op.drop_table("photos")
    with op.batch_alter_table("metric_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_entries_client_id_metric_measured_at")
        batch_op.drop_index(batch_op.f("ix_metric_entries_checkin_id"))

    op.drop_table("metric_entries")
    with op.batch_alter_table("checkin_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_messages_checkin_id"))

    op.drop_table("checkin_messages")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_status_due_at")
        batch_op.drop_index("ix_checkins_coach_id_status_submitted_at")

    op.drop_table("checkins")
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_plans_next_due_at"))

    op.drop_table("checkin_plans")
    with op.batch_alter_table("checkin_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_templates_coach_id"))

    op.drop_table("checkin_templates")
