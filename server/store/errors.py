"""The store's own error types: what domain code may catch, whichever database is behind the store.

A backend wraps its driver's exceptions in these (the driver's error stays as `__cause__`).
"""

from __future__ import annotations

__all__ = ["DatabaseError", "ConstraintViolation"]


class DatabaseError(Exception):
    """The database failed a statement or a transaction (disk, lock, connection, a bug in our SQL)."""


class ConstraintViolation(DatabaseError):
    """A row broke a constraint of the schema: a unique key, a foreign key, NOT NULL or CHECK."""
