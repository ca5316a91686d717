"""The coach's own metrics (steps, resting pulse, plank seconds): name, unit and allowed
range, for all their clients (from the coach menu) or one (from the client's progress
menu). Clients then log them with /log; archiving hides one from /log, its history
stays."""

from __future__ import annotations

import re
from typing import TypedDict

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from coachbot.bot import keyboards as common_keyboards
from coachbot.bot.callbacks import CustomMetricAction, CustomMetricCb, MenuAction, MenuCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt, stack
from coachbot.bot.progress import keyboards
from coachbot.domain.people.identity import Identity
from coachbot.domain.progress.measurements import (
    ArchiveCustomMetric,
    CustomMetricsView,
    DefineCustomMetric,
    ListCustomMetrics,
)
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases
from coachbot.reports.labels import number

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

_NUMBER = r"([-+−]?\d+(?:[.,]\d+)?)"
_RANGE = re.compile(rf"^\s*{_NUMBER}\s*(?:-|–|to|bis|\.\.)\s*{_NUMBER}\s*$")


class CustomMetricForm(StatesGroup):
    name = State()
    unit = State()
    range = State()


class CustomMetricData(TypedDict, total=False):
    client_id: int
    name: str
    unit: str


@router.callback_query(MenuCb.filter(F.action == MenuAction.custom_metrics))
async def show_metrics(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    found = await uc.progress.list_custom_metrics(ListCustomMetrics(coach_id=identity.coach_id))
    if isinstance(query.message, Message):
        await send_metrics(query.message, found, identity.user.language)


async def send_metrics(message: Message, found: CustomMetricsView, language: str) -> None:
    lines = [_("📏 <b>Your own metrics</b>")]
    for metric in found.metrics:
        scope = (
            fmt(_("only for {name}"), name=escape(found.client_names.get(metric.client_id, "?")))
            if metric.client_id
            else _("all clients")
        )
        lines.append(
            fmt(
                "• {name} ({unit}, {minimum}–{maximum}) · {scope}",
                name=metric.name,
                unit=metric.unit or "—",
                minimum=number(metric.minimum, language, metric.decimals),
                maximum=number(metric.maximum, language, metric.decimals),
                scope=scope,
            )
        )
    if not found.metrics:
        lines.append(
            _(
                "None yet. Weight, waist, hips, chest, arm, thigh and body fat are built in; "
                "add your own, like steps or resting pulse."
            )
        )
    await message.answer(
        stack(lines),
        reply_markup=keyboards.custom_metrics([(m.id or 0, m.name) for m in found.metrics]),
    )


@router.callback_query(CustomMetricCb.filter(F.action == CustomMetricAction.new))
async def ask_name(query: CallbackQuery, callback_data: CustomMetricCb, state: FSMContext) -> None:
    await state.set_state(CustomMetricForm.name)
    await state.set_data(CustomMetricData(client_id=callback_data.client_id))
    if isinstance(query.message, Message):
        await query.message.answer(
            _("The name of the new metric (e.g. Steps, Resting pulse)?"),
            reply_markup=common_keyboards.cancel_only(),
        )


@router.message(CustomMetricForm.name, F.text)
async def name_typed(message: Message, state: FSMContext) -> None:
    await state.update_data(name=message.text or "")
    await state.set_state(CustomMetricForm.unit)
    await message.answer(
        _("Its unit (e.g. steps, bpm, s)? Send - for none."),
        reply_markup=common_keyboards.cancel_only(),
    )


@router.message(CustomMetricForm.unit, F.text)
async def unit_typed(message: Message, state: FSMContext) -> None:
    unit = (message.text or "").strip()
    await state.update_data(unit="" if unit == "-" else unit)
    await state.set_state(CustomMetricForm.range)
    await message.answer(
        _("The allowed range, lowest to highest (e.g. 0-60000)? Values outside it are refused."),
        reply_markup=common_keyboards.cancel_only(),
    )


@router.message(CustomMetricForm.range, F.text)
async def range_typed(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    found = _RANGE.match(message.text or "")
    if found is None:
        await message.answer(_("Please send two numbers, like 0-60000."))
        return
    low, high = (float(part.replace(",", ".").replace("−", "-")) for part in found.groups())
    data: CustomMetricData = await state.get_data()  # type: ignore[assignment]
    try:
        metric = await uc.progress.define_custom_metric(
            DefineCustomMetric(
                coach_id=identity.coach_id,
                name=data.get("name", ""),
                unit=data.get("unit", ""),
                minimum=low,
                maximum=high,
                client_id=data.get("client_id") or None,
            )
        )
    except InvalidDetailError as error:
        await _refused(message, state, error)
        return
    await state.clear()
    await message.answer(
        fmt(_("Added ✅ {name}: clients can log it with /log now."), name=escape(metric.name))
    )
    view = await uc.progress.list_custom_metrics(ListCustomMetrics(coach_id=identity.coach_id))
    await send_metrics(message, view, identity.user.language)


async def _refused(message: Message, state: FSMContext, error: InvalidDetailError) -> None:
    texts = {
        ("name", "empty"): (_("Please send a name."), CustomMetricForm.name),
        ("name", "too_long"): (_("A name can be 40 characters at most."), CustomMetricForm.name),
        ("name", "taken"): (_("You have a metric of that name already."), CustomMetricForm.name),
        ("unit", "invalid"): (
            _("A unit is up to 12 letters or signs, without digits."),
            CustomMetricForm.unit,
        ),
        ("range", "empty"): (
            _("The lowest value must be below the highest."),
            CustomMetricForm.range,
        ),
        ("metric", "too_many"): (_("Thirty metrics at most: archive one first."), None),
    }
    text, step = texts.get((error.field, error.code), (_("Please check that."), None))
    if step is None:
        await state.clear()
    else:
        await state.set_state(step)
    await message.answer(text)


@router.callback_query(CustomMetricCb.filter(F.action == CustomMetricAction.archive))
async def archive_metric(
    query: CallbackQuery,
    callback_data: CustomMetricCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    archived = await uc.progress.archive_custom_metric(
        ArchiveCustomMetric(coach_id=identity.coach_id, metric_id=callback_data.metric_id)
    )
    if isinstance(query.message, Message):
        await query.message.answer(
            fmt(
                _("Archived: {name}. What was logged stays in charts and exports."),
                name=escape(archived.name),
            )
        )
        view = await uc.progress.list_custom_metrics(ListCustomMetrics(coach_id=identity.coach_id))
        await send_metrics(query.message, view, identity.user.language)
