"""Use cases: each takes ports (unit of work, clock) and one command dataclass."""
