"""Markdown tables of one bench/load.sh run: per endpoint rps and p50/p95/p99,
errors; the chat ledger (locust's, or bench/sockets.js's when SOCKETS was
set); each process's memory and CPU.

    .venv/bin/python bench/report.py /tmp/load-200-153000
"""
import csv
import json
import sys
from pathlib import Path


def main(out: Path) -> None:
    rows = list(csv.DictReader(open(out / "locust_stats.csv")))
    print("| request | n | rps | p50 ms | p95 ms | p99 ms | failures |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Type"], r["Name"])):
        print(f"| {r['Type']} {r['Name']} | {r['Request Count']} | {float(r['Requests/s']):.1f} | "
              f"{r['50%']} | {r['95%']} | {r['99%']} | {r['Failure Count']} |")
    failures = out / "locust_failures.csv"
    if failures.exists():
        fails = list(csv.DictReader(open(failures)))
        if fails:
            print("\nfailures:")
            for f in fails[:12]:
                print(f"- {f['Method']} {f['Name']}: {f['Error'][:160]} x{f['Occurrences']}")
    if (out / "sockets.json").exists():
        sockets(json.loads((out / "sockets.json").read_text()))
    for name in ("chat.json", "stored.json"):
        if (out / name).exists():
            print(f"\n{name}: {(out / name).read_text().strip()}")
    if (out / "procstat.json").exists():
        stats = json.loads((out / "procstat.json").read_text())
        print(f"\nprocesses over {stats['seconds']} s (load average samples {stats['loadavg_samples']}):\n")
        print("| process | RSS start MiB | RSS end MiB | RSS peak MiB | CPU (share of a core) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, r in sorted(stats["processes"].items()):
            print(f"| {name} | {r['rss_start_mib']} | {r['rss_end_mib']} | {r['rss_peak_mib']} | "
                  f"{r['cpu_core_share']} |")



def sockets(body: dict) -> None:
    """The Node driver's ledger (bench/sockets.js): one row per target."""
    print(f"\nchat by bench/sockets.js over {body['seconds']} s (ramp {body['ramp_seconds']} s, "
          f"drain {body['drain_seconds']} s):\n")
    print("| target | sockets wanted / opened | peak | at end | connect failures | join failures | sent | acked | "
          "ack timeouts | delivered / expected | lost | doubled | delivery p50 / p95 / p99 / max ms | "
          "ack p50 / p95 / p99 ms |")
    print("| --- | " + "---: | " * 13)
    for kind in ("app", "node"):
        t = body.get(kind)
        if not t:
            continue
        d, a = t["delivery_ms"], t["ack_ms"]
        print(f"| {kind} | {t['sockets_wanted']} / {t.get('sockets_opened', '?')} | {t['sockets_peak']} | {t['sockets_connected_at_end']} | "
              f"{t['connect_failures']} | {sum(t['join_failures'].values())} | {t['messages_sent']} | "
              f"{t['acked']} | {t['ack_timeouts']} | {t['deliveries']} / {t['deliveries_expected']} | "
              f"{t['lost']} | {t['doubled']} | {d['p50']} / {d['p95']} / {d['p99']} / {d['max']} | "
              f"{a['p50']} / {a['p95']} / {a['p99']} |")
    steady = {kind: body[kind].get("delivery_after_ramp_ms") for kind in ("app", "node") if body.get(kind)}
    if any(steady.values()):
        print("\ndelivery of the messages sent after the ramp (every socket open), p50 / p95 / p99 / max ms: " +
              "; ".join(f"{kind} {d['p50']} / {d['p95']} / {d['p99']} / {d['max']} (n {d['n']})"
                        for kind, d in steady.items() if d))
    windows = (body.get("app") or {}).get("delivery_by_window")
    if windows:
        print("\napp delivery by 10 s window of sending (start s: p50 / p99 ms): " +
              ", ".join(f"{w}: {p50} / {p99}" for w, _n, p50, p99 in windows))
    for kind in ("app", "node"):
        t = body.get(kind)
        if t and (t["connect_errors"] or t["disconnects"] or t["join_failures"] or t["ack_errors"]):
            print(f"\n{kind}: connect errors {t['connect_errors']}, disconnects {t['disconnects']}, "
                  f"join failures {t['join_failures']}, ack errors {t['ack_errors']}")
    drv = body["driver"]
    print(f"\ndriver: {drv['cpu_core_share']} of a core, RSS peak {drv['rss_peak_mib']} MiB, event loop delay "
          f"p99 {drv['event_loop_delay_ms']['p99']} ms (max {drv['event_loop_delay_ms']['max']}), "
          f"load average at end {drv['loadavg_end']}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
