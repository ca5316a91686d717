"""The fake unit of work and the SQL one behave alike (the operations use cases rely on).

Each test runs on the in-memory fake, on SQLite and on PostgreSQL: a difference means the
fast unit tests (tests/unit/test_*_use_cases.py) no longer test what production runs.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from coachbot.domain.forms.progress import FormProgress
from coachbot.domain.forms.responses import FormResponse, ResponseStatus
from coachbot.domain.goals.model import (
    ChangeStatus,
    Goal,
    GoalCategory,
    GoalChange,
    GoalStatus,
)
from coachbot.domain.invitations.model import Invitation, InvitationKind
from coachbot.domain.outbox.model import Channel, OutgoingMessage, TextPayload
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.domain.shared.audit import AuditEntry
from coachbot.domain.shared.errors import AlreadyClientError, AlreadyCoachError
from tests.fakes.table import FakeIntegrityError
from tests.fakes.world import T0, at, seed, template

# What the database raises for a constraint that maps to no domain error.
CONSTRAINT_VIOLATION = (IntegrityError, FakeIntegrityError)


# -- the transaction -------------------------------------------------------------------


async def test_only_committed_changes_stay(any_uow):
    async with any_uow() as u:
        kept = await u.users.add(User(telegram_id=1, first_name="Kept", created_at=T0))
        await u.commit()
    async with any_uow() as u:
        await u.users.add(User(telegram_id=2, first_name="Lost on exit", created_at=T0))
    async with any_uow() as u:
        await u.users.add(User(telegram_id=3, first_name="Rolled back", created_at=T0))
        await u.rollback()
        await u.users.add(User(telegram_id=4, first_name="After rollback", created_at=T0))
        await u.commit()
    async with any_uow() as u:
        assert (await u.users.get(kept.id)).first_name == "Kept"
        assert await u.users.get_by_telegram_id(2) is None
        assert await u.users.get_by_telegram_id(3) is None
        assert (await u.users.get_by_telegram_id(4)).first_name == "After rollback"


async def test_an_entity_read_is_a_copy_until_saved(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        ann = await u.clients.get(world.ann)
        ann.notes = "changed in memory only"
        assert (await u.clients.get(world.ann)).notes == ""
        await u.clients.update(ann)
        assert (await u.clients.get(world.ann)).notes == "changed in memory only"


# -- people ----------------------------------------------------------------------------


async def test_users_with_roles_and_unique_roles(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        second = await u.clients.add(
            Client(world.coach, "Ann again", ClientStatus.active, T0, user_id=None)
        )
        second.user_id = None
        await u.commit()
    async with any_uow() as u:
        roles = await u.users.with_roles(200)
        assert roles.user.first_name == "Ann"
        assert roles.coach is None
        assert [c.id for c in roles.clients] == [world.ann]
        cora = await u.users.with_roles(100)
        assert cora.coach.id == world.coach and cora.clients == ()
        assert await u.users.with_roles(999) is None
        assert [c.display_name for c in await u.clients.list_for_coach(world.coach)] == [
            "Ann",
            "Ben",
            "Ann again",
        ]
        assert (await u.coaches.get_by_user(world.coach_user)).id == world.coach
    with pytest.raises(AlreadyCoachError):
        async with any_uow() as u:
            await u.coaches.add(Coach(user_id=world.coach_user, display_name="x", created_at=T0))
            await u.commit()
    with pytest.raises(AlreadyClientError):
        async with any_uow() as u:
            await u.clients.add(
                Client(world.coach, "Twin", ClientStatus.active, T0, user_id=world.ann_user)
            )
            await u.commit()


async def test_consents_are_recorded_once_per_version(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        await u.consents.record(user_id=world.ann_user, document="privacy", version="1", at=T0)
        await u.consents.record(user_id=world.ann_user, document="privacy", version="1", at=T0)
        await u.commit()
    async with any_uow() as u:
        assert await u.consents.has(user_id=world.ann_user, document="privacy", version="1")
        assert not await u.consents.has(user_id=world.ann_user, document="privacy", version="2")


async def test_an_invitation_is_consumed_once(any_uow):
    world = await seed(any_uow)
    expires = at(24)
    async with any_uow() as u:
        first = await u.invitations.add(
            Invitation(
                InvitationKind.client, "h1", world.coach_user, T0, expires, client_id=world.ben
            )
        )
        second = await u.invitations.add(
            Invitation(InvitationKind.coach, "h2", world.coach_user, at(1), expires)
        )
        assert await u.invitations.mark_used(first.id, user_id=world.ann_user, now=at(2))
        assert not await u.invitations.mark_used(first.id, user_id=world.ann_user, now=at(2))
        assert not await u.invitations.mark_revoked(first.id, now=at(2))
        await u.commit()
    async with any_uow() as u:
        assert [i.id for i in await u.invitations.list_active(created_by=None, now=at(3))] == [
            second.id
        ]
        assert await u.invitations.list_active(created_by=None, now=at(25)) == []
        assert await u.invitations.active_for_client(world.ben, now=at(3)) == []
        assert (await u.invitations.get_by_token_hash("h1")).used_by == world.ann_user


async def test_audit_newest_first(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        for hour, action in [(2, "late"), (1, "early")]:
            await u.audit.record(AuditEntry(at(hour), action, world.coach_user, "client", 1))
        await u.commit()
    async with any_uow() as u:
        assert [e.action for e in await u.audit.list_recent()] == ["late", "early"]
        assert [e.action for e in await u.audit.list_recent(limit=1)] == ["late"]


async def test_the_outbox_takes_a_key_once_and_cancels_pending_messages(any_uow):
    def message(key: str) -> OutgoingMessage:
        payload = TextPayload("hi")
        return OutgoingMessage(
            channel=Channel.telegram,
            recipient="200",
            payload=payload,
            idempotency_key=key,
            created_at=T0,
            not_before=T0,
        )

    async with any_uow() as u:
        assert await u.outbox.enqueue(message("a"))
        assert not await u.outbox.enqueue(message("a"))
        assert await u.outbox.cancel("a")
        assert not await u.outbox.cancel("a")
        assert not await u.outbox.cancel("never")
        assert not await u.outbox.enqueue(message("a"))
        await u.outbox.set_reachable(
            Channel.telegram, "200", reachable=False, reason="blocked", now=T0
        )
        await u.outbox.set_reachable(
            Channel.telegram, "200", reachable=False, reason="blocked", now=T0
        )
        await u.outbox.set_reachable(Channel.telegram, "200", reachable=True, reason="", now=T0)
        await u.commit()


# -- forms -----------------------------------------------------------------------------


async def test_form_templates_are_versioned_and_responses_saved(any_uow):
    world = await seed(any_uow)
    async with any_uow() as u:
        assert await u.forms.add_template(template(version=1), now=T0)
        assert not await u.forms.add_template(template(version=1), now=T0)
        assert await u.forms.add_template(template(version=2), now=T0)
        template_id, latest = await u.forms.latest_template("weekly")
        assert latest.version == 2
        assert await u.forms.latest_template("nothing") is None
        response = await u.forms.add_response(
            FormResponse(
                template_id,
                latest,
                world.ann_user,
                "checkin:1",
                ResponseStatus.in_progress,
                FormProgress(),
                at(1),
                at(1),
            )
        )
        await u.commit()
    async with any_uow() as u:
        found = await u.forms.open_response(user_id=world.ann_user, purpose="checkin:1")
        assert (found.id, found.template, found.progress) == (response.id, latest, FormProgress())
        found.progress = FormProgress(answers={"mood": "good"}, path=("mood",))
        found.status, found.updated_at, found.completed_at = ResponseStatus.completed, at(2), at(2)
        found.purpose = "not saved: only progress, status and times are"
        await u.forms.save_response(found)
        await u.commit()
    async with any_uow() as u:
        saved = await u.forms.get_response(response.id, for_update=True)
        assert (saved.purpose, saved.status) == ("checkin:1", ResponseStatus.completed)
        assert await u.forms.open_response(user_id=world.ann_user, purpose="checkin:1") is None
        assert await u.forms.has_completed(user_id=world.ann_user, purpose="checkin:1")
        assert not await u.forms.has_completed(user_id=world.ann_user, purpose="checkin:2")
        assert await u.forms.completed_answers(user_id=world.ann_user, purpose="checkin:1") == {
            "mood": "good"
        }
        assert await u.forms.last_activity(user_id=world.ann_user) == at(2)
        assert await u.forms.last_activity(user_id=world.coach_user) is None
        assert [r.id for r in await u.forms.get_responses([response.id, 999])] == [response.id]
        assert await u.forms.get_responses([]) == []


# -- goals -----------------------------------------------------------------------------


async def test_goals_overdue_milestones_and_changes(any_uow):
    world = await seed(any_uow)
    day = date(2026, 3, 10)

    def goal(target: date | None, status: GoalStatus = GoalStatus.active) -> Goal:
        return Goal(
            world.ann, GoalCategory.weight, T0, "weight", 60.0, target_date=target, status=status
        )

    async with any_uow() as u:
        late = await u.goals.add(goal(day - timedelta(days=1)))
        later = await u.goals.add(goal(day - timedelta(days=3)))
        await u.goals.add(goal(day - timedelta(days=5), GoalStatus.achieved))
        await u.goals.add(goal(None))
        await u.goals.add(goal(day))
        await u.goals.replace_milestones(late.id, [70.0, 65.0])
        first, _ = await u.goals.list_milestones(late.id)
        assert await u.goals.mark_milestone_reached(first.id, at=at(1))
        assert not await u.goals.mark_milestone_reached(first.id, at=at(2))
        await u.goals.replace_milestones(late.id, [68.0, 70.0])
        for hours in (2, 1):
            await u.goals.add_change(
                GoalChange(late.id, world.ann_user, False, ChangeStatus.proposed, at(hours))
            )
        await u.commit()
    async with any_uow() as u:
        assert [g.id for g in await u.goals.overdue(before=day, limit=10)] == [later.id, late.id]
        assert [g.id for g in await u.goals.overdue(before=day, limit=1)] == [later.id]
        milestones = await u.goals.list_milestones(late.id)
        assert [(m.position, m.value, m.reached_at) for m in milestones] == [
            (1, 68.0, None),
            (2, 70.0, at(1)),  # reached before, and still a milestone
        ]
        changes = await u.goals.list_changes(late.id)
        assert [c.created_at for c in changes] == [at(1), at(2)]
        change = await u.goals.get_change(changes[0].id)
        change.status, change.decided_at = ChangeStatus.approved, at(3)
        await u.goals.save_change(change)
        goal_row = await u.goals.get(late.id)
        goal_row.status = GoalStatus.achieved
        await u.goals.update(goal_row)
        await u.commit()
    async with any_uow() as u:
        assert (await u.goals.get_change(changes[0].id)).status == ChangeStatus.approved
        assert [g.id for g in await u.goals.overdue(before=day, limit=10)] == [later.id]
        assert len(await u.goals.list_for_client(world.ann)) == 5
