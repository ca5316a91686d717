"""The aiohttp app: Telegram webhook and health check (Stripe webhook and feeds later)."""
