"""Stripe's side of web/: the webhook endpoint and the pages people land on when they
come back from Stripe's checkout and customer portal.

The webhook answers 400 to anything not signed by Stripe within the time window, and to
a signed body that is not an event with string id, type and object id (nothing changes);
200 once the event was processed or found to be a duplicate; and 503 when Stripe could
not be asked for the current state of the objects, so Stripe retries (an object Stripe
refuses to show is logged and acknowledged: a retry would not help).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from coachbot.application import BotApplication
from coachbot.bot.i18n import gettext as _
from coachbot.domain.billing.errors import PaymentsRefusedError, PaymentsUnavailableError
from coachbot.integrations.stripe_events import billing_event
from coachbot.integrations.stripe_gateway import InvalidWebhook, StripeWebhookVerifier

logger = logging.getLogger(__name__)

STRIPE_WEBHOOK_PATH = "/stripe/webhook"
APPLICATION = web.AppKey("coachbot_application", BotApplication)
VERIFIER = web.AppKey("stripe_verifier", StripeWebhookVerifier)
# Where "Back to Telegram" leads the person on a return page (the request is theirs).
ChatLink = Callable[[web.Request], Awaitable[str]]
CHAT_LINK: web.AppKey[ChatLink] = web.AppKey("chat_link")
STYLESHEET = Path(__file__).parent / "static" / "pages.css"


def add_billing_routes(
    app: web.Application, application: BotApplication, *, chat_link: ChatLink | None = None
) -> None:
    """`chat_link`: where the return pages send people back to; the bot on t.me when
    not given."""
    settings = application.settings
    if application.payments is None or settings.stripe_webhook_secret is None:
        return
    app[APPLICATION] = application
    app[CHAT_LINK] = chat_link or _bot_link(application)
    app[VERIFIER] = StripeWebhookVerifier(
        settings.stripe_webhook_secret.get_secret_value(),
        application.clock,
        settings.stripe_webhook_tolerance_seconds,
    )
    app.router.add_post(STRIPE_WEBHOOK_PATH, stripe_webhook)
    app.router.add_get("/billing/{page:success|cancel|done}", billing_page)
    app.router.add_get("/static/pages.css", stylesheet)


def _bot_link(application: BotApplication) -> ChatLink:
    async def link(_request: web.Request) -> str:
        return f"https://t.me/{(await application.bot.me()).username}"  # asked once, cached

    return link


async def stylesheet(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STYLESHEET, headers={"Content-Type": "text/css"})


async def stripe_webhook(request: web.Request) -> web.Response:
    application = request.app[APPLICATION]
    payload = await request.read()
    try:
        event = request.app[VERIFIER].verify(payload, request.headers.get("Stripe-Signature"))
    except InvalidWebhook as error:
        logger.warning("Refused a Stripe webhook: %s", error)
        return web.json_response({"error": "invalid signature"}, status=400)
    handle = application.container.use_cases.billing.handle_stripe_event
    assert handle is not None  # the routes exist only when billing is configured
    try:
        outcome = await handle(billing_event(event))
    except PaymentsUnavailableError:
        # Stripe retries the delivery later; nothing was recorded.
        logger.warning("Stripe event %s not processed yet: Stripe unreachable", event.id)
        return web.json_response({"error": "try again"}, status=503)
    except PaymentsRefusedError as error:
        # The object cannot be read (e.g. another account's): retrying will not help.
        logger.error("Stripe event %s names an object we cannot read: %s", event.id, error)
        return web.json_response({"received": True, "outcome": "unreadable"})
    logger.info("Stripe event %s (%s): %s", event.id, event.type, outcome.value)
    return web.json_response({"received": True, "outcome": outcome.value})


async def billing_page(request: web.Request) -> web.Response:
    application = request.app[APPLICATION]
    i18n = application.i18n
    language = request.query.get("lang", "")
    if language not in i18n.available_locales:
        language = request.headers.get("Accept-Language", "")[:2].lower()
    if language not in i18n.available_locales:
        language = i18n.default_locale
    page = request.match_info["page"]
    with i18n.context(), i18n.use_locale(language):
        title, text = {
            "success": (
                _("Thank you!"),
                _("Your payment is being confirmed. You will get a receipt in Telegram."),
            ),
            "cancel": (
                _("Payment cancelled"),
                _("Nothing was charged. You can pay any time from the chat."),
            ),
            "done": (_("All set"), _("Your billing details are saved.")),
        }[page]
        back = _("Back to Telegram")
    link = await request.app[CHAT_LINK](request)
    body = (
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><link rel='stylesheet' href='/static/pages.css'>"
        "</head><body><main class='narrow'><section class='panel'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        f"<p><a class='button' id='back' href='{html.escape(link)}'>{html.escape(back)}</a></p>"
        "</section></main></body></html>"
    )
    return web.Response(text=body, content_type="text/html")
