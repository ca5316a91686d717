"""Coachbot: a chat-first coaching assistant for Telegram."""

__version__ = "0.1.0"
