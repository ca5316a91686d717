"""The one error path: domain errors become localized explanations, anything else is
logged with a correlation id that the user is shown."""

from __future__ import annotations

import logging
import secrets
import string
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Update
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.i18n import I18n

from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import as_plain, fmt
from coachbot.bot.middlewares.dedupe import RedeliverLaterError
from coachbot.bot.middlewares.locale import locale_of
from coachbot.domain.billing import errors as billing
from coachbot.domain.checkins.flow import CheckinNotFound
from coachbot.domain.goals.changes import ChangePending
from coachbot.domain.progress import errors as progress_errors
from coachbot.domain.progress.photos import NotEnoughPhotos
from coachbot.domain.shared import errors

logger = logging.getLogger(__name__)
router = Router(name=__name__)

REFERENCE_ALPHABET = string.ascii_uppercase + string.digits


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def explain(error: errors.DomainError) -> str:
    match error:
        case errors.InvitationNotFound():
            return _(
                "This invitation link is not valid. Check that you opened the whole link, "
                "or ask for a new one."
            )
        case errors.InvitationExpiredError():
            return _("This invitation link has expired. Ask the person who sent it for a new one.")
        case errors.InvitationUsedError():
            return _(
                "This invitation link has already been used. Each link works only once: "
                "ask the person who sent it for a new one."
            )
        case errors.InvitationRevokedError():
            return _(
                "This invitation link was withdrawn. Ask the person who sent it for a new one."
            )
        case errors.AlreadyCoachError():
            return _("You are already a coach here. Send /menu to open your coach menu.")
        case errors.AlreadyClientError():
            return _("You are already working with this coach. Send /start to continue.")
        case errors.ClientNotFound():
            return _("That client was not found.")
        case CheckinNotFound():
            return _("That check-in was not found.")
        case billing.BillingNotConfigured():
            return _("Billing is not configured on this bot yet.")
        case billing.PackageNotFound():
            return _("That package was not found.")
        case billing.PackageNotSellable():
            return _("That package is no longer sold.")
        case billing.CheckoutNotFound():
            return _("That offer was not found.")
        case billing.AlreadyPaidError():
            return _("This is paid already. Thank you!")
        case billing.PaymentNotFound():
            return _("That payment was not found.")
        case billing.SubscriptionNotFound():
            return _("That subscription was not found or has ended.")
        case billing.NoBillingAccount():
            return _("There is nothing to manage yet: no payment was made.")
        case billing.RefundNotAllowed():
            return _("That is more than what is left to refund.")
        case billing.ClientNotJoined():
            return _("This client has not joined yet: send the package once they have.")
        case billing.AccessLapsedError():
            return _(
                "Your coaching is paused until your payment goes through. "
                "Send /billing to see your plan."
            )
        case billing.PaymentsUnavailableError():
            return _("Stripe cannot be reached right now. Please try again in a minute.")
        case billing.PaymentsRefusedError():
            return fmt(_("Stripe refused that: {reason}"), reason=error.reason)
        case progress_errors.GoalNotFound():
            return _("That goal was not found.")
        case progress_errors.GoalChangeNotFound():
            return _("That proposal was not found.")
        case progress_errors.EntryNotFound():
            return _("That measurement was not found. Only your own entries can be changed.")
        case progress_errors.MetricNotFound():
            return _("That metric is not available.")
        case progress_errors.NotMeasurable():
            return _("Milestones need a goal with a measured start and target.")
        case progress_errors.DrawingInterrupted():
            return _("The picture could not be drawn just now. Please try again.")
        case progress_errors.ExportTooLarge():
            too_large = _(
                "This export is too large for Telegram: it would take {parts} files of up to "
                "50 MB, and at most {maximum} are sent. Export the measurements as CSV instead, "
                "or ask the administrator for a backup."
            )
            return fmt(too_large, parts=error.parts, maximum=error.maximum_parts)
        case NotEnoughPhotos():
            return _(
                "Comparing needs progress photos from two check-ins. They come with the "
                "weekly check-in."
            )
        case ChangePending():
            return _(
                "A change to this goal is already waiting for the coach's answer. "
                "You will hear back in this chat."
            )
        case errors.NotAllowedError():
            return _("Sorry, you are not allowed to do that.")
    return _("Sorry, that did not work. Please try again.")


@router.error(ExceptionTypeFilter(errors.DomainError))
async def explain_domain_error(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> None:
    assert isinstance(event.exception, errors.DomainError)
    with i18n.context(), i18n.use_locale(locale_of(data, i18n.default_locale)):
        text = explain(event.exception)
        await _tell(event.update, bot, text, data.get("callback_answer"), also_in_chat=False)


# An update another worker is handling, or one the database was out of reach for (webhook
# mode), is left unhandled here on purpose, so the webhook answers with an error and
# Telegram redelivers it later.
@router.error(~ExceptionTypeFilter(RedeliverLaterError))
async def report_unexpected_error(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> None:
    reference = new_reference()
    logger.error(
        "Unhandled error (ref %s) while handling update %s",
        reference,
        event.update.update_id,
        exc_info=event.exception,
    )
    with i18n.context(), i18n.use_locale(locale_of(data, i18n.default_locale)):
        text = fmt(
            _("Something went wrong (ref {reference}). Please try again later."),
            reference=reference,
        )
        await _tell(event.update, bot, text, data.get("callback_answer"), also_in_chat=True)


async def _tell(
    update: Update,
    bot: Bot,
    text: str,
    callback_answer: CallbackAnswer | None,
    *,
    also_in_chat: bool,
) -> None:
    """Answer where the user is looking: the chat, or the button they pressed."""
    try:
        if update.message is not None:
            await update.message.answer(text)
            return
        query = update.callback_query
        if query is None:
            return
        if callback_answer is None or not callback_answer.answered:
            await query.answer(as_plain(text), show_alert=True)
        if also_in_chat and query.message is not None:
            await bot.send_message(query.message.chat.id, text)
    except Exception:
        # The user cannot be told (blocked bot, network): the log already has the cause.
        logger.exception("Could not report an error to the user")
