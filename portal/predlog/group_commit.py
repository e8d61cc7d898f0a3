"""Group commit: concurrent requests in one worker share a prediction-log transaction.

Each commit costs the database a durable flush (a WAL fsync on SQLite, a WAL flush on PostgreSQL),
and SQLite has a single writer, so a transaction per request caps a worker's throughput. Here the
first caller to arrive commits at once (no added latency when the worker is quiet); callers that
arrive while a commit is in flight queue up, and when it ends one of them commits everything queued
in a single transaction. Every caller returns only after its own rows are committed, or raises
the commit's error so it can spool them: a prediction is never acknowledged before it is durable.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Any

# Bounds one transaction, so a burst cannot hold the database's write lock for long.
MAX_GROUP_ROWS = 5000


@dataclasses.dataclass
class _Ticket:
    rows: Sequence[Any]
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    """Runs ``commit(rows)`` for the rows of every waiting caller together; thread-safe, per process."""

    def __init__(self, commit: Callable[[list[Any]], None], max_rows: int = MAX_GROUP_ROWS) -> None:
        self._commit = commit
        self._max_rows = max_rows
        self._changed = threading.Condition()
        self._queue: list[_Ticket] = []
        self._committing = False
        self.transactions = 0
        self.rows = 0

    def submit(self, rows: Sequence[Any]) -> None:
        """Commit ``rows`` (with whatever else is waiting); returns once they are committed."""
        ticket = _Ticket(rows)
        with self._changed:
            self._queue.append(ticket)
        while True:
            with self._changed:
                while self._committing and not ticket.done:
                    self._changed.wait()
                if ticket.done:
                    break
                group = self._take_group()
                self._committing = True
            self._run(group)
        if ticket.error is not None:
            raise ticket.error

    def _take_group(self) -> list[_Ticket]:
        """The oldest waiting tickets up to the row bound (at least one), removed from the queue."""
        taken, size = 0, 0
        for ticket in self._queue:
            if taken and size + len(ticket.rows) > self._max_rows:
                break
            taken, size = taken + 1, size + len(ticket.rows)
        group, self._queue = self._queue[:taken], self._queue[taken:]
        return group

    def _run(self, group: list[_Ticket]) -> None:
        error: BaseException | None = None
        rows = [row for ticket in group for row in ticket.rows]
        try:
            self._commit(rows)
        except BaseException as exc:  # handed to every caller in the group, each spools its own rows
            error = exc
        with self._changed:
            for ticket in group:
                ticket.done, ticket.error = True, error
            self._committing = False
            self.transactions += 1
            self.rows += len(rows) if error is None else 0
            self._changed.notify_all()
