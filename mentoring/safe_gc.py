"""Garbage collection at safe points only, on CPython 3.11 (issue 12: the
worker that died with SIGSEGV).

CPython 3.11 runs its cyclic garbage collector from inside an allocation,
whenever the young generation has passed its threshold, even when that
allocation sits half way through C code that is not re-entrant. One such
place is turning an object's inline attribute values into a real `__dict__`
("materialising" it): the new dict's allocation may collect, and when a weakref
callback or `__del__` run by that collection touches the same object's
attributes, it materialises the dict a second time. Two dicts then own one
values array, and it is freed twice. SQLAlchemy's `InstanceState` is such an
object: its weakref callback (`_cleanup`, run when the mapped instance is
collected) sets attributes on the state. The freed array is soon reused, and
the process dies minutes later somewhere unrelated (a weakref that is "not
subscriptable", a dict resize meeting a NULL key). Threads widen the window:
while the callback's Python code runs, the GIL passes to other threads, and
compressing a response (which releases the GIL for milliseconds) made it
frequent. AddressSanitizer on the real stack reports exactly that double free
(`free_values` in `dictresize`); tests/test_safe_gc.py reproduces it in a few
lines of pure Python. bench/RESULTS.md has the hunt and the runs.

CPython 3.12 moved automatic collections between bytecodes (the "eval
breaker"), which closes this whole class of bug; there this module does
nothing. On 3.11 it turns the automatic collector off and runs the same
generational collections itself, from Python code, where no C code is ever
half way: when an application context ends (every request, socket event and
job) and once a second from a daemon thread (a process between requests, a
long request). Explicit collections keep CPython's counters, so the young
generations are collected as often as before; a full collection, which
CPython also rations (only when the long-lived objects grew by a quarter, a
figure Python code cannot read), runs at most once a minute.

MENTORING_SAFE_GC=0 leaves the interpreter's collector alone."""
import gc
import logging
import os
import sys
import threading
import time

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
FULL_COLLECTION_EVERY = 60.0

_lock = threading.Lock()
_started = False
_last_full = 0.0


def needed() -> bool:
    """Only CPython before 3.12 collects inside allocations."""
    return sys.implementation.name == "cpython" and sys.version_info < (3, 12)


def install(app) -> None:
    if not needed() or not app.config.get("MENTORING_SAFE_GC", True):
        return
    app.teardown_appcontext(_after_context)
    start()


def start() -> None:
    """Turn the automatic collector off, once per process, and start the tick."""
    global _started, _last_full
    with _lock:
        if _started:
            return
        _started = True
        _last_full = time.monotonic()
    gc.disable()
    # Under gevent (monkey-patched) this thread is a greenlet: the same tick.
    threading.Thread(target=_tick, name="safe-gc", daemon=True).start()


def _restart_in_child() -> None:
    """A forked child inherits the disabled collector but not the tick's
    thread (gunicorn forks its workers; so do some benchmarks)."""
    global _started, _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    if _started:
        _started = False
        start()


os.register_at_fork(after_in_child=_restart_in_child)


def collect_if_due() -> int | None:
    """The collection CPython would have run by now, if any: the oldest
    generation whose count passed its threshold. Returns that generation."""
    global _last_full
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] == 0 or counts[0] <= thresholds[0]:
        return None
    generation = 0
    if counts[1] > thresholds[1]:
        generation = 1
        if counts[2] > thresholds[2] and time.monotonic() - _last_full >= FULL_COLLECTION_EVERY:
            generation = 2
            _last_full = time.monotonic()
    gc.collect(generation)
    return generation


def _after_context(_exc=None) -> None:
    collect_if_due()


def _tick() -> None:
    while True:
        time.sleep(TICK_SECONDS)
        try:
            collect_if_due()
        except Exception:  # noqa: BLE001 - the tick must outlive any one failure
            log.warning("garbage collection tick failed", exc_info=True)
