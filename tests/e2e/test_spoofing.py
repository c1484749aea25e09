"""L2 anti-spoofing, with scapy from inside an instance: forged source MAC,
forged source IP (VLAN-tagged too), ARP requests and replies claiming a
neighbour's (or the gateway's) address, gratuitous ARP, DHCP offers, IPv6
router advertisements, broadcast, multicast, unknown unicast and odd
ethertypes. None reaches another instance: tcpdump runs in both
neighbours during the send. Every kind also sends its legitimate control
(the same frame with the real source, or the same flow on another port),
and the control DOES arrive, so the captures are proven to work.

Three instances in one subnet and the VPC's default group (all traffic
between members), so security groups would let every forged IPv4 frame
through: only the anti-spoofing filter stands in the way.

All the frames are sent once (module fixture); each kind is its own test."""
import ipaddress
import json
import os

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import ICMPv6ND_RA, IPv6
from scapy.layers.l2 import ARP, Ether

from dplib import E2E_DIR, PY, ns_show

PORT = 4789
KINDS = ["src_mac", "src_ip", "arp_request", "arp_reply", "garp", "dhcp", "ra", "broadcast", "multicast",
         "unknown_unicast", "ethertype"]
BAD_PREFIX = "2001:db8:bad"


def neigh(netns):
    out = ns_show(netns, "-j", "neigh", "show")
    return json.loads(out) if out.strip() else []


@pytest.fixture(scope="module", params=["vpc", "public"])
def spoofed(module_dp, request):
    """vpc: three instances of one tenant in a subnet. public: the shared
    public network, the attacker of one tenant, victim and third of
    another, whose default group lets its members in and also the
    attacker's own address (so its legitimate controls arrive, and frames
    claiming third's address would be let in by the group)."""
    dp = module_dp
    if request.param == "vpc":
        t = dp.tenant("spoof")
        vpc, [sub] = dp.vpc(t)
        a, b, c = dp.launch(t, sub, count=3, name="x")
        net = {"gw_ip": "10.0.1.1", "subnet_broadcast": "10.0.1.255", "unused_ip": "10.0.1.200"}
    else:
        tx, ty = dp.tenant("spoof-x"), dp.tenant("spoof-y")
        [a] = dp.launch(tx, name="x")
        b, c = dp.launch(ty, count=2, name="y")
        [g] = [g for g in ty.ec2.describe_security_groups()["SecurityGroups"] if "VpcId" not in g]
        ty.ec2.authorize_security_group_ingress(GroupId=g["GroupId"], IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": f"{a.ip}/32"}]}])
        net = {"gw_ip": "198.51.100.1", "subnet_broadcast": "198.51.100.255", "unused_ip": "198.51.100.250"}
    a.name, b.name, c.name = "attacker", "victim", "third"
    for inst in (a, b, c):
        dp.names[inst.id] = dp.names[inst.ip] = inst.name
    dp.wait_applied()
    caps = {inst.name: dp.capture(inst.id) for inst in (a, b, c)}
    cfg = dict(net, iface="eth0", me_ip=a.ip, me_mac=a.mac, gw_mac=a.router_mac(), victim_ip=b.ip,
               victim_mac=b.mac, third_ip=c.ip, third_mac=c.mac, port=PORT)
    p = dp.env.run_in(a.id, [PY, os.path.join(E2E_DIR, "spoof.py"), json.dumps(cfg)] + KINDS, timeout=60)
    sent = json.loads(p.stdout.strip().splitlines()[-1])
    # after the ARP games: an ordinary datagram from victim to third, which
    # must still reach third, and which the (promiscuous) attacker must not see
    peer = dict(cfg, me_ip=b.ip, me_mac=b.mac, victim_ip=c.ip, victim_mac=c.mac)
    dp.env.run_in(b.id, [PY, os.path.join(E2E_DIR, "spoof.py"), json.dumps(peer), "peer"], timeout=60)
    got = {name: cap.stop(settle=0.5) for name, cap in caps.items()}
    router_ns = a.router_netns
    return dict(dp=dp, a=a, b=b, c=c, cfg=cfg, sent=sent, caps=got, router_ns=router_ns,
                router_neigh=neigh(router_ns),
                router_macs={inst.name: inst.router_mac() for inst in (a, b, c)},
                v6={ns: ns_show(ns, "-6", "addr") + ns_show(ns, "-6", "route", "show", "table", "all")
                    for ns in (router_ns, b.netns, c.netns, a.netns)})


def with_marker(pkts, marker):
    m = marker.encode()
    return [p for p in pkts if m in bytes(p)]


def incoming(s, name):
    """Frames that arrived at an instance (not the ones it sent)."""
    inst = s[{"attacker": "a", "victim": "b", "third": "c"}[name]]
    return [p for p in s["caps"][name] if Ether in p and p[Ether].src != inst.mac]


def fmt(pkts):
    return [p.summary() for p in pkts[:6]]


@pytest.mark.parametrize("kind", KINDS)
def test_forged_frames_reach_no_neighbour(spoofed, kind):
    s = spoofed
    mine = [x for x in s["sent"] if x["kind"] == kind]
    assert mine, f"spoof.py sent nothing for {kind}"
    problems = []
    for x in mine:
        for name in ("victim", "third"):
            hits = with_marker(incoming(s, name), x["marker"])
            if x["forged"] and hits:
                problems.append(f"{x['variant']} reached {name}: {fmt(hits)}")
    controls = [x for x in mine if not x["forged"]]
    for x in controls:
        if kind == "arp_request":
            continue  # checked against the router's answers below
        if not with_marker(s["caps"]["attacker"], x["marker"]):
            problems.append(f"control {x['variant']} never left the attacker (capture broken?)")
        elif not with_marker(incoming(s, "victim"), x["marker"]):
            problems.append(f"control {x['variant']} did not arrive at the victim: the capture proves nothing")
    # the forged frames did leave the attacker (where they carry a marker)
    for x in mine:
        if x["forged"] and kind not in ("arp_request", "arp_reply", "garp", "ra") \
                and not with_marker(s["caps"]["attacker"], x["marker"]):
            problems.append(f"{x['variant']} was never sent (not in the attacker's own capture)")
    assert not problems, f"{kind}:\n  " + "\n  ".join(problems)


def test_neighbours_hear_only_their_router(spoofed):
    """Every frame that reached victim or third came from its own router
    side: nothing of the attacker's, forged or not, was bridged."""
    s = spoofed
    for name in ("victim", "third"):
        foreign = [p for p in incoming(s, name) if p[Ether].src != s["router_macs"][name]]
        assert not foreign, f"{name} got frames not from its router: {fmt(foreign)}"
        arp = [p for p in incoming(s, name) if ARP in p and p[ARP].hwsrc != s["router_macs"][name]]
        assert not arp, f"{name} got ARP from someone else: {fmt(arp)}"


def test_arp_claims_are_not_believed(spoofed):
    s = spoofed
    a, b, c = s["a"], s["b"], s["c"]
    # the legitimate request was answered, so ARP from the attacker does reach the router
    answers = [p for p in incoming(s, "attacker") if ARP in p and p[ARP].op == 2]
    assert any(p[ARP].pdst == a.ip for p in answers), \
        f"the router never answered the attacker's own ARP request: {fmt(incoming(s, 'attacker'))}"
    spoofed_answers = [p for p in answers if p[ARP].pdst in (b.ip, c.ip)]
    assert not spoofed_answers, f"the router answered ARP claiming a neighbour's address: {fmt(spoofed_answers)}"
    # the router learnt nothing from the claims
    a_link = a.router_link
    wrong = [n for n in s["router_neigh"]
             if (n.get("dev") == a_link and n.get("dst") != a.ip)
             or (n.get("lladdr") in (a.mac,) and n.get("dst") != a.ip)
             or (n.get("dst") == c.ip and n.get("lladdr") not in (None, c.mac))
             or (n.get("dst") == b.ip and n.get("lladdr") not in (None, b.mac))]
    assert not wrong, f"router neighbour table poisoned: {wrong}\n{ns_show(s['router_ns'], 'neigh')}"
    # traffic for third still goes to third
    assert with_marker(incoming(s, "third"), "BHSPOOF peer udp control"), \
        "after the ARP claims, an ordinary datagram for third did not reach it"


def test_no_dhcp_server_replies(spoofed):
    s = spoofed
    for name in ("victim", "third"):
        dhcp = [p for p in incoming(s, name) if UDP in p and p[UDP].sport == 67]
        assert not dhcp, f"{name} got DHCP server traffic: {fmt(dhcp)}"


def test_no_router_advertisements(spoofed):
    s = spoofed
    for name in ("victim", "third"):
        ra = [p for p in incoming(s, name) if ICMPv6ND_RA in p]
        assert not ra, f"{name} got router advertisements: {fmt(ra)}"
        v6 = [p for p in incoming(s, name) if IPv6 in p and p[Ether].src != s["router_macs"][name]]
        assert not v6, f"{name} got IPv6 from a neighbour: {fmt(v6)}"
    for ns, text in s["v6"].items():
        assert BAD_PREFIX not in text, f"{ns} took the advertised prefix:\n{text}"


def test_promiscuous_instance_sees_no_neighbour_traffic(spoofed):
    """tcpdump puts the attacker's eth0 in promiscuous mode; a datagram
    from victim to third is seen by third and never by the attacker."""
    s = spoofed
    assert with_marker(incoming(s, "third"), "BHSPOOF peer udp control"), "victim -> third never arrived"
    seen = with_marker(s["caps"]["attacker"], "BHSPOOF peer")
    assert not seen, f"the promiscuous attacker saw victim -> third: {fmt(seen)}"
    broadcast = ("255.255.255.255", s["cfg"]["subnet_broadcast"])
    others = [p for p in incoming(s, "attacker") if IP in p and s["a"].ip not in (p[IP].src, p[IP].dst)
              and p[IP].dst not in broadcast and not ipaddress.ip_address(p[IP].dst).is_multicast]
    assert not others, f"the attacker saw traffic between others: {fmt(others)}"


def test_source_dest_check_off(dp):
    """SourceDestCheck off lets an instance send from addresses not its
    own (a NAT or router instance); its MAC is still the only one allowed.
    Back on, such packets stop again."""
    t = dp.tenant("sdc")
    vpc, [sub] = dp.vpc(t)
    a, c = dp.launch(t, sub, count=2, name="sdc")
    # the receiver takes anything from anywhere: only the source check stands in the way
    wide = dp.group(t, vpc, "wide", ingress=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    [b] = dp.launch(t, sub, [wide], name="receiver")
    cfg = {"iface": "eth0", "me_ip": a.ip, "me_mac": a.mac, "gw_ip": "10.0.1.1", "gw_mac": a.router_mac(),
           "victim_ip": b.ip, "victim_mac": b.mac, "third_ip": c.ip, "third_mac": c.mac, "port": PORT,
           "subnet_broadcast": "10.0.1.255", "unused_ip": "10.0.1.200"}

    def round_(tag):
        cap = dp.capture(b.id)
        p = dp.env.run_in(a.id, [PY, os.path.join(E2E_DIR, "spoof.py"), json.dumps(cfg), "src_ip", "src_mac"])
        sent = json.loads(p.stdout.strip().splitlines()[-1])
        pkts = [p for p in cap.stop() if Ether in p and p[Ether].src != b.mac]
        return {x["variant"] + "/" + x["kind"]: bool(with_marker(pkts, x["marker"])) for x in sent}

    def check(seen, **want):
        wrong = {k: seen[k] for k, v in want.items() if seen[k] != v}
        assert not wrong, f"arrived (True) or not, wrong for: {wrong}; all: {json.dumps(seen)}"

    check(round_("on"), **{"legit/src_ip": True, "neighbour-ip/src_ip": False, "unused-ip/src_ip": False,
                           "outside-ip/src_ip": False})
    t.ec2.modify_instance_attribute(InstanceId=a.id, SourceDestCheck={"Value": False})
    dp.wait_applied()
    check(round_("off"), **{"legit/src_ip": True, "neighbour-ip/src_ip": True, "unused-ip/src_ip": True,
                            "outside-ip/src_ip": True, "random-mac/src_mac": False,
                            "neighbour-mac/src_mac": False})
    t.ec2.modify_instance_attribute(InstanceId=a.id, SourceDestCheck={"Value": True})
    dp.wait_applied()
    check(round_("on again"), **{"legit/src_ip": True, "unused-ip/src_ip": False, "outside-ip/src_ip": False,
                                 "neighbour-ip/src_ip": False})
