#!/usr/bin/python3
"""apply_latency.py - from an API call's 200 to the kernel's verdict.

For each size (vNICs : rules, benchlib.build_scale), a prober in the
client instance sends one UDP datagram a millisecond to the server
instance (port 5301, which no generated rule opens), each from a new
source port so every probe is a new flow, and an echo in the server
answers (verdict_probe.py). A change is timed from the moment the API
answered 200 to the send time of the first probe that met the new
verdict (three in a row settle it; resolution 1 ms). Changes, in turn:

  authorize   AuthorizeSecurityGroupIngress udp 5301 from the client's /32
              on the server's last group (blocked -> passes)
  revoke      RevokeSecurityGroupIngress of the same (passes -> blocked)
  modify+     ModifyInstanceAttribute Groups: the server gets group
              bench-probe (which allows udp 5301 from the client), in
              place of its first group when it already has five
  modify-     ModifyInstanceAttribute Groups back (passes -> blocked)

and, alternating with them in the same run, the baseline: the same
element added to / deleted from the same nftables set of the server's
group directly, through a libnftables context kept open in the VPC
namespace (nftlink.py apply): no process start, no plan, no store; what
the kernel and libnftables alone need, the floor for any agent. It is
timed from the call into libnftables to the first probe with the new
verdict. The agent's 100 ms poll of the store (AGENT_POLL_MS) would be a
second lower bound (0-100 ms, 50 on average); the agent now wakes on the
store's writes instead (see the findings).

After each bulkhead change the benchmark waits until the agent reports
the revision applied (its full pass, which the next change must not
overlap) and counts, with a netlink listener on the nftables
notifications of the VPC namespace (nftlink.py monitor), the objects
(set elements, rules, chains, sets) in each transaction the agent
committed for it: the size of the change in the kernel.

At 1000 vNICs the same VPC is measured at two rule totals (10,000, then
1,000 after revoking most of them through the API), to show whether the
latency depends on the number of rules.

usage: apply_latency.py [--quick] [--changes N] [--sizes V:R[/R2],...] [--no-profile]"""
import argparse
import collections
import json
import math
import re
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

PROBE = os.path.join(bl.BENCH_DIR, "verdict_probe.py")
NFTLINK = os.path.join(bl.BENCH_DIR, "nftlink.py")
PORT = 5301
TARGET_P99_MS = 50
WATCH_TIMEOUT_MS = 15000
FULL_SIZES = "10:1000,100:1000,1000:10000/1000"
QUICK_SIZES = "10:200,60:1000/200"
KINDS = ["authorize", "revoke", "modify+", "modify-"]


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, math.ceil(q / 100 * len(xs)) - 1))
    return xs[k]


class Lines:
    """A child's stdout read by a thread: .get(timeout) the next line."""

    def __init__(self, proc, what):
        self.proc, self.what = proc, what
        self.cond = threading.Condition()
        self.lines = collections.deque()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def get(self, timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.lines:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.what}: no answer in {timeout}s")
                self.cond.wait(left)
            line = self.lines.popleft()
        if line is None:
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"{self.what} exited {self.proc.wait()}: {err[-2000:]}")
        return line

    def send(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()


class Monitor:
    """nftlink.py monitor in the VPC namespace: transactions as dicts."""

    def __init__(self, bench, ns):
        p = bench.spawn_in(ns, [bl.PY, NFTLINK, "monitor"], text=True, bufsize=1)
        self.lines = Lines(p, "nft monitor")
        json.loads(self.lines.get(10))
        self.lock = threading.Lock()
        self.tx = []
        self.lost = 0
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self):
        while True:
            try:
                rec = json.loads(self.lines.get(10 ** 6))
            except RuntimeError:
                return
            with self.lock:
                if "lost" in rec:
                    self.lost += 1
                else:
                    self.tx.append(rec)

    def since(self, t0, t1, proc="bulkhead"):
        with self.lock:
            return [r for r in self.tx if t0 <= r["t"] <= t1 and r["proc"] == proc]


class Rig:
    """The measured pair of one scale, and the helpers around it."""

    def __init__(self, bench, sc):
        self.b, self.sc = bench, sc
        self.srv, self.cli = sc.server, sc.client
        self.ns = bl.vpc_netns(sc.vpc)
        self.auth_group = self.srv["groups"][-1]
        self.perm = [{"IpProtocol": "udp", "FromPort": PORT, "ToPort": PORT,
                      "IpRanges": [{"CidrIp": self.cli["ip"] + "/32"}]}]
        ec2 = sc.main.ec2
        self.probe_group = ec2.create_security_group(VpcId=sc.vpc, GroupName="bench-probe",
                                                     Description="probe allow")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=self.probe_group, IpPermissions=self.perm)
        groups = list(self.srv["groups"])
        self.groups_off = groups
        self.groups_on = groups + [self.probe_group] if len(groups) < 5 else [self.probe_group] + groups[1:]
        self.set_name = f"g_{self.auth_group.split('-', 1)[1]}_in"
        self.element = f"{self.cli['ip']} . udp . {PORT} . 0-65535"
        echo = bench.spawn_in(self.srv["id"], [bl.PY, PROBE, "echo", str(PORT)], text=True, bufsize=1)
        Lines(echo, "echo").get(10)
        self.prober = Lines(bench.spawn_in(self.cli["id"], [bl.PY, PROBE, "probe", self.srv["ip"], str(PORT)],
                                           text=True, bufsize=1, stdin=subprocess.PIPE), "prober")
        self.prober.get(10)
        self.nft = Lines(bench.spawn_in(self.ns, [bl.PY, NFTLINK, "apply"], text=True, bufsize=1,
                                        stdin=subprocess.PIPE), "nft applier")
        self.nft.get(10)
        self.mon = Monitor(bench, self.ns)
        bench.wait_applied()

    def _watch(self, want_from, act):
        """Probe until want_from holds, run act() -> t0, return ms from t0
        to the first probe with the other verdict."""
        self.prober.send(f"watch {want_from} {WATCH_TIMEOUT_MS}")
        w = self.prober.get(WATCH_TIMEOUT_MS / 1000 + 10).split()
        if w[0] != "ready":
            raise RuntimeError(f"the flow never showed '{want_from}' before the change: {w}")
        t0 = act()
        w = self.prober.get(WATCH_TIMEOUT_MS / 1000 + 10).split()
        if w[0] != "changed":
            raise RuntimeError(f"the verdict did not change within {WATCH_TIMEOUT_MS} ms after the change")
        return (float(w[1]) - t0) * 1000, t0

    def bulkhead(self, kind):
        ec2 = self.sc.main.ec2
        calls = {
            "authorize": lambda: ec2.authorize_security_group_ingress(GroupId=self.auth_group,
                                                                       IpPermissions=self.perm),
            "revoke": lambda: ec2.revoke_security_group_ingress(GroupId=self.auth_group, IpPermissions=self.perm),
            "modify+": lambda: ec2.modify_instance_attribute(InstanceId=self.srv["id"], Groups=self.groups_on),
            "modify-": lambda: ec2.modify_instance_attribute(InstanceId=self.srv["id"], Groups=self.groups_off),
        }
        api = {}

        def act():
            t = time.monotonic()
            calls[kind]()
            api["ms"] = (time.monotonic() - t) * 1000
            return time.monotonic()

        ms, t0 = self._watch("block" if kind in ("authorize", "modify+") else "pass", act)
        applied_s = self.b.wait_applied(timeout=120)
        t1 = time.monotonic()
        time.sleep(0.002)  # the monitor's last lines
        tx = self.mon.since(t0 - api["ms"] / 1000, t1)
        return {"kind": kind, "ms": ms, "api_ms": api["ms"], "applied_ms": (t1 - t0) * 1000,
                "tx": len(tx), "objects": [r["objects"] for r in tx],
                "first_objects": tx[0]["objects"] if tx else None, "wait_s": applied_s}

    def floor(self, add):
        verb = "add" if add else "delete"

        def act():
            self.nft.send(f"{verb} element inet bulkhead {self.set_name} {{ {self.element} }}")
            w = self.nft.get(30).split()
            if w[0] != "ok":
                raise RuntimeError(f"nft {verb} element refused: {' '.join(w[3:])}")
            act.call_ms = (float(w[2]) - float(w[1])) * 1000
            return float(w[1])

        ms, t0 = self._watch("block" if add else "pass", act)
        time.sleep(0.002)
        tx = self.mon.since(t0, time.monotonic(), proc="python3")
        return {"kind": f"nft {verb}", "ms": ms, "call_ms": act.call_ms,
                "objects": [r["objects"] for r in tx]}

    def run(self, n_changes):
        """n_changes bulkhead changes and as many floor changes, alternating."""
        out = {"bulkhead": [], "floor": []}
        cycles = max(1, math.ceil(n_changes / 4))
        for _ in range(cycles):
            for kind in KINDS:
                out["bulkhead"].append(self.bulkhead(kind))
                if kind in ("revoke", "modify-"):
                    out["floor"].append(self.floor(True))
                    out["floor"].append(self.floor(False))
        return out


def reduce_rules(sc, total):
    """Revoke rules through the API until about `total` remain in the main
    VPC (the same groups, vNICs and memberships). Returns (calls, seconds)."""
    ec2 = sc.main.ec2
    keep = max(1, total // max(1, len(sc.groups)))
    calls, t0 = 0, time.monotonic()
    for g in sc.groups:
        drop = [p for p in g["rules"][keep:] if p not in sc.allow_rules]
        for i in range(0, len(drop), 60):
            ec2.revoke_security_group_ingress(GroupId=g["id"], IpPermissions=drop[i:i + 60])
            calls += 1
        g["rules"] = [p for p in g["rules"] if p not in drop]
    sc.rule_count = sum(len(g["rules"]) for g in sc.groups)
    return calls, time.monotonic() - t0


FOCUS = {"agent_apply_filters_early": "the early path", "sqlite_snapshot_load": "snapshot loads, both paths",
         "policy_compile_vpc": "compiles, both paths", "nft_apply": "nft transactions, both paths",
         "agent_pass": "the full pass", "kstate_read": "reading namespaces (netlink dumps), full pass"}


def agent_profile(bench, rig, path, changes=12):
    """perf record -g -p <agent> during a few changes: the agent's hottest
    functions (cumulative) as text."""
    perf = subprocess.Popen(["perf", "record", "--call-graph", "dwarf,16384", "-F", "299", "-o", path,
                             "-p", str(bench.agent_pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    lat = []
    try:
        for k in range(changes):
            lat.append(rig.bulkhead(KINDS[k % 4])["ms"])
    finally:
        perf.send_signal(2)
        perf.wait()
    p = subprocess.run(["perf", "report", "-i", path, "--stdio", "--children", "--sort", "sym", "-g", "none",
                        "--percent-limit", "0.5"], capture_output=True, text=True)
    keep, seen = [], set()
    focus = {}
    for ln in p.stdout.splitlines():
        parts = ln.split()
        if len(parts) >= 4 and parts[0].endswith("%") and parts[3] in FOCUS and parts[3] not in focus:
            focus[parts[3]] = parts[0]
    for ln in p.stdout.splitlines():
        parts = ln.split()
        if len(parts) < 4 or not parts[0].endswith("%") or ln.startswith("#"):
            continue
        name = " ".join(parts[3:])
        if name in seen or name.startswith(("__libc_start", "_start", "main", "cmd_agent", "entry_SYSCALL")):
            continue
        seen.add(name)
        if float(parts[0].rstrip("%")) >= 2:
            keep.append(f"{parts[0]:>8} {parts[1]:>8}  {name}")
    keep = [f"{focus.get(f, '<0.5%'):>8}           {f}   ({FOCUS[f]})" for f in FOCUS] + ["", "top:"] + keep
    with_early = [ln for ln in bench.agent_log().splitlines() if "early" in ln]
    return "\n".join(keep[:30]), lat, with_early[-4:]


def summarize(label, res):
    b = [r["ms"] for r in res["bulkhead"]]
    f = [r["ms"] for r in res["floor"]]
    first = [r["first_objects"] for r in res["bulkhead"] if r["first_objects"] is not None]
    per_kind = {k: [r["ms"] for r in res["bulkhead"] if r["kind"] == k] for k in KINDS}
    objs = {k: [r["first_objects"] for r in res["bulkhead"] if r["kind"] == k and r["first_objects"] is not None]
            for k in KINDS}
    return {"label": label, "n": len(b), "n_floor": len(f),
            "p50": pct(b, 50), "p99": pct(b, 99), "max": max(b), "min": min(b),
            "floor_p50": pct(f, 50), "floor_p99": pct(f, 99),
            "floor_call_p50": pct([r["call_ms"] for r in res["floor"]], 50),
            "api_p50": pct([r["api_ms"] for r in res["bulkhead"]], 50),
            "applied_p50": pct([r["applied_ms"] for r in res["bulkhead"]], 50),
            "applied_p99": pct([r["applied_ms"] for r in res["bulkhead"]], 99),
            "tx_p50": pct([r["tx"] for r in res["bulkhead"]], 50),
            "objects_first_p50": pct(first, 50), "objects_first_max": max(first) if first else None,
            "kind_p50": {k: pct(v, 50) for k, v in per_kind.items()},
            "kind_p99": {k: pct(v, 99) for k, v in per_kind.items()},
            "kind_objects": {k: pct(v, 50) for k, v in objs.items()},
            "floor_objects": pct([sum(r["objects"]) for r in res["floor"]], 50),
            "early_n": len(res["early"]),
            "early_load": pct([e[0] for e in res["early"]], 50),
            "early_compile": pct([e[1] for e in res["early"]], 50),
            "early_total": pct([e[2] for e in res["early"]], 50),
            "early_diff": pct([e[2] for e in res["early_nft"]], 50),
            "early_nft": pct([e[3] for e in res["early_nft"]], 50),
            "early_commands": pct([e[0] for e in res["early_nft"]], 50)}


def parse_sizes(text):
    out = []
    for item in text.split(","):
        v, rules = item.split(":")
        totals = [int(x) for x in rules.split("/")]
        out.append((int(v), totals))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--changes", type=int, help="bulkhead changes per size (default 200, --quick 24)")
    ap.add_argument("--sizes", help=f"vNICs:rules[/rules2],... (default {FULL_SIZES})")
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    changes = args.changes or (24 if args.quick else 200)
    sizes = parse_sizes(args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES))
    print(bl.machine_line(), flush=True)
    summaries, setups, profile = [], [], None
    for vnics, totals in sizes:
        with bl.Bench(f"apply{vnics}") as b:
            bl.log(f"setup: {vnics} vNICs, {totals[0]} rules")
            sc = bl.build_scale(b, vnics, totals[0])
            setups.append((f"{vnics} vNICs, {sc.rule_count} rules", sc.timings))
            rig = Rig(b, sc)
            for k, total in enumerate(totals):
                if k > 0:
                    calls, secs = reduce_rules(sc, total)
                    conv = b.wait_applied(timeout=600)
                    setups.append((f"{vnics} vNICs, down to {sc.rule_count} rules",
                                   {"api_s": secs, "api_calls": calls, "converge_s": conv}))
                label = f"{vnics} vNICs, {sc.rule_count} rules"
                bl.log(f"measuring {label}: {changes} changes + {changes} floor changes")
                res = run_and_log(rig, changes)
                summaries.append(summarize(label, res))
                s = summaries[-1]
                bl.log(f"{label}: bulkhead p50 {s['p50']:.1f} p99 {s['p99']:.1f} ms; floor p50 "
                       f"{s['floor_p50']:.1f} p99 {s['floor_p99']:.1f} ms; objects/tx {s['objects_first_p50']}")
                if vnics == max(v for v, _ in sizes) and k == 0 and not args.no_profile:
                    bl.log("profiling the agent during 12 changes")
                    profile = (label,) + agent_profile(b, rig, os.path.join(b.workdir, "agent.perf"))
    write_report(summaries, setups, profile, changes)


EARLY_RE = re.compile(r"event=filters_early .*?load_ms=(\d+) compile_ms=(\d+) ms=(\d+)")
APPLIED_RE = re.compile(r"event=nft_applied .*?early=1 commands=(\d+) bytes=(\d+) diff_ms=(\d+) ms=(\d+)")


def run_and_log(rig, changes):
    t0 = time.monotonic()
    start = len(rig.b.agent_log())
    res = rig.run(changes)
    log = rig.b.agent_log()[start:]
    res["early"] = [tuple(int(x) for x in m.groups()) for m in EARLY_RE.finditer(log)]
    res["early_nft"] = [tuple(int(x) for x in m.groups()) for m in APPLIED_RE.finditer(log)]
    bl.log(f"  {len(res['bulkhead'])} + {len(res['floor'])} changes in {time.monotonic() - t0:.0f}s")
    return res


def write_report(summaries, setups, profile, changes):
    rep = bl.Report("apply_latency", "Benchmark 2: apply latency (API 200 to the packet's verdict)")
    big = [s for s in summaries if s["label"].startswith(str(max(int(x["label"].split()[0]) for x in summaries)))]
    rows = []
    for s in summaries:
        rows.append([s["label"], s["p99"] / s["floor_p99"], s["p50"] / s["floor_p50"],
                     s["p99"] / TARGET_P99_MS, "yes" if s["p99"] <= TARGET_P99_MS else
                     f"no, by {s['p99'] - TARGET_P99_MS:.0f} ms"])
    rep.ratios("bulkhead against the floor (nft element change in a kept-open libnftables context) and the target",
               ["size", "p99 / floor p99", "p50 / floor p50", "p99 / 50 ms target", "p99 ≤ 50 ms"], rows)
    if len(big) == 2:
        a, c = big
        rep.ratios("flat in the number of rules? (same VPC, same vNICs)",
                   ["measure", a["label"], c["label"], "ratio"],
                   [["p50 ms", a["p50"], c["p50"], a["p50"] / c["p50"]],
                    ["p99 ms", a["p99"], c["p99"], a["p99"] / c["p99"]],
                    ["objects in the change's transaction (median)", a["objects_first_p50"],
                     c["objects_first_p50"], "—"]])
    rep.absolutes(f"latency in ms, {changes} bulkhead changes and as many floor changes per size",
                  ["size", "bulkhead p50", "bulkhead p99", "bulkhead max", "floor p50", "floor p99",
                   "API call p50", "until applied p50", "until applied p99"],
                  [[s["label"], s["p50"], s["p99"], s["max"], s["floor_p50"], s["floor_p99"], s["api_p50"],
                    s["applied_p50"], s["applied_p99"]] for s in summaries])
    rep.absolutes("by kind of change: p50 / p99 ms, and objects in the agent's first transaction (median)",
                  ["size"] + KINDS,
                  [[s["label"]] + [f"{s['kind_p50'][k]:.1f} / {s['kind_p99'][k]:.1f} ms, "
                                   f"{bl.fmt(s['kind_objects'][k])} obj" for k in KINDS] for s in summaries],
                  note="Objects: set elements, rules, chains and sets added or deleted, counted from the "
                       "kernel's netlink notifications for the transaction (nftlink.py monitor). The floor "
                       "changes one element per transaction.")
    rep.absolutes("where the agent's time goes: medians of its own log lines per change, ms",
                  ["size", "changes applied early", "load snapshot", "compile changed VPCs", "diff of the plans",
                   "diff + nft transaction", "early path total", "probe latency p50",
                   "nft commands in the early transaction"],
                  [[s["label"], f"{s['early_n']} of {s['n']}", s["early_load"], s["early_compile"], s["early_diff"],
                    s["early_nft"], s["early_total"], s["p50"], s["early_commands"]] for s in summaries],
                  note="From the agent's `event=filters_early load_ms compile_ms ms` and `event=nft_applied early=1 "
                       "commands diff_ms ms` lines. They overlap the probe's view: the verdict changes at the "
                       "kernel's commit, before libnftables has returned and the agent has timed it, and the "
                       "total includes what follows the commit (freeing the old plan); the early path "
                       "compiles only the VPCs whose rows in the snapshot changed.")
    rep.absolutes("setup through the API (seconds)", ["size", "API calls", "API s", "agent converged s"],
                  [[lab, t.get("api_calls"), t.get("api_s"), t.get("converge_s")] for lab, t in setups])
    labels = [s["label"].replace(" rules", "r").replace(" vNICs,", "v") for s in summaries]
    rep.bar_plot("apply_latency.png", "apply latency, ms (log): bulkhead vs nft floor; dashed: 50 ms target",
                 labels, {"bulkhead p50": [s["p50"] for s in summaries], "bulkhead p99": [s["p99"] for s in summaries],
                          "floor p50": [s["floor_p50"] for s in summaries],
                          "floor p99": [s["floor_p99"] for s in summaries]},
                 "ms", log=True, ref=TARGET_P99_MS)
    rep.note(__doc__.split("\n\n", 1)[1].split("usage:")[0])
    rep.note(FINDINGS)
    if profile:
        label, text, lat, early = profile
        rep.note(f"Profile of the agent at {label} (`perf record --call-graph dwarf -p <agent>` during "
                 f"{len(lat)} changes, p50 {pct(lat, 50):.1f} ms under perf; cumulative share of samples; the "
                 "full pass (`converge`, `agent_pass`) runs after the early transaction, so most of it does "
                 "not delay the verdict):\n\n"
                 "```\n" + text + "\n```\n\nThe agent's own account of its last early transactions:\n\n"
                 "```\n" + "\n".join(early) + "\n```")
    rep.write()
    print(rep.markdown(), flush=True)


FINDINGS = """\
How to read it. The latency is what a user waits for between the API's 200
and the packet's new verdict: the writer's commit and WAL sync, the agent
noticing the new revision, loading the snapshot, compiling the VPCs whose
rows changed, diffing against what it applied, and committing one
nftables transaction in the VPC namespace. The floor is the kernel and
libnftables alone for the same element; the ratio is what bulkhead's path
adds. "until applied" is when the agent reports the revision applied,
after its full pass over every namespace, which the benchmark waits for
before the next change.

What changed in the agent for this (src/agent/, src/store/).
Before, the agent read the store's revision every 100 ms and then ran its
full pass, whose nftables step comes after reading every namespace's
links, addresses and routes: at 1000 vNICs a change took 400-900 ms to
reach the kernel, and a profile of the agent was 60 % kernel time in
those reads. Now:
(1) the agent waits on inotify events of the database and its WAL file
(`store_wait_change`, src/store/sqlite_watch.c), and for 100 ms after
each event re-reads the revision every 2 ms, since an event comes before
the commit is visible; the 100 ms poll stays as the fallback;
(2) on a new revision it loads the snapshot and compiles only the VPCs
whose compiler inputs changed (a digest of each VPC's rows,
src/agent/vpc_inputs.c), and commits the filter table's difference at
once where only that table changed, in the agent's own process inside
the namespace (no fork, one libnftables context per transaction); the
full pass follows and finds it in place;
(3) every change to a group's rules is a set element change (one set per
group and direction, docs/dataplane.md), so the transaction is one
element; a change of a vNIC's groups rewrites that vNIC's two chains;
(4) a revision committed between the agent's read of the revision and its
pass's snapshot no longer counts as new once that pass applied it.

What is left, at 1000 vNICs (the "where the agent's time goes" table):
the changed VPC is compiled whole (every rule of every group in it), so
the compile grows with that VPC's rules (a profile: string compares,
the linear search of sets by name, sorting and formatting); the snapshot
load reads every tenant's state (now mostly SQLite reading rows); and
the transaction's libnftables context lists the table's sets and chains
before it commits. The floor fell from about 17 ms to about 4 ms at this
size when every set became a concatenation: libnftables reads the
elements of an interval set that is not one before changing it, and
there is none left. Proposals, none of them in this change: compile per
group and cache the result by the group's rules and members; load the
snapshot incrementally (rows changed since a revision); change set
elements with libnftnl directly, which needs no cache of the table.
"""


if __name__ == "__main__":
    main()
