"""Protocols other than TCP, UDP and ICMP whose datagrams carry fewer than
the four transport bytes a group's main set reads (`th dport . th sport`):
the vNIC chains judge them by the groups' fallback sets instead, on
ingress and on egress, with the same verdict the rules give any longer
datagram of that protocol. Sent with raw sockets from three instances,
captured at the server."""
import json
import os

from dplib import E2E_DIR, PY

ALLOWED, OTHER, NONE = 253, 254, 252   # experimental protocol numbers: conntrack tracks them generically
LENGTHS = [0, 1, 3, 4, 9]


def proto(n, lo=-1, hi=-1, cidr=None):
    return {"IpProtocol": str(n), "FromPort": lo, "ToPort": hi, "IpRanges": [{"CidrIp": cidr}]}


def send(dp, src, dst, specs):
    p = dp.env.run_in(src.id, [PY, os.path.join(E2E_DIR, "rawsend.py"), dst.ip]
                      + [f"{n}:{length}" for n, length in specs])
    return {tuple(x) for x in json.loads(p.stdout)}


def test_short_datagrams_follow_the_rules(dp):
    t = dp.tenant("short")
    vpc, [sub] = dp.vpc(t)
    a_ip, b_ip, c_ip, srv_ip = "10.0.1.20", "10.0.1.30", "10.0.1.40", "10.0.1.10"
    # a may send only ALLOWED, and only to the server; b and c everything
    a_g = dp.group(t, vpc, "a", egress=[proto(ALLOWED, cidr=f"{srv_ip}/32")])
    b_g = dp.group(t, vpc, "b")
    c_g = dp.group(t, vpc, "c")
    # the server takes ALLOWED and OTHER from a, everything from b, nothing from c;
    # a port rule on a port-less protocol and ICMP type rules share the sets
    srv_g = dp.group(t, vpc, "srv", ingress=[
        proto(ALLOWED, cidr=f"{a_ip}/32"), proto(OTHER, cidr=f"{a_ip}/32"),
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": f"{b_ip}/32"}]},
        {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 65535, "IpRanges": [{"CidrIp": f"{c_ip}/32"}]},
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0, "IpRanges": [{"CidrIp": f"{c_ip}/32"}]}])
    [srv] = dp.launch(t, sub, [srv_g], ip=srv_ip, name="srv", wait=False)
    [a] = dp.launch(t, sub, [a_g], ip=a_ip, name="a", wait=False)
    [b] = dp.launch(t, sub, [b_g], ip=b_ip, name="b", wait=False)
    [c] = dp.launch(t, sub, [c_g], ip=c_ip, name="c", wait=False)
    dp.wait_state(t, [i.id for i in (srv, a, b, c)], "running")
    dp.wait_applied()
    cap = dp.capture(srv.id, bpf=["ip", "and", "(ip proto 252 or ip proto 253 or ip proto 254)"])
    sent = {
        a.ip: send(dp, a, srv, [(n, length) for n in (ALLOWED, OTHER, NONE) for length in LENGTHS]),
        b.ip: send(dp, b, srv, [(n, length) for n in (ALLOWED, OTHER, NONE) for length in (0, 2, 9)]),
        c.ip: send(dp, c, srv, [(n, length) for n in (ALLOWED, OTHER, NONE) for length in (0, 2, 9)]),
    }
    got = set()
    for pkt in cap.stop(settle=0.5):
        ip = pkt.getlayer("IP")
        if ip is not None and ip.dst == srv.ip:
            got.add((ip.src, ip.proto, ip.len - ip.ihl * 4))
    want = {(a.ip, n, length) for n, length in sent[a.ip] if n == ALLOWED}  # OTHER: a's egress says no
    want |= {(b.ip, n, length) for n, length in sent[b.ip]}              # all traffic from b
    assert got == want, (f"missing {sorted(want - got)}, let through {sorted(got - want)}")
