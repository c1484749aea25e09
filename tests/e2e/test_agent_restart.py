"""The agent killed (SIGKILL, twice: once settled, once while it adopts
what exists) and restarted by `bulkhead serve --agent`, under load: an
established allowed TCP flow (an echo loop) loses nothing, denied probes
from a VPC neighbour, from the allowed client on another port and from the
internet never pass, a change made while no agent runs is applied once one
is back, an established flow from the internet through the NAT carries on
too, and the rules end up exactly as they were (nothing flushed,
nothing doubled)."""
import json
import os
import signal
import time

import pytest

from dplib import E2E_DIR, PY, nft_ruleset, sh

SECONDS = 7


def tcp(port, **peer):
    return dict({"IpProtocol": "tcp", "FromPort": port, "ToPort": port}, **peer)


def kill_agent(env):
    pid = env.agent_pid()
    assert pid, "no agent child under bulkhead serve"
    os.kill(pid, signal.SIGKILL)
    return pid


def test_agent_sigkill_and_restart(dp):
    env = dp.env
    t = dp.tenant("restart")
    vpc, [sub] = dp.vpc(t)
    srv_g, cli_g, plain = dp.group(t, vpc, "server"), dp.group(t, vpc, "client"), dp.group(t, vpc, "plain")
    t.ec2.authorize_security_group_ingress(GroupId=srv_g, IpPermissions=[
        tcp(7000, UserIdGroupPairs=[{"GroupId": cli_g}]), tcp(7004, IpRanges=[{"CidrIp": "0.0.0.0/0"}])])
    [srv] = dp.launch(t, sub, [srv_g], name="srv", wait=False)
    [cli] = dp.launch(t, sub, [cli_g], name="cli", wait=False)
    [other] = dp.launch(t, sub, [plain], name="other", wait=False)
    dp.wait_state(t, [srv.id, cli.id, other.id], "running")
    dp.internet_gateway(t, vpc)
    eip = dp.elastic_ip(t, srv)
    for inst in (srv, cli, other):
        dp.listen(inst.id, [7000, 7001, 7002, 7003, 7004], ident=inst.name)
    dp.expect(cli, [("tcp", srv, 7000, True), ("tcp", srv, 7001, False), ("tcp", srv, 7002, False)])
    dp.expect(other, [("tcp", srv, 7000, False)], wait=False)
    dp.expect("internet", [("tcp", eip, 7000, False), ("tcp", eip, 7004, True)], wait=False)
    before = nft_ruleset(srv.router_netns)

    flows = os.path.join(E2E_DIR, "flows.py")
    echoes = {
        "cli": dp.start(cli.id, [PY, flows, "echo", srv.ip, "7000", "--seconds", str(SECONDS)], "echo",
                        ready="started"),
        # through the gateway and the 1:1 NAT: conntrack's NAT state must survive too
        "internet": dp.start("internet", [PY, flows, "echo", eip, "7004", "--seconds", str(SECONDS)], "echo",
                             ready="started"),
    }
    denied = {
        "other": dp.start(other.id, [PY, flows, "deny", "--seconds", str(SECONDS), f"tcp:{srv.ip}:7000",
                                     f"udp:{srv.ip}:7000", f"tcp:{srv.ip}:7001"], "deny", ready="started"),
        "cli": dp.start(cli.id, [PY, flows, "deny", "--seconds", str(SECONDS), f"tcp:{srv.ip}:7001",
                                 f"udp:{srv.ip}:7000", f"tcp:{srv.ip}:7002"], "deny", ready="started"),
        "internet": dp.start("internet", [PY, flows, "deny", "--seconds", str(SECONDS), f"tcp:{eip}:7000",
                                          f"udp:{eip}:7000", f"tcp:{eip}:7001"], "deny", ready="started"),
    }
    time.sleep(1.0)

    # 1: killed when settled; a change is made while no agent runs
    first = kill_agent(env)
    t.ec2.authorize_security_group_ingress(GroupId=srv_g, IpPermissions=[
        tcp(7003, UserIdGroupPairs=[{"GroupId": cli_g}])])
    second = env.wait_new_agent(first)
    # 2: killed while it adopts the kernel state it finds
    time.sleep(0.05)
    os.kill(second, signal.SIGKILL)
    third = env.wait_new_agent(second)
    st = env.wait_applied(timeout=15)
    assert env.agent_pid() == third

    res_echo = {k: json.loads(p.popen.communicate(timeout=SECONDS + 20)[0].decode().splitlines()[-1])
                for k, p in echoes.items()}
    res_deny = {k: json.loads(p.popen.communicate(timeout=SECONDS + 20)[0].decode().splitlines()[-1])
                for k, p in denied.items()}
    for src, r in res_echo.items():
        assert r["connected"] and r["error"] is None, (src, r)
        assert r["sent"] > SECONDS * 20, f"the echo loop from {src} hardly ran: {r}"
        assert r["lost"] == 0 and r["late"] == 0, f"the established flow from {src} suffered: {r}"
    leaks = {f"{src} {spec}": r for src, d in res_deny.items() for spec, r in d.items() if r["passed"]}
    assert not leaks, f"denied probes passed while the agent restarted: {leaks}"
    assert all(r["tries"] >= 5 for d in res_deny.values() for r in d.values()), res_deny

    # converged: the change made while it was down is in, and nothing else changed
    assert st["Agents"][0]["AppliedRevision"] == st["Revision"]
    dp.expect(cli, [("tcp", srv, 7003, True), ("tcp", srv, 7001, False)])
    dp.expect(other, [("tcp", srv, 7003, False)], wait=False)
    t.ec2.revoke_security_group_ingress(GroupId=srv_g, IpPermissions=[
        tcp(7003, UserIdGroupPairs=[{"GroupId": cli_g}])])
    dp.wait_applied()
    after = nft_ruleset(srv.router_netns)
    if after != before:
        import difflib
        diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after",
                                              lineterm=""))
        pytest.fail(f"the ruleset after the restarts differs from before:\n{diff}")


def rule_handles(netns):
    """The filter table with its objects' handles: a re-declaration (which
    flushes and refills each chain) gives every rule a new one."""
    return sh(["ip", "netns", "exec", netns, "nft", "-a", "list", "table", "inet", "bulkhead"]).stdout


def test_restart_right_after_a_change_declares_nothing(dp):
    """A change applied as a small transaction brings the agent's record of
    the tables up to date, so an agent killed right after it finds them as
    it left them and adopts them as they are."""
    env = dp.env
    t = dp.tenant("rerecord")
    vpc, [sub] = dp.vpc(t)
    g = dp.group(t, vpc, "server")
    [srv] = dp.launch(t, sub, [g], name="srv")
    dp.wait_applied()
    t.ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
        tcp(7100, IpRanges=[{"CidrIp": "192.0.2.0/24"}])])
    dp.wait_applied()
    before = rule_handles(srv.router_netns)
    assert "192.0.2.0/24" in nft_ruleset(srv.router_netns)
    first = kill_agent(env)
    # a revision that leaves the tables alone (a group no vNIC is in), so
    # that the applied revision is the new agent's
    dp.group(t, vpc, "unused")
    env.wait_new_agent(first)
    env.wait_applied(timeout=15)
    after = rule_handles(srv.router_netns)
    assert after == before, "the restarted agent declared the tables again"
