"""Rule shapes in the kernel, at their edges: port ranges (first and last
port in, the neighbours out), overlapping ranges and revoking one of them
(the other's ports stay open: the interval sets are changed, not
rewritten), CIDR boundaries, protocols (TCP vs UDP vs all, ICMP types),
several groups on one instance (their union), flows between subnets of a
VPC, ICMP errors of allowed flows (and none for denied ones), and the VPC
router itself closed to instances except ping."""
import pytest

from dplib import link_names

PORTS = [22, 7999, 8000, 8049, 8050, 8100, 8101, 8200, 8201, 9000, 9001]


def rng(proto, lo, hi, **peer):
    return dict({"IpProtocol": proto, "FromPort": lo, "ToPort": hi}, **peer)


@pytest.fixture(scope="module")
def net(module_dp):
    dp = module_dp
    t = dp.tenant("rules")
    vpc, (sub1, sub2) = dp.vpc(t, "10.0.0.0/16", ["10.0.1.0/24", "10.0.2.0/24"])
    srv_g = dp.group(t, vpc, "server")
    extra_g = dp.group(t, vpc, "extra")
    cli_g = dp.group(t, vpc, "client")
    [srv] = dp.launch(t, sub1, [srv_g], ip="10.0.1.10", name="srv", wait=False)
    [low] = dp.launch(t, sub1, [cli_g], ip="10.0.1.5", name="low", wait=False)    # in 10.0.1.0/28
    [high] = dp.launch(t, sub1, [cli_g], ip="10.0.1.16", name="high", wait=False)  # just past it
    [far] = dp.launch(t, sub2, [cli_g], ip="10.0.2.5", name="far", wait=False)     # the other subnet
    dp.wait_state(t, [i.id for i in (srv, low, high, far)], "running")
    dp.listen(srv.id, PORTS, ident="srv")
    return dict(dp=dp, t=t, vpc=vpc, srv_g=srv_g, extra_g=extra_g, cli_g=cli_g, srv=srv, low=low, high=high,
                far=far)


def test_port_range_edges_and_overlap(net):
    dp, ec2, srv, low = net["dp"], net["t"].ec2, net["srv"], net["low"]
    everyone = [{"CidrIp": "0.0.0.0/0"}]
    a = rng("tcp", 8000, 8100, IpRanges=everyone)
    b = rng("tcp", 8050, 8200, IpRanges=everyone)
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[a, b])
    dp.expect(low, [("tcp", srv, p, 8000 <= p <= 8200) for p in PORTS]
              + [("udp", srv, 8000, False), ("udp", srv, 8100, False)])
    # revoking the first keeps all of the second
    ec2.revoke_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[a])
    dp.expect(low, [("tcp", srv, p, 8050 <= p <= 8200) for p in PORTS])
    # and the other way round
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[a])
    ec2.revoke_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[b])
    dp.expect(low, [("tcp", srv, p, 8000 <= p <= 8100) for p in PORTS])
    ec2.revoke_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[a])
    dp.expect(low, [("tcp", srv, p, False) for p in (8000, 8050, 8100, 8200)])


def test_cidr_edges_and_subnets(net):
    dp, ec2, srv, low, high, far = net["dp"], net["t"].ec2, net["srv"], net["low"], net["high"], net["far"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        rng("udp", 9000, 9000, IpRanges=[{"CidrIp": "10.0.1.0/28"}]),
        rng("tcp", 9001, 9001, IpRanges=[{"CidrIp": "10.0.2.0/24"}])])
    dp.expect(low, [("udp", srv, 9000, True), ("tcp", srv, 9000, False), ("tcp", srv, 9001, False)])
    dp.expect(high, [("udp", srv, 9000, False), ("tcp", srv, 9001, False)], wait=False)
    got = dp.expect(far, [("tcp", srv, 9001, True), ("udp", srv, 9000, False)], wait=False)
    assert got[f"tcp:{srv.ip}:9001"]["reply"]["peer"] == far.ip  # across subnets, no NAT


def test_all_protocols_and_icmp(net):
    dp, ec2, srv, low, high, far = net["dp"], net["t"].ec2, net["srv"], net["low"], net["high"], net["far"]
    dp.expect(low, [("icmp", srv, 0, False)])
    # ICMP echo request only (type 8, any code), from high
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        rng("icmp", 8, -1, IpRanges=[{"CidrIp": f"{high.ip}/32"}])])
    dp.expect(high, [("icmp", srv, 0, True), ("tcp", srv, 22, False), ("udp", srv, 22, False)])
    dp.expect(low, [("icmp", srv, 0, False)], wait=False)
    # everything (-1), from far only
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": f"{far.ip}/32"}]}])
    dp.expect(far, [("icmp", srv, 0, True), ("tcp", srv, 22, True), ("udp", srv, 8201, True),
                    ("tcp", srv, 7999, True)])
    dp.expect(low, [("tcp", srv, 22, False), ("icmp", srv, 0, False)], wait=False)


def test_several_groups_are_a_union(net):
    dp, ec2, srv, low = net["dp"], net["t"].ec2, net["srv"], net["low"]
    ec2.authorize_security_group_ingress(GroupId=net["extra_g"], IpPermissions=[
        rng("tcp", 22, 22, UserIdGroupPairs=[{"GroupId": net["cli_g"]}])])
    dp.expect(low, [("tcp", srv, 22, False)])
    ec2.modify_instance_attribute(InstanceId=srv.id, Groups=[net["srv_g"], net["extra_g"]])
    dp.expect(low, [("tcp", srv, 22, True), ("tcp", srv, 7999, False)])
    ec2.modify_instance_attribute(InstanceId=srv.id, Groups=[net["srv_g"]])
    dp.expect(low, [("tcp", srv, 22, False)])


def test_icmp_errors_of_allowed_flows_only(net):
    """A closed port behind an allowed rule answers (TCP RST, ICMP port
    unreachable, both let through as related); behind a denied one, silence."""
    dp, ec2, srv, low, high = net["dp"], net["t"].ec2, net["srv"], net["low"], net["high"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        rng("udp", 5000, 5999, IpRanges=[{"CidrIp": f"{low.ip}/32"}]),
        rng("tcp", 5000, 5999, IpRanges=[{"CidrIp": f"{low.ip}/32"}])])
    dp.wait_applied()
    got = dp.probe(low.id, [f"udp:{srv.ip}:5555", f"tcp:{srv.ip}:5555"])
    assert got[f"udp:{srv.ip}:5555"]["result"] == "refused", got   # ICMP port unreachable came back
    assert got[f"tcp:{srv.ip}:5555"]["result"] == "refused", got   # RST came back
    got = dp.probe(high.id, [f"udp:{srv.ip}:5555", f"tcp:{srv.ip}:5555"])
    assert {r["result"] for r in got.values()} == {"blocked"}, got


def test_router_is_closed_but_pings(net):
    dp, low, far = net["dp"], net["low"], net["far"]
    dp.expect(low, [("icmp", "10.0.1.1", 0, True), ("tcp", "10.0.1.1", 22, False),
                    ("udp", "10.0.1.1", 53, False), ("tcp", "10.0.1.1", 179, False),
                    ("icmp", "10.0.2.1", 0, True), ("tcp", "10.0.2.1", 22, False)])
    dp.expect(far, [("tcp", "169.254.0.1", 22, False)], wait=False)


def test_a_dozen_instances(dp):
    """One launch of twelve: all running within the bound, each with its
    own address and router side; the default group lets members ping each
    other, a non-member is refused."""
    t = dp.tenant("dozen")
    vpc, [sub] = dp.vpc(t)
    insts = dp.launch(t, sub, count=12, name="n")
    assert len({i.ip for i in insts}) == 12
    outsider_g = dp.group(t, vpc, "outsider")
    [outsider] = dp.launch(t, sub, [outsider_g], name="outsider")
    dp.expect(insts[0], [("icmp", i, 0, True) for i in insts[1:]] + [("icmp", outsider, 0, False)])
    dp.expect(insts[-1], [("icmp", insts[0], 0, True)], wait=False)
    dp.expect(outsider, [("icmp", i, 0, False) for i in insts[:4]], wait=False)
    links = [i.router_link for i in insts + [outsider]]
    have = set(link_names(insts[0].router_netns))
    assert set(links) <= have, set(links) - have
