"""The SQLite backend's writers take turns on a lock file (kabinet/core/sqlite/base.py): held
from BEGIN to commit, rollback or close; a second writer waits for it; past the timeout a writer
goes on to SQLite's own waiting. Own connections to a file of their own, not the test database."""

from __future__ import annotations

import copy
import fcntl
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from kabinet.core.sqlite.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backend"),
    pytest.mark.django_db,  # lets these connections open; they use files of their own
]


def wrapper(path: Path, **options: object) -> DatabaseWrapper:
    settings = copy.deepcopy(connection.settings_dict)
    settings["NAME"] = str(path)
    settings["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 5, **options}
    return DatabaseWrapper(settings, alias=f"writers-{path.name}")


@contextmanager
def writing(db: DatabaseWrapper):
    """What transaction.atomic() does on SQLite, on a connection of our own."""
    db.ensure_connection()
    db._start_transaction_under_autocommit()
    try:
        with db.cursor() as cursor:
            yield cursor
    except BaseException:
        db.rollback()
        raise
    db.commit()


def lock_is_free(path: Path) -> bool:
    fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "writers.sqlite3"
    db = wrapper(path)
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    db.close()
    return path


def test_the_lock_is_held_from_begin_to_commit_and_a_second_writer_waits_for_it(path):
    first, order = wrapper(path), []
    with writing(first) as cursor:
        assert not lock_is_free(path)

        def second_writer() -> None:
            second = wrapper(path)
            with writing(second) as other:
                order.append("second began")
                other.execute("INSERT INTO t VALUES (2)")
            second.close()

        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.2)
        cursor.execute("INSERT INTO t VALUES (1)")
        order.append("first commits")
    thread.join(5)
    assert order == ["first commits", "second began"]
    assert lock_is_free(path)
    with first.cursor() as cursor:
        cursor.execute("SELECT n FROM t ORDER BY n")
        assert cursor.fetchall() == [(1,), (2,)]
    first.close()


def test_a_rollback_and_a_close_let_the_lock_go(path):
    db = wrapper(path)
    with pytest.raises(ZeroDivisionError), writing(db):
        assert not lock_is_free(path)
        1 / 0  # noqa: B018
    assert lock_is_free(path)
    db._start_transaction_under_autocommit()
    assert not lock_is_free(path)
    db.close()
    assert lock_is_free(path)


def test_past_the_timeout_a_writer_goes_on_to_sqlites_own_waiting(path):
    held = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)  # e.g. a writer stuck in another process
    try:
        db = wrapper(path, timeout=0.05)
        with writing(db) as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        db.close()
    finally:
        os.close(held)
    db = wrapper(path)
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (1,)
    db.close()


def test_without_immediate_transactions_there_is_no_lock_file(tmp_path):
    path = tmp_path / "deferred.sqlite3"
    db = wrapper(path, transaction_mode="DEFERRED")
    with writing(db) as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    db.close()
    assert not Path(f"{path}-writer.lock").exists()
