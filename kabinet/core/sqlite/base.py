"""Django's SQLite backend, with writers taking turns on a lock file before `BEGIN IMMEDIATE`.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps 1, 2, 5
… up to 100 ms between tries, so four or more writers at once (a reading day) left the lock
free while they slept: the submissions' p95 went from 12 ms with one writer to 0.6 s with
eight (bench/README.md). Here a writer first takes its process's gate (a thread lock: the
process's other writers wait on it without waking), then an exclusive `flock` on
`<database>-writer.lock`, tried every millisecond, and lets both go at commit, rollback or
close; the lock passes on within a millisecond and every process of the site queues on it.
Past the connection's `timeout` a writer goes on without them, to SQLite's own waiting (and
its "database is locked"). Writes outside a transaction are SQLite's as before.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.db.backends.sqlite3 import base

_GATES: dict[str, threading.Lock] = {}
_GATES_GUARD = threading.Lock()


def _gate(path: str) -> threading.Lock:
    """This process's writers to one database file take turns on one thread lock."""
    with _GATES_GUARD:
        return _GATES.setdefault(path, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    POLL_SECONDS = 0.001

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_gate: threading.Lock | None = None

    def _writer_lock_path(self) -> str | None:
        # transaction_mode is set when the connection opens (None before, and by default).
        if getattr(self, "transaction_mode", None) != "IMMEDIATE" or self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}-writer.lock"

    def _take_writer_lock(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._writer_fd is not None:
            return
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        gate = _gate(path)
        if not gate.acquire(timeout=max(deadline - time.monotonic(), 0)):
            return  # waited long enough: SQLite's own wait decides
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(self.POLL_SECONDS)
                    continue
                os.close(fd)
                gate.release()
                return
            self._writer_fd, self._writer_gate = fd, gate
            return

    def _let_writer_lock_go(self) -> None:
        fd, self._writer_fd = self._writer_fd, None
        gate, self._writer_gate = self._writer_gate, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its flock
        if gate is not None:
            gate.release()

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
