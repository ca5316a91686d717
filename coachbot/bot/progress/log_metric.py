"""/log: a client logs a measurement outside check-ins (pick the metric, type the value,
or all at once: `/log 72.5`, `/log waist 81`), and corrects or deletes recent entries."""

from __future__ import annotations

from typing import TypedDict

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from coachbot.bot import keyboards as common_keyboards
from coachbot.bot.callbacks import LogAction, LogCb, metric_key
from coachbot.bot.forms.rendering import explain_refusal, unit_name
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import fmt, stack
from coachbot.bot.progress import keyboards
from coachbot.bot.progress.texts import (
    bounds_question,
    change,
    measure,
    metric_in_sentence,
    metric_title,
)
from coachbot.domain.forms.questions import InvalidAnswer
from coachbot.domain.forms.units import Metric, UnitSystem
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.progress.measurements import (
    ChangeEntry,
    ListMetrics,
    ListRecentEntries,
    ListRecentEntriesUseCase,
    LogMetric,
    LogMetricUseCase,
    MetricChoices,
    MetricLogged,
    RecentEntries,
    RecentEntry,
)
from coachbot.domain.progress.metrics import MetricDefinition, definition_with
from coachbot.domain.shared.errors import ClientNotFound
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)


class LogForm(StatesGroup):
    value = State()
    correction = State()


class LogData(TypedDict, total=False):
    metric: str
    entry_id: int


@router.message(Command("log"))
async def log_command(
    message: Message,
    command: CommandObject,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    try:
        choices = await uc.progress.list_metrics(ListMetrics(user_id=identity.user_id))
    except ClientNotFound:
        await message.answer(_("Logging measurements is for clients of a coach here."))
        return
    words = (command.args or "").split()
    if not words:
        await message.answer(
            _("What do you want to log?"),
            reply_markup=keyboards.metric_choices(choices.definitions),
        )
        return
    definition, text = _quick(words, choices)
    if definition is None:
        await message.answer(
            _("I do not know that measurement. Choose one:"),
            reply_markup=keyboards.metric_choices(choices.definitions),
        )
        return
    if not text:  # `/log waist`: the metric is named, its value comes next
        await _ask_for_value(message, state, definition, choices)
        return
    await _log(message, identity, state, uc.progress.log_metric, definition, text)


def _quick(words: list[str], choices: MetricChoices) -> tuple[MetricDefinition | None, str]:
    """`72.5` is a weight; `waist 81` or `Taille 81` names the metric first."""
    if words[0][:1].isdigit():
        return definition_with(choices.definitions, Metric.weight.value), " ".join(words)
    for size in range(len(words), 0, -1):
        name = " ".join(words[:size]).casefold()
        for definition in choices.definitions:
            names = {definition.key.replace("_", " "), metric_title(definition).casefold()}
            if name in names:
                return definition, " ".join(words[size:])
    return None, ""


@router.callback_query(LogCb.filter(F.action == LogAction.pick))
async def pick_metric(
    query: CallbackQuery,
    callback_data: LogCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    if not isinstance(query.message, Message):
        return
    choices = await uc.progress.list_metrics(ListMetrics(user_id=identity.user_id))
    wanted = metric_key(callback_data.metric)
    definition = definition_with(choices.definitions, wanted)
    if definition is None:
        await query.message.answer(
            _("What do you want to log?"),
            reply_markup=keyboards.metric_choices(choices.definitions),
        )
        return
    await _ask_for_value(query.message, state, definition, choices)


async def _ask_for_value(
    message: Message, state: FSMContext, definition: MetricDefinition, choices: MetricChoices
) -> None:
    await state.set_state(LogForm.value)
    await state.set_data(LogData(metric=definition.key))
    await message.answer(
        ask_value(definition, choices.user, choices.latest.get(definition.key)),
        reply_markup=common_keyboards.cancel_only(),
    )


def ask_value(definition: MetricDefinition, user: User, last: float | None) -> str:
    units = UnitSystem(user.units)
    symbol = definition.symbol(units)
    metric = metric_in_sentence(definition)
    text: str = (
        fmt(_("Your {metric} now, in {unit}?"), metric=metric, unit=unit_name(symbol))
        if symbol
        else fmt(_("Your {metric} now?"), metric=metric)
    )
    if last is not None:
        text += "\n" + fmt(
            _("Last time: {value}"), value=measure(last, definition, units, user.language)
        )
    return text


@router.message(LogForm.value, F.text)
async def value_typed(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    data: LogData = await state.get_data()  # type: ignore[assignment]
    choices = await uc.progress.list_metrics(ListMetrics(user_id=identity.user_id))
    definition = definition_with(choices.definitions, data.get("metric"))
    if definition is None:
        await state.clear()
        await message.answer(_("That metric is not available any more."))
        return
    await _log(message, identity, state, uc.progress.log_metric, definition, message.text or "")


async def _log(
    message: Message,
    identity: Identity,
    state: FSMContext,
    log_metric: LogMetricUseCase,
    definition: MetricDefinition,
    text: str,
) -> None:
    try:
        logged = await log_metric(
            LogMetric(user_id=identity.user_id, metric=definition.key, text=text)
        )
    except InvalidAnswer as error:
        await state.set_state(LogForm.value)
        await state.set_data(LogData(metric=definition.key))
        await message.answer(
            explain_refusal(error, definition.question(), identity.user)
            + "\n"
            + ask_value(definition, identity.user, None),
            reply_markup=common_keyboards.cancel_only(),
        )
        return
    await state.clear()
    await message.answer(logged_text(logged), reply_markup=keyboards.after_logging(definition.key))


def logged_text(logged: MetricLogged) -> str:
    user, definition = logged.user, logged.definition
    units, language = UnitSystem(user.units), user.language
    lines = [
        fmt(
            _("Logged ✅ {metric}: {value}"),
            metric=metric_title(definition),
            value=measure(logged.entry.value, definition, units, language),
        )
    ]
    if logged.previous is not None:
        lines.append(
            fmt(
                _("Since last time: {change}"),
                change=change(logged.entry.value - logged.previous, definition, units, language),
            )
        )
    if logged.average is not None and logged.previous is not None:
        lines.append(
            fmt(
                _("7-day average: {value}"),
                value=measure(logged.average, definition, units, language),
            )
        )
    return stack(lines)


# -- corrections ------------------------------------------------------------------------


@router.callback_query(LogCb.filter(F.action == LogAction.recent))
async def recent_entries(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    recent = await uc.progress.list_recent_entries(ListRecentEntries(user_id=identity.user_id))
    if not isinstance(query.message, Message):
        return
    if not recent.entries:
        await query.message.answer(_("Nothing logged yet."))
        return
    await query.message.answer(
        _("Which entry do you want to correct or delete?"),
        reply_markup=keyboards.recent_entries(recent.entries, recent.user),
    )


@router.callback_query(LogCb.filter(F.action == LogAction.entry))
async def entry_chosen(
    query: CallbackQuery,
    callback_data: LogCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    recent, item = await _recent_entry(
        uc.progress.list_recent_entries, identity, callback_data.entry_id
    )
    if not isinstance(query.message, Message):
        return
    if item is None or item.definition is None:
        await query.message.answer(_("Only your latest entries can be changed here."))
        return
    user = recent.user
    await query.message.answer(
        fmt(
            _("{metric}: {value}. Change it or delete it?"),
            metric=metric_title(item.definition),
            value=measure(item.entry.value, item.definition, UnitSystem(user.units), user.language),
        ),
        reply_markup=keyboards.entry_actions(callback_data.entry_id),
    )


@router.callback_query(LogCb.filter(F.action == LogAction.change))
async def ask_correction(
    query: CallbackQuery,
    callback_data: LogCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    recent, item = await _recent_entry(
        uc.progress.list_recent_entries, identity, callback_data.entry_id
    )
    if not isinstance(query.message, Message) or item is None or item.definition is None:
        return
    await state.set_state(LogForm.correction)
    await state.set_data(LogData(entry_id=callback_data.entry_id, metric=item.definition.key))
    await query.message.answer(
        ask_value(item.definition, recent.user, item.entry.value),
        reply_markup=common_keyboards.cancel_only(),
    )


async def _recent_entry(
    list_recent_entries: ListRecentEntriesUseCase, identity: Identity, entry_id: int
) -> tuple[RecentEntries, RecentEntry | None]:
    """The person's latest entries, and the one chosen if it is among them."""
    recent = await list_recent_entries(ListRecentEntries(user_id=identity.user_id))
    return recent, next((i for i in recent.entries if i.entry.id == entry_id), None)


@router.message(LogForm.correction, F.text)
async def correction_typed(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    data: LogData = await state.get_data()  # type: ignore[assignment]
    try:
        changed = await uc.progress.change_entry(
            ChangeEntry(user_id=identity.user_id, entry_id=data["entry_id"], text=message.text)
        )
    except InvalidAnswer as error:
        question = bounds_question(data.get("metric"))
        await message.answer(explain_refusal(error, question, identity.user))
        return
    await state.clear()
    assert changed.definition is not None
    await message.answer(
        fmt(
            _("Changed ✅ {metric}: {value}"),
            metric=metric_title(changed.definition),
            value=measure(
                changed.entry.value,
                changed.definition,
                UnitSystem(changed.user.units),
                changed.user.language,
            ),
        ),
        reply_markup=keyboards.after_logging(changed.definition.key),
    )


@router.callback_query(LogCb.filter(F.action == LogAction.delete))
async def confirm_delete(query: CallbackQuery, callback_data: LogCb) -> None:
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Delete this entry? It disappears from your charts."),
            reply_markup=keyboards.confirm_delete(callback_data.entry_id),
        )


@router.callback_query(LogCb.filter(F.action == LogAction.confirm_delete))
async def delete_entry(
    query: CallbackQuery,
    callback_data: LogCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    await uc.progress.change_entry(
        ChangeEntry(user_id=identity.user_id, entry_id=callback_data.entry_id)
    )
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Deleted 🗑"))
