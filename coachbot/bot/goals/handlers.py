"""Goals in chat: /goals for the client (and the coach's Goals button), with progress,
milestones, history and what is overdue; either edits the milestones, the coach closes a
goal. Changing a goal is in `changes`, adding one in `conversation`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from coachbot.bot.callbacks import GoalAction, GoalCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.goals.states import GoalData, GoalForm
from coachbot.bot.goals.texts import render_goals
from coachbot.bot.i18n import gettext as _
from coachbot.bot.progress import keyboards
from coachbot.domain.goals.changes import EditGoal
from coachbot.domain.goals.setting import SetMilestones, SetMilestonesUseCase
from coachbot.domain.goals.viewing import GoalsView, ShowGoals, ShowGoalsUseCase
from coachbot.domain.people.identity import Identity
from coachbot.domain.progress.errors import InvalidMilestones
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


# -- showing goals ---------------------------------------------------------------------


@router.message(Command("goals"))
async def goals_command(message: Message, identity: Identity, uc: UseCases) -> None:
    await send_goals(message, await load_goals(uc.goals.show_goals, identity, None), coach=False)


@router.callback_query(GoalCb.filter(F.action == GoalAction.list))
async def goals_button(
    query: CallbackQuery, callback_data: GoalCb, identity: Identity, uc: UseCases
) -> None:
    view = await load_goals(uc.goals.show_goals, identity, callback_data.client_id or None)
    if isinstance(query.message, Message):
        await send_goals(query.message, view, coach=bool(callback_data.client_id))


async def load_goals(
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
    view = await load_goals(show_goals, identity, client_id or None)
    await message.answer(_("Milestones saved ✅"))
    await send_goals(message, view, coach=bool(client_id))


# -- the coach closes goals -----------------------------------------------------------


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
    view = await load_goals(uc.goals.show_goals, identity, callback_data.client_id or None)
    if isinstance(query.message, Message):
        await send_goals(query.message, view, coach=True)
