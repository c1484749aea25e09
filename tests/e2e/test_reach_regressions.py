"""Disagreements the differential test (test_differential.py) found
between the kernel and `bulkhead reach`, each kept as a small explicit
case: the topology as diffgen items, the flow, and the verdict EC2's
semantics give. Both sides are checked: the kernel by a probe, the
evaluator by `bulkhead reach --batch`."""
import subprocess
import time

import diffrun


def tenant(n):
    return {"n": n, "k": "tenant", "t": n, "deps": []}


def vpc(n, t, cidr):
    return {"n": n, "k": "vpc", "t": t, "deps": [t], "cidr": cidr}


def subnet(n, t, v, cidr, public=False):
    return {"n": n, "k": "subnet", "t": t, "deps": [v], "vpc": v, "cidr": cidr, "public": public}


def inst(n, t, sub, v, ip, groups=()):
    return {"n": n, "k": "inst", "t": t, "deps": [sub], "subnet": sub, "vpc": v, "groups": list(groups), "ip": ip}


def state(kind, t, name):
    return {"n": f"{kind}-{name}", "k": kind, "t": t, "deps": [name], "inst": name}


def tcp(src, dst, port):
    return {"src": src, "dst": dst, "proto": "tcp", "port": port}


def test_started_instance_reachable_at_once(env, tmp_path):
    """Found by seed 32 (phase 2, intermittently): a and b share the
    default group (all traffic from the group). b is stopped; a tries b
    (denied: b is stopped and the router routes nothing to it).
    b starts; a connects to b again: EC2 and the evaluator say allow, and
    the kernel must agree right away, whatever the state of a's neighbour
    table. The sender's ARP timers are stretched (one request, 6 s before
    giving up, as a VM's OS may choose) to make the window deterministic;
    c, which never asked for b's address while b was stopped, is the
    control. It failed while instances held their subnet's prefix and
    resolved neighbours through proxy ARP, which answers only for running
    instances: a kept a failed entry for b's address for those 6 s. Now an
    instance's address is a /32 and it resolves only its gateway."""
    items = [tenant("t1"), vpc("vpc1", "t1", "10.0.0.0/16"), subnet("sub1", "t1", "vpc1", "10.0.1.0/24"),
             inst("a", "t1", "sub1", "vpc1", "10.0.1.10"), inst("b", "t1", "sub1", "vpc1", "10.0.1.20"),
             inst("c", "t1", "sub1", "vpc1", "10.0.1.30")]
    dp = diffrun.dplib.DP(env, tmp_path)
    try:
        built = diffrun.Built(dp, items).build()
        built.apply([state("stop", "t1", "b")])
        a_ns = built.insts["a"]["netns"]
        for knob, value in (("mcast_solicit", "1"), ("retrans_time_ms", "6000")):
            subprocess.run(["ip", "netns", "exec", a_ns, "sysctl", "-qw", f"net.ipv4.neigh.eth0.{knob}={value}"],
                           check=True)
        flows = [built.concrete(tcp("a", "b.private", 80)), built.concrete(tcp("c", "b.private", 80))]
        before = diffrun.probe(flows[:1], timeout=1.0)
        assert before[0]["result"] == "blocked", before
        built.apply([state("start", "t1", "b")])
        started = time.monotonic()
        after = diffrun.probe(flows, timeout=3.0, slot=1)
        evs = diffrun.reach(env.state_dir, flows)
        b_id = built.insts["b"]["id"]
        assert [e["verdict"] for e in evs] == ["allow", "allow"], evs
        assert [e["dst"]["instance"] for e in evs] == [b_id, b_id], evs
        assert after[1]["result"] == "pass" and after[1]["id"] == b_id, f"control c -> b: {after[1]}"
        assert after[0]["result"] == "pass" and after[0]["id"] == b_id, \
            (f"a -> b {time.monotonic() - started:.1f}s after b started: {after[0]}; "
             f"a's neighbour table: {diffrun.dplib.sh(['ip', '-n', a_ns, 'neigh']).stdout}")
    finally:
        dp.cleanup()
