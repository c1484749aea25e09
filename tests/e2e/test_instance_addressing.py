"""An instance's addressing (docs/dataplane.md): eth0 holds its address
as a /32, and its subnet and everything else go via the gateway (onlink),
so it only ever resolves the gateway. An instance an older agent set up
with its subnet's prefix on eth0 (resolving its neighbours through the
router's proxy ARP) is brought to that shape by a restarted agent while
an established flow through it carries on, losing nothing."""
import ipaddress
import json
import os
import signal
import time

from dplib import E2E_DIR, PY, sh

SECONDS = 6


def shape(inst):
    """eth0's IPv4 addresses and the main table's routes, as text."""
    addrs = json.loads(sh(["ip", "-j", "-n", inst.netns, "-4", "addr", "show", "dev", "eth0"]).stdout)
    routes = json.loads(sh(["ip", "-j", "-n", inst.netns, "-4", "route", "show"]).stdout)
    return (sorted(f"{a['local']}/{a['prefixlen']}" for link in addrs for a in link["addr_info"]),
            sorted(" ".join([r["dst"]] + ([f"via {r['gateway']}"] if "gateway" in r else [])
                            + [f"dev {r['dev']}"] + (["onlink"] if "onlink" in r.get("flags", []) else [])
                            + ([f"proto {r['protocol']}"] if r.get("protocol") == "kernel" else []))
                   for r in routes))


def new_shape(inst, subnet, gw):
    return ([f"{inst.ip}/32"], sorted([f"{subnet} via {gw} dev eth0 onlink", f"default via {gw} dev eth0 onlink"]))


def old_shape(inst, subnet, gw):
    return ([f"{inst.ip}/{subnet.prefixlen}"],
            sorted([f"{subnet} dev eth0 proto kernel", f"default via {gw} dev eth0"]))


def make_old(inst, subnet, gw):
    """What agents before the /32 made, reached from the new shape with no
    moment without the address or a route to the gateway."""
    ns = ["ip", "-n", inst.netns]
    sh(ns + ["route", "del", str(subnet), "via", gw, "dev", "eth0", "onlink"])
    sh(ns + ["addr", "add", f"{inst.ip}/{subnet.prefixlen}", "dev", "eth0"])
    sh(ns + ["route", "replace", "default", "via", gw, "dev", "eth0"])
    sh(ns + ["addr", "del", f"{inst.ip}/32", "dev", "eth0"])


def neighbours(inst):
    return {n["dst"] for n in json.loads(sh(["ip", "-j", "-n", inst.netns, "neigh", "show", "dev", "eth0"]).stdout)}


def test_old_addressing_is_converged_without_an_outage(dp):
    env = dp.env
    t = dp.tenant("addressing")
    vpc, [sub] = dp.vpc(t)
    subnet = ipaddress.ip_network("10.0.1.0/24")
    gw = str(subnet[1])
    srv_g, cli_g = dp.group(t, vpc, "server"), dp.group(t, vpc, "client")
    t.ec2.authorize_security_group_ingress(GroupId=srv_g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 7000, "ToPort": 7001, "UserIdGroupPairs": [{"GroupId": cli_g}]}])
    [srv] = dp.launch(t, sub, [srv_g], name="srv", wait=False)
    [cli] = dp.launch(t, sub, [cli_g], name="cli", wait=False)
    dp.wait_state(t, [srv.id, cli.id], "running")
    dp.listen(srv.id, [7000, 7001], ident="srv")
    dp.expect(cli, [("tcp", srv, 7000, True)])
    for inst in (srv, cli):
        assert shape(inst) == new_shape(inst, subnet, gw), shape(inst)
    # the gateway is the only neighbour an instance resolves
    assert neighbours(cli) == {gw}, neighbours(cli)

    echo = dp.start(cli.id, [PY, os.path.join(E2E_DIR, "flows.py"), "echo", srv.ip, "7000",
                             "--seconds", str(SECONDS)], "echo", ready="started")
    time.sleep(1.0)
    # serve stopped (SIGSTOP) so it cannot restart the agent while the
    # instances are set up the old way; then it goes on and restarts it
    old = env.agent_pid()
    os.kill(env.serve_pid(), signal.SIGSTOP)
    try:
        os.kill(old, signal.SIGKILL)
        for inst in (cli, srv):
            make_old(inst, subnet, gw)
    finally:
        os.kill(env.serve_pid(), signal.SIGCONT)
    for inst in (srv, cli):
        assert shape(inst) == old_shape(inst, subnet, gw), shape(inst)
    # the old way resolves the neighbour itself, through proxy ARP
    got = dp.probe(cli.id, [f"tcp:{srv.ip}:7001"])
    assert got[f"tcp:{srv.ip}:7001"]["result"] == "pass", got
    assert srv.ip in neighbours(cli), neighbours(cli)

    env.wait_new_agent(old)
    env.wait_applied(timeout=15)
    res = json.loads(echo.popen.communicate(timeout=SECONDS + 20)[0].decode().splitlines()[-1])
    assert res["connected"] and res["error"] is None, res
    assert res["sent"] > SECONDS * 20, f"the echo loop hardly ran: {res}"
    assert res["lost"] == 0 and res["late"] == 0, f"the established flow suffered: {res}"
    for inst in (srv, cli):
        assert shape(inst) == new_shape(inst, subnet, gw), shape(inst)
    dp.expect(cli, [("tcp", srv, 7000, True), ("tcp", srv, 7001, True)])
