"""Which gunicorn worker model should serve the HTTP pages? (issue 12)

Runs bench/segfault.py's harness (the real gunicorn, PostgreSQL, one logged-in
user's page fetched by C concurrent clients) for each model in turn,
interleaved over R rounds so that a noisy neighbour hurts every model alike,
and prints requests per second, p50/p95/p99 and worker deaths per model and
page. Each model runs with the database pool its processes would have in
production (one connection per thread; a gevent process gets a pool of 10).

    .venv/bin/python bench/worker_models.py --seconds 30 --clients 20 --rounds 2
    .venv/bin/python bench/worker_models.py --models gthread-2x8,sync-5 --pages inbox

Models: gthread-WxT (W processes of T threads), sync-W (W single-threaded
processes), gevent-W (W gevent processes, psycopg cooperative)."""
import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import segfault  # noqa: E402

PAGES = {"home": ("commune", "/"), "inbox": ("district", "/cases")}


def model_args(model: str) -> dict:
    kind, _, size = model.partition("-")
    if kind == "gthread":
        workers, threads = (int(x) for x in size.split("x"))
        pool = threads
    elif kind in ("sync", "gevent"):
        workers, threads = int(size), 1
        pool = 10 if kind == "gevent" else 1
    else:
        raise SystemExit(f"unknown model {model!r}")
    return {"worker_class": kind, "workers": workers, "threads": threads,
            "extra_env": {"MENTORING_DB_POOL_SIZE": str(pool), "MENTORING_DB_MAX_OVERFLOW": "0"}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=segfault.DEFAULT_DB)
    parser.add_argument("--models", default="gthread-2x8,gevent-2,gevent-3")
    parser.add_argument("--pages", default="home,inbox")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6380/0")
    parser.add_argument("--out", help="append every run's JSON to this file")
    args = parser.parse_args()
    results: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.rounds):
        for page in args.pages.split(","):
            who, path = PAGES[page]
            for model in args.models.split(","):
                spec = model_args(model)
                # As in production: behind nginx the app does not compress (MENTORING_COMPRESS=0).
                env = dict(spec["extra_env"], REDIS_URL=args.redis_url, MENTORING_MULTIPROCESS="1",
                           MENTORING_COMPRESS="0")
                result = segfault.run(args.database_url, spec["workers"], spec["threads"], args.clients,
                                      args.seconds, True, path, extra_env=env, who=who,
                                      worker_class=spec["worker_class"])
                result.update(model=model, page=page)
                results.setdefault((model, page), []).append(result)
                print(json.dumps(result), file=sys.stderr)
                if args.out:
                    with open(args.out, "a") as fh:
                        fh.write(json.dumps(result) + "\n")
    print(f"| model | page | clients | rps (each round) | p50 ms | p95 ms | p99 ms | errors | worker deaths "
          f"| load average |")
    print("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for (model, page), runs in results.items():
        def med(key):
            values = [r[key] for r in runs if r[key] is not None]
            return round(statistics.median(values)) if values else "-"
        loads = ", ".join(f"{r['loadavg'][0]}-{r['loadavg'][1]}" for r in runs)
        print(f"| {model} | {page} | {args.clients} | {', '.join(str(r['rps']) for r in runs)} "
              f"| {med('p50_ms')} | {med('p95_ms')} | {med('p99_ms')} | {sum(r['errors'] for r in runs)} "
              f"| {sum(r['segfaults'] + r['workers_replaced'] for r in runs)} "
              f"| {loads} |")


if __name__ == "__main__":
    main()
