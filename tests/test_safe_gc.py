"""mentoring/safe_gc.py: CPython 3.11's collector, run only at safe points.

The crash itself is reproduced in a child process: a weakref callback, run by
a collection that the allocation of an object's new __dict__ triggered,
materialises the same __dict__ again; the values array is then freed twice.
On CPython 3.11 that program dies with SIGSEGV within a few rounds; with
safe_gc started it survives, and its callbacks still run (garbage is still
collected, at the safe points)."""
import gc
import resource
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from pathlib import Path

import pytest

from mentoring import safe_gc

ROOT = Path(__file__).resolve().parent.parent

DOUBLE_MATERIALISATION = textwrap.dedent('''
    import gc
    import sys
    import weakref

    if sys.argv[1] == "safe":
        from mentoring import safe_gc
        safe_gc.start()
    callbacks = []


    class Victim:
        pass


    class Cycle:
        pass


    def attempt():
        victim = Victim()
        victim.a = 1  # kept in the object's inline values: no __dict__ yet

        def callback(_ref):
            callbacks.append(1)
            victim.__dict__[0] = 0  # materialise it, then free the values (a key that is not a str)

        cycle = Cycle()
        cycle.self = cycle
        ref = weakref.ref(cycle, callback)
        del cycle
        keep = [{} for _ in range(200)]  # empty the dict free list: the next dict is allocated
        gc.set_threshold(1)
        d = victim.__dict__  # its allocation may collect: the callback runs in the middle
        gc.set_threshold(700)
        d[1] = 1  # this dict got the same values array: freed again
        gc.collect(0)  # a safe point: between bytecodes, the callback runs here if not before
        del keep, ref


    for _ in range(50):
        attempt()
    print(len(callbacks), "callbacks")
''')


def _no_core_file() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the crash must not leave a core in the checkout


def _run(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", DOUBLE_MATERIALISATION, mode], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, preexec_fn=_no_core_file)


@pytest.mark.skipif(not safe_gc.needed(), reason="CPython 3.12+ collects between bytecodes only")
def test_cpython_311_crashes_when_a_collection_runs_inside_materialising_a_dict():
    result = _run("plain")
    assert result.returncode in (-11, -6), (result.returncode, result.stderr[-2000:])  # SIGSEGV, or a debug build's abort


def test_with_safe_gc_the_same_program_survives_and_still_collects():
    result = _run("safe")
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout.split()[0]) == 50  # every cycle collected, its callback run


def _cyclic_garbage() -> weakref.ref:
    """A weak reference to an object that only the cyclic collector can free."""
    class Node:
        pass
    node = Node()
    node.self = node
    return weakref.ref(node)


def _past_the_young_threshold() -> list:
    """Live containers enough for the young generation to be due."""
    return [[] for _ in range(gc.get_threshold()[0] + 100)]


@pytest.mark.skipif(not safe_gc.needed(), reason="CPython 3.12+ collects between bytecodes only")
def test_an_app_turns_the_automatic_collector_off_and_collects_when_a_request_ends(app, client, monkeypatch):
    assert not gc.isenabled()
    calls = []
    real = safe_gc.collect_if_due
    monkeypatch.setattr(safe_gc, "collect_if_due", lambda: calls.append(threading.get_ident()) or real())
    alive = _cyclic_garbage()
    survivors = _past_the_young_threshold()
    assert client.get("/healthz").status_code == 200
    assert threading.get_ident() in calls  # the request's own teardown (the tick has its own thread)
    assert alive() is None
    del survivors


@pytest.mark.skipif(not safe_gc.needed(), reason="CPython 3.12+ collects between bytecodes only")
def test_a_process_between_requests_still_collects(app):
    alive = _cyclic_garbage()
    survivors = _past_the_young_threshold()
    # The tick thread collects once a second; poll, do not assert a time.
    deadline = time.monotonic() + 30
    while alive() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive() is None
    del survivors


def test_a_full_collection_is_rationed(monkeypatch):
    me = threading.get_ident()  # the tick thread, meanwhile, sees nothing due and does nothing

    def counts(young, middle, old):
        return lambda: (young, middle, old) if threading.get_ident() == me else (0, 0, 0)
    collected = []
    monkeypatch.setattr(safe_gc, "_last_full", time.monotonic())
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))
    monkeypatch.setattr(gc, "get_count", counts(701, 11, 11))
    assert safe_gc.collect_if_due() == 1  # gen2 due, but one ran less than a minute ago
    monkeypatch.setattr(safe_gc, "_last_full", time.monotonic() - safe_gc.FULL_COLLECTION_EVERY)
    assert safe_gc.collect_if_due() == 2
    monkeypatch.setattr(gc, "get_count", counts(700, 50, 50))
    assert safe_gc.collect_if_due() is None  # the young generation is not over its threshold
    assert collected == [1, 2]
