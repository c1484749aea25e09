"""Drift: someone changes what the agent made in a VPC namespace (a rule
that accepts everything, an extra element in a group's set, an instance's
anti-spoofing chain deleted, an instance's /32 route deleted). The agent's
periodic full pass (every AGENT_RESYNC_SECONDS = 5) puts it back, and a
restarted agent puts it back on its first pass: observed with packets and
in the ruleset."""
import json
import os
import signal
import time

import pytest
from scapy.layers.inet import IP

import dplib
from dplib import PY as PY_BIN, nft_ruleset, ns_show, sh

REPAIR_TIMEOUT = 12.0   # the 5 s resync, a pass, and slack for a loaded machine


def tcp(port, **peer):
    return dict({"IpProtocol": "tcp", "FromPort": port, "ToPort": port}, **peer)


@pytest.fixture
def net(dp):
    t = dp.tenant("drift")
    vpc, [sub] = dp.vpc(t)
    srv_g, cli_g, plain = dp.group(t, vpc, "server"), dp.group(t, vpc, "client"), dp.group(t, vpc, "plain")
    t.ec2.authorize_security_group_ingress(GroupId=srv_g, IpPermissions=[
        tcp(7000, UserIdGroupPairs=[{"GroupId": cli_g}])])
    [srv] = dp.launch(t, sub, [srv_g], name="srv", wait=False)
    [cli] = dp.launch(t, sub, [cli_g], name="cli", wait=False)
    [other] = dp.launch(t, sub, [plain], name="other", wait=False)
    dp.wait_state(t, [srv.id, cli.id, other.id], "running")
    for inst in (srv, cli, other):
        dp.listen(inst.id, [7000, 7001], ident=inst.name)
    dp.expect(cli, [("tcp", srv, 7000, True)])
    dp.expect(other, [("tcp", srv, 7000, False), ("tcp", srv, 7001, False)], wait=False)
    return dict(dp=dp, t=t, srv_g=srv_g, srv=srv, cli=cli, other=other, ns=srv.router_netns)


def nft(ns, *cmd):
    return sh(["ip", "netns", "exec", ns, "nft"] + list(cmd))


def tamper(n):
    """Four kinds of drift at once; returns how to tell each is repaired."""
    ns, srv, cli, other = n["ns"], n["srv"], n["cli"], n["other"]
    sg = n["srv_g"].split("-", 1)[1]
    cli_chain = "nic_" + cli.eni.split("-", 1)[1]
    nft(ns, "insert", "rule", "inet", "bulkhead", "forward", "ip", "daddr", srv.ip, "tcp", "dport", "7000",
        "accept")
    nft(ns, "add", "element", "inet", "bulkhead", f"g_{sg}_in", "{", f"{other.ip} . tcp . 7001 . 0-65535", "}")
    nft(ns, "delete", "chain", "netdev", "bulkhead_l2", cli_chain)
    # the drift is real: the damage shows in packets
    got = n["dp"].probe(other.id, [f"tcp:{srv.ip}:7000", f"tcp:{srv.ip}:7001"], timeout=0.5)
    sh(["ip", "-n", ns, "route", "del", f"{srv.ip}/32"])
    return cli_chain, got


def repaired(n, cli_chain):
    """None when everything is back, else what is still wrong."""
    dp, ns, srv, cli, other = n["dp"], n["ns"], n["srv"], n["cli"], n["other"]
    wrong = []
    ruleset = nft_ruleset(ns)
    if f"chain {cli_chain} " not in ruleset:
        wrong.append(f"anti-spoofing chain {cli_chain} still missing")
    if f"ip daddr {srv.ip} tcp dport 7000 accept" in ruleset:
        wrong.append("the foreign accept rule is still in forward")
    if f"{srv.ip} dev " not in ns_show(ns, "route"):
        wrong.append(f"route {srv.ip}/32 still missing")
    a = dp.probe(other.id, [f"tcp:{srv.ip}:7000", f"tcp:{srv.ip}:7001"], timeout=0.5)
    b = dp.probe(cli.id, [f"tcp:{srv.ip}:7000"], timeout=0.5)
    for spec, r in a.items():
        if r["result"] != "blocked":
            wrong.append(f"other -> {spec} still {r['result']}")
    if b[f"tcp:{srv.ip}:7000"]["result"] != "pass":
        wrong.append(f"cli -> srv 7000 still {b[f'tcp:{srv.ip}:7000']['result']}")
    return wrong or None


def wait_repaired(n, cli_chain, timeout):
    start = time.monotonic()
    while True:
        wrong = repaired(n, cli_chain)
        if wrong is None:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"drift not repaired after {timeout}s: {wrong}\n{nft_ruleset(n['ns'])[:5000]}")
        time.sleep(0.3)


def test_drift_is_repaired_by_the_running_agent(net):
    cli_chain, got = tamper(net)
    assert {r["result"] for r in got.values()} == {"pass"}, f"the tampering did not open the flows: {got}"
    wait_repaired(net, cli_chain, REPAIR_TIMEOUT)


def test_drift_made_while_no_agent_runs_is_repaired_on_start(net):
    env = net["dp"].env
    # serve stopped (SIGSTOP) so it cannot restart the agent while the
    # kernel is changed; then it goes on and restarts it
    old = env.agent_pid()
    os.kill(env.serve_pid(), signal.SIGSTOP)
    try:
        os.kill(old, signal.SIGKILL)
        cli_chain, got = tamper(net)
    finally:
        os.kill(env.serve_pid(), signal.SIGCONT)
    assert {r["result"] for r in got.values()} == {"pass"}, f"the tampering did not open the flows: {got}"
    deadline = time.monotonic() + 15
    while env.agent_pid() in (None, old):
        assert time.monotonic() < deadline, "serve did not restart its agent"
        time.sleep(0.05)
    env.wait_applied(timeout=15)
    # the first pass of a new agent adopts and corrects, without waiting for the resync
    took = wait_repaired(net, cli_chain, REPAIR_TIMEOUT)
    assert took < 4.5, f"repaired only after {took:.1f}s: by the resync, not by the adopting pass"


def test_unknown_interface_is_dropped(net):
    """A link the agent did not make, plugged into the VPC namespace with
    a route to the instances: its packets are dropped (fail closed), even
    to an instance whose group takes everything from everywhere. (The
    agent's periodic pass also removes such a link; an attempt that loses
    the link before its probes are done is repeated.)"""
    dp, t, ns, srv = net["dp"], net["t"], net["ns"], net["srv"]
    t.ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    dp.wait_applied()
    rogue = f"e2e-rogue-{os.getpid()}"   # not bh-: the agent's cleanup must not own it
    probe = [PY_BIN, os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py"), "--timeout", "0.7",
             f"tcp:{srv.ip}:7000", f"udp:{srv.ip}:7000", f"icmp:{srv.ip}:0", "icmp:10.99.0.1:0"]
    for attempt in range(4):
        sh(["ip", "netns", "del", rogue], check=False)
        sh(["ip", "netns", "add", rogue])
        try:
            steps = [["ip", "-n", ns, "link", "add", "rogue0", "type", "veth", "peer", "name", "rogue1",
                      "netns", rogue],
                     ["ip", "-n", ns, "addr", "add", "10.99.0.1/24", "dev", "rogue0"],
                     ["ip", "-n", ns, "link", "set", "rogue0", "up"],
                     ["ip", "-n", rogue, "addr", "add", "10.99.0.2/24", "dev", "rogue1"],
                     ["ip", "-n", rogue, "link", "set", "rogue1", "up"],
                     ["ip", "-n", rogue, "route", "add", "default", "via", "10.99.0.1"]]
            if any(sh(step, check=False).returncode != 0 for step in steps):
                continue  # the agent took the link away mid-setup
            cap = dp.capture(srv.id)
            got = json.loads(sh(["ip", "netns", "exec", rogue] + probe).stdout)
            # the same from a known interface passes
            dp.expect(net["other"], [("tcp", srv, 7000, True)], wait=False)
            pkts = cap.stop()
            if got["icmp:10.99.0.1:0"]["result"] != "pass" or "rogue0" not in dplib.link_names(ns):
                continue  # the link went before the probes were done: not a valid attempt
        finally:
            sh(["ip", "netns", "del", rogue], check=False)
        leaked = [p.summary() for p in pkts if IP in p and p[IP].src == "10.99.0.2"]
        assert not leaked, f"packets from an unknown interface reached the instance: {leaked}"
        assert [p for p in pkts if IP in p and p[IP].src == net["other"].ip], "the capture saw nothing at all"
        wrong = {spec: r for spec, r in got.items() if srv.ip in spec and r["result"] != "blocked"}
        assert not wrong, f"flows from an unknown interface were not dropped: {wrong}"
        return
    pytest.fail("the unknown link never stayed long enough for one attempt")


def test_orphans_are_removed(dp):
    """Namespaces and links named like the agent's but in no store (what a
    lost state directory leaves) are removed by the periodic pass."""
    import secrets
    inst_ns, vpc_ns = f"bh-i-{secrets.token_hex(9)[:17]}", f"bh-vpc-{secrets.token_hex(9)[:17]}"
    link = f"bhe{secrets.token_hex(6)}"
    try:
        sh(["ip", "netns", "add", inst_ns])
        sh(["ip", "netns", "add", vpc_ns])
        sh(["ip", "-n", "bh-vpc-public", "link", "add", link, "type", "veth", "peer", "name", "orphan1"])
        deadline = time.monotonic() + REPAIR_TIMEOUT
        while True:
            left = [n for n in (inst_ns, vpc_ns) if n in dplib.netns_list()]
            left += [n for n in (link, "orphan1") if n in dplib.link_names("bh-vpc-public")]
            if not left:
                break
            assert time.monotonic() < deadline, f"orphans still there after {REPAIR_TIMEOUT}s: {left}"
            time.sleep(0.3)
    finally:
        for n in (inst_ns, vpc_ns):
            sh(["ip", "netns", "del", n], check=False)
        sh(["ip", "-n", "bh-vpc-public", "link", "del", link], check=False)
