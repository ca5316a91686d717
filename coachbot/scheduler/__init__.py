"""Time-driven work: the outbox dispatcher, the rate-limited sender and the tick jobs."""
