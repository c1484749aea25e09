#!/usr/bin/python3
"""dataplane.py - what bulkhead's filtering costs per packet.

Two instances of one VPC (a client and a server namespace) exchange
traffic through the VPC's router namespace, whose nftables hold, in turn:

  a  nothing: every nft table of the VPC namespace removed (a plain Linux
     router; conntrack is not even loaded there)
  b  bulkhead: the tables the agent applied (filter, NAT, L2), reloaded
     from their own listing between alternations
  c  linear: bulkhead's filter table replaced by one base chain holding
     the same ingress rules one after another, the iptables way (the NAT
     and L2 tables stay); the measured traffic matches the last rules
  ct (a diagnostic, not a baseline) no bulkhead tables, only a forward
     chain accepting everything after `ct state established,related
     accept`: the cost of connection tracking alone, which b pays and a
     does not

Sizes: vNICs x rules from benchlib.build_scale. For each size, a, b, c
and ct alternate (a b c ct a b c ct ...); each figure is the median of
the reps. The agent is stopped (SIGSTOP) while its tables are swapped out,
and the ruleset it applied must come back unchanged.
Measurements: iperf3 TCP -P 4 (Gbit/s), iperf3 UDP -l 64 -b 0 -P 4
(received packets/s), and one-way UDP from udpflood.py (received
packets/s; no reply, so every packet is judged by the rules).

usage: dataplane.py [--quick] [--seconds S] [--reps N] [--sizes V:R,V:R...] [--no-profile]"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

FULL_SIZES = [(10, 100), (100, 1000), (1000, 10000)]
QUICK_SIZES = [(10, 100), (60, 1000)]
UDPFLOOD = os.path.join(bl.BENCH_DIR, "udpflood.py")
PROBE = os.path.join(bl.REPO, "tests", "e2e", "probe.py")
DENIED_PORT = 5999
# The senders and receivers, and the softirq threads that may forward for them.
PROFILE_COMMS = {"new": ["bhudpflood", "ksoftirqd/0", "ksoftirqd/1"],
                 "udp": ["iperf3", "ksoftirqd/0", "ksoftirqd/1"]}
PROFILE_GROUPS = {"nft rules": r"^nft_|pipapo|nf_tables", "conntrack": r"conntrack|^nf_ct|__nf_ct|nf_nat",
                  "other netfilter": r"^nf_|netfilter"}
CONFIGS = ["a", "b", "c", "ct"]
NAMES = {"a": "a: no filtering", "b": "b: bulkhead", "c": "c: linear chain", "ct": "ct: conntrack only"}
CT_ONLY = """table inet bhbench_ct {
\tchain forward {
\t\ttype filter hook forward priority filter; policy accept;
\t\tct state established,related accept
\t}
}
"""
METRICS = [("tcp", "TCP Gbit/s (iperf3 -P 4)"), ("udp", "UDP kpps, replied (iperf3 -u -l 64 -b 0 -P 4)"),
           ("new", "UDP kpps, unreplied: every packet judged by the rules")]


# --------------------------------------------------------------------------
# the three rule sets


def nft(ns, text=None, args=()):
    argv = ["ip", "netns", "exec", ns, "nft"] + (["-f", "-"] if text is not None else list(args))
    return bl.sh(argv, input=text, timeout=300)


def perm_match(p, members):
    """An nft match for one IpPermission's source and ports."""
    if p.get("UserIdGroupPairs"):
        ips = sorted(set(members.get(p["UserIdGroupPairs"][0]["GroupId"], [])))
        if not ips:
            return None  # a peer group without members matches nothing
        src = "ip saddr " + (ips[0] if len(ips) == 1 else "{ " + ", ".join(ips) + " }")
    else:
        src = "ip saddr " + p["IpRanges"][0]["CidrIp"]
    lo, hi = p["FromPort"], p["ToPort"]
    ports = str(lo) if lo == hi else f"{lo}-{hi}"
    return f"{src} {p['IpProtocol']} dport {ports}"


def linear_table(sc):
    """The same ingress rules as one linear chain: one rule per rule (a
    peer group's members in an anonymous set, as an ipset would hold
    them), the allowed traffic's rules last."""
    members = sc.group_members()
    lines = ["table inet bhbench_linear {", "\tchain forward {",
             "\t\ttype filter hook forward priority filter; policy drop;",
             "\t\tct state established,related accept", "\t\tct state invalid drop"]
    last, n = [], 0
    for g in sc.groups:
        if not g["eni"]:
            continue
        dev = bl.eni_link(g["eni"])
        for p in g["rules"]:
            m = perm_match(p, members)
            if m is None:
                continue
            rule = f'\t\toifname "{dev}" {m} accept'
            if p in sc.allow_rules:
                last.append(rule)
            else:
                lines.append(rule)
                n += 1
    lines += last + ["\t}", "}"]
    return "\n".join(lines) + "\n", n + len(last)


class RuleSets:
    def __init__(self, sc):
        self.ns = bl.vpc_netns(sc.vpc)
        listing = nft(self.ns, args=["list", "ruleset"]).stdout
        tables = nft(self.ns, args=["list", "tables"]).stdout.split("\n")
        others = ""
        for t in tables:
            parts = t.split()
            if len(parts) == 3 and parts[2] != "bulkhead":
                others += nft(self.ns, args=["list", "table", parts[1], parts[2]]).stdout
        linear, self.linear_rules = linear_table(sc)
        self.text = {"a": "flush ruleset\n",
                     "b": "flush ruleset\n" + listing,
                     "c": "flush ruleset\n" + others + linear,
                     "ct": "flush ruleset\n" + CT_ONLY}
        self.listing = listing
        self.current = "b"

    def use(self, which):
        if which != self.current:
            t0 = time.monotonic()
            nft(self.ns, self.text[which])
            self.current = which
            return time.monotonic() - t0
        return 0.0

    def check_restored(self):
        now = nft(self.ns, args=["list", "ruleset"]).stdout
        if now != self.listing:
            raise RuntimeError("bulkhead's ruleset did not come back as it was after the measurements")


# --------------------------------------------------------------------------
# traffic


class Traffic:
    def __init__(self, bench, sc, seconds):
        self.b, self.sc, self.seconds = bench, sc, seconds
        self.srv, self.cli = sc.server, sc.client
        bench.spawn_in(self.srv["id"], ["iperf3", "-s", "-p", str(bl.BENCH_TCP_PORT)],
                       stdout=subprocess.DEVNULL)
        # a UDP sink that never reads: no ICMP unreachable, no reply
        bench.spawn_in(self.srv["id"], [bl.PY, "-c", "import socket, signal; s = socket.socket(2, 2); "
                                        f"s.bind(('0.0.0.0', {bl.BENCH_UDP_PORTS[1]})); signal.pause()"])
        time.sleep(0.5)

    def iperf(self, extra):
        argv = ["iperf3", "-c", self.srv["ip"], "-p", str(bl.BENCH_TCP_PORT), "-t", str(self.seconds), "-J",
                "--connect-timeout", "3000"] + extra
        for attempt in range(3):
            p = bl.run_in(self.cli["id"], argv, timeout=self.seconds + 30, check=False)
            try:
                out = json.loads(p.stdout)
            except ValueError:
                out = {"error": p.stderr.strip() or p.stdout[-300:]}
            if "error" not in out:
                return out
            time.sleep(1)  # the server still finishing the last test ("busy")
        raise RuntimeError(f"iperf3 {' '.join(extra)}: {out['error']}")

    def tcp(self):
        out = self.iperf(["-P", "4"])
        return out["end"]["sum_received"]["bits_per_second"] / 1e9

    def udp(self):
        out = self.iperf(["-u", "-l", "64", "-b", "0", "-P", "4"])
        s = out["end"]["sum"]
        return (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3

    def rx_packets(self):
        p = bl.sh(["ip", "-n", bl.instance_netns(self.srv["id"]), "-j", "-s", "link", "show", "eth0"])
        return json.loads(p.stdout)[0]["stats64"]["rx"]["packets"]

    def new(self):
        before = self.rx_packets()
        t0 = time.monotonic()
        bl.run_in(self.cli["id"], [bl.PY, UDPFLOOD, self.srv["ip"], str(bl.BENCH_UDP_PORTS[1]), "--seconds",
                                   str(self.seconds), "--procs", "2"], timeout=self.seconds + 30)
        dt = time.monotonic() - t0
        return (self.rx_packets() - before) / dt / 1e3

    def denied_blocked(self):
        """A port no rule allows must be blocked (b, c) or refused (a)."""
        p = bl.run_in(self.cli["id"], [bl.PY, PROBE, "--timeout", "0.5", f"tcp:{self.srv['ip']}:{DENIED_PORT}"])
        return json.loads(p.stdout)[f"tcp:{self.srv['ip']}:{DENIED_PORT}"]["result"]


# --------------------------------------------------------------------------


def measure_size(vnics, rules, args):
    bl.log(f"size {vnics} vNICs x {rules} rules: setup")
    with bl.Bench(f"dp{vnics}") as b:
        sc = bl.build_scale(b, vnics, rules)
        bl.log(f"  setup: {sc.timings['api_calls']} API calls in {sc.timings['api_s']:.1f}s, "
               f"agent converged {sc.timings['converge_s']:.1f}s later")
        rs = RuleSets(sc)
        tr = Traffic(b, sc, args.seconds)
        server_groups = len(sc.server["groups"])
        # the agent must not repair what the measurement swaps in
        os.kill(b.agent_pid, signal.SIGSTOP)
        try:
            checks = {}
            results = {k: {m: [] for m, _ in METRICS} for k in CONFIGS}
            for rep in range(args.reps):
                for k in CONFIGS:
                    rs.use(k)
                    checks.setdefault(k, tr.denied_blocked())
                    for m, _ in METRICS:
                        results[k][m].append(getattr(tr, m)())
                bl.log(f"  rep {rep + 1}: " + "  ".join(
                    f"{k}: " + "/".join(bl.fmt(results[k][m][-1]) for m, _ in METRICS) for k in CONFIGS))
            profiles = {}
            if args.profile:
                for k, m in (("a", "udp"), ("b", "udp"), ("a", "new"), ("b", "new"), ("c", "new")):
                    rs.use(k)
                    _, profiles[f"{k} {m}"] = bl.profile_during(
                        getattr(tr, m), os.path.join(b.workdir, "perf.data"), comms=PROFILE_COMMS[m],
                        groups=PROFILE_GROUPS)
            rs.use("b")
            rs.check_restored()
        finally:
            os.kill(b.agent_pid, signal.SIGCONT)
        expect = {"a": "refused", "b": "blocked", "c": "blocked", "ct": "refused"}
        if checks != expect:
            raise RuntimeError(f"the denied probe was not judged as expected: {checks} (expected {expect})")
        b.wait_applied(timeout=60)
        return {"vnics": vnics, "rules": sc.rule_count, "linear_rules": rs.linear_rules,
                "main_vnics": sum(1 for i in sc.instances if i["tenant"] is sc.main),
                "server_groups": server_groups, "groups": len(sc.groups), "timings": sc.timings,
                "results": results, "profiles": profiles,
                "median": {k: {m: bl.median(v) for m, v in results[k].items()} for k in CONFIGS}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--sizes")
    ap.add_argument("--no-profile", dest="profile", action="store_false",
                    help="no perf profile at the largest size")
    args = ap.parse_args()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if args.sizes:
        sizes = [tuple(int(x) for x in s.split(":")) for s in args.sizes.split(",")]
    args.seconds = args.seconds or 2
    args.reps = args.reps or (2 if args.quick else 5)
    print(bl.machine_line(), flush=True)
    profile = args.profile
    out = []
    for k, (v, r) in enumerate(sizes):
        args.profile = profile and k == len(sizes) - 1
        out.append(measure_size(v, r, args))
    report(out, args)


def met(value, target, higher=True):
    ok = value >= target if higher else value <= target
    if ok:
        return "yes"
    return f"no: {100 * (1 - value / target):.0f}% short"


def report(out, args):
    rep = bl.Report("dataplane", "Benchmark 1: data-plane cost")
    labels = [f"{o['vnics']} vNICs / {o['rules']} rules" for o in out]
    big = out[-1]
    md = big["median"]
    rows = []
    for m, desc in METRICS:
        ba, bc = bl.ratio(md["b"][m], md["a"][m]), bl.ratio(md["b"][m], md["c"][m])
        rows.append([desc, "b/a >= 0.90", ba, met(ba, 0.90)])
        rows.append([desc, "b/c >= 10", bc, met(bc, 10)])
    rep.ratios(f"targets at {labels[-1]}", ["measure", "target", "ratio", "met"], rows,
               note="tcp and udp are established flows: conntrack accepts their packets before any rule, so "
                    "neither bulkhead's sets nor the linear chain are consulted after the first packet and b/c "
                    "stays near 1 by construction. The unreplied UDP stream is judged by the rules packet by "
                    "packet: that is where the rule structure shows.")
    rows = []
    for o, lab in zip(out, labels):
        m_ = o["median"]
        rows.append([lab] + [bl.ratio(m_["b"][m], m_["a"][m]) for m, _ in METRICS]
                    + [bl.ratio(m_["b"][m], m_["c"][m]) for m, _ in METRICS]
                    + [bl.ratio(m_["ct"][m], m_["a"][m]) for m, _ in METRICS])
    rep.ratios("every size (medians)", ["size"] + [f"b/a {m}" for m, _ in METRICS] + [f"b/c {m}" for m, _ in METRICS]
               + [f"ct/a {m}" for m, _ in METRICS], rows,
               note="ct/a: what connection tracking alone costs against the plain router (the part of b/a that "
                    "any stateful firewall pays).")
    rows = []
    for o, lab in zip(out, labels):
        for k in CONFIGS:
            name = NAMES[k] + (f" ({o['linear_rules']} rules)" if k == "c" else "")
            rows.append([lab, name] + [bl.median(o["results"][k][m]) for m, _ in METRICS]
                        + [" ".join(bl.fmt(x) for x in o["results"][k]["tcp"]),
                           " ".join(bl.fmt(x) for x in o["results"][k]["new"])])
    rep.absolutes(f"medians of {args.reps} alternations of {args.seconds:g} s each",
                  ["size", "rule set"] + [d for _, d in METRICS] + ["TCP each rep", "unreplied each rep"], rows)
    rows = [[lab, o["timings"]["api_calls"], o["timings"]["api_s"], o["timings"]["converge_s"],
             o["timings"]["running_s"], o["main_vnics"], o["groups"], o["server_groups"]]
            for o, lab in zip(out, labels)]
    rep.absolutes("setup through the API (seconds)",
                  ["size", "API calls", "API time", "agent converged after", "all running after",
                   "vNICs in the measured VPC", "rule groups", "groups on the server vNIC"], rows,
                  note="The agent runs during the API calls; 'converged after' counts from the last call.")
    for m, desc in METRICS:
        rep.bar_plot(f"dataplane_{m}.png", desc, labels,
                     {NAMES[k]: [o["median"][k][m] for o in out] for k in CONFIGS},
                     desc.split(" (")[0].split(",")[0], log=(m == "new"))
    rep.note(__doc__.split("\n\n", 1)[1].split("usage:")[0])
    rep.note("Layout (benchlib.build_scale): an account may have 64 live instances, so the vNICs are spread over "
             "tenants of 50, one VPC each; the measured VPC holds the first 50 vNICs and every rule. Each rule "
             "group is carried by one vNIC; the server carries its share and the allowing rules (TCP 5201 and UDP "
             "5201-5202 from the client's group) end its last group. In the linear chain (c) every rule is "
             "`oifname <vNIC> ip saddr <cidr | {peer members}> <proto> dport <range> accept` after `ct state "
             "established,related accept`, in group order, with the allowing rules last.")
    for o, lab in zip(out, labels):
        for name, text in o.get("profiles", {}).items():
            if text:
                what = dict(METRICS)[name.split()[1]]
                rep.note(f"Profile at {lab}, {NAMES[name.split()[0]]}, {what} (`perf record -a -g`, "
                         f"limited to the traffic's processes and the softirq threads, self time, symbols above 1%):"
                         f"\n\n```\n{text}\n```")
    rep.write()


if __name__ == "__main__":
    main()
