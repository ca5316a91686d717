"""Check-in schedules: when a client's next check-in is due, in their own time zone."""
