"""Progress: custom metrics, goal start values, milestones and change history,
achievements, monthly report plans and generated files awaiting delivery

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "achievements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("achieved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_achievements_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievements")),
        sa.UniqueConstraint("client_id", "key", name=op.f("uq_achievements_client_id_key")),
    )
    op.create_table(
        "custom_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_custom_metrics_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coaches.id"],
            name=op.f("fk_custom_metrics_coach_id_coaches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_metrics")),
    )
    with op.batch_alter_table("custom_metrics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_metrics_coach_id"), ["coach_id"], unique=False)

    op.create_table(
        "generated_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_generated_files_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generated_files")),
    )
    with op.batch_alter_table("generated_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_generated_files_delete_after"), ["delete_after"], unique=False
        )

    op.create_table(
        "report_plans",
        sa.Column("client_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_report_plans_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["coaches.id"],
            name=op.f("fk_report_plans_coach_id_coaches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_report_plans")),
    )
    with op.batch_alter_table("report_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_plans_next_due_at"), ["next_due_at"], unique=False
        )

    op.create_table(
        "goal_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("by_coach", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_target", sa.Float(), nullable=True),
        sa.Column("old_date", sa.Date(), nullable=True),
        sa.Column("new_target", sa.Float(), nullable=True),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'edited', 'declined', 'applied')",
            name=op.f("ck_goal_changes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_goal_changes_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_goal_changes_goal_id_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_goal_changes_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_changes")),
    )
    with op.batch_alter_table("goal_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_changes_goal_id"), ["goal_id"], unique=False)

    op.create_table(
        "goal_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goals.id"],
            name=op.f("fk_goal_milestones_goal_id_goals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_milestones")),
        sa.UniqueConstraint(
            "goal_id", "position", name=op.f("uq_goal_milestones_goal_id_position")
        ),
    )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_value", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("achieved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column(
            "metric",
            existing_type=sa.VARCHAR(length=16),
            type_=sa.String(length=32),
            existing_nullable=True,
        )
        batch_op.create_index(
            "ix_goals_status_target_date", ["status", "target_date"], unique=False
        )


def downgrade() -> None:
    # Goals on custom metrics ("custom:123") do not fit the old column: they lose the
    # metric, as the custom metrics themselves are dropped below.
    op.execute("UPDATE goals SET metric = NULL WHERE length(metric) > 16")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index("ix_goals_status_target_date")
        batch_op.alter_column(
            "metric",
            existing_type=sa.String(length=32),
            type_=sa.VARCHAR(length=16),
            existing_nullable=True,
        )
        batch_op.drop_column("achieved_at")
        batch_op.drop_column("start_value")

    op.drop_table("goal_milestones")
    with op.batch_alter_table("goal_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_changes_goal_id"))

    op.drop_table("goal_changes")
    with op.batch_alter_table("report_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_plans_next_due_at"))

    op.drop_table("report_plans")
    with op.batch_alter_table("generated_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_generated_files_delete_after"))

    op.drop_table("generated_files")
    with op.batch_alter_table("custom_metrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_metrics_coach_id"))

    op.drop_table("custom_metrics")
    op.drop_table("achievements")
