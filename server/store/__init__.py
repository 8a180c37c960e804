"""The store interface: a transaction (`Tx`) that domain code writes through, and `Store` that runs it.

SQLite (sqlite.py) is the embedded default; a PostgreSQL backend implements the same two classes.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, TypeVar

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

    def insert(self, table: str, row: Row) -> None:
        """Insert one row (columns from the dict's keys)."""


class Store(Protocol):
    def write(self, work: Callable[[Tx], T]) -> T:
        """Run `work` in one write transaction on the single writer; commit durably or roll back on error."""

    def read(self, work: Callable[[Tx], T]) -> T:
        """Run `work` on a consistent read snapshot beside the writer."""

    def health(self) -> Any:
        """None when writes work now; else the AppError (503, with a code) a write would meet: file lost, disk full."""

    def close(self) -> None: ...


def open_store(path: str) -> Store:
    from server.store.sqlite import SQLiteStore

    return SQLiteStore(path)
