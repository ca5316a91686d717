"""📋 Intake & health on a client's card: what they told at onboarding, health flags
and injuries first."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot.callbacks import ClientAction, ClientCardCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.forms.rendering import format_answer, wording
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import escape, fmt
from coachbot.bot.texts import local_datetime, message_parts
from coachbot.domain.onboarding.intake import Intake, IntakeAnswer, ShowIntake
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.callback_query.filter(IsCoach())


def intake_button_label() -> str:
    return _("📋 Intake & health")


@router.callback_query(ClientCardCb.filter(F.action == ClientAction.intake))
async def show_intake(
    query: CallbackQuery, callback_data: ClientCardCb, identity: Identity, uc: UseCases
) -> None:
    intake = await uc.onboarding.show_intake(
        ShowIntake(coach_id=identity.coach_id, client_id=callback_data.client_id)
    )
    if not isinstance(query.message, Message):
        return
    *parts, last = message_parts(render_intake(intake, identity.user))
    for part in parts:  # a long intake (notes of 2000 characters) takes two messages
        await query.message.answer(part)
    await query.message.answer(last, reply_markup=_back(callback_data.client_id))


def render_intake(intake: Intake, viewer: User) -> list[str]:
    name = escape(intake.client.display_name)
    lines: list[str] = [fmt(_("📋 <b>Intake & health</b> · {name}"), name=name)]
    if intake.empty:
        lines.append(fmt(_("{name} has not answered the intake yet."), name=name))
        return lines
    if intake.flagged:
        answered = local_datetime(intake.flagged[0].answered_at, viewer)
        lines += [
            "",
            fmt(_("⚠️ <b>To check before training</b> (answered {date}):"), date=answered),
        ]
        lines += [_line(answer, viewer) for answer in intake.flagged]
    else:
        lines += ["", _("✅ No health flags and no injuries.")]
    for form in intake.forms:
        title = escape(wording(form.title, viewer.language))
        when = local_datetime(form.completed_at, viewer)
        lines += ["", fmt("<b>{title}</b> · {when}", title=title, when=when)]
        lines += [_line(answer, viewer) for answer in form.answers]
    return lines


def _line(answer: IntakeAnswer, viewer: User) -> str:
    prompt = escape(wording(answer.question.prompt, viewer.language))
    shown = format_answer(answer.question, answer.value, viewer)
    text = fmt("• {prompt} <b>{answer}</b>", prompt=prompt, answer=shown)
    for question, value in answer.details:
        text = fmt("{text} — {answer}", text=text, answer=format_answer(question, value, viewer))
    return text


def _back(client_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅ Client"), callback_data=ClientCardCb(client_id=client_id))
    return builder.as_markup()
