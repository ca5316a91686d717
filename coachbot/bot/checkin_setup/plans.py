"""A client's check-in schedule, from their card: weekly on chosen days, every N days or
a custom RRULE, at a local time in the client's zone; or stop check-ins."""

from __future__ import annotations

from datetime import time
from typing import Any, TypedDict

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import get_day_names

from coachbot.bot import keyboards
from coachbot.bot.callbacks import ClientAction, ClientCardCb, PlanAction, PlanCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, stack
from coachbot.bot.texts import local_datetime
from coachbot.domain.checkins.rrules import InvalidSchedule
from coachbot.domain.checkins.schedule import CheckinSchedule, Frequency
from coachbot.domain.checkins.setup import (
    PlanView,
    SetCheckinPlan,
    SetCheckinPlanUseCase,
    ShowCheckinPlan,
)
from coachbot.domain.forms.questions import InvalidAnswer, Question, QuestionKind
from coachbot.domain.forms.use_cases import answer_context
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

SUGGESTED_TIMES = ("07:00", "08:00", "12:00", "18:00", "20:00")
TIME_DEFAULT = time(8, 0)
TIME_QUESTION = Question(key="time", kind=QuestionKind.time, prompt={"en": "time"})


class PlanSetup(StatesGroup):
    weekdays = State()
    interval = State()
    rule = State()
    time = State()


class PlanData(TypedDict, total=False):
    client_id: int
    frequency: str
    weekdays: list[int]
    interval_days: int
    rule: str


@router.callback_query(ClientCardCb.filter(F.action == ClientAction.checkins))
async def show_plan(
    query: CallbackQuery,
    callback_data: ClientCardCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    view = await uc.checkins.show_checkin_plan(
        ShowCheckinPlan(coach_id=identity.coach_id, client_id=callback_data.client_id)
    )
    if isinstance(query.message, Message):
        await query.message.answer(
            render_plan(view, identity.user), reply_markup=plan_keyboard(view)
        )


@router.callback_query(PlanCb.filter(F.action == PlanAction.weekly))
async def choose_weekdays(
    query: CallbackQuery, callback_data: PlanCb, identity: Identity, state: FSMContext
) -> None:
    await _start(state, callback_data.client_id, Frequency.weekly, PlanSetup.weekdays)
    await state.update_data(weekdays=[])
    if isinstance(query.message, Message):
        await query.message.answer(
            _("On which days? Tap each day, then Done."),
            reply_markup=weekday_keyboard(callback_data.client_id, [], identity.user.language),
        )


@router.callback_query(PlanSetup.weekdays, PlanCb.filter(F.action == PlanAction.weekday))
async def toggle_weekday(
    query: CallbackQuery, callback_data: PlanCb, identity: Identity, state: FSMContext
) -> None:
    days: list[int] = (await state.get_data()).get("weekdays", [])
    day = int(callback_data.value)
    days = sorted(set(days) ^ {day}) if 0 <= day <= 6 else days
    await state.update_data(weekdays=days)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=weekday_keyboard(callback_data.client_id, days, identity.user.language)
        )


@router.callback_query(PlanSetup.weekdays, PlanCb.filter(F.action == PlanAction.weekdays_done))
async def weekdays_chosen(query: CallbackQuery, state: FSMContext) -> None:
    if not (await state.get_data()).get("weekdays"):
        if isinstance(query.message, Message):
            await query.message.answer(_("Please tap at least one day."))
        return
    await _ask_time(query, state)


@router.callback_query(PlanCb.filter(F.action == PlanAction.every))
async def ask_interval(query: CallbackQuery, callback_data: PlanCb, state: FSMContext) -> None:
    await _start(state, callback_data.client_id, Frequency.every_n_days, PlanSetup.interval)
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Every how many days? Send a number from 1 to 90."),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(PlanSetup.interval, F.text)
async def interval_typed(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 90:
        await message.answer(_("Please send a whole number of days from 1 to 90."))
        return
    await state.update_data(interval_days=int(text))
    await _ask_time(message, state)


@router.callback_query(PlanCb.filter(F.action == PlanAction.custom))
async def ask_rule(query: CallbackQuery, callback_data: PlanCb, state: FSMContext) -> None:
    await _start(state, callback_data.client_id, Frequency.rrule, PlanSetup.rule)
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Send a recurrence rule (RFC 5545 RRULE), for example\n"
                "<code>FREQ=WEEKLY;INTERVAL=2;BYDAY=MO</code> (every other Monday) or\n"
                "<code>FREQ=MONTHLY;BYMONTHDAY=1</code> (the 1st of each month).\n"
                "The time of day comes next."
            ),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(PlanSetup.rule, F.text)
async def rule_typed(message: Message, state: FSMContext, clock: Any) -> None:
    try:
        CheckinSchedule.custom(message.text or "", TIME_DEFAULT, clock.now().date())
    except InvalidSchedule as error:
        await message.answer(explain_schedule_refusal(error))
        return
    await state.update_data(rule=message.text or "")
    await _ask_time(message, state)


@router.callback_query(PlanSetup.time, PlanCb.filter(F.action == PlanAction.time))
async def time_picked(
    query: CallbackQuery,
    callback_data: PlanCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message):
        await _save(
            query.message, identity, state, uc.checkins.set_checkin_plan, callback_data.value
        )


@router.message(PlanSetup.time, F.text)
async def time_typed(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    clock: Any,
) -> None:
    try:
        local_time = TIME_QUESTION.read(
            message.text or "", answer_context(identity.user, clock.now().date())
        )
    except InvalidAnswer:
        await message.answer(_("Please send a time of day, like 08:00 or 7 pm."))
        return
    await _save(message, identity, state, uc.checkins.set_checkin_plan, local_time)


@router.callback_query(PlanCb.filter(F.action == PlanAction.stop))
async def stop_checkins(
    query: CallbackQuery,
    callback_data: PlanCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    view = await uc.checkins.set_checkin_plan(
        SetCheckinPlan(
            coach_id=identity.coach_id, client_id=callback_data.client_id, frequency=None
        )
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(
            render_plan(view, identity.user), reply_markup=plan_keyboard(view)
        )


async def _start(state: FSMContext, client_id: int, frequency: Frequency, step: State) -> None:
    await state.set_state(step)
    await state.set_data(PlanData(client_id=client_id, frequency=frequency.value))


async def _ask_time(event: CallbackQuery | Message, state: FSMContext) -> None:
    await state.set_state(PlanSetup.time)
    client_id = (await state.get_data())["client_id"]
    message = event.message if isinstance(event, CallbackQuery) else event
    if isinstance(message, Message):
        await message.answer(
            _("At what time of day, in your client's time zone? Tap one or send a time."),
            reply_markup=time_keyboard(client_id),
        )


async def _save(
    message: Message,
    identity: Identity,
    state: FSMContext,
    set_checkin_plan: SetCheckinPlanUseCase,
    local_time: str,
) -> None:
    plan: PlanData = await state.get_data()  # type: ignore[assignment]
    try:
        view = await set_checkin_plan(
            SetCheckinPlan(
                coach_id=identity.coach_id,
                client_id=plan["client_id"],
                frequency=plan["frequency"],
                local_time=local_time.replace(".", ":"),
                weekdays=tuple(plan.get("weekdays", ())),
                interval_days=plan.get("interval_days", 7),
                rule=plan.get("rule", ""),
                default_name=_("Weekly check-in"),
            )
        )
    except InvalidSchedule as error:
        await message.answer(explain_schedule_refusal(error))
        return
    except InvalidDetailError:
        await state.clear()
        await message.answer(_("Check-ins can be scheduled once the client has joined."))
        return
    await state.clear()
    await message.answer(
        _("Saved ✅") + "\n\n" + render_plan(view, identity.user), reply_markup=plan_keyboard(view)
    )


def render_plan(view: PlanView, viewer: User) -> str:
    name = escape(view.client.display_name)
    plan = view.plan
    if plan is None or not plan.active:
        return fmt(_("<b>Check-ins for {name}</b>\nNo check-ins are scheduled."), name=name)
    zone = view.user.timezone if view.user else "UTC"
    lines = [
        fmt(_("<b>Check-ins for {name}</b>"), name=name),
        describe_schedule(plan.schedule, viewer.language) + fmt(" ({zone})", zone=zone),
    ]
    if view.template is not None:
        lines.append(fmt(_("Template: {name}"), name=escape(view.template.name)))
    if plan.next_due_at is not None:
        lines.append(fmt(_("Next: {date}"), date=local_datetime(plan.next_due_at, viewer)))
    return stack(lines)


def describe_schedule(schedule: CheckinSchedule, language: str) -> str:
    at = schedule.local_time.strftime("%H:%M")
    if schedule.frequency is Frequency.weekly:
        names = get_day_names("abbreviated", locale=language)
        days = ", ".join(names[day] for day in schedule.weekdays)
        return fmt(_("Every {days} at {time}"), days=days, time=at)
    if schedule.frequency is Frequency.every_n_days:
        return fmt(_("Every {count} days at {time}"), count=schedule.interval_days, time=at)
    return fmt(_("Rule {rule} at {time}"), rule=escape(schedule.rule or ""), time=at)


def explain_schedule_refusal(error: InvalidSchedule) -> str:
    texts = {
        "no_weekdays": _("Please tap at least one day."),
        "bad_interval": _("Please send a whole number of days from 1 to 90."),
        "rule_too_frequent": _("Check-ins can be at most daily: use FREQ=DAILY or slower."),
        "rule_sets_time": _("Leave the time out of the rule: you choose it in the next step."),
        "rule_never_fires": _("That rule never falls on a date. Please check it."),
    }
    return texts.get(
        error.code,
        _("I cannot read that rule. Example: <code>FREQ=WEEKLY;BYDAY=MO,TH</code>"),
    )


def plan_keyboard(view: PlanView) -> InlineKeyboardMarkup:
    client_id = view.client.id or 0
    builder = InlineKeyboardBuilder()
    for label, action in (
        (_("📅 Weekly"), PlanAction.weekly),
        (_("🔁 Every N days"), PlanAction.every),
        (_("✍️ Custom rule"), PlanAction.custom),
    ):
        builder.button(text=label, callback_data=PlanCb(client_id=client_id, action=action))
    if view.plan is not None and view.plan.active:
        builder.button(
            text=_("⏹ Stop check-ins"),
            callback_data=PlanCb(client_id=client_id, action=PlanAction.stop),
        )
    builder.button(text=_("⬅ Client"), callback_data=ClientCardCb(client_id=client_id))
    builder.adjust(1)
    return builder.as_markup()


def weekday_keyboard(client_id: int, chosen: list[int], language: str) -> InlineKeyboardMarkup:
    names = get_day_names("abbreviated", locale=language)
    builder = InlineKeyboardBuilder()
    for day in range(7):
        builder.button(
            text=("✅ " if day in chosen else "") + names[day],
            callback_data=PlanCb(client_id=client_id, action=PlanAction.weekday, value=str(day)),
        )
    builder.button(
        text=_("Done"), callback_data=PlanCb(client_id=client_id, action=PlanAction.weekdays_done)
    )
    builder.adjust(4, 3, 1)
    return builder.as_markup()


def time_keyboard(client_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in SUGGESTED_TIMES:
        builder.button(
            text=value,
            callback_data=PlanCb(
                client_id=client_id, action=PlanAction.time, value=value.replace(":", ".")
            ),
        )
    builder.adjust(len(SUGGESTED_TIMES))
    return builder.as_markup()
