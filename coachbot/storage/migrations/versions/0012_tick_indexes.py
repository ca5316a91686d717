"""Set-based ticks: each open check-in carries the time its next follow-up (nudge, then
missed) is due, under a partial index of those that have one (open ones); the due query reads a partial
index of active plans that can fall due, and paused or archived clients' plans no longer
have a next due time; a goal remembers the target date its coach was told had passed, so
the overdue tick reads only goals it has not told about (a partial index of those).

Backfill: open check-ins not yet missed get `next_action_at = due_at` (the follow-up
tick reads each once and sets its real next time from the coach's rules); plans of
clients who are not active (or have no Telegram user) lose their next due time, as
pausing now does; active goals whose overdue message is in the outbox count as told.
Downgrade drops the column and the indexes and restores the plain
index on `next_due_at`; the cleared due times stay cleared, which the code before this
revision reads as "nothing due" and resuming recomputes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

checkins = sa.table(
    "checkins",
    sa.column("status"),
    sa.column("due_at", sa.DateTime(timezone=True)),
    sa.column("missed_at", sa.DateTime(timezone=True)),
    sa.column("next_action_at", sa.DateTime(timezone=True)),
)
plans = sa.table(
    "checkin_plans", sa.column("client_id"), sa.column("next_due_at", sa.DateTime(timezone=True))
)
clients = sa.table("clients", sa.column("id"), sa.column("status"), sa.column("user_id"))
goals = sa.table(
    "goals",
    sa.column("id", sa.Integer),
    sa.column("status"),
    sa.column("target_date", sa.Date),
    sa.column("overdue_flagged_for", sa.Date),
)
outbox = sa.table("outbox", sa.column("idempotency_key", sa.String))
OVERDUE_UNFLAGGED = (
    "status = 'active' AND (overdue_flagged_for IS NULL OR overdue_flagged_for <> target_date)"
)


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_action_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_checkins_next_action_at",
            ["next_action_at", "id"],
            unique=False,
            postgresql_where=sa.text("next_action_at IS NOT NULL"),
            sqlite_where=sa.text("next_action_at IS NOT NULL"),
        )
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_plans_next_due_at")
        batch_op.create_index(
            "ix_checkin_plans_active_next_due_at",
            ["next_due_at", "client_id"],
            unique=False,
            postgresql_where=sa.text("active AND next_due_at IS NOT NULL"),
            sqlite_where=sa.text("active = 1 AND next_due_at IS NOT NULL"),
        )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overdue_flagged_for", sa.Date(), nullable=True))
        batch_op.drop_index("ix_goals_status_target_date")  # only the overdue tick read it
        batch_op.create_index(
            "ix_goals_overdue_unflagged_target_date",
            ["target_date", "id"],
            unique=False,
            postgresql_where=sa.text(OVERDUE_UNFLAGGED),
            sqlite_where=sa.text(OVERDUE_UNFLAGGED),
        )
    # Goals whose coach was already told (the outbox has the message) are not told again.
    key = (
        sa.literal("goal-overdue:", sa.String)
        + sa.cast(goals.c.id, sa.String)
        + sa.literal(":", sa.String)
        + sa.cast(goals.c.target_date, sa.String)
    )
    told = sa.exists().where(outbox.c.idempotency_key == key)
    op.execute(
        goals.update()
        .where(goals.c.status == "active", goals.c.target_date.is_not(None), told)
        .values(overdue_flagged_for=goals.c.target_date)
    )
    op.execute(
        checkins.update()
        .where(checkins.c.status == "open", checkins.c.missed_at.is_(None))
        .values(next_action_at=checkins.c.due_at)
    )
    stale = sa.select(clients.c.id).where(
        sa.or_(clients.c.status != "active", clients.c.user_id.is_(None))
    )
    op.execute(
        plans.update()
        .where(plans.c.next_due_at.is_not(None), plans.c.client_id.in_(stale))
        .values(next_due_at=None)
    )


def downgrade() -> None:
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_index("ix_goals_overdue_unflagged_target_date")
        batch_op.create_index(
            "ix_goals_status_target_date", ["status", "target_date"], unique=False
        )
        batch_op.drop_column("overdue_flagged_for")
    with op.batch_alter_table("checkin_plans", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_plans_active_next_due_at")
        batch_op.create_index("ix_checkin_plans_next_due_at", ["next_due_at"], unique=False)
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_next_action_at")
        batch_op.drop_column("next_action_at")
