#!/usr/bin/python3
"""restart.py - the agent SIGKILLed and started again at scale, under load.

Setup: benchlib.build_scale at 1000 vNICs and 10,000 rules (quick: 100 and
1000), made through the API while no agent runs (the API's time), then one
agent started on the empty kernel (its time to build everything).

Then, for each trial: a continuous allowed flow (tests/e2e/flows.py echo:
one TCP connection from the client to the server's allowed port, a line
every 20 ms, each expected back) and a stream of denied probes (flows.py
deny: the client to a port no rule allows, TCP and UDP, and a vNIC outside
the client's group to the allowed port), all with listeners behind them so
a leak would answer. The agent is SIGKILLed and started at once; converged
means the new agent reported the store's revision applied (under a host
name of its own, so the old report does not count). Reported: time from
start to converged, echo lines lost (never came back) and late (> 1 s),
denied probes that passed. The trials run on a settled host (the agent
idle for a while, as a host that has run for some time), and one more
trial kills the agent right after a rule change was applied.

usage: restart.py [--quick] [--trials N] [--no-profile] [--vnics N] [--rules N]"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

E2E = os.path.join(bl.REPO, "tests", "e2e")
FLOWS = os.path.join(E2E, "flows.py")
LISTENER = os.path.join(E2E, "listener.py")
DENIED_PORT = 5999
TARGET_S = 2.0


def start_flows(b, sc, other, seconds):
    srv = sc.server["ip"]
    procs = {
        "echo": b.spawn_in(sc.client["id"], [bl.PY, FLOWS, "echo", srv, str(bl.BENCH_TCP_PORT), "--seconds",
                                             str(seconds)]),
        "deny client": b.spawn_in(sc.client["id"], [bl.PY, FLOWS, "deny", "--seconds", str(seconds),
                                                    f"tcp:{srv}:{DENIED_PORT}", f"udp:{srv}:{DENIED_PORT}"]),
        "deny other": b.spawn_in(other["id"], [bl.PY, FLOWS, "deny", "--seconds", str(seconds),
                                               f"tcp:{srv}:{bl.BENCH_TCP_PORT}", f"udp:{srv}:{bl.BENCH_UDP_PORTS[0]}"]),
    }
    for name, p in procs.items():
        line = p.stdout.readline()
        if b"started" not in line:
            raise RuntimeError(f"flows.py {name} did not start: {line!r} {p.stderr.read()[-2000:]!r}")
    return procs


def finish_flows(procs, seconds):
    out = {}
    for name, p in procs.items():
        stdout, stderr = p.communicate(timeout=seconds + 60)
        lines = stdout.decode().strip().splitlines()
        if p.returncode != 0 or not lines:
            raise RuntimeError(f"flows.py {name} exited {p.returncode}: {stderr.decode()[-2000:]}")
        out[name] = json.loads(lines[-1])
    return out


def applied_line(b):
    lines = [ln for ln in b.agent_log().splitlines() if "event=revision_applied" in ln]
    if not lines:
        return {}
    return dict(f.split("=", 1) for f in lines[0].split() if "=" in f)


def pass_ms(b):
    """The ms of every converge the running agent logged (--debug: idle
    passes too), as (rounds, ms) pairs."""
    out = []
    for ln in b.agent_log().splitlines():
        if "event=revision_applied" in ln:
            f = dict(x.split("=", 1) for x in ln.split() if "=" in x)
            out.append((int(f.get("rounds", 0)), int(f.get("ms", 0))))
    return out


def change_rule(sc, n):
    """One more rule in a generated group (a change the agent must apply)."""
    g = sc.groups[0]["id"]
    sc.main.ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 61000 + n, "ToPort": 61000 + n,
         "IpRanges": [{"CidrIp": f"192.0.2.{n % 250 + 1}/32"}]}])


def profile_restart(b, path):
    """One more restart with the agent started under `perf record
    --call-graph dwarf` (its forked helpers included) until it converged;
    the time by function, children included, of the agent's processes."""
    want = b.revision()
    b.kill_agent()
    b.start_agent(wrap=["perf", "record", "--call-graph", "dwarf,16384", "-F", "400", "-o", path, "--"])
    conv = b.wait_applied(revision=want, timeout=600, poll=0.01)
    b.stop_agent()  # SIGTERM to perf, which stops the agent and writes its data
    p = subprocess.run(["perf", "report", "-i", path, "--stdio", "--children", "--sort", "sym", "--comm",
                        "bulkhead", "-g", "none", "--percent-limit", "4"], capture_output=True, text=True)
    keep = [ln.rstrip() for ln in p.stdout.splitlines()
            if ln.strip() and not ln.startswith("#") and "0x0000" not in ln]
    return conv, "\n".join(keep[:45])


def trial(b, sc, other, seconds, change=None):
    procs = start_flows(b, sc, other, seconds)
    time.sleep(1.5)
    if change is not None:
        change_rule(sc, change)
        b.wait_applied(timeout=120, poll=0.01)
    want = b.revision()
    t_kill = time.monotonic()
    b.kill_agent()
    b.start_agent()
    t_start = time.monotonic()
    conv = b.wait_applied(revision=want, timeout=600, poll=0.01)
    t_conv = time.monotonic()
    res = finish_flows(procs, seconds)
    echo = res["echo"]
    denied = {f"{src} {spec}": r for src in ("deny client", "deny other") for spec, r in res[src].items()}
    line = applied_line(b)
    return {"converge_s": conv, "kill_to_converged_s": t_conv - t_kill, "agent_ms": line.get("ms"),
            "rounds": line.get("rounds"), "sent": echo["sent"], "lost": echo["lost"], "late": echo["late"],
            "max_ms": echo["max_ms"], "echo_error": echo["error"], "connected": echo["connected"],
            "denied_tries": sum(r["tries"] for r in denied.values()),
            "denied_passed": sum(r["passed"] for r in denied.values()), "denied": denied,
            "t_start": t_start - t_kill, "after_change": change is not None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--vnics", type=int)
    ap.add_argument("--rules", type=int)
    ap.add_argument("--no-profile", dest="profile", action="store_false",
                    help="no profiled restart (perf) at the end")
    args = ap.parse_args()
    vnics = args.vnics or (100 if args.quick else 1000)
    rules = args.rules or (1000 if args.quick else 10000)
    trials = args.trials or 3
    print(bl.machine_line(), flush=True)
    with bl.Bench("restart", agent_args=["--debug"]) as b:
        b.stop_agent()
        bl.log(f"setup {vnics} vNICs x {rules} rules through the API, no agent running")
        sc = bl.build_scale(b, vnics, rules, wait=False)
        bl.log(f"  {sc.timings['api_calls']} API calls in {sc.timings['api_s']:.1f}s; starting the agent")
        b.start_agent()
        build = b.wait_applied(timeout=1800, poll=0.05)
        running = bl.wait_running(sc)
        build_line = applied_line(b)
        bl.log(f"  agent built it in {build:.1f}s (every instance running {running:.1f}s later)")
        other = next(i for i in sc.instances if i["tenant"] is sc.main and sc.client_group not in i["groups"]
                     and i is not sc.server)
        for inst in (sc.server, other):
            p = b.spawn_in(inst["id"], [bl.PY, LISTENER, str(bl.BENCH_TCP_PORT), str(bl.BENCH_UDP_PORTS[0]),
                                        str(DENIED_PORT)])
            if b"ready" not in p.stdout.readline():
                raise RuntimeError("listener.py did not start")
        # a host that has run a while: at least one resync (every 5 s) since
        # the last change; its passes are the idle cost at this scale
        n0 = len(pass_ms(b))
        time.sleep(12)
        idle = [ms for _, ms in pass_ms(b)[n0:]]
        bl.log(f"  idle resync passes: {idle} ms")
        seconds = 0
        results = []
        for t in range(trials + 1):
            seconds = max(8, int((results[-1]["converge_s"] if results else 4) * 2) + 6)
            # the last trial: killed right after a change was applied
            r = trial(b, sc, other, seconds, change=t if t == trials else None)
            results.append(r)
            bl.log(f"  trial {t + 1}{' (after a change)' if r['after_change'] else ''}: converged "
                   f"{r['converge_s']:.2f}s after start, lost {r['lost']}/{r['sent']}, late {r['late']}, "
                   f"denied passed {r['denied_passed']}/{r['denied_tries']}")
            time.sleep(6)
        profile = None
        if args.profile:
            conv, profile = profile_restart(b, os.path.join(b.workdir, "perf.data"))
            profile = f"(converged in {conv:.2f} s under perf)\n" + profile
            bl.log("profile:\n" + profile)
            b.start_agent()
    report(vnics, rules, sc, build, running, build_line, results, profile, idle)


def met(value, target):
    return "yes" if value <= target else f"no: {value / target:.2f}x the target"


def report(vnics, rules, sc, build, running, build_line, results, profile, idle):
    rep = bl.Report("restart", "Benchmark 3: restart reconcile")
    settled = [r for r in results if not r["after_change"]]
    changed = [r for r in results if r["after_change"]]
    med = bl.median([r["converge_s"] for r in settled])
    worst = max(r["converge_s"] for r in results)
    lost = sum(r["lost"] + r["late"] for r in results)
    passed = sum(r["denied_passed"] for r in results)
    rows = [["converge after restart, settled host (median s)", f"<= {TARGET_S:g}", med, med / TARGET_S,
             met(med, TARGET_S)]]
    if changed:
        c = changed[0]["converge_s"]
        rows.append(["converge after restart right after a change (s)", f"<= {TARGET_S:g}", c, c / TARGET_S,
                     met(c, TARGET_S)])
    rows += [["worst trial (s)", f"<= {TARGET_S:g}", worst, worst / TARGET_S, met(worst, TARGET_S)],
             ["allowed-flow lines lost or late (all trials)", "0", lost, "-", "yes" if lost == 0 else "no"],
             ["denied probes passed (all trials)", "0", passed, "-", "yes" if passed == 0 else "no"]]
    rep.ratios(f"{vnics} vNICs, {sc.rule_count} rules: against the targets",
               ["measure", "target", "result", "result / target", "met"], rows)
    rows = [[f"{k + 1}{' (after a change)' if r['after_change'] else ''}", r["converge_s"], r["kill_to_converged_s"],
             r["agent_ms"] or "?", r["rounds"] or "?", f"{r['lost']}/{r['sent']}", r["late"], r["max_ms"],
             f"{r['denied_passed']}/{r['denied_tries']}"]
            for k, r in enumerate(results)]
    rep.absolutes("restarts (SIGKILL, then started at once)",
                  ["trial", "start to converged (s)", "kill to converged (s)", "agent's converge (ms, its log)",
                   "passes", "echo lost/sent", "late (>1 s)", "worst echo RTT (ms)", "denied passed/tried"], rows,
                  note="Idle resync passes before the trials (the agent re-reads every namespace every 5 s): "
                       + (", ".join(f"{ms} ms" for ms in idle) or "none logged") + ".")
    rep.absolutes("building that state from empty",
                  ["vNICs", "rules", "tenants", "API calls", "API time (s)", "agent: start to converged (s)",
                   "agent's converge (ms, its log)", "then every instance running (s)"],
                  [[vnics, sc.rule_count, len(sc.tenants), sc.timings["api_calls"], sc.timings["api_s"], build,
                    build_line.get("ms", "?"), running]])
    rep.bar_plot("restart.png", f"agent restart at {vnics} vNICs / {sc.rule_count} rules",
                 [f"trial {k + 1}" + (" (after a change)" if r["after_change"] else "") for k, r in enumerate(results)],
                 {"start to converged (s)": [r["converge_s"] for r in results]}, "seconds", ref=TARGET_S)
    rep.note(__doc__.split("\n\n", 1)[1].split("usage:")[0])
    if profile:
        rep.note("Profile of one more restart (the agent under `perf record --call-graph dwarf` until it "
                 "converged; its own and its forked helpers' samples, time by function with callees included, "
                 "above 4%):\n\n```\n"
                 + profile + "\n```")
    rep.write()


if __name__ == "__main__":
    main()
