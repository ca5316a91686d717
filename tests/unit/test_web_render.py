"""The web chat draws messages from text + entities: escaped, Telegram's tags only."""

from __future__ import annotations

from coachbot.sandbox.telegram_format import parse_text
from coachbot.sandbox.telegram_models import ChatMessage, FakeChat
from coachbot.sandbox.web_render import (
    deep_link_start,
    message_view,
    render_html,
    reply_keyboard,
)

BOT = "coachbot_sandbox_bot"


def html_of(text: str, parse_mode: str = "HTML") -> str:
    parsed = parse_text(text, parse_mode)
    return render_html(parsed.text, parsed.entities, bot_username=BOT)


def test_everything_the_bot_sends_is_escaped_and_only_its_formatting_becomes_tags():
    shown = html_of("<b>Hi &lt;img src=x onerror=alert(1)&gt;</b> &amp; <i>bye</i>")
    assert shown == "<b>Hi &lt;img src=x onerror=alert(1)&gt;</b> &amp; <i>bye</i>"
    plain = render_html('<img src=x onerror="alert(1)">', bot_username=BOT)
    assert plain == '&lt;img src=x onerror="alert(1)"&gt;'


def test_nested_entities_and_offsets_after_emoji_are_counted_in_utf16():
    shown = html_of("📋 <b>Check-in from <i>Dana</i></b>\n<code>a&lt;b</code>")
    assert shown == "📋 <b>Check-in from <i>Dana</i></b>\n<code>a&lt;b</code>"


def test_overlapping_entities_still_make_well_formed_html():
    entities = [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": 3, "length": 5},
    ]
    assert render_html("abcdefgh", entities, bot_username=BOT) == ("<b>abc<i>de</i></b><i>fgh</i>")


def test_links_are_kept_only_with_safe_schemes():
    shown = html_of('<a href="https://example.org/?a=1&amp;b=2">site</a>')
    assert shown == (
        '<a href="https://example.org/?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">site</a>'
    )
    unsafe = render_html(
        "click",
        [{"type": "text_link", "offset": 0, "length": 5, "url": "javascript:x"}],
        bot_username=BOT,
    )
    assert unsafe == '<a class="tg-unsafe-link">click</a>'


def test_plain_links_commands_and_mails_are_detected_like_telegram_does():
    shown = render_html(
        "Send /profile or write to a@b.org, see https://example.org/x.", bot_username=BOT
    )
    assert '<a href="#" class="tg-command" data-command="/profile">/profile</a>' in shown
    assert '<a href="mailto:a@b.org" target="_blank" rel="noopener noreferrer">a@b.org</a>' in (
        shown
    )
    assert 'href="https://example.org/x"' in shown and shown.endswith("</a>.")


def test_nothing_is_detected_inside_code():
    shown = html_of("<code>/start https://x.org</code>")
    assert shown == "<code>/start https://x.org</code>"


def test_invitation_links_open_in_the_web_chat():
    shown = render_html(f"Join: https://t.me/{BOT}?start=abc_DEF-1", bot_username=BOT)
    assert shown == (
        'Join: <a href="/?start=abc_DEF-1" class="tg-deeplink" target="_blank">'
        f"https://t.me/{BOT}?start=abc_DEF-1</a>"
    )
    assert deep_link_start(f"t.me/{BOT.upper()}?start=x", BOT) == "x"
    assert deep_link_start("https://t.me/other_bot?start=x", BOT) is None


def test_pre_with_a_language_and_spoilers():
    shown = html_of(
        '<pre><code class="language-python">x = 1</code></pre><tg-spoiler>s</tg-spoiler>'
    )
    assert shown == (
        '<pre><code class="language-python">x = 1</code></pre><span class="tg-spoiler">s</span>'
    )


def _bot_message(chat: FakeChat, text: str, markup: dict | None) -> ChatMessage:
    payload = {"message_id": chat.next_message_id(), "chat": chat.info, "date": 1, "text": text}
    message = ChatMessage(payload, from_bot=True, sent_markup=markup)
    chat.append(message)
    return message


def _user_message(chat: FakeChat, text: str) -> None:
    payload = {"message_id": chat.next_message_id(), "chat": chat.info, "date": 2, "text": text}
    chat.append(ChatMessage(payload, from_bot=False))


def test_the_reply_keyboard_shown_is_the_last_one_until_removed_or_used_once():
    chat = FakeChat({"id": 5, "type": "private"})
    keyboard = {
        "keyboard": [[{"text": "Yes"}, {"text": "Here", "request_location": True}]],
        "input_field_placeholder": "Pick one",
    }
    _bot_message(chat, "Question?", keyboard)
    _bot_message(chat, "Another line", None)
    assert reply_keyboard(chat) == {
        "rows": [[{"text": "Yes"}, {"text": "Here", "request": "location"}]],
        "placeholder": "Pick one",
    }
    _bot_message(chat, "Done", {"remove_keyboard": True})
    assert reply_keyboard(chat) is None
    _bot_message(chat, "Once?", {"keyboard": [["A"]], "one_time_keyboard": True})
    assert reply_keyboard(chat) == {"rows": [[{"text": "A"}]], "placeholder": ""}
    _user_message(chat, "A")
    assert reply_keyboard(chat) is None


def test_a_message_view_carries_buttons_files_and_edits():
    chat = FakeChat({"id": 5, "type": "private"})
    markup = {
        "inline_keyboard": [
            [{"text": "Go", "callback_data": "go:1"}],
            [{"text": "Join", "url": f"https://t.me/{BOT}?start=tok"}],
            [{"text": "Bad", "url": "javascript:alert(1)"}],
        ]
    }
    message = _bot_message(chat, "Hi", markup)
    message.payload["edit_date"] = 3
    view = message_view(message, bot_username=BOT)
    assert view["edited"] and view["html"] == "Hi" and view["files"] == []
    assert view["inline_keyboard"] == [
        [{"text": "Go", "data": "go:1"}],
        [{"text": "Join", "url": "/?start=tok", "deep_link": True}],
        [{"text": "Bad"}],
    ]
