"""Onboarding measurements: the weight (waist, body fat) given in the initial assessment
of clients onboarded earlier become their first metric entries, source "onboarding", as
onboarding now records them.

Downgrade deletes the entries of source "onboarding": the code before this revision never
writes that source, so they are exactly the ones this revision (or the code that comes
with it) created; upgrading again recreates them from the stored assessments.

Revision ID: 0011
Revises: 0010_conversation_states
Create Date: 2026-12-07 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE = "onboarding"
ASSESSMENT = "onboarding:assessment"
ONBOARDED = ("active", "paused", "archived")  # statuses after onboarding finished

form_templates = sa.table("form_templates", sa.column("id"), sa.column("content", sa.JSON))
form_responses = sa.table(
    "form_responses",
    sa.column("id"),
    sa.column("template_id"),
    sa.column("user_id"),
    sa.column("purpose"),
    sa.column("status"),
    sa.column("progress", sa.JSON),
    sa.column("completed_at", sa.DateTime(timezone=True)),
)
clients = sa.table(
    "clients",
    sa.column("id"),
    sa.column("user_id"),
    sa.column("status"),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
metric_entries = sa.table(
    "metric_entries",
    sa.column("client_id"),
    sa.column("metric"),
    sa.column("value", sa.Float),
    sa.column("measured_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("source"),
    sa.column("checkin_id"),
)


def upgrade() -> None:
    connection = op.get_bind()
    templates = {row.id: row.content for row in connection.execute(sa.select(form_templates))}
    already = set(
        connection.scalars(
            sa.select(metric_entries.c.client_id).where(metric_entries.c.source == SOURCE)
        )
    )
    responses = connection.execute(
        sa.select(form_responses)
        .where(form_responses.c.purpose == ASSESSMENT, form_responses.c.status == "completed")
        .order_by(form_responses.c.id)
    ).all()
    rows = []
    for response in responses:
        client_id = _client_onboarded_by(connection, response)
        if client_id is None or client_id in already:
            continue
        already.add(client_id)
        answers = (response.progress or {}).get("answers", {})
        for question in templates[response.template_id]["questions"]:
            value = answers.get(question["key"])
            if question["kind"] != "metric" or not isinstance(value, int | float):
                continue
            rows.append(
                {
                    "client_id": client_id,
                    "metric": question["metric"],
                    "value": float(value),
                    "measured_at": response.completed_at,
                    "created_at": response.completed_at,
                    "source": SOURCE,
                    "checkin_id": None,
                }
            )
    if rows:
        op.bulk_insert(metric_entries, rows)


def _client_onboarded_by(connection: sa.Connection, response: sa.Row) -> int | None:
    """The client the assessment was given for: of the person's onboarded clients, the
    latest one added before the assessment was completed."""
    return connection.scalar(
        sa.select(clients.c.id)
        .where(
            clients.c.user_id == response.user_id,
            clients.c.status.in_(ONBOARDED),
            clients.c.created_at <= response.completed_at,
        )
        .order_by(clients.c.created_at.desc(), clients.c.id.desc())
        .limit(1)
    )


def downgrade() -> None:
    op.execute(metric_entries.delete().where(metric_entries.c.source == SOURCE))
