"""Adapters to the outside world (time zone data; Stripe, SMTP and SMS later)."""
