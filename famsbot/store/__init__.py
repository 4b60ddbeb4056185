"""Storage: the SQLModel tables, the database handle (with per-backend locking), migrations and the outbox."""
