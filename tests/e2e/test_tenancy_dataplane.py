"""Tenancy in the kernel: two tenants with the same VPC CIDR and the same
instance addresses reach only their own instances, and no packet of one
ever shows up in the other's namespaces; two VPCs of one tenant are
isolated without a route between them (internet gateways included); in
the shared public network only security groups separate tenants.

Groups here are wide open (all traffic from 0.0.0.0/0), so what keeps the
traffic apart is the VPC, not a rule."""
import ipaddress
import os
import time

import pytest
from scapy.layers.inet import IP, TCP, UDP

from dplib import E2E_DIR, INTERNET_HOST, PY

OPEN = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
PORTS = [22, 80, 5000]


def tenant_net(dp, name, cidr="10.0.0.0/16", subnet="10.0.1.0/24", server_ip="10.0.1.10",
               client_ip="10.0.1.20"):
    t = dp.tenant(name)
    vpc, [sub] = dp.vpc(t, cidr, [subnet])
    g = dp.group(t, vpc, "open", ingress=OPEN)
    [srv] = dp.launch(t, sub, [g], ip=server_ip, name=f"{name}-srv", wait=False)
    [cli] = dp.launch(t, sub, [g], ip=client_ip, name=f"{name}-cli", wait=False)
    return t, vpc, srv, cli


def wait_running(dp, *insts):
    for t in {i.tenant for i in insts}:
        dp.wait_state(t, [i.id for i in insts if i.tenant is t], "running")


def received(pkts, inst):
    """IPv4 packets that came in to inst from anyone but its own router
    (its capture also holds what it sent, and the router's ICMP errors
    about that)."""
    gateway = str(ipaddress.ip_interface(f"{inst.ip}/24").network.network_address + 1)
    return [p for p in pkts if IP in p and p[IP].src not in (inst.ip, gateway)]


def test_same_cidr_same_addresses_never_meet(dp):
    ta, vpc_a, a_srv, a_cli = tenant_net(dp, "tenant-a")
    tb, vpc_b, b_srv, b_cli = tenant_net(dp, "tenant-b")
    wait_running(dp, a_srv, a_cli, b_srv, b_cli)
    assert (a_srv.ip, a_cli.ip) == (b_srv.ip, b_cli.ip) == ("10.0.1.10", "10.0.1.20")
    for inst in (a_srv, b_srv):
        dp.listen(inst.id, PORTS, ident=inst.name)
    dp.wait_applied()

    def phase(cli, own_srv, others):
        caps = [dp.capture(o.id) for o in others]
        got = dp.expect(cli, [(proto, "10.0.1.10", p, True) for p in PORTS for proto in ("tcp", "udp")],
                        wait=False)
        # every answer came from the tenant's own server
        ids = {spec: r["reply"]["id"] for spec, r in got.items()}
        assert set(ids.values()) == {own_srv.name}, ids
        seen = {o.name: received(c.stop(), o) for o, c in zip(others, caps)}
        assert all(not pk for pk in seen.values()), \
            f"{cli.name}'s probes showed up in another tenant's instances: " + \
            "; ".join(f"{n}: {[p.summary() for p in pk[:5]]}" for n, pk in seen.items() if pk)

    phase(a_cli, a_srv, [b_srv, b_cli])
    phase(b_cli, b_srv, [a_srv, a_cli])
    # the listeners' own accounts: each served only its tenant's client
    for srv in (a_srv, b_srv):
        log = dp.listener_log(srv.name)
        assert len(log) >= 2 * len(PORTS), log
        assert {e["peer"] for e in log} == {"10.0.1.20"}


def test_two_vpcs_of_one_tenant_are_isolated(dp):
    t = dp.tenant("two-vpcs")
    insts = {}
    for n, cidr in ((1, "10.1.0.0/16"), (2, "10.2.0.0/16")):
        vpc, [sub] = dp.vpc(t, cidr, [cidr.replace(".0.0/16", ".1.0/24")])
        g = dp.group(t, vpc, "open", ingress=OPEN)
        [insts[n]] = dp.launch(t, sub, [g], name=f"vpc{n}", wait=False)
        insts[n].vpc_id = vpc
    wait_running(dp, insts[1], insts[2])
    one, two = insts[1], insts[2]
    dp.listen(two.id, PORTS, ident="vpc2")
    dp.listen(one.id, PORTS, ident="vpc1")
    cap = dp.capture(two.id)
    flows = [(proto, two, p, False) for p in PORTS for proto in ("tcp", "udp")]
    dp.expect(one, flows)
    dp.expect(two, [("tcp", one, 22, False), ("udp", one, 5000, False)], wait=False)

    # internet gateways on both, routed, and a public address on the
    # first: the internet still knows no private address
    for inst in (one, two):
        dp.internet_gateway(t, inst.vpc_id)
    dp.elastic_ip(t, one)
    dp.listen("internet", [80], ident="internet", bind=INTERNET_HOST)
    dp.expect(one, flows + [("tcp", INTERNET_HOST, 80, True)])
    leaked = received(cap.stop(), two)
    assert not leaked, f"packets from the other VPC reached vpc2: {[p.summary() for p in leaked[:5]]}"
    dp.expect("internet", [("tcp", two.ip, 22, False), ("tcp", one.ip, 22, False)], wait=False)


def test_public_network_groups_separate_tenants(dp):
    ta, tb = dp.tenant("pub-a"), dp.tenant("pub-b")
    [a1, a2] = dp.launch(ta, count=2, name="pub-a", wait=False)
    [b1] = dp.launch(tb, name="pub-b", wait=False)
    wait_running(dp, a1, a2, b1)
    for inst in (a1, a2, b1):
        assert inst.ip.startswith("198.51.100."), inst
        dp.listen(inst.id, PORTS, ident=inst.name)
    # each account's public default group takes only its own members
    dp.expect(a1, [("tcp", a2, 22, True), ("udp", a2, 5000, True), ("tcp", b1, 22, False),
                   ("udp", b1, 5000, False)])
    dp.expect(b1, [("tcp", a1, 22, False), ("tcp", a2, 80, False)], wait=False)
    dp.expect("internet", [("tcp", a1.ip, 22, False), ("tcp", b1.ip, 80, False)], wait=False)
    # b opens port 80 to a1's address only
    bg = tb.ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    tb.ec2.authorize_security_group_ingress(GroupId=bg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": f"{a1.ip}/32"}]}])
    got = dp.expect(a1, [("tcp", b1, 80, True), ("tcp", b1, 22, False)])
    assert got[f"tcp:{b1.ip}:80"]["reply"]["id"] == "pub-b"
    dp.expect(a2, [("tcp", b1, 80, False)], wait=False)
    dp.expect("internet", [("tcp", b1.ip, 80, False)], wait=False)


def test_tenants_meet_only_through_public_addresses_and_rules(dp):
    """Same CIDR, both with a gateway: a reaches b only at b's Elastic IP,
    only from the address b's rule names (a1's Elastic IP), and b sees
    that public address, never a's private one."""
    ta, _, a1, a2 = tenant_net(dp, "pa", server_ip="10.0.1.10", client_ip="10.0.1.20")
    tb = dp.tenant("pb")
    vpc_b, [sub_b] = dp.vpc(tb)
    wait_running(dp, a1, a2)
    dp.internet_gateway(ta, a1.vpc)
    dp.internet_gateway(tb, vpc_b)
    eip_a1 = dp.elastic_ip(ta, a1)
    web = dp.group(tb, vpc_b, "from-a1", ingress=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": f"{eip_a1}/32"}]}])
    [b1] = dp.launch(tb, sub_b, [web], ip="10.0.1.20", name="pb-srv")   # a2's private address
    eip_b1 = dp.elastic_ip(tb, b1)
    for inst in (a1, a2, b1):
        dp.listen(inst.id, [22, 80], ident=inst.name)
    got = dp.expect(a1, [("tcp", eip_b1, 80, True), ("tcp", eip_b1, 22, False),
                         ("tcp", "10.0.1.20", 80, True)])
    assert got[f"tcp:{eip_b1}:80"]["reply"] == {"id": "pb-srv", "proto": "tcp", "port": 80, "peer": eip_a1}
    # the private address is a's own a2, never b1
    assert got["tcp:10.0.1.20:80"]["reply"]["id"] == "pa-cli"
    dp.expect(a2, [("tcp", eip_b1, 80, False)], wait=False)            # no public address: no way out
    dp.expect("internet", [("tcp", eip_b1, 80, False)], wait=False)    # not the address the rule names
    assert {e["peer"] for e in dp.listener_log("pb-srv")} == {eip_a1}


def test_reused_public_address_inherits_no_flow(dp):
    """Tenant x's instance in the shared public network has flows from the
    internet (a UDP stream and an established TCP connection), allowed by
    x's group. x terminates it; tenant y's next instance gets the same
    public address, and y's group admits nothing from the internet. Not a
    packet of x's old flows may reach y's instance: connection tracking
    must not outlive the interface it was made for."""
    tx, ty = dp.tenant("reuse-x"), dp.tenant("reuse-y")
    g = dp.group(tx, None, "x-open", ingress=[
        {"IpProtocol": "udp", "FromPort": 5000, "ToPort": 5001, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 5000, "ToPort": 5001, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    [x1] = dp.launch(tx, None, [g], name="x1")
    listener = dp.listen(x1.id, [5000, 5001], ident="x1")
    flows = os.path.join(E2E_DIR, "flows.py")
    dp.start("internet", [PY, flows, "udp", x1.ip, "5000", "--seconds", "30"], "udp stream", ready="started")
    dp.start("internet", [PY, flows, "echo", x1.ip, "5001", "--seconds", "30", "--interval", "0.05"], "echo",
             ready="started")
    time.sleep(0.7)
    assert {e["proto"] for e in dp.listener_log("x1")} == {"udp", "tcp"}, dp.listener_log("x1")
    # x1 dies as a crashed machine does: its link first, so the TCP peer
    # never hears a FIN or RST and its connection stays established
    dp.env.run_in(x1.id, ["ip", "link", "set", "eth0", "down"])
    listener.stop()
    tx.ec2.terminate_instances(InstanceIds=[x1.id])
    dp.wait_state(tx, [x1.id], "terminated")
    [y1] = dp.launch(ty, None, name="y1")
    if y1.ip != x1.ip:
        pytest.skip(f"the public address was not reused ({x1.ip} -> {y1.ip}): nothing to check")
    dp.wait_applied()
    cap = dp.capture(y1.id)
    time.sleep(1.5)
    leaked = [p for p in cap.stop() if IP in p and p[IP].src == "203.0.113.1"]
    # new flows are refused as they should be
    dp.expect("internet", [("udp", y1.ip, 5000, False), ("tcp", y1.ip, 5001, False)], wait=False)
    udp = [p for p in leaked if UDP in p]
    tcp = [p for p in leaked if TCP in p]
    assert not leaked, (f"packets of tenant x's old flows reached tenant y's {y1.id} at the reused address "
                        f"{y1.ip} (y's group admits nothing from the internet): {len(udp)} of the UDP stream "
                        f"{[p.summary() for p in udp[:2]]}, {len(tcp)} of the TCP connection "
                        f"{[p.summary() for p in tcp[:2]]}")
