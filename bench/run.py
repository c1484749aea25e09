#!/usr/bin/python3
"""run.py - `make bench`: every benchmark in turn, each in its own
scripts/sandbox.sh (private network and mount namespaces), then
bench/results/README.md combining their results: ratios first, absolute
figures second, then plots and each benchmark's method and findings.

usage: run.py [--quick] [--only NAME[,NAME]] [--combine-only]

A benchmark that fails (crashes, or cannot set up) is reported in the
combined README and makes the exit status 1; a missed target does not."""
import argparse
import json
import os
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
os.environ.setdefault("BULKHEAD_BIN", os.path.join(REPO, "build", "bulkhead"))

# Order: the cheap setups first; the restart benchmark builds the largest state.
ORDER = ["dataplane", "apply_latency", "restart", "api_throughput"]


def run_one(name, quick):
    argv = [os.path.join(REPO, "scripts", "sandbox.sh"), "/usr/bin/python3", os.path.join(BENCH_DIR, f"{name}.py")]
    if quick:
        argv.append("--quick")
    print(f"== bench/{name}.py", flush=True)
    t0 = time.monotonic()
    rc = subprocess.call(argv, cwd=REPO)
    dt = time.monotonic() - t0
    print(f"== bench/{name}.py exited {rc} after {dt:.0f}s", flush=True)
    return rc, dt


def combine(runs):
    import benchlib as bl
    out = ["# Benchmark results\n",
           "Written by `make bench` (bench/run.py); what each benchmark measures and how to read it: "
           "[bench/README.md](../README.md).\n",
           f"Machine: {bl.machine_line()}\n"]
    reports = []
    for name in ORDER:
        path = os.path.join(bl.RESULTS_DIR, f"{name}.json")
        if os.path.exists(path):
            reports.append(json.load(open(path)))
    if runs:
        out.append("| benchmark | exit | wall time |\n|---|---|---|")
        for name, (rc, dt) in runs.items():
            out.append(f"| {name} | {'ok' if rc == 0 else f'FAILED ({rc})'} | {dt:.0f} s |")
        out.append(f"| total | | {sum(dt for _, dt in runs.values()):.0f} s |\n")
    out.append("## Ratios\n")
    for r in reports:
        for kind, t in r["sections"]:
            if kind == "ratios":
                t = dict(t, title=f"{r['title']}: {t['title']}" if t["title"] else r["title"])
                out.append(bl.Report._table(t))
    out.append("## Absolute figures\n")
    for r in reports:
        for kind, t in r["sections"]:
            if kind == "absolutes":
                t = dict(t, title=f"{r['title']}: {t['title']}" if t["title"] else r["title"])
                out.append(bl.Report._table(t))
    plots = [(r["title"], p) for r in reports for p in r.get("plots", [])]
    if plots:
        out.append("## Plots\n")
        out += [f"![{title}: {p}]({p})\n" for title, p in plots]
    out.append("## Method and findings\n")
    for r in reports:
        out.append(f"### {r['title']}\n")
        out.append(f"Machine at its start: {r['machine'].get('cores')} cores, kernel {r['machine'].get('kernel')}, "
                   f"load {r['machine'].get('load', 0):.2f}.\n")
        out += [p.strip() + "\n" for kind, p in r["sections"] if kind == "note"]
    os.makedirs(bl.RESULTS_DIR, exist_ok=True)
    path = os.path.join(bl.RESULTS_DIR, "README.md")
    with open(path, "w") as f:
        f.write("\n".join(out))
    print(f"wrote {os.path.relpath(path, REPO)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes, for development")
    ap.add_argument("--only", help="comma-separated benchmark names")
    ap.add_argument("--combine-only", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0 and not args.combine_only:
        sys.exit("make bench needs root (network namespaces, nftables)")
    names = [n for n in ORDER if os.path.exists(os.path.join(BENCH_DIR, f"{n}.py"))]
    if args.only:
        want = args.only.split(",")
        names = [n for n in names if n in want]
    runs = {}
    if not args.combine_only:
        for n in names:
            runs[n] = run_one(n, args.quick)
    combine(runs)
    sys.exit(1 if any(rc != 0 for rc, _ in runs.values()) else 0)


if __name__ == "__main__":
    main()
