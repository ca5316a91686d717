"""Billing: coaching packages sold through a payment provider (Stripe), subscriptions,
payments, refunds, and access to coaching that follows payment."""
