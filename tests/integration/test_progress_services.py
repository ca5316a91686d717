"""Progress services on SQLite and PostgreSQL: celebrations written once however often
progress is evaluated, milestones kept across target changes, overdue goals flagged
once, achievements unique, the chart cache (memory and Redis), report plans due."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from coachbot.domain.checkins.model import MetricEntry
from coachbot.domain.forms.units import Metric
from coachbot.domain.goals.evaluation import record_progress
from coachbot.domain.goals.model import Achievement, Goal, GoalCategory
from coachbot.domain.goals.overdue import FlagOverdueGoalsUseCase
from coachbot.domain.people.model import Client, ClientStatus, Coach, User
from coachbot.domain.progress.metrics import CustomMetric
from coachbot.domain.progress.pictures import (
    PANEL,
    ShowProgress,
    ShowProgressUseCase,
    unpack_picture,
)
from coachbot.domain.progress.reports import GeneratedFile, ReportPlan
from coachbot.reports.cache import MemoryChartCache, RedisChartCache
from coachbot.reports.charts import MatplotlibChartRenderer
from coachbot.reports.render_pool import InThreadChartRenderer
from coachbot.storage.repositories.checkins import SqlMetricRepository
from coachbot.storage.tables import OutboxRow
from coachbot.storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def seed(session_factory, *, weights=(80.0,)) -> tuple[int, int, int]:
    """A coach, their active client with a weight goal of 76 kg and some weights;
    returns (client id, client user id, goal id)."""
    async with SqlUnitOfWork(session_factory) as uow:
        coach_user = await uow.users.add(User(telegram_id=1, first_name="Anna", created_at=NOW))
        coach = await uow.coaches.add(
            Coach(user_id=coach_user.id or 0, display_name="Anna", created_at=NOW)
        )
        user = await uow.users.add(
            User(telegram_id=2, first_name="Cleo", created_at=NOW, timezone="Europe/Berlin")
        )
        client = await uow.clients.add(
            Client(
                coach_id=coach.id or 0,
                display_name="Cleo Park",
                status=ClientStatus.active,
                created_at=NOW,
                user_id=user.id,
            )
        )
        for days, kg in enumerate(weights):
            at = NOW + timedelta(days=days)
            await uow.metrics.add(MetricEntry(client.id or 0, "weight", kg, at, at, source="log"))
        goal = await uow.goals.add(
            Goal(
                client_id=client.id or 0,
                category=GoalCategory.weight,
                created_at=NOW,
                metric="weight",
                target_value=76.0,
                target_date=date(2026, 3, 20),
            )
        )
        await uow.commit()
    return client.id or 0, user.id or 0, goal.id or 0


async def evaluate(session_factory, client_id: int, now: datetime) -> None:
    async with SqlUnitOfWork(session_factory) as uow:
        client = await uow.clients.get(client_id)
        assert client is not None
        await record_progress(uow, client, now)
        await uow.commit()


async def outbox_keys(session_factory) -> list[str]:
    async with session_factory() as session:
        return sorted((await session.scalars(select(OutboxRow.idempotency_key))).all())


async def test_milestones_and_goals_are_celebrated_once_however_often_evaluated(session_factory):
    client_id, _user, goal_id = await seed(session_factory, weights=(80.0, 79.0))
    await evaluate(session_factory, client_id, NOW)
    await evaluate(session_factory, client_id, NOW)  # a handler or tick running twice
    keys = await outbox_keys(session_factory)
    milestone_keys = [k for k in keys if k.startswith("milestone:")]
    assert len(milestone_keys) == 2  # the 79 kg milestone: the client and the coach
    async with SqlUnitOfWork(session_factory) as uow:
        goal = await uow.goals.get(goal_id)
        milestones = await uow.goals.list_milestones(goal_id)
        assert goal is not None and goal.start_value == 80.0
        assert [m.value for m in milestones] == [79.0, 78.0, 77.0]
        assert [m.reached_at is not None for m in milestones] == [True, False, False]
        later = NOW + timedelta(days=2)
        await uow.metrics.add(MetricEntry(client_id, "weight", 75.8, later, later, source="log"))
        await uow.commit()
    await evaluate(session_factory, client_id, NOW)
    await evaluate(session_factory, client_id, NOW)
    keys = await outbox_keys(session_factory)
    assert len([k for k in keys if k.startswith("milestone:")]) == 6
    assert [k for k in keys if k.startswith("goal-reached:")] == [
        f"goal-reached:{goal_id}:client",
        f"goal-reached:{goal_id}:coach",
    ]
    async with SqlUnitOfWork(session_factory) as uow:
        goal = await uow.goals.get(goal_id)
        badges = [a.key for a in await uow.achievements.list_for_client(client_id)]
    assert goal is not None and goal.status == "achieved"
    assert sorted(badges) == ["first_entry", f"goal:{goal_id}"]


async def test_achievements_are_unique_per_client(session_factory):
    client_id, _user, _goal = await seed(session_factory)
    async with SqlUnitOfWork(session_factory) as uow:
        assert await uow.achievements.add(Achievement(client_id, "streak:4", NOW, {"checkins": 4}))
        assert not await uow.achievements.add(Achievement(client_id, "streak:4", NOW, {}))
        await uow.commit()
    async with SqlUnitOfWork(session_factory) as uow:
        (badge,) = await uow.achievements.list_for_client(client_id)
    assert badge.details == {"checkins": 4}


async def test_reached_milestones_keep_their_date_when_milestones_change(session_factory):
    _client_id, _user, goal_id = await seed(session_factory)
    async with SqlUnitOfWork(session_factory) as uow:
        await uow.goals.replace_milestones(goal_id, [79.0, 78.0])
        first = (await uow.goals.list_milestones(goal_id))[0]
        assert await uow.goals.mark_milestone_reached(first.id or 0, at=NOW)
        assert not await uow.goals.mark_milestone_reached(first.id or 0, at=NOW)
        await uow.goals.replace_milestones(goal_id, [79.0, 77.5, 76.5])
        after = await uow.goals.list_milestones(goal_id)
        await uow.commit()
    assert [(m.position, m.value, m.reached_at is not None) for m in after] == [
        (1, 79.0, True),
        (2, 77.5, False),
        (3, 76.5, False),
    ]


async def test_an_overdue_goal_is_flagged_to_the_coach_once(session_factory):
    _client_id, _user, goal_id = await seed(session_factory)
    flag = FlagOverdueGoalsUseCase(
        SqlUnitOfWork(session_factory), _Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))
    )
    assert await flag() == 0  # the target date itself is not overdue yet
    flag = FlagOverdueGoalsUseCase(
        SqlUnitOfWork(session_factory), _Clock(datetime(2026, 3, 21, 8, tzinfo=UTC))
    )
    assert await flag() == 1
    assert await flag() == 0
    assert [k for k in await outbox_keys(session_factory) if k.startswith("goal-overdue")] == [
        f"goal-overdue:{goal_id}:2026-03-20"
    ]


async def test_every_overdue_goal_is_flagged_batch_after_batch_and_a_new_date_again(
    session_factory,
):
    client_id, _user, first = await seed(session_factory)
    async with SqlUnitOfWork(session_factory) as uow:
        for day in range(1, 6):
            await uow.goals.add(
                Goal(
                    client_id=client_id,
                    category=GoalCategory.habit,
                    created_at=NOW,
                    description=f"habit {day}",
                    target_date=date(2026, 3, day),
                )
            )
        await uow.commit()
    clock = _Clock(datetime(2026, 3, 21, 8, tzinfo=UTC))
    assert await FlagOverdueGoalsUseCase(SqlUnitOfWork(session_factory), clock, batch=2)() == 6
    async with SqlUnitOfWork(session_factory) as uow:  # nothing left to read
        assert await uow.goals.overdue(before=date(2026, 3, 22), limit=10) == []
        goal = await uow.goals.get(first)
        assert goal is not None
        goal.target_date = date(2026, 3, 15)  # the coach moved it; it passed too
        await uow.goals.update(goal)
        await uow.commit()
    assert await FlagOverdueGoalsUseCase(SqlUnitOfWork(session_factory), clock)() == 1
    keys = [k for k in await outbox_keys(session_factory) if k.startswith("goal-overdue")]
    assert f"goal-overdue:{first}:2026-03-15" in keys and len(keys) == 7


async def test_report_plans_come_due_and_generated_files_expire(session_factory):
    client_id, _user, _goal = await seed(session_factory)
    async with SqlUnitOfWork(session_factory) as uow:
        client = await uow.clients.get(client_id)
        assert client is not None
        await uow.reports.save_plan(
            ReportPlan(client_id, client.coach_id, True, NOW, datetime(2026, 4, 1, 7, tzinfo=UTC))
        )
        await uow.reports.add_file(
            GeneratedFile(client_id, "report", "0" * 32, "r.pdf", 10, NOW, NOW + timedelta(days=3))
        )
        await uow.commit()
    async with SqlUnitOfWork(session_factory) as uow:
        assert await uow.reports.due_plans(now=datetime(2026, 3, 31, tzinfo=UTC), limit=5) == []
        (due,) = await uow.reports.due_plans(now=datetime(2026, 4, 1, 8, tzinfo=UTC), limit=5)
        assert due.client_id == client_id
        assert await uow.reports.expired_files(now=NOW + timedelta(days=2), limit=5) == []
        (expired,) = await uow.reports.expired_files(now=NOW + timedelta(days=3), limit=5)
        await uow.reports.delete_file(expired.id or 0)
        await uow.commit()


async def test_custom_metrics_and_cohort_entries(session_factory):
    client_id, _user, _goal = await seed(session_factory, weights=(80.0, 79.5))
    async with SqlUnitOfWork(session_factory) as uow:
        client = await uow.clients.get(client_id)
        assert client is not None
        steps = await uow.custom_metrics.add(
            CustomMetric(client.coach_id, "Steps", "steps", 0, 60000, NOW, decimals=0)
        )
        steps.archived = True
        await uow.custom_metrics.update(steps)
        await uow.commit()
    async with SqlUnitOfWork(session_factory) as uow:
        (found,) = await uow.custom_metrics.list_for_coach(client.coach_id)
        entries = await uow.metrics.list_for_clients(
            [client_id], "weight", since=NOW + timedelta(hours=1)
        )
    assert found.archived and found.key == f"custom:{found.id}"
    assert [e.value for e in entries] == [79.5]


class _Clock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


class CountingRenderer(InThreadChartRenderer):
    def __init__(self) -> None:
        super().__init__(MatplotlibChartRenderer())
        self.renders = 0

    async def metric_chart(self, chart) -> bytes:
        self.renders += 1
        return await super().metric_chart(chart)

    async def panel_chart(self, panel) -> bytes:
        self.renders += 1
        return await super().panel_chart(panel)


async def check_cache(session_factory, cache) -> None:
    client_id, user_id, _goal = await seed(session_factory, weights=(80.0, 79.6, 79.1))
    renderer = CountingRenderer()
    show = ShowProgressUseCase(
        SqlUnitOfWork(session_factory), _Clock(NOW + timedelta(days=3)), renderer, cache
    )
    first = await show(ShowProgress(user_id=user_id))
    again = await show(ShowProgress(user_id=user_id))
    assert (first.cached, again.cached, renderer.renders) == (False, True, 1)
    assert again.image == first.image
    await show(ShowProgress(user_id=user_id, metric=PANEL))
    assert renderer.renders == 2
    async with SqlUnitOfWork(session_factory) as uow:  # an entry corrected: a new picture
        entry = (await uow.metrics.list_for_client(client_id, Metric.weight.value))[0]
        entry.value = 80.4
        await uow.metrics.update(entry)
        await uow.commit()
    changed = await show(ShowProgress(user_id=user_id))
    assert not changed.cached and renderer.renders == 3


async def test_charts_are_drawn_once_while_unchanged_in_memory(session_factory):
    cache = MemoryChartCache(max_entries=2)
    await check_cache(session_factory, cache)
    assert len(cache) == 2  # bounded: the oldest went


@pytest.mark.redis
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_charts_are_shared_through_redis(session_factory, redis_client):
    await check_cache(session_factory, RedisChartCache(redis_client))
    keys = [key async for key in redis_client.scan_iter(match="coachbot:chart:*")]
    # three charts, the three pictures they were shown in, and the day's cohort figures
    assert len(keys) == 7


async def data_version(session_factory, client_id: int) -> int:
    async with SqlUnitOfWork(session_factory) as uow:
        client = await uow.clients.get(client_id)
    assert client is not None
    return client.data_version


async def test_every_progress_write_changes_the_data_version_in_its_transaction(
    session_factory,
):
    client_id, _user, goal_id = await seed(session_factory, weights=(80.0, 79.6))
    start = await data_version(session_factory, client_id)
    assert start == 3  # two entries and the goal
    async with SqlUnitOfWork(session_factory) as uow:
        stale = await uow.clients.get(client_id)  # read before the entry is added
        at = NOW + timedelta(days=5)
        entry = await uow.metrics.add(MetricEntry(client_id, "weight", 79.0, at, at, "log"))
        assert stale is not None
        stale.notes = "saved after the entry"
        await uow.clients.update(stale)  # a client saved with its old version keeps the new
        await uow.commit()
    assert await data_version(session_factory, client_id) == start + 1
    async with SqlUnitOfWork(session_factory) as uow:  # not committed: no change
        await uow.metrics.delete(entry.id or 0)
    assert await data_version(session_factory, client_id) == start + 1
    async with SqlUnitOfWork(session_factory) as uow:
        entry.value = 78.8
        await uow.metrics.update(entry)
        await uow.metrics.delete(entry.id or 0)
        goal = await uow.goals.get(goal_id)
        assert goal is not None
        goal.target_value = 75.0
        await uow.goals.update(goal)
        await uow.custom_metrics.add(
            CustomMetric(
                coach_id=stale.coach_id,
                name="Steps",
                unit="",
                minimum=0,
                maximum=100000,
                created_at=NOW,
            )
        )
        await uow.commit()
    assert await data_version(session_factory, client_id) == start + 5


async def test_a_cached_picture_reads_no_entries_and_a_new_entry_is_shown_at_once(
    session_factory, monkeypatch
):
    client_id, user_id, _goal = await seed(session_factory, weights=(80.0, 79.6, 79.1))
    reads = []
    list_all = SqlMetricRepository.list_all

    async def counted(self, client_id: int):
        reads.append(client_id)
        return await list_all(self, client_id)

    monkeypatch.setattr(SqlMetricRepository, "list_all", counted)
    renderer = CountingRenderer()
    show = ShowProgressUseCase(
        SqlUnitOfWork(session_factory),
        _Clock(NOW + timedelta(days=3)),
        renderer,
        MemoryChartCache(),
    )
    first = await show(ShowProgress(user_id=user_id))
    again = await show(ShowProgress(user_id=user_id))
    assert (first.cached, again.cached, len(reads)) == (False, True, 1)
    assert again.trends is not None and again.trends.series.latest == 79.1
    assert again.measured == first.measured and again.image == first.image
    async with SqlUnitOfWork(session_factory) as uow:
        at = NOW + timedelta(days=3)
        await uow.metrics.add(MetricEntry(client_id, "weight", 78.7, at, at, source="log"))
        await uow.commit()
    changed = await show(ShowProgress(user_id=user_id))
    assert not changed.cached and changed.trends is not None
    assert changed.trends.series.latest == 78.7 and len(reads) == 2 and renderer.renders == 2
    assert (await show(ShowProgress(user_id=user_id))).cached


def test_a_cache_entry_naming_anything_but_a_picture_is_not_read():
    class Sneaky:
        def __reduce__(self):
            return (print, ("never",))

    assert unpack_picture(pickle.dumps(Sneaky())) is None
    assert unpack_picture(b"not a pickle") is None
