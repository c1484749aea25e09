#!/usr/bin/python3
"""spoof.py - forge frames with scapy from inside an instance (run through
`bulkhead exec`), each with its legitimate control, for the spoofing test.

usage: spoof.py CONFIG-JSON KIND...

CONFIG: {"iface", "me_ip", "me_mac", "gw_ip", "gw_mac", "victim_ip",
"victim_mac", "third_ip", "third_mac", "port", "subnet_broadcast"}: this
instance, its router side, the neighbour the frames aim at (victim) and the
neighbour whose identity they claim (third).

Every frame carries (where the protocol has room for it) the marker
"BHSPOOF <kind> <variant> <forged|control>", so a capture anywhere can
tell which frame arrived. Prints one JSON line: [{"kind","variant",
"forged","marker"}] of what was sent, in order.

Kinds: src_mac src_ip arp_request arp_reply garp dhcp ra broadcast
multicast unknown_unicast ethertype; `peer` sends one ordinary UDP
datagram (a socket, no forging) to victim_ip:port."""
import json
import socket
import sys
import time

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, IPv6
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.packet import Raw
from scapy.sendrecv import sendp

BCAST = "ff:ff:ff:ff:ff:ff"
RANDOM_MAC = "02:de:ad:be:ef:01"
BAD_PREFIX = "2001:db8:bad::"


def link_local(mac):
    b = bytes.fromhex(mac.replace(":", ""))
    eui = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:]
    groups = [eui[i:i + 2].hex() for i in range(0, 8, 2)]
    return "fe80::" + ":".join(g.lstrip("0") or "0" for g in groups)


def frames(kind, c):
    """[(variant, forged, frame builder taking the marker)]"""
    me, gw, port = c["me_ip"], c["gw_mac"], c["port"]

    def udp(src_mac=c["me_mac"], dst_mac=gw, src=me, dst=c["victim_ip"], sport=40000, dport=port, ttl=64):
        return lambda m: (Ether(src=src_mac, dst=dst_mac) / IP(src=src, dst=dst, ttl=ttl)
                          / UDP(sport=sport, dport=dport) / Raw(m.encode()))

    control = ("legit", False, udp())
    if kind == "src_mac":
        return [("neighbour-mac", True, udp(src_mac=c["third_mac"])),
                ("victim-mac", True, udp(src_mac=c["victim_mac"])),
                ("random-mac", True, udp(src_mac=RANDOM_MAC)),
                control]
    if kind == "src_ip":
        def vlan(tag_cls, vid):
            return lambda m: (Ether(src=c["me_mac"], dst=gw) / tag_cls(vlan=vid)
                              / IP(src=c["third_ip"], dst=c["victim_ip"]) / UDP(sport=40000, dport=port)
                              / Raw(m.encode()))
        return [("neighbour-ip", True, udp(src=c["third_ip"])),
                ("victim-ip", True, udp(src=c["victim_ip"])),
                ("outside-ip", True, udp(src="203.0.113.77")),
                ("unused-ip", True, udp(src=c["unused_ip"])),
                ("vlan0-neighbour-ip", True, vlan(Dot1Q, 0)),
                ("vlan5-neighbour-ip", True, vlan(Dot1Q, 5)),
                ("qinq-neighbour-ip", True, vlan(Dot1AD, 0)),
                control]
    if kind == "arp_request":
        def req(psrc, hwsrc=c["me_mac"]):
            return lambda m: (Ether(src=c["me_mac"], dst=BCAST)
                              / ARP(op=1, hwsrc=hwsrc, psrc=psrc, hwdst="00:00:00:00:00:00", pdst=c["gw_ip"]))
        return [("tell-neighbour", True, req(c["third_ip"])),
                ("tell-victim", True, req(c["victim_ip"])),
                ("tell-neighbour-as-neighbour-mac", True, req(c["third_ip"], c["third_mac"])),
                ("tell-me", False, req(me))]
    if kind == "arp_reply":
        def rep(psrc, hwsrc=c["me_mac"], dst=gw):
            return lambda m: (Ether(src=c["me_mac"], dst=dst)
                              / ARP(op=2, hwsrc=hwsrc, psrc=psrc, hwdst=gw, pdst=c["gw_ip"]))
        return [("neighbour-ip", True, rep(c["third_ip"])),
                ("neighbour-ip-neighbour-mac", True, rep(c["third_ip"], c["third_mac"])),
                ("victim-ip", True, rep(c["victim_ip"])),
                ("victim-ip-broadcast", True, rep(c["victim_ip"], dst=BCAST)),
                ("gateway-ip", True, rep(c["gw_ip"]))]
    if kind == "garp":
        def garp(op, ip):
            return lambda m: (Ether(src=c["me_mac"], dst=BCAST)
                              / ARP(op=op, hwsrc=c["me_mac"], psrc=ip, pdst=ip,
                                    hwdst=BCAST if op == 2 else "00:00:00:00:00:00"))
        return [("request-neighbour-ip", True, garp(1, c["third_ip"])),
                ("reply-neighbour-ip", True, garp(2, c["third_ip"])),
                ("request-victim-ip", True, garp(1, c["victim_ip"])),
                ("request-gateway-ip", True, garp(1, c["gw_ip"]))]
    if kind == "dhcp":
        def offer(dst_mac, dst, sport=67):
            return lambda m: (Ether(src=c["me_mac"], dst=dst_mac) / IP(src=me, dst=dst)
                              / UDP(sport=sport, dport=68)
                              / BOOTP(op=2, yiaddr=c["victim_ip"], siaddr=me,
                                      chaddr=bytes.fromhex(c["victim_mac"].replace(":", "")), file=m.encode())
                              / DHCP(options=[("message-type", "offer"), ("server_id", me), ("router", me),
                                              ("name_server", me), ("lease_time", 3600), "end"]))
        return [("offer-broadcast", True, offer(BCAST, "255.255.255.255")),
                ("offer-unicast", True, offer(gw, c["victim_ip"])),
                ("sport-6767", False, offer(gw, c["victim_ip"], sport=6767))]
    if kind == "ra":
        ll = link_local(c["me_mac"])

        def ra(dst_mac, dst="ff02::1"):
            return lambda m: (Ether(src=c["me_mac"], dst=dst_mac) / IPv6(src=ll, dst=dst, hlim=255)
                              / ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=c["me_mac"])
                              / ICMPv6NDOptPrefixInfo(prefix=BAD_PREFIX, prefixlen=64, L=1, A=1,
                                                      validlifetime=86400, preferredlifetime=86400))
        return [("all-nodes", True, ra("33:33:00:00:00:01")),
                ("to-router-mac", True, ra(gw)),
                ("to-victim-mac", True, ra(c["victim_mac"], link_local(c["victim_mac"]))),
                ("ipv6-udp-all-nodes", True,
                 lambda m: (Ether(src=c["me_mac"], dst="33:33:00:00:00:01") / IPv6(src=ll, dst="ff02::1")
                            / UDP(sport=40000, dport=port) / Raw(m.encode())))]
    if kind == "broadcast":
        bc = c["subnet_broadcast"]
        return [("limited", True, udp(dst_mac=BCAST, dst="255.255.255.255")),
                ("subnet-directed", True, udp(dst_mac=BCAST, dst=bc)),
                ("subnet-directed-via-router", True, udp(dst=bc)),
                ("l2-broadcast-unicast-ip", True, udp(dst_mac=BCAST)),
                control]
    if kind == "multicast":
        return [("all-hosts", True, udp(dst_mac="01:00:5e:00:00:01", dst="224.0.0.1", ttl=1)),
                ("group", True, udp(dst_mac="01:00:5e:01:02:03", dst="239.1.2.3", ttl=16)),
                ("group-via-router-mac", True, udp(dst="239.1.2.3", ttl=16)),
                ("l2-multicast-unicast-ip", True, udp(dst_mac="01:00:5e:00:00:01")),
                control]
    if kind == "unknown_unicast":
        return [("victim-mac", True, udp(dst_mac=c["victim_mac"])),
                ("random-mac", True, udp(dst_mac="02:11:22:33:44:55")),
                control]
    if kind == "ethertype":
        return [("experimental-broadcast", True,
                 lambda m: Ether(src=c["me_mac"], dst=BCAST, type=0x88B5) / Raw(m.encode())),
                ("experimental-router", True,
                 lambda m: Ether(src=c["me_mac"], dst=gw, type=0x88B5) / Raw(m.encode())),
                control]
    raise SystemExit(f"unknown kind {kind}")


def main():
    c = json.loads(sys.argv[1])
    sent = []
    for kind in sys.argv[2:]:
        if kind == "peer":
            marker = "BHSPOOF peer udp control"
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for _ in range(3):
                    s.sendto(marker.encode(), (c["victim_ip"], c["port"]))
                    time.sleep(0.05)
            sent.append({"kind": kind, "variant": "udp", "forged": False, "marker": marker})
            continue
        for variant, forged, build in frames(kind, c):
            marker = f"BHSPOOF {kind} {variant} {'forged' if forged else 'control'}"
            # twice: a single frame could meet a neighbour entry still resolving
            sendp([build(marker)] * 2, iface=c["iface"], verbose=False)
            sent.append({"kind": kind, "variant": variant, "forged": forged, "marker": marker})
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
