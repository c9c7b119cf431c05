"""gunicorn settings for bench/socket_memory.py: the production ones, plus,
every $MENTORING_MEMORY_EVERY seconds (30) inside the worker, a look at where
memory goes, written to $MENTORING_MEMORY_DIR:

- census-<seconds since start>.json (always): live objects by type
  (gc.get_objects), sys.getallocatedblocks(), glibc's malloc counts
  (mallinfo2), pymalloc's arenas and the process's RSS. Cheap enough to
  leave the process at its normal speed.
- snapshot-<seconds>.trace (MENTORING_MEMORY_TRACE=1): a tracemalloc
  snapshot. It slows the process several times over: only at a low message
  rate, or the backlog it causes is all it shows.
- memray.bin (MENTORING_MEMORY_MEMRAY=1, `pip install memray`): every
  allocation with its native stack, read after the worker exits."""
import collections
import ctypes
import gc
import json
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from gunicorn_conf import post_fork as _post_fork  # noqa: E402
from gunicorn_conf import post_worker_init as _post_worker_init  # noqa: E402
from bench.socket_memory import rss_mib  # noqa: E402

TRACE = os.environ.get("MENTORING_MEMORY_TRACE") == "1"
MEMRAY = os.environ.get("MENTORING_MEMORY_MEMRAY") == "1"
_memray = None


def post_fork(server, worker):
    global _memray
    _post_fork(server, worker)
    if TRACE:
        tracemalloc.start(8)
    if MEMRAY:
        # every allocation with its native stack, C extensions included
        # (`memray tree`/`memray summary` on the file afterwards)
        import memray
        _memray = memray.Tracker(os.path.join(os.environ["MENTORING_MEMORY_DIR"], "memray.bin"),
                                 native_traces=True)
        _memray.__enter__()


def worker_exit(server, worker):
    if _memray is not None:
        _memray.__exit__(None, None, None)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def _malloc() -> dict:
    """glibc's own count (mallinfo2): bytes malloc holds from the system
    (heap + mmapped), bytes in use by callers, bytes free but kept. RSS that
    grows while "in_use" stays flat is fragmentation, not a leak."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    mib = 2**20
    return {"heap_mib": round(info.arena / mib, 1), "mmapped_mib": round(info.hblkhd / mib, 1),
            "in_use_mib": round((info.uordblks + info.hblkhd) / mib, 1),
            "free_kept_mib": round(info.fordblks / mib, 1), "top_free_mib": round(info.keepcost / mib, 1)}


def _pymalloc_arenas() -> int | None:
    """pymalloc's arenas now held (256 KiB each), from sys._debugmallocstats."""
    import tempfile
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        for line in tmp.read().decode(errors="replace").splitlines():
            if line.startswith("# arenas allocated current"):
                return int(line.split("=")[1].replace(",", ""))
    return None


def _name(cls) -> str:
    module = cls.__dict__.get("__module__")  # a metaclass's instance may have a descriptor here
    return f"{module if isinstance(module, str) else '?'}.{cls.__qualname__}"


def post_worker_init(worker):
    _post_worker_init(worker)
    import gevent
    folder = os.environ["MENTORING_MEMORY_DIR"]
    start = time.monotonic()

    def look():
        while True:
            gevent.sleep(float(os.environ.get("MENTORING_MEMORY_EVERY") or 30))
            at = int(time.monotonic() - start)
            objects = gc.get_objects()
            by_type = collections.Counter(_name(type(o)) for o in objects)
            census = {"seconds": at, "objects": len(objects), "allocated_blocks": sys.getallocatedblocks(),
                      "rss_mib": round(rss_mib(os.getpid()), 1), "gc_counts": gc.get_count(),
                      "greenlets": by_type.get("gevent._gevent_cgreenlet.Greenlet", 0),
                      "malloc": _malloc(), "pymalloc_arenas": _pymalloc_arenas(),
                      "by_type": dict(by_type.most_common(60))}
            del objects
            with open(os.path.join(folder, f"census-{at:05d}.json"), "w") as f:
                json.dump(census, f)
            if TRACE:
                snap = tracemalloc.take_snapshot().filter_traces(
                    [tracemalloc.Filter(False, tracemalloc.__file__)])
                snap.dump(os.path.join(folder, f"snapshot-{at:05d}.trace"))

    gevent.spawn(look)
