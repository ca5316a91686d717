"""The coach's review queue: one check-in per card, photos beside the previous ones,
feedback by text, voice or photo, then Mark reviewed, Next or Skip."""

from __future__ import annotations

from typing import TypedDict
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.callbacks import MenuAction, MenuCb, ReviewAction, ReviewCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.forms.rendering import format_answer, wording
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt, join, long_text, stack
from coachbot.bot.messages import thread_content
from coachbot.bot.texts import local_date, local_datetime
from coachbot.domain.checkins.model import ThreadKind, ThreadMessage, ThreadRole
from coachbot.domain.checkins.review import (
    FinishReview,
    ReplyToCheckin,
    ReviewCard,
    ShowReviewCard,
)
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())


class ReviewReply(StatesGroup):
    writing = State()


class ReplyData(TypedDict):
    checkin_id: int
    client_name: str


@router.message(Command("review"))
async def review_command(message: Message, identity: Identity, uc: UseCases) -> None:
    await send_card(
        message,
        await uc.checkins.show_review_card(ShowReviewCard(coach_id=identity.coach_id)),
        identity.user,
    )


@router.callback_query(MenuCb.filter(F.action == MenuAction.review))
async def review_from_menu(query: CallbackQuery, identity: Identity, uc: UseCases) -> None:
    if isinstance(query.message, Message):
        card = await uc.checkins.show_review_card(ShowReviewCard(coach_id=identity.coach_id))
        await send_card(query.message, card, identity.user)


@router.callback_query(ReviewCb.filter(F.action.in_({ReviewAction.show, ReviewAction.next})))
async def show_or_next(
    query: CallbackQuery,
    callback_data: ReviewCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    wanted = callback_data.checkin_id or None
    if callback_data.action is ReviewAction.next:
        cmd = ShowReviewCard(coach_id=identity.coach_id, after_id=wanted)
    else:
        cmd = ShowReviewCard(coach_id=identity.coach_id, checkin_id=wanted)
    if isinstance(query.message, Message):
        await send_card(query.message, await uc.checkins.show_review_card(cmd), identity.user)


@router.callback_query(ReviewCb.filter(F.action.in_({ReviewAction.reviewed, ReviewAction.skip})))
async def finish_review(
    query: CallbackQuery,
    callback_data: ReviewCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    await uc.checkins.finish_review(
        FinishReview(
            coach_id=identity.coach_id,
            user_id=identity.user_id,
            checkin_id=callback_data.checkin_id,
            skipped=callback_data.action is ReviewAction.skip,
        )
    )
    if not isinstance(query.message, Message):
        return
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(
        _("Skipped.") if callback_data.action is ReviewAction.skip else _("Marked as reviewed ✅")
    )
    card = await uc.checkins.show_review_card(ShowReviewCard(coach_id=identity.coach_id))
    await send_card(query.message, card, identity.user)


@router.callback_query(ReviewCb.filter(F.action == ReviewAction.reply))
async def ask_for_feedback(
    query: CallbackQuery,
    callback_data: ReviewCb,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    card = await uc.checkins.show_review_card(  # the coach's own check-in, or "not found"
        ShowReviewCard(coach_id=identity.coach_id, checkin_id=callback_data.checkin_id)
    )
    assert card is not None
    await state.set_state(ReviewReply.writing)
    await state.set_data(
        ReplyData(checkin_id=callback_data.checkin_id, client_name=card.client.display_name)
    )
    if isinstance(query.message, Message):
        await query.message.answer(
            fmt(
                _(
                    "Your feedback for {name}: send a message, a voice message or a photo. "
                    "It reaches them with a note of which check-in it is about."
                ),
                name=escape(card.client.display_name),
            ),
            reply_markup=keyboards.cancel_only(),
        )


@router.message(ReviewReply.writing, F.text | F.voice | F.photo)
async def send_feedback(
    message: Message,
    identity: Identity,
    state: FSMContext,
    uc: UseCases,
) -> None:
    reply: ReplyData = await state.get_data()  # type: ignore[assignment]
    kind, text, file_id = thread_content(message)
    await uc.checkins.reply_to_checkin(
        ReplyToCheckin(
            coach_id=identity.coach_id,
            user_id=identity.user_id,
            checkin_id=reply["checkin_id"],
            kind=kind,
            text=text,
            file_id=file_id,
        )
    )
    await state.clear()
    await message.answer(
        fmt(_("Sent to {name} ✅"), name=escape(reply["client_name"])),
        reply_markup=after_feedback_keyboard(reply["checkin_id"]),
    )


@router.message(ReviewReply.writing)
async def unsupported_feedback(message: Message) -> None:
    await message.answer(
        _("Please send a text, a voice message or a photo, or /cancel to stop."),
    )


async def send_card(message: Message, card: ReviewCard | None, viewer: User) -> None:
    if card is None:
        await message.answer(_("Nothing to review right now. 🎉"))
        return
    await _send_photos(message, card, viewer)
    await message.answer(render_card(card, viewer), reply_markup=card_keyboard(card))


async def _send_photos(message: Message, card: ReviewCard, viewer: User) -> None:
    """This check-in's photos first, then the previous check-in's, as one album.
    Protected (no forwarding, no saving) unless the client allowed it in /profile."""
    media = [
        InputMediaPhoto(
            media=BufferedInputFile(photo.image, filename=f"photo-{number}.jpg"),
            caption=fmt(
                (_("This check-in · {date}") if photo.current else _("Previous · {date}")),
                date=local_datetime(photo.taken, viewer),
            ),
        )
        for number, photo in enumerate(card.photos[:10], start=1)
    ]
    protect = not card.user.allow_photo_forwarding
    if len(media) == 1:
        await message.answer_photo(
            media[0].media, caption=media[0].caption, protect_content=protect
        )
    elif media:
        await message.answer_media_group(media, protect_content=protect)  # type: ignore[arg-type]


def render_card(card: ReviewCard, viewer: User) -> str:
    checkin = card.checkin
    heading = fmt(_("📋 Check-in from <b>{name}</b>"), name=escape(card.client.display_name))
    when: str = fmt(
        _("due {due}, sent {sent}"),
        due=local_datetime(checkin.due_at, viewer),
        sent=local_datetime(checkin.submitted_at or checkin.due_at, viewer),
    )
    if checkin.late:
        when += " · " + _("late")
    lines = [heading, when, ""]
    for line in card.answers:
        prompt = wording(line.question.prompt, viewer.language)
        value = format_answer(line.question, line.value, viewer, line.delta)
        lines.append(fmt("<b>{prompt}</b>\n{value}", prompt=prompt, value=value))
    if card.photos:
        current = sum(photo.current for photo in card.photos)
        lines.append(
            fmt(
                ngettext("📷 {count} photo (above)", "📷 {count} photos (above)", current),
                count=current,
            )
        )
    if card.previous is not None:
        lines.append(
            fmt(
                _("Compared with the check-in of {date}."),
                date=local_date(card.previous.due_at.date(), viewer),
            )
        )
    elif card.assessed_at is not None:
        lines.append(
            fmt(
                _("Compared with the initial assessment of {date}."),
                date=local_date(
                    card.assessed_at.astimezone(ZoneInfo(viewer.timezone)).date(), viewer
                ),
            )
        )
    if card.thread:
        lines += ["", _("<b>Conversation</b>")] + [
            thread_line(message, card) for message in card.thread[-THREAD_LINES:]
        ]
    lines.append(
        fmt(
            ngettext("{count} check-in waiting", "{count} check-ins waiting", card.waiting),
            count=card.waiting,
        )
    )
    return stack(lines)


THREAD_LINES = 6


def thread_line(message: ThreadMessage, card: ReviewCard) -> str:
    who = _("You") if message.role is ThreadRole.coach else escape(card.client.display_name)
    what = {ThreadKind.voice: _("🎤 voice message"), ThreadKind.photo: _("🖼 photo")}
    parts = [what[message.kind]] if message.kind in what else []
    if message.text:
        parts.append(long_text(message.text, 500))
    return fmt("• {who}: {what}", who=who, what=join(" · ", parts))


def card_keyboard(card: ReviewCard) -> InlineKeyboardMarkup:
    checkin_id = card.checkin.id or 0
    builder = InlineKeyboardBuilder()
    for label, action in (
        (_("💬 Reply"), ReviewAction.reply),
        (_("✅ Mark reviewed"), ReviewAction.reviewed),
        (_("➡ Next"), ReviewAction.next),
        (_("Skip"), ReviewAction.skip),
    ):
        builder.button(text=label, callback_data=ReviewCb(action=action, checkin_id=checkin_id))
    builder.adjust(2, 2)
    return builder.as_markup()


def after_feedback_keyboard(checkin_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("✅ Mark reviewed"),
        callback_data=ReviewCb(action=ReviewAction.reviewed, checkin_id=checkin_id),
    )
    builder.button(
        text=_("💬 Reply again"),
        callback_data=ReviewCb(action=ReviewAction.reply, checkin_id=checkin_id),
    )
    builder.button(
        text=_("➡ Next"), callback_data=ReviewCb(action=ReviewAction.next, checkin_id=checkin_id)
    )
    builder.adjust(2, 1)
    return builder.as_markup()
