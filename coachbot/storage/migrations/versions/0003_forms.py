"""Form templates (versioned) and form responses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:24:46
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("units", sa.String(length=16), server_default="metric", nullable=False),
    )
    op.create_table(
        "form_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_templates")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_form_templates_key_version")),
    )
    op.create_table(
        "form_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('in_progress', 'completed', 'abandoned')",
            name=op.f("ck_form_responses_status"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["form_templates.id"],
            name=op.f("fk_form_responses_template_id_form_templates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_form_responses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_responses")),
    )
    op.create_index(
        "ix_form_responses_user_id_purpose_status",
        "form_responses",
        ["user_id", "purpose", "status"],
    )


def downgrade() -> None:
    op.drop_index("ix_form_responses_user_id_purpose_status", table_name="form_responses")

    op.drop_table("form_responses")
    op.drop_table("form_templates")
