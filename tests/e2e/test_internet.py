"""The way out: no route leaves a VPC without an internet gateway attached
and a route to it; with both and an Elastic IP, the simulated internet
(bh-internet) reaches the instance on the ports its groups allow and no
other; an instance without a public address gets nowhere, gateway or not.
Moving or removing the address or the route takes effect on new flows."""
import json
import os
import time

import pytest

from dplib import E2E_DIR, INTERNET_HOST, PY, link_names, ns_show

WEB = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
       {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
PORTS = [22, 53, 80, 8080]
OUT = [("tcp", INTERNET_HOST, 80, None), ("udp", INTERNET_HOST, 53, None), ("tcp", INTERNET_HOST, 8080, None)]


def out_flows(should_pass):
    return [(proto, dst, port, should_pass) for proto, dst, port, _ in OUT]


def in_flows(eip, open_ok=True):
    return [("tcp", eip, 80, open_ok), ("udp", eip, 53, open_ok), ("tcp", eip, 22, False),
            ("tcp", eip, 8080, False), ("udp", eip, 8080, False)]


def default_routes(netns):
    """Routes to 0.0.0.0/0 in any table of a namespace."""
    text = ns_show(netns, "route", "show", "table", "all")
    return [line for line in text.splitlines() if line.startswith("default") or line.startswith("0.0.0.0/0")]


@pytest.fixture
def net(dp):
    t = dp.tenant("inet")
    vpc, [sub] = dp.vpc(t)
    web = dp.group(t, vpc, "web", ingress=WEB)
    a, b = dp.launch(t, sub, [web], count=2, name="web")
    dp.listen("internet", PORTS, ident="internet", bind=INTERNET_HOST)
    for inst in (a, b):
        dp.listen(inst.id, PORTS, ident=inst.name)
    return dp, t, vpc, a, b


def test_no_gateway_no_way_out(net):
    dp, t, vpc, a, b = net
    dp.expect(a, out_flows(False))
    assert default_routes(a.router_netns) == [], ns_show(a.router_netns, "route", "show", "table", "all")
    assert not [n for n in dp.listener_log("internet")], "the internet heard from a VPC without a gateway"

    # attached, not routed: still no way out
    igw = dp.internet_gateway(t, vpc, route=False)
    dp.expect(a, out_flows(False))
    assert default_routes(a.router_netns) == []

    # routed: still nothing without a public address
    rtb = dp.main_route_table(t, vpc)
    t.ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    dp.expect(a, out_flows(False))
    assert default_routes(a.router_netns), "routed to the gateway, but no default route in the VPC namespace"
    assert not dp.listener_log("internet"), "an instance without a public address reached the internet"


def test_elastic_ip_allowed_ports_only(net):
    dp, t, vpc, a, b = net
    dp.internet_gateway(t, vpc)
    eip = dp.elastic_ip(t, a)
    got = dp.expect("internet", in_flows(eip))
    assert got[f"tcp:{eip}:80"]["reply"] == {"id": "web1", "proto": "tcp", "port": 80, "peer": "203.0.113.1"}
    # out: a with its address (SNAT to it), b without
    got = dp.expect(a, out_flows(True)[:2] + [("tcp", INTERNET_HOST, 8080, True)], wait=False)
    assert got[f"tcp:{INTERNET_HOST}:80"]["reply"]["peer"] == eip
    dp.expect(b, out_flows(False), wait=False)
    assert {e["peer"] for e in dp.listener_log("internet")} == {eip}

    # the address moves to b: new flows follow it, a is cut off
    t.ec2.associate_address(AllocationId=t.ec2.describe_addresses()["Addresses"][0]["AllocationId"],
                            InstanceId=b.id, AllowReassociation=True)
    got = dp.expect("internet", in_flows(eip))
    assert got[f"tcp:{eip}:80"]["reply"]["id"] == "web2"
    dp.expect(a, out_flows(False), wait=False)
    dp.expect(b, [("tcp", INTERNET_HOST, 80, True)], wait=False)

    # disassociated: nobody behind it
    addr = t.ec2.describe_addresses()["Addresses"][0]
    t.ec2.disassociate_address(AssociationId=addr["AssociationId"])
    dp.expect("internet", in_flows(eip, open_ok=False))
    dp.expect(b, out_flows(False), wait=False)


def test_route_removed_closes_the_way(net):
    dp, t, vpc, a, b = net
    dp.internet_gateway(t, vpc)
    eip = dp.elastic_ip(t, a)
    dp.expect(a, [("tcp", INTERNET_HOST, 80, True)])
    t.ec2.delete_route(RouteTableId=dp.main_route_table(t, vpc), DestinationCidrBlock="0.0.0.0/0")
    dp.expect(a, out_flows(False))
    assert default_routes(a.router_netns) == []
    dp.expect("internet", in_flows(eip, open_ok=False), wait=False)


def test_subnet_route_tables(dp):
    """Each subnet follows its own route table: only the subnet whose
    table routes 0.0.0.0/0 to the gateway gets out; replacing and removing
    associations moves that, for new flows."""
    t = dp.tenant("rtb")
    ec2 = t.ec2
    vpc, (s1, s2) = dp.vpc(t, "10.0.0.0/16", ["10.0.1.0/24", "10.0.2.0/24"])
    igw = dp.internet_gateway(t, vpc, route=False)     # main table: local only
    web = dp.group(t, vpc, "web", ingress=WEB)
    [one] = dp.launch(t, s1, [web], name="subnet1", wait=False)
    [two] = dp.launch(t, s2, [web], name="subnet2", wait=False)
    dp.wait_state(t, [one.id, two.id], "running")
    eip1, eip2 = dp.elastic_ip(t, one), dp.elastic_ip(t, two)
    dp.listen("internet", PORTS, ident="internet", bind=INTERNET_HOST)
    for inst in (one, two):
        dp.listen(inst.id, PORTS, ident=inst.name)

    out_rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=out_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assoc1 = ec2.associate_route_table(RouteTableId=out_rtb, SubnetId=s1)["AssociationId"]
    dp.expect(one, [("tcp", INTERNET_HOST, 80, True)])
    dp.expect(two, [("tcp", INTERNET_HOST, 80, False)], wait=False)
    dp.expect("internet", [("tcp", eip1, 80, True), ("tcp", eip2, 80, False)], wait=False)
    # within the VPC, both tables have the local route
    dp.expect(one, [("tcp", two, 80, True)], wait=False)

    # subnet2 joins the routed table; subnet1 falls back to the main one
    main_assoc = [a for a in ec2.describe_route_tables(RouteTableIds=[dp.main_route_table(t, vpc)])
                  ["RouteTables"][0]["Associations"] if a.get("Main")][0]
    assert main_assoc["RouteTableAssociationId"]
    ec2.associate_route_table(RouteTableId=out_rtb, SubnetId=s2)
    ec2.disassociate_route_table(AssociationId=assoc1)
    dp.expect(two, [("tcp", INTERNET_HOST, 80, True)])
    dp.expect(one, [("tcp", INTERNET_HOST, 80, False)], wait=False)
    dp.expect("internet", [("tcp", eip2, 80, True), ("tcp", eip1, 80, False)], wait=False)

    # the main table itself is replaced by the routed one: subnet1 gets out again
    ec2.replace_route_table_association(AssociationId=main_assoc["RouteTableAssociationId"],
                                        RouteTableId=out_rtb)
    dp.expect(one, [("tcp", INTERNET_HOST, 80, True)])


def test_the_internet_is_a_dead_end(net):
    """The simulated internet never leads to the host's own uplink: no
    default route there, and every link of bh-internet is a veth to a
    bulkhead VPC namespace (or lo)."""
    dp, t, vpc, a, b = net
    dp.internet_gateway(t, vpc)
    dp.elastic_ip(t, a)
    dp.wait_applied()
    assert default_routes("bh-internet") == [], ns_show("bh-internet", "route", "show", "table", "all")
    ids = json.loads(ns_show("bh-internet", "-j", "netns", "list-id") or "[]")
    names = {i["nsid"]: i.get("name") for i in ids}
    for link in json.loads(ns_show("bh-internet", "-j", "link", "show")):
        if link["ifname"] == "lo":
            continue
        assert link["ifname"].startswith("bhx"), link
        peer_ns = names.get(link.get("link_netnsid"))
        assert peer_ns and peer_ns.startswith("bh-vpc-"), (link["ifname"], peer_ns, names)


def test_detached_gateway_blackholes_and_reattach_restores(net):
    dp, t, vpc, a, b = net
    ec2 = t.ec2
    igw = dp.internet_gateway(t, vpc)
    eip = dp.elastic_ip(t, a)
    dp.expect(a, [("tcp", INTERNET_HOST, 80, True)])
    alloc = ec2.describe_addresses()["Addresses"][0]
    ec2.disassociate_address(AssociationId=alloc["AssociationId"])
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    [route] = [r for r in ec2.describe_route_tables(RouteTableIds=[dp.main_route_table(t, vpc)])
               ["RouteTables"][0]["Routes"] if r["DestinationCidrBlock"] == "0.0.0.0/0"]
    assert route["State"] == "blackhole"
    dp.expect(a, out_flows(False))
    kernel = ns_show(a.router_netns, "route", "show", "table", "all")
    assert "blackhole default" in kernel or "blackhole 0.0.0.0/0" in kernel, kernel
    assert not [n for n in link_names(a.router_netns) if n.startswith("bhg")], link_names(a.router_netns)
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.associate_address(AllocationId=alloc["AllocationId"], InstanceId=a.id)
    got = dp.expect(a, [("tcp", INTERNET_HOST, 80, True)])
    assert got[f"tcp:{INTERNET_HOST}:80"]["reply"]["peer"] == eip
    dp.expect("internet", in_flows(eip), wait=False)


def test_reassociated_address_leaves_no_flow_behind(net):
    """An Elastic IP moved from a to b: a UDP stream from the internet to
    that address (one 5-tuple, running across the move) must follow the
    address, as every new flow does; a must hear no more of it."""
    dp, t, vpc, a, b = net
    dp.internet_gateway(t, vpc)
    eip = dp.elastic_ip(t, a)
    dp.wait_applied()
    dp.start("internet", [PY, os.path.join(E2E_DIR, "flows.py"), "udp", eip, "53", "--seconds", "30"],
             "udp stream", ready="started")
    time.sleep(0.7)
    assert [e for e in dp.listener_log(a.name) if e["proto"] == "udp"], "the stream never reached a"
    alloc = t.ec2.describe_addresses()["Addresses"][0]["AllocationId"]
    t.ec2.associate_address(AllocationId=alloc, InstanceId=b.id, AllowReassociation=True)
    dp.wait_applied()
    got = dp.expect("internet", [("udp", eip, 53, True)], wait=False)
    assert got[f"udp:{eip}:53"]["reply"]["id"] == b.name      # a new flow goes to b
    before = len(dp.listener_log(a.name))
    time.sleep(1.5)
    after_move = len(dp.listener_log(a.name)) - before
    to_b = [e for e in dp.listener_log(b.name) if e["proto"] == "udp" and e["port"] == 53]
    assert after_move == 0, (f"{after_move} datagrams for {eip} still went to {a.id} ({a.ip}) 1.5 s after the "
                             f"address moved to {b.id}; {len(to_b)} reached b (the stale NAT binding in "
                             f"conntrack outlives the association)")
