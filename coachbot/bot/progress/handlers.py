"""Seeing progress: charts with their trends (/progress, the coach's Charts button),
photo comparisons, achievements and the coach's progress menu for one client. The
report and the exports are in `reports`."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from coachbot.bot.callbacks import (
    ClientAction,
    ClientCardCb,
    PhotoAction,
    PhotoCb,
    ProgressCb,
    ReportAction,
    ReportCb,
    metric_key,
)
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.i18n import ngettext
from coachbot.bot.markup import escape, fmt, join, stack
from coachbot.bot.progress import keyboards
from coachbot.bot.progress.texts import achievement_line, metric_title, trend_caption
from coachbot.bot.texts import local_date
from coachbot.domain.goals.achievements import ShowAchievements, ShowAchievementsUseCase
from coachbot.domain.people.identity import Identity
from coachbot.domain.people.model import User
from coachbot.domain.progress.photos import ComparePhotos, ListPhotoCheckins
from coachbot.domain.progress.pictures import (
    ProgressPicture,
    ShowProgress,
    ShowProgressUseCase,
    viewpoint,
)
from coachbot.domain.progress.report_files import MonthlyReport
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)

CAPTION_LIMIT = 1024
UPLOAD_PHOTO = {"chat_action": "upload_photo"}


# -- charts ----------------------------------------------------------------------------


@router.message(Command("progress"), flags=UPLOAD_PHOTO)
async def progress_command(message: Message, identity: Identity, uc: UseCases) -> None:
    picture = await _chart(uc.progress.show_progress, identity, client_id=None)
    await send_chart(message, picture, identity.user, client_id=0)


@router.callback_query(ProgressCb.filter(), flags=UPLOAD_PHOTO)
async def show_chart(
    query: CallbackQuery,
    callback_data: ProgressCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    # "weight" is the default view: weight, or the first metric measured without one.
    metric = None if callback_data.view == "weight" else metric_key(callback_data.view)
    picture = await _chart(
        uc.progress.show_progress, identity, callback_data.client_id or None, metric
    )
    if isinstance(query.message, Message):
        await send_chart(query.message, picture, identity.user, client_id=callback_data.client_id)


@router.callback_query(
    ClientCardCb.filter(F.action == ClientAction.charts), IsCoach(), flags=UPLOAD_PHOTO
)
async def charts_from_card(
    query: CallbackQuery,
    callback_data: ClientCardCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    picture = await _chart(uc.progress.show_progress, identity, callback_data.client_id)
    if isinstance(query.message, Message):
        await send_chart(query.message, picture, identity.user, client_id=callback_data.client_id)


async def _chart(
    show_progress: ShowProgressUseCase,
    identity: Identity,
    client_id: int | None,
    metric: str | None = None,
) -> ProgressPicture:
    return await show_progress(
        ShowProgress(
            user_id=identity.user_id,
            coach_id=identity.coach_id,
            client_id=client_id,
            metric=metric,
            view=viewpoint(identity.user),
        )
    )


async def send_chart(
    message: Message, picture: ProgressPicture, viewer: User, *, client_id: int
) -> None:
    own = client_id == 0
    if picture.image is None:
        if own:
            text = _("Nothing measured yet. Log your first measurement with /log.")
        else:
            text = fmt(
                _("{name} has not logged any measurements yet."),
                name=escape(picture.client.display_name),
            )
        await message.answer(text)
        return
    if picture.trends is not None:
        caption = trend_caption(picture.trends, picture.view, own=own)
    else:
        names = join(", ", (metric_title(s.definition) for s in picture.panel))
        caption = fmt(_("<b>Your progress</b>: {metrics}"), metrics=names)
    if not own:
        caption = fmt("👤 {name}\n{caption}", name=picture.client.display_name, caption=caption)
    extra = None
    if len(caption) > CAPTION_LIMIT:  # Telegram's limit for captions
        caption, extra = caption.split("\n", 1)[0], caption
    await message.answer_photo(
        BufferedInputFile(picture.image, filename=f"{picture.metric.replace(':', '-')}.png"),
        caption=caption,
        reply_markup=keyboards.chart_views(picture, client_id),
    )
    if extra is not None:
        await message.answer(extra)


# -- photos ----------------------------------------------------------------------------


@router.callback_query(PhotoCb.filter(F.action == PhotoAction.compare), flags=UPLOAD_PHOTO)
async def compare_photos(
    query: CallbackQuery,
    callback_data: PhotoCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    result = await uc.progress.compare_photos(
        ComparePhotos(
            user_id=identity.user_id,
            coach_id=identity.coach_id,
            client_id=callback_data.client_id or None,
            before_id=callback_data.before or None,
            after_id=callback_data.after or None,
        )
    )
    if not isinstance(query.message, Message):
        return
    user = identity.user
    caption: str = fmt(
        _("📷 {before} → {after}"),
        before=local_date(result.before.taken.date(), user),
        after=local_date(result.after.taken.date(), user),
    )
    if callback_data.client_id:
        caption = fmt("👤 {name} · {caption}", name=result.client.display_name, caption=caption)
    await query.message.answer_photo(
        BufferedInputFile(result.image, filename="comparison.jpg"),
        caption=caption,
        protect_content=result.protect,
        reply_markup=keyboards.after_comparison(callback_data.client_id),
    )


@router.callback_query(PhotoCb.filter(F.action.in_({PhotoAction.choose, PhotoAction.before})))
async def choose_checkins(
    query: CallbackQuery,
    callback_data: PhotoCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    found = await uc.progress.list_photo_checkins(
        ListPhotoCheckins(
            user_id=identity.user_id,
            coach_id=identity.coach_id,
            client_id=callback_data.client_id or None,
        )
    )
    checkins = found.checkins
    if callback_data.action is PhotoAction.before:
        first = next((c for c in checkins if c.checkin_id == callback_data.before), None)
        checkins = [c for c in checkins if first and c.taken > first.taken]
        text = _("And the later check-in?")
    else:
        checkins = checkins[:-1]  # the latest cannot be the earlier of two
        text = _("Compare which check-in's photos? Choose the earlier one:")
    if not isinstance(query.message, Message):
        return
    if not checkins:
        await query.message.answer(_("There are no other check-ins with photos to compare."))
        return
    await query.message.answer(
        text,
        reply_markup=keyboards.photo_checkins(
            checkins[-20:], identity.user, callback_data.client_id, before=callback_data.before
        ),
    )


# -- achievements ------------------------------------------------------------------------


@router.message(Command("achievements"))
async def achievements_command(message: Message, identity: Identity, uc: UseCases) -> None:
    await _send_achievements(message, identity, uc.goals.show_achievements, client_id=0)


@router.callback_query(ReportCb.filter(F.action == ReportAction.achievements))
async def achievements_button(
    query: CallbackQuery,
    callback_data: ReportCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    if isinstance(query.message, Message):
        await _send_achievements(
            query.message, identity, uc.goals.show_achievements, client_id=callback_data.client_id
        )


async def _send_achievements(
    message: Message,
    identity: Identity,
    show_achievements: ShowAchievementsUseCase,
    *,
    client_id: int,
) -> None:
    found = await show_achievements(
        ShowAchievements(
            user_id=identity.user_id, coach_id=identity.coach_id, client_id=client_id or None
        )
    )
    view = viewpoint(identity.user)
    if client_id:
        lines: list[str] = [
            fmt(_("🏅 <b>Achievements of {name}</b>"), name=escape(found.client.display_name))
        ]
    else:
        lines = [_("🏅 <b>Your achievements</b>")]
    lines += [achievement_line(a, view) for a in reversed(found.achievements)]
    if not found.achievements:
        lines.append(
            _("None yet. They come with check-ins in a row, milestones and goals reached.")
        )
    if found.streak:
        lines += [
            "",
            fmt(
                ngettext(
                    "🔥 Current streak: {count} check-in in a row.",
                    "🔥 Current streak: {count} check-ins in a row.",
                    found.streak,
                ),
                count=found.streak,
            ),
        ]
    await message.answer(stack(lines))


# -- the coach's progress menu for a client ----------------------------------------------


@router.callback_query(ClientCardCb.filter(F.action == ClientAction.progress), IsCoach())
async def progress_menu(
    query: CallbackQuery,
    callback_data: ClientCardCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    plan = await uc.progress.monthly_report(
        MonthlyReport(coach_id=identity.coach_id, client_id=callback_data.client_id)
    )
    if isinstance(query.message, Message):
        await query.message.answer(
            _("🗂 Progress: charts, photos, goals, reports and exports."),
            reply_markup=keyboards.coach_progress_menu(callback_data.client_id, plan),
        )
