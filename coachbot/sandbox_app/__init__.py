"""The local sandbox (`coachbot sandbox`, and `make run` without BOT_TOKEN).

`coachbot.sandbox` is the standalone Telegram Bot API emulator and its web chat; this
package puts the real bot in front of it: the runner starts the emulator, the bot polling
it with its outbox worker and ticks, and the bot's web app serving the chat page; the seed
gives the sandbox people (and, with `--demo`, weeks of history) through the domain's own
use cases; the actions are the shortcuts the page offers (a check-in due now).
"""
