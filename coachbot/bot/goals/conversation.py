"""Goals in chat: /goals for the client (and the coach's Goals button), with progress,
milestones, history and what is overdue. The client proposes a change (target, date,
reason) and the coach approves, adjusts or declines it; the coach also changes, closes
and adds goals; either edits the milestones."""

from __future__ import annotations

from typing import TypedDict

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards as common_keyboards
from coachbot.bot.callbacks import (
    GoalAction,
    GoalCb,
    GoalChangeAction,
    GoalChangeCb,
    NewGoalCb,
    SkipCb,
    metric_key,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.forms.rendering import date_example, explain_refusal, unit_name
from coachbot.bot.i18n import gettext as _
from coachbot.bot.progress import keyboards
from coachbot.bot.progress.texts import (
    bounds_question,
    change_lines,
    goal_lines,
    metric_in_sentence,
)
from coachbot.bot.texts import escape
from coachbot.domain.forms.questions import InvalidAnswer, Question
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.changes import (
    DecideGoalChange,
    EditGoal,
    ProposeGoalChange,
)
from coachbot.domain.goals.model import GoalCategory
from coachbot.domain.goals.setting import (
    TARGET_DATE,
    AddGoal,
    AddGoalUseCase,
    SetMilestones,
    SetMilestonesUseCase,
    read_date,
)
from coachbot.domain.goals.viewing import GoalsView, ShowGoals, ShowGoalsUseCase
from coachbot.domain.people.identity import Identity
from coachbot.domain.progress.errors import InvalidMilestones
from coachbot.domain.progress.metrics import (
    MetricDefinition,
    builtin_definition,
    definition_with,
)
from coachbot.domain.progress.pictures import local_today, viewpoint
from coachbot.domain.shared.clock import Clock
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)

BODY_METRICS = (Metric.waist, Metric.hips, Metric.chest, Metric.arm, Metric.thigh, Metric.body_fat)


class GoalForm(StatesGroup):
    target = State()
    date = State()
    reason = State()
    milestones = State()


class NewGoalForm(StatesGroup):
    category = State()
    metric = State()
    target = State()
    date = State()
    description = State()


class GoalData(TypedDict, total=False):
    mode: str  # propose (client), edit (coach), decide (coach adjusts a proposal), new
    goal_id: int
    change_id: int
    client_id: int
    category: str
    metric: str
    target: str
    target_date: str
    description: str


# -- showing goals ---------------------------------------------------------------------


@router.message(Command("goals"))
async def goals_command(message: Message, identity: Identity, uc: UseCases) -> None:
    await send_goals(message, await _goals(uc.goals.show_goals, identity, None), coach=False)


@router.callback_query(GoalCb.filter(F.action == GoalAction.list))
async def goals_button(
    query: CallbackQuery, callback_data: GoalCb, identity: Identity, uc: UseCases
) -> None:
    view = await _goals(uc.goals.show_goals, identity, callback_data.client_id or None)
    if isinstance(query.message, Message):
        await send_goals(query.message, view, coach=bool(callback_data.client_id))


async def _goals(
    show_goals: ShowGoalsUseCase, identity: Identity, client_id: int | None
) -> GoalsView:
    """The goals of a client of the person's (checked by the use case), or (None) their own."""
    return await show_goals(
        ShowGoals(user_id=identity.user_id, coach_id=identity.coach_id, client_id=client_id)
    )


async def send_goals(message: Message, view: GoalsView, *, coach: bool) -> None:
    await message.answer(
        render_goals(view, coach=coach), reply_markup=keyboards.goals(view, coach=coach)
    )


def render_goals(view: GoalsView, *, coach: bool) -> str:
    shown = viewpoint(view.viewer)
    if coach:
        lines = [_("🎯 <b>Goals of {name}</b>").format(name=escape(view.client.display_name))]
    else:
        lines = [_("🎯 <b>Your goals</b>")]
    if not view.goals:
        lines.append(
            _("No goals yet. Add one with ➕ New goal.")
            if coach
            else _("No goals yet. Your coach sets them with you.")
        )
    for number, card in enumerate(view.goals, start=1):
        lines.append("")
        block = goal_lines(card.progress, shown)
        if len(view.goals) > 1:
            block[0] = f"{number}. {block[0]}"
        lines += [line for line in block if line]
        if card.pending is not None:
            lines.append(
                _("⏳ Proposed change: {change} (waiting for the coach)").format(
                    change=change_lines(card.pending, card.progress, shown)
                )
            )
        decided = [c for c in card.history if not c.pending]
        if decided:
            last = decided[-1]
            lines.append(
                _("History: {count} change(s), last: {change} ({status})").format(
                    count=len(decided),
                    change=change_lines(last, card.progress, shown),
                    status=_status(last.status.value),
                )
            )
    return "\n".join(lines)


def _status(status: str) -> str:
    return {
        "approved": _("approved"),
        "edited": _("adjusted by the coach"),
        "declined": _("declined"),
        "applied": _("by the coach"),
    }.get(status, status)


# -- changing a goal: the client proposes, the coach changes or adjusts a proposal -----


@router.callback_query(GoalCb.filter(F.action.in_({GoalAction.propose, GoalAction.edit})))
async def start_change(
    query: CallbackQuery,
    callback_data: GoalCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    clock: Clock,
) -> None:
    coach = callback_data.action is GoalAction.edit
    view = await uc.goals.show_goals(
        ShowGoals(
            user_id=identity.user_id,
            coach_id=identity.coach_id if coach else None,
            client_id=callback_data.client_id or None,
        )
    )
    card = next((c for c in view.goals if c.progress.goal.id == callback_data.goal_id), None)
    if card is None or not isinstance(query.message, Message):
        return
    data = GoalData(
        mode="edit" if coach else "propose",
        goal_id=callback_data.goal_id,
        client_id=callback_data.client_id,
        metric=card.progress.goal.metric or "",
    )
    definition = card.progress.definition
    unit = definition.symbol(UnitSystem(view.viewer.units)) if definition else None
    example = _example(identity, clock)
    await _ask_target(query.message, state, data, card.progress.goal.measurable, unit, example)


@router.callback_query(GoalChangeCb.filter(F.action == GoalChangeAction.edit), IsCoach())
async def adjust_proposal(
    query: CallbackQuery,
    callback_data: GoalChangeCb,
    state: FSMContext,
    identity: Identity,
    clock: Clock,
) -> None:
    if isinstance(query.message, Message):
        data = GoalData(mode="decide", change_id=callback_data.change_id)
        await _ask_target(query.message, state, data, True, None, _example(identity, clock))


async def _ask_target(
    message: Message,
    state: FSMContext,
    data: GoalData,
    measurable: bool,
    unit: str | None,
    example: str,
) -> None:
    await state.set_data(data)
    if not measurable:
        await _ask_date(message, state, example)
        return
    await state.set_state(GoalForm.target)
    if unit:
        text = _("The new target, in {unit}? Or Skip to keep it.").format(
            unit=escape(unit_name(unit))
        )
    else:
        text = _("The new target value? Or Skip to keep it.")
    await message.answer(text, reply_markup=common_keyboards.skip_or_cancel())


def _example(identity: Identity, clock: Clock) -> str:
    """A target date a few months ahead, written as this person writes dates."""
    return date_example(identity.user, after=local_today(clock.now(), identity.user.timezone))


async def _ask_date(message: Message, state: FSMContext, example: str) -> None:
    await state.set_state(GoalForm.date)
    await message.answer(
        _("The new target date (e.g. {example}), or Skip to keep it?").format(example=example),
        reply_markup=common_keyboards.skip_or_cancel(),
    )


@router.message(GoalForm.target, F.text)
async def target_typed(
    message: Message, state: FSMContext, identity: Identity, clock: Clock
) -> None:
    await state.update_data(target=(message.text or "").strip())
    await _ask_date(message, state, _example(identity, clock))


@router.message(GoalForm.date, F.text)
async def date_typed(
    message: Message, state: FSMContext, identity: Identity, clock: Clock, uc: UseCases
) -> None:
    text = (message.text or "").strip()
    try:  # checked now, so a typo is re-asked here and not after the reason
        read_date(text, identity.user, clock.now())
    except InvalidAnswer as error:
        await message.answer(explain_refusal(error, TARGET_DATE, identity.user))
        return
    await state.update_data(target_date=text)
    await _after_date(message, state, identity, uc)


@router.callback_query(
    StateFilter(GoalForm.target, GoalForm.date, GoalForm.reason), SkipCb.filter()
)
async def skip_step(
    query: CallbackQuery, state: FSMContext, identity: Identity, uc: UseCases, clock: Clock
) -> None:
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    current = await state.get_state()
    if current == GoalForm.target.state:
        await _ask_date(query.message, state, _example(identity, clock))
    elif current == GoalForm.date.state:
        await _after_date(query.message, state, identity, uc)
    else:
        await _finish_change(query.message, state, identity, uc, reason="")


async def _after_date(
    message: Message, state: FSMContext, identity: Identity, uc: UseCases
) -> None:
    form: GoalData = await state.get_data()  # type: ignore[assignment]
    if form.get("mode") == "propose":
        await state.set_state(GoalForm.reason)
        await message.answer(
            _("Why do you want to change it? A sentence for your coach (or Skip)."),
            reply_markup=common_keyboards.skip_or_cancel(),
        )
        return
    await _finish_change(message, state, identity, uc, reason="")


@router.message(GoalForm.reason, F.text)
async def reason_typed(
    message: Message, state: FSMContext, identity: Identity, uc: UseCases
) -> None:
    await _finish_change(message, state, identity, uc, reason=message.text or "")


async def _finish_change(
    message: Message, state: FSMContext, identity: Identity, uc: UseCases, *, reason: str
) -> None:
    form: GoalData = await state.get_data()  # type: ignore[assignment]
    target, target_date = form.get("target") or None, form.get("target_date") or None
    if target is None and target_date is None and form.get("mode") != "decide":
        await state.clear()
        await message.answer(_("Nothing changed."))
        return
    try:
        if form["mode"] == "propose":
            await uc.goals.propose_goal_change(
                ProposeGoalChange(
                    user_id=identity.user_id,
                    goal_id=form["goal_id"],
                    target=target,
                    target_date=target_date,
                    reason=reason,
                )
            )
            text = _("Sent to your coach ✅ You will hear back here.")
        elif form["mode"] == "edit":
            await uc.goals.edit_goal(
                EditGoal(
                    coach_id=identity.coach_id,
                    user_id=identity.user_id,
                    goal_id=form["goal_id"],
                    target=target,
                    target_date=target_date,
                )
            )
            text = _("Saved ✅ Your client is told.")
        else:
            await uc.goals.decide_goal_change(
                DecideGoalChange(
                    coach_id=identity.coach_id,
                    user_id=identity.user_id,
                    change_id=form["change_id"],
                    approve=True,
                    target=target,
                    target_date=target_date,
                )
            )
            text = _("Adjusted and approved ✅ Your client is told.")
    except InvalidAnswer as error:
        await state.set_state(GoalForm.target)
        await state.update_data(target="", target_date="")
        question = _target_question(form)
        await message.answer(
            explain_refusal(error, question, identity.user) + "\n" + _("The new target value?"),
            reply_markup=common_keyboards.skip_or_cancel(),
        )
        return
    await state.clear()
    await message.answer(text)


@router.callback_query(
    GoalChangeCb.filter(F.action.in_({GoalChangeAction.approve, GoalChangeAction.decline})),
    IsCoach(),
)
async def decide_proposal(
    query: CallbackQuery,
    callback_data: GoalChangeCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    approve = callback_data.action is GoalChangeAction.approve
    decision = await uc.goals.decide_goal_change(
        DecideGoalChange(
            coach_id=identity.coach_id,
            user_id=identity.user_id,
            change_id=callback_data.change_id,
            approve=approve,
        )
    )
    decided_now = decision.now
    callback_answer.text = (
        (_("Approved ✅") if approve else _("Declined")) if decided_now else _("Already decided.")
    )
    if decided_now and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("Approved ✅ Your client is told.")
            if approve
            else _("Declined. Your client is told.")
        )


# -- milestones ------------------------------------------------------------------------


@router.callback_query(GoalCb.filter(F.action == GoalAction.milestones))
async def ask_milestones(
    query: CallbackQuery, callback_data: GoalCb, identity: Identity, state: FSMContext
) -> None:
    await state.set_state(GoalForm.milestones)
    await state.set_data(GoalData(goal_id=callback_data.goal_id, client_id=callback_data.client_id))
    if isinstance(query.message, Message):
        await query.message.answer(
            _(
                "Send the milestones on the way, separated by commas (e.g. 77.5, 75, 72.5), "
                "or take the suggestion: one every 25 % of the way."
            ),
            reply_markup=keyboards.milestone_choices(
                callback_data.goal_id, callback_data.client_id
            ),
        )


@router.message(GoalForm.milestones, F.text)
async def milestones_typed(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    form: GoalData = await state.get_data()  # type: ignore[assignment]
    await _set_milestones(
        message,
        identity,
        state,
        uc.goals.set_milestones,
        uc.goals.show_goals,
        form,
        message.text or "",
    )


@router.callback_query(GoalCb.filter(F.action == GoalAction.suggest))
async def suggested_milestones(
    query: CallbackQuery,
    callback_data: GoalCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message):
        form = GoalData(goal_id=callback_data.goal_id, client_id=callback_data.client_id)
        await _set_milestones(
            query.message, identity, state, uc.goals.set_milestones, uc.goals.show_goals, form, ""
        )


async def _set_milestones(
    message: Message,
    identity: Identity,
    state: FSMContext,
    set_milestones: SetMilestonesUseCase,
    show_goals: ShowGoalsUseCase,
    form: GoalData,
    values: str,
) -> None:
    try:
        await set_milestones(
            SetMilestones(
                user_id=identity.user_id,
                coach_id=identity.coach_id,
                goal_id=form["goal_id"],
                values=values,
            )
        )
    except InvalidMilestones as error:
        await message.answer(
            {
                "too_many": _("Nine milestones at most, please."),
                "not_a_number": _("Please send numbers, separated by commas."),
                "outside": _("Milestones must lie between the start and the target."),
            }[error.code]
        )
        return
    await state.clear()
    client_id = form.get("client_id") or 0
    view = await _goals(show_goals, identity, client_id or None)
    await message.answer(_("Milestones saved ✅"))
    await send_goals(message, view, coach=bool(client_id))


# -- the coach closes or adds goals ------------------------------------------------------


@router.callback_query(GoalCb.filter(F.action == GoalAction.close), IsCoach())
async def close_goal(
    query: CallbackQuery,
    callback_data: GoalCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    await uc.goals.edit_goal(
        EditGoal(
            coach_id=identity.coach_id,
            user_id=identity.user_id,
            goal_id=callback_data.goal_id,
            close=True,
        )
    )
    callback_answer.text = _("Goal closed.")
    view = await _goals(uc.goals.show_goals, identity, callback_data.client_id or None)
    if isinstance(query.message, Message):
        await send_goals(query.message, view, coach=True)


@router.callback_query(GoalCb.filter(F.action == GoalAction.new), IsCoach())
async def new_goal(
    query: CallbackQuery,
    callback_data: GoalCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    await _goals(
        uc.goals.show_goals, identity, callback_data.client_id
    )  # the coach's client, or refused
    await state.set_state(NewGoalForm.category)
    await state.set_data(GoalData(mode="new", client_id=callback_data.client_id))
    if isinstance(query.message, Message):
        await query.message.answer(
            _("What is the goal about?"), reply_markup=keyboards.goal_categories()
        )


@router.callback_query(NewGoalForm.category, NewGoalCb.filter(F.field == "category"))
async def category_chosen(
    query: CallbackQuery,
    callback_data: NewGoalCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    category = GoalCategory(callback_data.value)
    await state.update_data(category=category.value)
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    if category is GoalCategory.weight:
        await _ask_new_target(query.message, state, builtin_definition(Metric.weight), identity)
        return
    form: GoalData = await state.get_data()  # type: ignore[assignment]
    view = await _goals(uc.goals.show_goals, identity, form["client_id"])
    if category is GoalCategory.body:
        options = [d for d in view.definitions if d.builtin in BODY_METRICS]
    else:
        options = [d for d in view.definitions if d.custom]
    if not options:  # habits and performance without a metric: described, with a date
        await _ask_description(query.message, state)
        return
    await state.set_state(NewGoalForm.metric)
    await query.message.answer(_("Measured in?"), reply_markup=keyboards.goal_metrics(options))


@router.callback_query(NewGoalForm.metric, NewGoalCb.filter(F.field == "metric"))
async def metric_chosen(
    query: CallbackQuery,
    callback_data: NewGoalCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    form: GoalData = await state.get_data()  # type: ignore[assignment]
    view = await _goals(uc.goals.show_goals, identity, form["client_id"])
    definition = definition_with(view.definitions, metric_key(callback_data.value))
    if definition is None:
        await _ask_description(query.message, state)
        return
    await _ask_new_target(query.message, state, definition, identity)


async def _ask_description(message: Message, state: FSMContext) -> None:
    await state.set_state(NewGoalForm.description)
    await message.answer(
        _("Describe the goal in one sentence (e.g. run 5 km without a break)."),
        reply_markup=common_keyboards.cancel_only(),
    )


async def _ask_new_target(
    message: Message, state: FSMContext, definition: MetricDefinition, identity: Identity
) -> None:
    await state.update_data(metric=definition.key)
    await state.set_state(NewGoalForm.target)
    unit = definition.symbol(UnitSystem(identity.user.units))
    await message.answer(
        _("The target {metric}, in {unit}?").format(
            metric=metric_in_sentence(definition), unit=unit_name(unit)
        )
        if unit
        else _("The target {metric}?").format(metric=metric_in_sentence(definition)),
        reply_markup=common_keyboards.cancel_only(),
    )


@router.message(StateFilter(NewGoalForm.target, NewGoalForm.description), F.text)
async def target_or_description_typed(
    message: Message, state: FSMContext, identity: Identity, clock: Clock
) -> None:
    field = "target" if await state.get_state() == NewGoalForm.target.state else "description"
    await state.update_data({field: (message.text or "").strip()})
    await state.set_state(NewGoalForm.date)
    await message.answer(
        _("By when (e.g. {example})? Or Skip for no date.").format(
            example=_example(identity, clock)
        ),
        reply_markup=common_keyboards.skip_or_cancel(),
    )


@router.message(NewGoalForm.date, F.text)
async def new_date_typed(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    clock: Clock,
) -> None:
    await state.update_data(target_date=(message.text or "").strip())
    await _add_goal(message, identity, state, uc.goals.add_goal, uc.goals.show_goals, clock)


@router.callback_query(NewGoalForm.date, SkipCb.filter())
async def new_date_skipped(
    query: CallbackQuery,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
    clock: Clock,
) -> None:
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _add_goal(
            query.message, identity, state, uc.goals.add_goal, uc.goals.show_goals, clock
        )


async def _add_goal(
    message: Message,
    identity: Identity,
    state: FSMContext,
    add_goal: AddGoalUseCase,
    show_goals: ShowGoalsUseCase,
    clock: Clock,
) -> None:
    form: GoalData = await state.get_data()  # type: ignore[assignment]
    try:
        await add_goal(
            AddGoal(
                coach_id=identity.coach_id,
                user_id=identity.user_id,
                client_id=form["client_id"],
                category=GoalCategory(form["category"]),
                metric=form.get("metric") or None,
                target=form.get("target") or None,
                target_date=form.get("target_date") or None,
                description=form.get("description", ""),
            )
        )
    except InvalidAnswer as error:
        date_codes = ("not_a_date", "in_the_past", "in_the_future", "confirm_date")
        target_bad = error.code not in date_codes
        await state.set_state(NewGoalForm.target if target_bad else NewGoalForm.date)
        ask = (
            _("The target value?")
            if target_bad
            else _("By when (e.g. {example})?").format(example=_example(identity, clock))
        )
        question = _target_question(form)
        await message.answer(
            explain_refusal(error, question, identity.user) + "\n" + ask,
            reply_markup=common_keyboards.cancel_only(),
        )
        return
    await state.clear()
    view = await _goals(show_goals, identity, form["client_id"])
    await message.answer(_("Goal added ✅"))
    await send_goals(message, view, coach=True)


def _target_question(form: GoalData) -> Question | None:
    """So a refusal names the target's bounds in the person's units (a coach's proposal
    adjustment has no goal at hand: plain bounds)."""
    return None if form.get("mode") == "decide" else bounds_question(form.get("metric"))
