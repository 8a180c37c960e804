"""The store interface: a transaction (`Tx`) that domain code writes through, and `Store` that runs it.

SQLite (sqlite.py) is the embedded default; PostgreSQL (postgres.py) implements the same two classes.
"""

from __future__ import annotations

from typing import Any, Callable, ContextManager, Protocol, TypeVar

from server.store.errors import ConstraintViolation, DatabaseError

__all__ = ["Tx", "Store", "Row", "open_store", "DatabaseError", "ConstraintViolation"]

T = TypeVar("T")
Row = dict[str, Any]


class Tx(Protocol):
    """One transaction. SQL is kept to the portable subset (`?` placeholders, ON CONFLICT, RETURNING)."""

    def execute(self, sql: str, params: tuple | list | dict = ()) -> int:
        """Run a statement; return the number of rows changed."""

    def query(self, sql: str, params: tuple | list | dict = ()) -> list[Row]:
        """Rows as dicts."""

    def one(self, sql: str, params: tuple | list | dict = ()) -> Row | None:
        """The first row or None."""

    def insert(self, table: str, row: Row, returning: str | None = None) -> Any:
        """Insert one row (columns from the dict's keys); with `returning`, answer that column of the new row
        (a generated id: the portable counterpart of `last_insert_rowid()`)."""

    def json_text(self, column: str, *path: str) -> str:
        """The SQL expression for the text at `path` inside the JSON held in `column` (`None` when absent).

        Domain SQL queries JSON columns only through this, so no dialect's JSON function appears outside the store.
        """


class Store(Protocol):
    def write(self, work: Callable[[Tx], T]) -> T:
        """Run `work` in one write transaction on the single writer; commit durably or roll back on error."""

    def read(self, work: Callable[[Tx], T]) -> T:
        """Run `work` on a consistent read snapshot beside the writer."""

    def snapshot(self) -> ContextManager[Tx]:
        """A read snapshot held open across calls, from any thread one at a time, on a connection of its own:
        for an answer streamed in pieces (a full sync pull) that must all agree with each other."""

    def health(self) -> Any:
        """None when writes work now; else the AppError (503, with a code) a write would meet: file lost, disk full."""

    def close(self) -> None: ...


def open_store(location: str) -> Store:
    """The store at `location`: a `postgresql://` URL (FIELDOPS_DATABASE_URL), else the path of a SQLite file."""
    if location.startswith(("postgresql://", "postgres://")):
        from server.store.postgres import PostgresStore

        return PostgresStore(location)
    from server.store.sqlite import SQLiteStore

    return SQLiteStore(location)
