"""In-memory repositories, one module per SQL repository module (coachbot/storage/repositories)."""
