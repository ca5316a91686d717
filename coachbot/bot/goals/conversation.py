"""The coach adds a goal: category, metric, target (or a description) and date."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from coachbot.bot import keyboards as common_keyboards
from coachbot.bot.callbacks import GoalAction, GoalCb, NewGoalCb, SkipCb, metric_key
from coachbot.bot.filters import IsCoach
from coachbot.bot.forms.rendering import explain_refusal, unit_name
from coachbot.bot.goals.handlers import load_goals, send_goals
from coachbot.bot.goals.states import GoalData, NewGoalForm
from coachbot.bot.goals.texts import target_date_example, target_question
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import fmt
from coachbot.bot.progress import keyboards
from coachbot.bot.progress.texts import metric_in_sentence
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.goals.model import GoalCategory
from coachbot.domain.goals.setting import AddGoal, AddGoalUseCase
from coachbot.domain.goals.viewing import ShowGoalsUseCase
from coachbot.domain.people.identity import Identity
from coachbot.domain.progress.metrics import MetricDefinition, builtin_definition, definition_with
from coachbot.domain.shared.clock import Clock
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)

BODY_METRICS = (Metric.waist, Metric.hips, Metric.chest, Metric.arm, Metric.thigh, Metric.body_fat)


@router.callback_query(GoalCb.filter(F.action == GoalAction.new), IsCoach())
async def new_goal(
    query: CallbackQuery,
    callback_data: GoalCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    await load_goals(
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
    view = await load_goals(uc.goals.show_goals, identity, form["client_id"])
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
    view = await load_goals(uc.goals.show_goals, identity, form["client_id"])
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
        fmt(
            _("The target {metric}, in {unit}?"),
            metric=metric_in_sentence(definition),
            unit=unit_name(unit),
        )
        if unit
        else fmt(_("The target {metric}?"), metric=metric_in_sentence(definition)),
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
        fmt(
            _("By when (e.g. {example})? Or Skip for no date."),
            example=target_date_example(identity, clock),
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
            else fmt(_("By when (e.g. {example})?"), example=target_date_example(identity, clock))
        )
        question = target_question(form)
        await message.answer(
            explain_refusal(error, question, identity.user) + "\n" + ask,
            reply_markup=common_keyboards.cancel_only(),
        )
        return
    await state.clear()
    view = await load_goals(show_goals, identity, form["client_id"])
    await message.answer(_("Goal added ✅"))
    await send_goals(message, view, coach=True)
