"""Middlewares inject named values into handlers; none of them commits."""
