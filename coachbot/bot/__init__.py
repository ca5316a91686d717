"""The Telegram surface (aiogram 3): thin handlers over the domain's use cases."""
