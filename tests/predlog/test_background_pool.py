"""The background pool: errors reach the caller, and a forked worker gets working threads of its own."""

from __future__ import annotations

import os
import threading

import pytest

from portal.predlog import background


def test_bgp001_a_task_error_is_raised_to_the_caller() -> None:
    def broken() -> None:
        raise RuntimeError("lost rows")

    with pytest.raises(RuntimeError, match="lost rows"):
        background.submit(broken).result(timeout=10)


def test_bgp002_a_forked_child_runs_tasks_on_threads_of_its_own() -> None:
    background.submit(threading.get_ident).result(timeout=10)  # the parent's pool exists
    child = os.fork()
    if child == 0:  # the parent's pool threads do not exist here; a new pool must answer
        ok = False
        try:
            ok = background.submit(os.getpid).result(timeout=10) == os.getpid()
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert background.submit(os.getpid).result(timeout=10) == os.getpid(), "the parent's pool still works"
