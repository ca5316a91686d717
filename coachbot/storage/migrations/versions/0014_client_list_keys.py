"""The client list pages in SQL, and progress pictures are cached by a data version.

Clients get the columns the list is ordered and searched by (kept by the repository from
name, email, notes and tags; filled here for the clients already stored), an index for
the list's keyset pages, and `data_version`, which grows with every change of a client's
progress data. Downgrade drops them all; upgrading again fills them again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_TEXT = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
INDEX = "ix_clients_coach_id_status_sort_name_id"

clients = sa.table(
    "clients",
    sa.column("id"),
    sa.column("display_name"),
    sa.column("email"),
    sa.column("notes"),
    sa.column("tags", sa.JSON),
    sa.column("sort_name"),
    sa.column("search_text"),
    sa.column("tag_text"),
)


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", SORT_TEXT, server_default="", nullable=False))
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("tag_text", sa.Text(), server_default=" ", nullable=False))
        batch_op.add_column(
            sa.Column("data_version", sa.Integer(), server_default="0", nullable=False)
        )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            clients.c.id, clients.c.display_name, clients.c.email, clients.c.notes
        ).add_columns(clients.c.tags)
    ).all()
    # The same rules as coachbot.domain.people.model (sort_name, search_text), copied so
    # this revision keeps meaning what it meant when the code changes.
    values = [
        {
            "row_id": row.id,
            "sort_name": row.display_name.casefold(),
            "search_text": " ".join([row.display_name, row.email or "", row.notes or ""]).lower(),
            "tag_text": " " + "".join(f"{tag} " for tag in row.tags or []),
        }
        for row in rows
    ]
    if values:
        connection.execute(
            clients.update()
            .where(clients.c.id == sa.bindparam("row_id"))
            .values(
                sort_name=sa.bindparam("sort_name"),
                search_text=sa.bindparam("search_text"),
                tag_text=sa.bindparam("tag_text"),
            ),
            values,
        )
    op.create_index(INDEX, "clients", ["coach_id", "status", "sort_name", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="clients")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("data_version")
        batch_op.drop_column("tag_text")
        batch_op.drop_column("search_text")
        batch_op.drop_column("sort_name")
