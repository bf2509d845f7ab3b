"""Django's SQLite backend, with writers taking turns on a lock file before `BEGIN IMMEDIATE`.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps 1, 2, 5
… up to 100 ms between tries, so four or more writers at once (a reading day) left the lock
free while they slept: the submissions' p95 went from 12 ms with one writer to 0.6 s with
eight (bench/README.md). Here a writer first takes an exclusive `flock` on
`<database>-writer.lock`, tried every millisecond, and lets it go at commit, rollback or close;
the lock passes on within a millisecond and every process of the site, whatever its threads,
queues on it. Past the connection's `timeout` a writer goes on without it, to SQLite's own
waiting (and its "database is locked"). Writes outside a transaction are SQLite's as before.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    POLL_SECONDS = 0.001

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None

    def _writer_lock_path(self) -> str | None:
        # transaction_mode is set when the connection opens (None before, and by default).
        if getattr(self, "transaction_mode", None) != "IMMEDIATE" or self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writer.lock"

    def _take_writer_lock(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._writer_fd is not None:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(self.POLL_SECONDS)
                    continue
                os.close(fd)  # waited long enough: SQLite's own wait decides
                return
            self._writer_fd = fd
            return

    def _let_writer_lock_go(self) -> None:
        fd, self._writer_fd = self._writer_fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its flock

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private, not in the stubs
        except BaseException:
            self._let_writer_lock_go()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private, not in the stubs
        finally:
            self._let_writer_lock_go()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private, not in the stubs
        finally:
            self._let_writer_lock_go()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private, not in the stubs
        finally:
            self._let_writer_lock_go()
