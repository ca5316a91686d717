"""Changing a goal: the client proposes a change (target, date, reason) and the coach
approves, adjusts or declines it; the coach also changes a goal directly."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot import keyboards as common_keyboards
from coachbot.bot.callbacks import GoalAction, GoalCb, GoalChangeAction, GoalChangeCb, SkipCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.forms.rendering import explain_refusal, unit_name
from coachbot.bot.goals.states import GoalData, GoalForm
from coachbot.bot.goals.texts import target_date_example, target_question
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.forms.units import UnitSystem
from coachbot.domain.goals.changes import DecideGoalChange, EditGoal, ProposeGoalChange
from coachbot.domain.goals.setting import TARGET_DATE, read_date
from coachbot.domain.goals.viewing import ShowGoals
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.clock import Clock
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


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
    example = target_date_example(identity, clock)
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
        await _ask_target(
            query.message, state, data, True, None, target_date_example(identity, clock)
        )


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
        text: str = fmt(
            _("The new target, in {unit}? Or Skip to keep it."), unit=escape(unit_name(unit))
        )
    else:
        text = _("The new target value? Or Skip to keep it.")
    await message.answer(text, reply_markup=common_keyboards.skip_or_cancel())


async def _ask_date(message: Message, state: FSMContext, example: str) -> None:
    await state.set_state(GoalForm.date)
    await message.answer(
        fmt(_("The new target date (e.g. {example}), or Skip to keep it?"), example=example),
        reply_markup=common_keyboards.skip_or_cancel(),
    )


@router.message(GoalForm.target, F.text)
async def target_typed(
    message: Message, state: FSMContext, identity: Identity, clock: Clock
) -> None:
    await state.update_data(target=(message.text or "").strip())
    await _ask_date(message, state, target_date_example(identity, clock))


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
        await _ask_date(query.message, state, target_date_example(identity, clock))
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
        question = target_question(form)
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
