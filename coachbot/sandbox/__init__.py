"""Local stand-ins for external services, used by end-to-end tests and the web sandbox.

`telegram_server.FakeTelegramServer` is a strict emulator of the Telegram Bot API that a real
aiogram `Bot` can talk to; scripted `FakeUser`s play the human side of the conversation.
"""
