"""Memory and CPU of each process of the stack during a load run.

    .venv/bin/python bench/procstat.py --seconds 60 --out stats.json

Samples /proc every --interval seconds for --seconds: each process whose
command line names a part of the stack (gunicorn workers by port, nginx,
the scheduler, node (reference and socket driver), locust; PostgreSQL backends and Redis summed), and
writes, per process, RSS at start, end and peak (MiB) and CPU as a share of
one core over the whole window."""
import argparse
import json
import os
import time

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def label(pid: int, cmd: str) -> str | None:
    if "gunicorn" in cmd:
        kind = "gevent" if "gevent" in cmd else "gthread"
        port = cmd.split("-b ")[1].split()[0].rsplit(":", 1)[-1] if "-b " in cmd else "?"
        return f"gunicorn {kind} :{port} pid {pid}"
    if "nginx" in cmd and "worker" in cmd:
        return f"nginx worker pid {pid}"
    if "wsgi scheduler" in cmd:
        return "scheduler"
    if "node_ref.js" in cmd:
        return "node reference"
    if "sockets.js" in cmd:
        return "node socket driver (bench/sockets.js)"
    if "locust" in cmd:
        return f"locust pid {pid}"
    if cmd.startswith("postgres") or "postgres:" in cmd:
        return "postgresql (all backends)"
    if "redis-server" in cmd:
        return f"redis {cmd.split()[1] if len(cmd.split()) > 1 else ''}".strip()
    return None


def sample() -> dict[int, tuple[str, float, float]]:
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace").strip()
            name = label(int(pid), cmd)
            if name is None:
                continue
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICK
            rss = int(fields[21]) * PAGE / 2**20
        except (OSError, IndexError, ValueError):
            continue
        # a gunicorn master has no "-k" child marker; keep masters out (they idle)
        out[int(pid)] = (name, cpu, rss)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=5)
    parser.add_argument("--out")
    args = parser.parse_args()
    first = sample()
    t0 = time.monotonic()
    peak: dict[int, float] = {pid: rss for pid, (_, _, rss) in first.items()}
    # Each process as last seen: one that ends before the sampler (locust
    # stops a little before it) still counts its CPU up to its last sample.
    last = dict(first)
    load = []
    while time.monotonic() - t0 < args.seconds:
        time.sleep(args.interval)
        now = sample()
        last.update(now)
        load.append(os.getloadavg()[0])
        for pid, (_, _, rss) in now.items():
            peak[pid] = max(peak.get(pid, 0), rss)
    wall = time.monotonic() - t0
    rows: dict[str, dict] = {}
    for pid, (name, cpu, rss) in last.items():
        start = first.get(pid)
        row = rows.setdefault(name, {"rss_start_mib": 0.0, "rss_end_mib": 0.0, "rss_peak_mib": 0.0,
                                     "cpu_core_share": 0.0})
        row["rss_start_mib"] += start[2] if start else 0.0
        row["rss_end_mib"] += rss
        row["rss_peak_mib"] += peak.get(pid, rss)
        row["cpu_core_share"] += (cpu - (start[1] if start else 0.0)) / wall
    for row in rows.values():
        for k in row:
            row[k] = round(row[k], 2)
    body = {"seconds": round(wall, 1), "loadavg_samples": [round(x, 1) for x in load], "processes": rows}
    text = json.dumps(body, indent=1, sort_keys=True)
    if args.out:
        open(args.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
