"""SQLAlchemy 2 (async) adapters for the domain's ports."""
