"""The coach sets up check-ins: their templates, each client's schedule, follow-up rules."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.domain.checkins import templates as edits
from coachbot.domain.checkins.model import CheckinPlan, CheckinRules, CheckinTemplate
from coachbot.domain.checkins.schedule import CheckinSchedule, Frequency, next_due, resume_due
from coachbot.domain.forms.questions import Question
from coachbot.domain.forms.templates import FormTemplate
from coachbot.domain.people.model import Client, Coach, User
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import ClientNotFound, InvalidDetailError, NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

DEFAULT_FORM = "checkin_weekly"


class CheckinTemplateNotFound(NotAllowedError):
    """No such template, or another coach's."""


@dataclass(frozen=True)
class TemplateView:
    template: CheckinTemplate
    form: FormTemplate


async def _coach(uow: UnitOfWork, coach_id: int | None) -> Coach:
    coach = await uow.coaches.get(coach_id) if coach_id is not None else None
    if coach is None:
        raise NotAllowedError()
    return coach


async def _own_template(uow: UnitOfWork, coach: Coach, template_id: int) -> TemplateView:
    template = await uow.checkins.get_template(template_id)
    if template is None or template.coach_id != coach.id:
        raise CheckinTemplateNotFound()
    latest = await uow.forms.latest_template(template.form_key)
    assert latest is not None
    return TemplateView(template, latest[1])


async def _add_template(
    uow: UnitOfWork, coach: Coach, name: str, now: datetime, *, titled: bool = False
) -> CheckinTemplate:
    """A new template of the coach's, starting as a copy of the default weekly form;
    `titled`: its clients see `name` as the form's title instead of the shipped one."""
    assert coach.id is not None
    shipped = await uow.forms.latest_template(DEFAULT_FORM)
    assert shipped is not None, "the shipped forms are stored at start-up"
    number = len(await uow.checkins.list_templates(coach.id)) + 1
    key = f"checkin-{coach.id}-{number}"
    title = {"en": name} if titled else None
    await uow.forms.add_template(edits.copy_as(shipped[1], key, title), now=now)
    return await uow.checkins.add_template(
        CheckinTemplate(coach_id=coach.id, name=name, form_key=key, created_at=now)
    )


async def coach_templates(
    uow: UnitOfWork, coach: Coach, now: datetime, default_name: str
) -> list[CheckinTemplate]:
    """The coach's templates; a coach without any gets the default weekly one."""
    assert coach.id is not None
    templates = [t for t in await uow.checkins.list_templates(coach.id) if not t.archived]
    if not templates:
        templates = [await _add_template(uow, coach, default_name, now)]
    return templates


@dataclass(frozen=True, kw_only=True)
class ListCheckinTemplates:
    coach_id: int | None
    default_name: str  # what the default template is called, in the coach's language


class ListCheckinTemplatesUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: ListCheckinTemplates) -> list[TemplateView]:
        async with self._uow() as uow:
            coach = await _coach(uow, cmd.coach_id)
            templates = await coach_templates(uow, coach, self._clock.now(), cmd.default_name)
            views = [await _own_template(uow, coach, t.id or 0) for t in templates]
            await uow.commit()
        return views


@dataclass(frozen=True, kw_only=True)
class NewCheckinTemplate:
    coach_id: int | None
    name: str


class NewCheckinTemplateUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: NewCheckinTemplate) -> TemplateView:
        name = " ".join(cmd.name.split())
        if not 1 <= len(name) <= 64:
            raise InvalidDetailError("name", "length")
        async with self._uow() as uow:
            coach = await _coach(uow, cmd.coach_id)
            template = await _add_template(uow, coach, name, self._clock.now(), titled=True)
            view = await _own_template(uow, coach, template.id or 0)
            await uow.commit()
        return view


class TemplateEdit(StrEnum):
    add = "add"
    remove = "remove"
    up = "up"
    down = "down"
    optional = "optional"  # optional <-> required


@dataclass(frozen=True, kw_only=True)
class EditCheckinTemplate:
    coach_id: int | None
    template_id: int
    action: TemplateEdit | None = None  # None: just show it
    question_key: str = ""
    question: Question | None = None  # for `add`


def _edited(form: FormTemplate, cmd: EditCheckinTemplate) -> FormTemplate:
    match cmd.action:
        case TemplateEdit.add:
            assert cmd.question is not None
            question = replace(cmd.question, key=edits.new_question_key(form))
            return edits.add_question(form, question)
        case TemplateEdit.remove:
            return edits.remove_question(form, cmd.question_key)
        case TemplateEdit.up | TemplateEdit.down:
            offset = -1 if cmd.action is TemplateEdit.up else 1
            return edits.move_question(form, cmd.question_key, offset)
        case TemplateEdit.optional:
            return edits.toggle_optional(form, cmd.question_key)
    return form


class EditCheckinTemplateUseCase:
    """Show a template, or store the next version of its form after one edit."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: EditCheckinTemplate) -> TemplateView:
        async with self._uow() as uow:
            coach = await _coach(uow, cmd.coach_id)
            view = await _own_template(uow, coach, cmd.template_id)
            if cmd.action is None:
                return view
            try:
                form = _edited(view.form, cmd)
            except KeyError:
                raise InvalidDetailError("questions", "unknown") from None
            if form.version != view.form.version:
                await uow.forms.add_template(form, now=self._clock.now())
                await uow.commit()
        return TemplateView(view.template, form)


# -- schedules --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    client: Client
    user: User | None
    plan: CheckinPlan | None
    template: CheckinTemplate | None


async def _own_client(uow: UnitOfWork, coach: Coach, client_id: int) -> Client:
    client = await uow.clients.get(client_id)
    if client is None or client.coach_id != coach.id:
        raise ClientNotFound()
    return client


async def _plan_view(uow: UnitOfWork, client: Client) -> PlanView:
    assert client.id is not None
    user = await uow.users.get(client.user_id) if client.user_id else None
    plan = await uow.checkins.get_plan(client.id)
    template = await uow.checkins.get_template(plan.template_id) if plan else None
    return PlanView(client, user, plan, template)


@dataclass(frozen=True, kw_only=True)
class ShowCheckinPlan:
    coach_id: int | None
    client_id: int


class ShowCheckinPlanUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: ShowCheckinPlan) -> PlanView:
        async with self._uow() as uow:
            coach = await _coach(uow, cmd.coach_id)
            return await _plan_view(uow, await _own_client(uow, coach, cmd.client_id))


@dataclass(frozen=True, kw_only=True)
class SetCheckinPlan:
    """Schedule check-ins for a client (replacing any schedule), or stop them. Only the
    field of the frequency is used: weekdays, interval_days or rule."""

    coach_id: int | None
    client_id: int
    frequency: str | None  # "weekly", "every_n_days", "rrule"; None: stop check-ins
    local_time: str = "08:00"  # in the client's time zone
    weekdays: tuple[int, ...] = ()
    interval_days: int = 7
    rule: str = ""
    template_id: int | None = None  # None: keep the current one, or the first template
    default_name: str = "Weekly check-in"

    def schedule(self, starts_on: date) -> CheckinSchedule:
        assert self.frequency is not None, "no schedule when check-ins stop"
        frequency = Frequency(self.frequency)
        by_frequency: dict[Frequency, dict[str, Any]] = {
            Frequency.weekly: {"weekdays": self.weekdays},
            Frequency.every_n_days: {"interval_days": self.interval_days},
            Frequency.rrule: {"rule": self.rule},
        }
        fields = by_frequency[frequency]
        return CheckinSchedule(
            frequency=frequency,
            local_time=time.fromisoformat(self.local_time),
            starts_on=starts_on,
            **fields,
        )


class SetCheckinPlanUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, cmd: SetCheckinPlan) -> PlanView:
        now = self._clock.now()
        async with self._uow() as uow:
            coach = await _coach(uow, cmd.coach_id)
            client = await _own_client(uow, coach, cmd.client_id)
            view = await _plan_view(uow, client)
            if cmd.frequency is None:
                if view.plan is not None:
                    view.plan.active = False
                    view.plan.updated_at = now
                    await uow.checkins.save_plan(view.plan)
            else:
                await self._schedule(uow, coach, view, cmd, now)
            view = await _plan_view(uow, client)
            await uow.commit()
        return view

    async def _schedule(
        self, uow: UnitOfWork, coach: Coach, view: PlanView, cmd: SetCheckinPlan, now: datetime
    ) -> None:
        if view.user is None:  # no time zone to schedule in before they join
            raise InvalidDetailError("client", "not_joined")
        assert coach.id is not None and view.client.id
        schedule = cmd.schedule(now.astimezone(ZoneInfo(view.user.timezone)).date())
        template_id = cmd.template_id or (view.plan.template_id if view.plan else None)
        if template_id is None:
            template_id = (await coach_templates(uow, coach, now, cmd.default_name))[0].id
        await _own_template(uow, coach, template_id or 0)
        await uow.checkins.save_plan(
            CheckinPlan(
                client_id=view.client.id,
                coach_id=coach.id,
                template_id=template_id or 0,
                schedule=schedule,
                updated_at=now,
                next_due_at=next_due(schedule, after=now, timezone=view.user.timezone),
            )
        )


async def resume_plan(uow: UnitOfWork, client: Client, now: datetime) -> None:
    """A paused client is back: the next check-in is the next date from now, with no
    backlog of the ones that fell into the pause."""
    assert client.id is not None
    plan = await uow.checkins.get_plan(client.id)
    user = await uow.users.get(client.user_id) if client.user_id else None
    if plan is None or user is None or not plan.active:
        return
    plan.next_due_at = resume_due(plan.schedule, resumed_at=now, timezone=user.timezone)
    plan.updated_at = now
    await uow.checkins.save_plan(plan)


async def suspend_plan(uow: UnitOfWork, client: Client, now: datetime) -> None:
    """A client paused or archived: their plan has no next due time until they are back
    (`resume_plan`), so the due query never reads it meanwhile."""
    assert client.id is not None
    plan = await uow.checkins.get_plan(client.id)
    if plan is not None and plan.next_due_at is not None:
        plan.next_due_at = None
        plan.updated_at = now
        await uow.checkins.save_plan(plan)


# -- follow-up rules ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetCheckinRules:
    coach_id: int | None
    nudge_after_hours: int | None = None
    grace_hours: int | None = None
    alert_after_misses: int | None = None


def _given(value: int | None, current: int) -> int:
    """0 is a value given (and refused as out of range), not "keep the current one"."""
    return current if value is None else value


class SetCheckinRulesUseCase:
    """Change (or, with nothing given, show) the coach's follow-up rules."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: SetCheckinRules) -> CheckinRules:
        async with self._uow() as uow:
            coach = await _coach(uow, cmd.coach_id)
            current = coach.checkin_rules
            try:
                rules = CheckinRules(
                    nudge_after_hours=_given(cmd.nudge_after_hours, current.nudge_after_hours),
                    grace_hours=_given(cmd.grace_hours, current.grace_hours),
                    alert_after_misses=_given(cmd.alert_after_misses, current.alert_after_misses),
                )
            except ValueError:
                raise InvalidDetailError("rules", "out_of_range") from None
            if rules != current:
                coach.checkin_rules = rules
                await uow.coaches.update(coach)
                assert coach.id is not None
                await uow.checkins.reschedule_follow_ups(coach.id)
                await uow.commit()
        return rules
