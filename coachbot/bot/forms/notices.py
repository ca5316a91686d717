"""Rendering notices about answering a form."""

from __future__ import annotations

from coachbot.bot.callbacks import FormAction, FormCb
from coachbot.bot.i18n import gettext as _
from coachbot.bot.notice_kit import Viewpoint, buttons
from coachbot.domain.forms.notices import PhotosReceived
from coachbot.domain.outbox.model import TextPayload


def photos_received(notice: PhotosReceived, view: Viewpoint) -> TextPayload:
    done = FormCb(response_id=notice.response_id, action=FormAction.photos_done)
    return TextPayload(
        _("Got your photos. Send more, or tap Done."), buttons=buttons((_("✅ Done"), done))
    )
