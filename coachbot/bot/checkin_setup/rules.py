"""The coach's check-in follow-up rules: when an unfinished check-in is reminded again,
when it counts as missed, and after how many misses in a row the coach is alerted."""

from __future__ import annotations

import re
from typing import TypedDict

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.callbacks import MenuAction, MenuCb, RulesCb
from coachbot.bot.checkin_setup.templates import TemplateSetup
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import fmt, stack
from coachbot.domain.checkins.model import CheckinRules
from coachbot.domain.checkins.setup import SetCheckinRules
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())

RULE_FIELDS = ("nudge", "grace", "alert")
MAX_GRACE_HOURS = 24 * 14  # CheckinRules: the grace period ends within 14 days
MAX_ALERT_MISSES = 10
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


class RuleData(TypedDict):
    field: str


@router.callback_query(MenuCb.filter(F.action == MenuAction.checkin_rules))
async def show_rules(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
    if isinstance(query.message, Message):
        await query.message.answer(render_rules(rules), reply_markup=rules_keyboard(rules))


@router.callback_query(RulesCb.filter(F.field.in_(RULE_FIELDS)))
async def ask_rule(
    query: CallbackQuery,
    callback_data: RulesCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
    await state.set_state(TemplateSetup.rule)
    await state.set_data(RuleData(field=callback_data.field))
    if isinstance(query.message, Message):
        await query.message.answer(
            rule_question(callback_data.field, rules), reply_markup=keyboards.cancel_only()
        )


@router.message(TemplateSetup.rule, F.text)
async def change_rule(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    field = (await state.get_data()).get("field", "")
    if field not in RULE_FIELDS:
        await state.clear()
        return
    text = (message.text or "").strip()
    if not WHOLE_NUMBER.fullmatch(text):
        rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
        low, high = rule_bounds(field, rules)
        await message.answer(
            fmt(
                _("Please send a whole number from {minimum} to {maximum}."),
                minimum=low,
                maximum=high,
            )
        )
        return
    value = int(text)
    try:
        rules = await uc.checkins.set_checkin_rules(
            SetCheckinRules(
                coach_id=identity.coach_id,
                nudge_after_hours=value if field == "nudge" else None,
                grace_hours=value if field == "grace" else None,
                alert_after_misses=value if field == "alert" else None,
            )
        )
    except InvalidDetailError:
        rules = await uc.checkins.set_checkin_rules(SetCheckinRules(coach_id=identity.coach_id))
        await message.answer(explain_rule_bounds(field, rules))
        return
    await state.clear()
    await message.answer(
        _("Saved ✅") + "\n\n" + render_rules(rules), reply_markup=rules_keyboard(rules)
    )


@router.message(TemplateSetup.rule)
async def rule_not_text(message: Message) -> None:
    await message.answer(_("Please send a whole number, or /cancel."))


def render_rules(rules: CheckinRules) -> str:
    return stack(
        [
            _("<b>Check-in follow-ups</b>"),
            fmt(
                _(
                    "Reminder again after {nudge} h if not finished; counted as missed after "
                    "{grace} h (the client gets a friendly follow-up); you are alerted after "
                    "{count} missed in a row."
                ),
                nudge=rules.nudge_after_hours,
                grace=rules.grace_hours,
                count=rules.alert_after_misses,
            ),
            "",
            _("The hours count from when a check-in is due. These apply to all your clients."),
        ]
    )


def rules_keyboard(rules: CheckinRules) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    labels = {
        "nudge": fmt(_("🔔 Reminder after {count} h"), count=rules.nudge_after_hours),
        "grace": fmt(_("⌛ Missed after {count} h"), count=rules.grace_hours),
        "alert": fmt(_("🚨 Alert after {count} missed"), count=rules.alert_after_misses),
    }
    for field in RULE_FIELDS:
        builder.button(text=labels[field], callback_data=RulesCb(field=field))
    builder.adjust(1)
    return builder.as_markup()


def rule_bounds(field: str, rules: CheckinRules) -> tuple[int, int]:
    """The values one rule can take while the others stay (see CheckinRules)."""
    if field == "nudge":
        return 1, rules.grace_hours - 1
    if field == "grace":
        return rules.nudge_after_hours + 1, MAX_GRACE_HOURS
    return 1, MAX_ALERT_MISSES


def rule_question(field: str, rules: CheckinRules) -> str:
    low, high = rule_bounds(field, rules)
    texts = {
        "nudge": _(
            "How many hours after a check-in is due should an unfinished one be reminded "
            "again? Now: {current} h. Send a whole number from {minimum} to {maximum}."
        ),
        "grace": _(
            "After how many hours does an unfinished check-in count as missed (the client "
            "then gets a friendly follow-up)? Now: {current} h. Send a whole number from "
            "{minimum} to {maximum}."
        ),
        "alert": _(
            "After how many missed check-ins in a row should you be alerted? Now: {current}. "
            "Send a whole number from {minimum} to {maximum}."
        ),
    }
    return fmt(texts[field], current=rule_value(field, rules), minimum=low, maximum=high)


def rule_value(field: str, rules: CheckinRules) -> int:
    return {
        "nudge": rules.nudge_after_hours,
        "grace": rules.grace_hours,
        "alert": rules.alert_after_misses,
    }[field]


def explain_rule_bounds(field: str, rules: CheckinRules) -> str:
    low, high = rule_bounds(field, rules)
    texts = {
        "nudge": _(
            "The reminder has to come before the check-in counts as missed (after {grace} h). "
            "Please send a whole number from {minimum} to {maximum}."
        ),
        "grace": _(
            "A check-in can count as missed only after the reminder ({nudge} h) and within "
            "14 days. Please send a whole number from {minimum} to {maximum}."
        ),
        "alert": _("Please send a whole number from {minimum} to {maximum}."),
    }
    return fmt(
        texts[field],
        grace=rules.grace_hours,
        nudge=rules.nudge_after_hours,
        minimum=low,
        maximum=high,
    )
