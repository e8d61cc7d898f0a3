"""SQLite's WAL checkpoint after a large prediction-log write, on a thread instead of in the request.

SQLite checkpoints in the connection that commits once the WAL passes ``wal_autocheckpoint``
pages (1,000 by default, about 4 MB): a 10,000-row request writes more than that, so its commit
also copied the whole WAL into the database file and fsynced it, about half of the commit's time.
A large write turns the automatic checkpoint off for its own transaction only, and this thread
runs a passive checkpoint right after. Durability does not change: the commit still fsyncs the
WAL (synchronous=FULL) before the request is answered; a checkpoint only moves committed pages.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator

import sqlalchemy as sa

log = logging.getLogger(__name__)

# Writes of at least this many rows leave their checkpoint to the thread (about a WAL's worth).
DEFERRED_CHECKPOINT_ROWS = 1000


class WalCheckpointer:
    """One daemon thread per process that runs ``PRAGMA wal_checkpoint(PASSIVE)`` when asked."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._wanted = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._pid = 0
        self.checkpoints = 0

    @contextlib.contextmanager
    def deferred(self, connection: sa.Connection, rows: int) -> Iterator[None]:
        """Run the block's commit without the automatic checkpoint when it writes ``rows`` on SQLite."""
        if connection.dialect.name != "sqlite" or rows < DEFERRED_CHECKPOINT_ROWS:
            yield
            return
        pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        connection.commit()  # a connection setting: no transaction is left open for the block's own
        try:
            yield
        finally:
            try:
                connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={int(pages)}")
                connection.commit()
            except sa.exc.SQLAlchemyError:
                connection.invalidate()  # never back to the pool without its automatic checkpoint
                raise
        self.request()

    def request(self) -> None:
        """Ask for a checkpoint soon; starts this process's thread on first use (and after a fork)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._wanted, self._stopped = threading.Event(), threading.Event()
                    thread = threading.Thread(target=self._run, name="prediction-log-checkpoint", daemon=True)
                    thread.start()
                    self._pid = os.getpid()
        self._wanted.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wanted.set()

    def _run(self) -> None:
        wanted, stopped = self._wanted, self._stopped
        while True:
            wanted.wait()
            if stopped.is_set():
                return
            wanted.clear()
            try:
                with self.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                self.checkpoints += 1
            except Exception:  # the next large write asks again; the database's own checkpoints remain
                log.warning("prediction log checkpoint failed", exc_info=True)
