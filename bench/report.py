"""Markdown tables of one bench/load.sh run: per endpoint rps and p50/p95/p99,
errors; the chat ledger; each process's memory and CPU.

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


if __name__ == "__main__":
    main(Path(sys.argv[1]))
