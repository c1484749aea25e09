"""diffgen - random topologies for the differential test: from a seed, a
spec (a list of items: tenants, VPCs, subnets, gateways, route tables,
routes, groups, rules, instances, Elastic IPs, stops; then, marked
"phase": 2, changes made after the first round of probes) and the flows
to try on it; the spec as the EC2 API calls that build it (diffrun
makes them with boto3, one client per tenant), and rendered back as
`aws ec2` command lines for a reproducer.

A spec is plain data (JSON-able), so a reducer can drop items and build
what is left: every item names the items it needs (`deps`), and dropping
one drops whatever needs it. Resource ids and allocated addresses are
never in a spec; items refer to each other by name ("$vpc1"), and
addresses the API allocates by reference ("@eip1", "@inst3": their /32).

Sizes are bounded (at most about 20 instances) so that one seed builds,
probes and cleans up in well under a minute on two cores."""
import copy
import ipaddress
import json
import random
import re
import shlex

from botocore import xform_name  # the CLI's option names, as the aws CLI makes them

# Listener ports, in every instance and the simulated internet: clusters
# around the anchors rules use, so a rule's range is probed just inside
# and just outside its ends.
PORTS = [1, 2, 21, 22, 23, 52, 53, 54, 79, 80, 81, 442, 443, 444, 1023, 1024, 1025,
         3305, 3306, 3307, 8079, 8080, 8081, 65534, 65535]
ICMP_PROBES = [(8, 0), (8, 1), (13, 0)]          # echo, echo with a code, timestamp
ICMP_RULES = [(-1, -1), (8, -1), (8, 0), (8, 1), (13, 0), (13, -1), (0, -1), (3, -1), (14, 0)]
INTERNET_SRCS = ["203.0.113.1", "203.0.113.10", "203.0.113.66", "203.0.113.126"]
INTERNET_DSTS = ["203.0.113.5", "203.0.113.10", "203.0.113.70", "203.0.113.100"]
UNUSED_PUBLIC = ["203.0.113.253", "198.51.100.250"]   # allocated to nobody in a run this size
VPC_CIDRS = ["10.0.0.0/16", "10.0.0.0/16", "10.0.0.0/16", "10.1.0.0/16", "10.0.0.0/20",
             "172.16.0.0/16", "192.168.0.0/24", "10.0.0.0/24"]
WIDE_CIDRS = ["0.0.0.0/0", "0.0.0.0/0", "203.0.113.0/25", "203.0.113.0/26", "203.0.113.64/26", "203.0.113.0/24",
              "203.0.113.128/25", "203.0.113.10/32", "203.0.113.66/31", "198.51.100.0/24",
              "198.51.100.0/25", "198.51.100.128/25", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
              "0.0.0.0/1", "128.0.0.0/1"]
ROUTE_DESTS = ["0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", "203.0.113.0/26", "203.0.113.64/26",
               "203.0.113.0/25", "198.51.100.0/24", "203.0.113.128/25", "0.0.0.0/1", "128.0.0.0/1",
               "203.0.113.96/27"]
OTHER_PROTOCOLS = ["47", "132", "50"]   # rules on protocols no probe speaks: noise that must not open TCP


# --------------------------------------------------------------------------
# generation


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(f"diffgen-{seed}")
        self.seed = seed
        self.items = []
        self.count = {}

    def name(self, kind):
        self.count[kind] = self.count.get(kind, 0) + 1
        return f"{kind}{self.count[kind]}"

    def add(self, kind, tenant, deps=(), **fields):
        item = {"n": self.name(kind), "k": kind, "t": tenant, "deps": [d for d in deps if d]}
        item.update(fields)
        self.items.append(item)
        return item

    def generate(self):
        r = self.rng
        tenants = [self.add("tenant", None)["n"] for _ in range(r.randint(2, 4))]
        for it in self.items:
            it["t"] = it["n"]
        budget = r.randint(9, 16)          # VPC instances; a few more in the public network
        vpcs = []
        for t in tenants:
            for _ in range(r.choice([1, 1, 2, 2, 3])):
                if len(vpcs) >= 7:
                    break
                vpcs.append(self.vpc(t))
        # instance slots, spread over subnets; a subnet may stay empty
        subnets = [s for v in vpcs for s in v["subnets"]]
        for _ in range(budget):
            s = r.choice(subnets)
            s["slots"] += 1
        # gateways and routes (before any public address: detaching needs none)
        for v in vpcs:
            self.gateway_and_routes(v)
        for v in vpcs:
            self.groups(v)
        pub_groups = {}
        for t in tenants:
            if r.random() < 0.6:
                pub_groups[t] = [self.add("sg", t, vpc=None, gname=f"pub{i}")["n"]
                                 for i in range(r.randint(1, 2))]
        self.public_groups = pub_groups
        for v in vpcs:
            for s in v["subnets"]:
                self.instances(v, s)
        for t in tenants:
            if t in pub_groups or r.random() < 0.3:
                for _ in range(r.randint(0, 2)):
                    gs = r.sample(pub_groups[t], r.randint(1, len(pub_groups[t]))) if t in pub_groups else []
                    self.add("inst", t, deps=[], subnet=None, vpc=None, groups=gs, ip=None)
        for v in vpcs:
            self.instance_routes(v)
        self.eips(vpcs)
        self.all_vpcs = vpcs
        for g in [i for i in self.items if i["k"] in ("sg", "sgdef")]:
            self.rules(g)
        insts = [i for i in self.items if i["k"] == "inst"]
        for i in insts:
            if r.random() < 0.1:
                self.add("stop", i["t"], deps=[i["n"]], inst=i["n"])
        self.phase2(vpcs)
        for it in self.items:   # generation's scratch fields
            for k in ("slots", "subnets", "groups", "igw_mode", "tables") if it["k"] in ("vpc", "subnet") else ():
                it.pop(k, None)
        return {"seed": self.seed, "items": self.items}

    def vpc(self, t):
        r = self.rng
        cidr = r.choice(VPC_CIDRS)
        v = self.add("vpc", t, deps=[t], cidr=cidr)
        net = ipaddress.ip_network(cidr)
        sub_len = 24 if net.prefixlen <= 22 else net.prefixlen + 2
        blocks = list(net.subnets(new_prefix=sub_len))[:4]
        v["subnets"] = []
        for b in sorted(r.sample(blocks, r.randint(1, min(2, len(blocks)))), key=lambda b: b.network_address):
            s = self.add("subnet", t, deps=[v["n"]], vpc=v["n"], cidr=str(b), public=False)
            s["slots"] = 0
            v["subnets"].append(s)
        v["groups"] = []
        return v

    def gateway_and_routes(self, v):
        r = self.rng
        t = v["t"]
        mode = r.choices(["none", "routed", "narrow", "unrouted", "detached"], [25, 45, 15, 5, 10])[0]
        v["igw_mode"] = mode
        if r.random() < 0.1:   # a gateway nobody attached
            self.add("igw", t, deps=[t], vpc=None)
        if mode == "none":
            for s in v["subnets"]:
                s["public"] = r.random() < 0.15   # a public address with no way to the internet
            return
        igw = self.add("igw", t, deps=[v["n"]], vpc=v["n"])["n"]
        main = None
        tables = []
        if mode != "unrouted":
            main = self.add("mainrtb", t, deps=[v["n"]], vpc=v["n"])["n"]
            tables.append(main)
        if len(v["subnets"]) > 0 and r.random() < 0.4:
            rtb = self.add("rtb", t, deps=[v["n"]], vpc=v["n"])["n"]
            sub = r.choice(v["subnets"])
            self.add("assoc", t, deps=[rtb, sub["n"]], rtb=rtb, subnet=sub["n"])
            tables.append(rtb)
        v["tables"] = {}
        for rtb in tables:
            if mode == "routed" and (rtb == main or r.random() < 0.5):
                dests = ["0.0.0.0/0"]
            else:
                dests = r.sample(ROUTE_DESTS[3:], r.randint(0, 3))
            v["tables"][rtb] = set(dests)
            for d in dests:
                self.add("route", t, deps=[rtb, igw], rtb=rtb, dest=d, igw=igw)
        if mode == "detached":
            self.add("detach", t, deps=[igw, v["n"]], igw=igw, vpc=v["n"])
        else:
            for s in v["subnets"]:
                s["public"] = r.random() < 0.25

    def instance_routes(self, v):
        """Now and then a route whose target is an instance of the VPC (a
        next hop that does not forward: what reaches it goes no further)."""
        r = self.rng
        insts = [i for i in self.items if i["k"] == "inst" and i["vpc"] == v["n"]]
        if not insts or r.random() > 0.2:
            return
        tables = v.setdefault("tables", {})
        if not tables:
            tables[self.add("mainrtb", v["t"], deps=[v["n"]], vpc=v["n"])["n"]] = set()
        rtb = r.choice(sorted(tables))
        for d in r.sample(ROUTE_DESTS, 2):
            if d not in tables[rtb]:
                tables[rtb].add(d)
                target = r.choice(insts)["n"]
                self.add("route", v["t"], deps=[rtb, target], rtb=rtb, dest=d, inst=target)

    def phase2(self, vpcs):
        """Changes made after the first round of probes, probed again: the
        agent applies them to a live data plane (set elements, NAT maps,
        routes, links), which is where an incremental update can go wrong."""
        r = self.rng
        rules = [i for i in self.items if i["k"] == "rule"]
        for rule in r.sample(rules, min(len(rules), r.randint(0, 4))):
            self.add("revoke", rule["t"], deps=[rule["n"]], sg=rule["sg"], dir=rule["dir"], perm=rule["perm"],
                     phase=2)
        groups = [i for i in self.items if i["k"] in ("sg", "sgdef")]
        cidrs = self.peer_cidrs()
        for g in r.sample(groups, min(len(groups), r.randint(0, 4))):
            perm = self.permission()
            c = r.choice(cidrs)
            d = r.choice(["in", "in", "out"])
            if self.fresh(g, d, perm, c):
                perm["IpRanges"] = [{"CidrIp": c}]
                deps = [g["n"]] + ([c[1:]] if c.startswith("@") else [])
                self.add("rule", g["t"], deps=deps, sg=g["n"], dir=d, perm=perm, phase=2)
        routes = [i for i in self.items if i["k"] == "route"]
        if routes and r.random() < 0.3:
            rt = r.choice(routes)
            self.add("unroute", rt["t"], deps=[rt["n"]], rtb=rt["rtb"], dest=rt["dest"], phase=2)
        insts = [i for i in self.items if i["k"] == "inst"]
        stopped = {i["inst"] for i in self.items if i["k"] == "stop"}
        eips = [i for i in self.items if i["k"] == "eip"]
        taken = {e["inst"] for e in eips}   # moving an address onto one of these would displace its own
        for e in eips:
            owner = next(i for i in insts if i["n"] == e["inst"])
            others = [i for i in insts if i["vpc"] == owner["vpc"] and i["n"] not in taken]
            roll = r.random()
            if roll < 0.2:
                self.add("disassoc", e["t"], deps=[e["n"]], eip=e["n"], phase=2)
            elif roll < 0.35 and others:
                to = r.choice(others)["n"]
                taken.add(to)
                self.add("reassoc", e["t"], deps=[e["n"], to], eip=e["n"], inst=to, phase=2)
        for i in insts:
            roll = r.random()
            if i["n"] in stopped and roll < 0.5:
                self.add("start", i["t"], deps=[i["n"]], inst=i["n"], phase=2)
            elif i["n"] not in stopped and roll < 0.05:
                self.add("stop", i["t"], deps=[i["n"]], inst=i["n"], phase=2)
            elif i["n"] not in stopped and roll < 0.09:
                self.add("terminate", i["t"], deps=[i["n"]], inst=i["n"], phase=2)

    def groups(self, v):
        r = self.rng
        t = v["t"]
        v["groups"].append(self.add("sgdef", t, deps=[v["n"]], vpc=v["n"])["n"])
        for i in range(r.randint(1, 3)):
            g = self.add("sg", t, deps=[v["n"]], vpc=v["n"], gname=f"g{i}")
            v["groups"].append(g["n"])
            if r.random() < 0.35:
                self.add("revoke_egress", t, deps=[g["n"]], sg=g["n"])

    def instances(self, v, s):
        r = self.rng
        net = ipaddress.ip_network(s["cidr"])
        offsets = [o for o in (10, 11, 20, 50, 100) if o < net.num_addresses - 1]
        ips = r.sample(offsets, min(s["slots"], len(offsets)))
        for off in ips:
            gs = r.sample(v["groups"], min(len(v["groups"]), r.choice([1, 1, 2, 3])))
            if r.random() < 0.1:
                gs = []     # the VPC's default group
            ip = str(net.network_address + off) if r.random() < 0.9 else None
            self.add("inst", v["t"], deps=[s["n"]], subnet=s["n"], vpc=v["n"], groups=gs, ip=ip)

    def eips(self, vpcs):
        r = self.rng
        routed = {v["n"] for v in vpcs if v["igw_mode"] in ("routed", "narrow", "unrouted")}
        per_tenant = {}
        for i in [i for i in self.items if i["k"] == "inst" and i["vpc"] in routed]:
            if r.random() < 0.4 and per_tenant.get(i["t"], 0) < 3:
                per_tenant[i["t"]] = per_tenant.get(i["t"], 0) + 1
                self.add("eip", i["t"], deps=[i["n"]], inst=i["n"])

    def peer_cidrs(self):
        """Prefixes a rule may name: wide ones, VPCs and subnets (any
        tenant's), their halves, single instance and public addresses."""
        out = list(WIDE_CIDRS)
        for it in self.items:
            if it["k"] in ("vpc", "subnet"):
                net = ipaddress.ip_network(it["cidr"])
                out.append(str(net))
                out += [str(h) for h in net.subnets()]
                out.append(str(net.supernet()))
            elif it["k"] == "inst" and it["ip"]:
                out.append(it["ip"] + "/32")
                out.append(str(ipaddress.ip_network(it["ip"] + "/31", strict=False)))
            elif it["k"] == "eip":
                out += ["@" + it["n"]] * 2
            elif it["k"] == "inst" and it["subnet"] is None:
                out.append("@" + it["n"])
        return out

    def rules(self, g):
        r = self.rng
        t = g["t"]
        if g["vpc"] is None:
            peers_g = self.public_groups.get(t, [])
        else:
            peers_g = next(v["groups"] for v in self.all_vpcs if v["n"] == g["vpc"])
        cidrs = self.peer_cidrs()
        for direction, count in (("in", r.randint(1, 7)), ("out", r.randint(0, 3))):
            for _ in range(count):
                perm = self.permission()
                deps = [g["n"]]
                nranges = r.choices([0, 1, 2], [25, 65, 10])[0]
                ranges = []
                while len(ranges) < nranges:
                    c = r.choice(cidrs)
                    ranges += [c] if c not in ranges else []
                pairs = []
                if peers_g and (nranges == 0 or r.random() < 0.15):
                    pairs = [r.choice(peers_g + [g["n"]])]
                if not ranges and not pairs:
                    ranges = [r.choice(cidrs)]
                ranges = [c for c in ranges if self.fresh(g, direction, perm, c)]
                pairs = [p for p in pairs if self.fresh(g, direction, perm, "$" + p)]
                if not ranges and not pairs:
                    continue
                if ranges:
                    perm["IpRanges"] = [{"CidrIp": c} for c in ranges]
                    deps += [c[1:] for c in ranges if c.startswith("@")]
                if pairs:
                    perm["UserIdGroupPairs"] = [{"GroupId": "$" + p} for p in pairs]
                    deps += pairs
                if r.random() < 0.05 and self.fresh(g, direction, perm, "::/0"):
                    perm["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
                self.add("rule", t, deps=sorted(set(deps)), sg=g["n"], dir=direction, perm=perm)

    def fresh(self, g, direction, perm, peer):
        """False when the group already has this rule (the API refuses a
        duplicate): EC2's defaults count, as do earlier rules."""
        names = {"6": "tcp", "17": "udp", "1": "icmp"}
        proto = names.get(perm["IpProtocol"], perm["IpProtocol"])
        key = (g["n"], direction, proto, perm.get("FromPort"), perm.get("ToPort"), peer)
        if not hasattr(self, "rule_keys"):
            self.rule_keys = set()
            for it in self.items:
                if it["k"] == "sgdef":
                    self.rule_keys.add((it["n"], "in", "-1", None, None, "$" + it["n"]))
                if it["k"] in ("sg", "sgdef") and not any(x["k"] == "revoke_egress" and x["sg"] == it["n"]
                                                         for x in self.items):
                    self.rule_keys.add((it["n"], "out", "-1", None, None, "0.0.0.0/0"))
        if key in self.rule_keys:
            return False
        self.rule_keys.add(key)
        return True

    def permission(self):
        r = self.rng
        proto = r.choices(["tcp", "udp", "icmp", "-1", "6", "17", "1", "other"], [30, 22, 14, 12, 5, 5, 4, 8])[0]
        if proto == "other":
            return {"IpProtocol": r.choice(OTHER_PROTOCOLS)}
        if proto == "-1":
            return {"IpProtocol": "-1"}
        if proto in ("icmp", "1"):
            ty, code = r.choice(ICMP_RULES)
            return {"IpProtocol": proto, "FromPort": ty, "ToPort": code}
        shape = r.choices(["one", "range", "all"], [50, 40, 10])[0]
        if shape == "all":
            lo, hi = r.choice([(0, 65535), (1, 65535)])
        elif shape == "one":
            lo = hi = r.choice(PORTS)
        else:
            lo, hi = sorted(r.sample(PORTS, 2))
        return {"IpProtocol": proto, "FromPort": lo, "ToPort": hi}


def generate(seed):
    return Gen(seed).generate()


# --------------------------------------------------------------------------
# flows: symbolic, from the spec alone (so a reduced spec keeps its flow)


def probe_kinds():
    return [("tcp", p) for p in PORTS] + [("udp", p) for p in PORTS] + [("icmp", tc) for tc in ICMP_PROBES]


def focus(spec, inst, direction):
    """Probe kinds at the edges of the rules of inst's groups in one
    direction: each end of a port range and its outer neighbour."""
    names = {"6": "tcp", "17": "udp", "1": "icmp"}
    groups = set(inst["groups"])
    if not groups and inst["subnet"]:
        groups = {i["n"] for i in spec["items"] if i["k"] == "sgdef" and i["vpc"] == inst["vpc"]}
    out = set()
    for it in spec["items"]:
        if it["k"] != "rule" or it["sg"] not in groups or it["dir"] != direction:
            continue
        perm = it["perm"]
        proto = names.get(perm["IpProtocol"], perm["IpProtocol"])
        if proto in ("tcp", "udp"):
            for p in (perm["FromPort"] - 1, perm["FromPort"], perm["ToPort"], perm["ToPort"] + 1):
                if p in PORTS:
                    out.add((proto, p))
        elif proto == "icmp":
            out |= {("icmp", tc) for tc in ICMP_PROBES
                    if perm["FromPort"] in (-1, tc[0]) and perm["ToPort"] in (-1, tc[1])}
        elif proto == "-1":
            out.add(("tcp", PORTS[len(PORTS) // 2]))
    return sorted(out)


def has_public(spec, inst):
    if inst["subnet"] is None:
        return True
    items = {i["n"]: i for i in spec["items"]}
    if any(i["k"] in ("eip", "reassoc") and i["inst"] == inst["n"] for i in spec["items"]):
        return True
    return bool(items[inst["subnet"]]["public"])


def make_flows(spec, per_pair=(4, 9)):
    """[flow]: {"src": inst name | "inet:ADDR", "dst": "NAME.private" |
    "NAME.public" | "addr:ADDR", "proto", "port" | "type"+"code"}."""
    r = random.Random(f"diffflows-{spec['seed']}")
    kinds = probe_kinds()
    insts = [i for i in spec["items"] if i["k"] == "inst"]
    stopped = {i["inst"] for i in spec["items"] if i["k"] == "stop"}
    flows = []

    by_name = {i["n"]: i for i in insts}

    def add(src, dst, n):
        """n probe kinds: half at the edges of the rules on the way (the
        source's egress, the destination's ingress), half at random."""
        edges = set(focus(spec, by_name[src], "out")) if src in by_name else set()
        if dst.split(".")[0] in by_name:
            edges |= set(focus(spec, by_name[dst.split(".")[0]], "in"))
        edges = sorted(edges)
        picked = r.sample(edges, min(len(edges), n // 2))
        picked += r.sample([k for k in kinds if k not in picked], n - len(picked))
        for proto, what in picked:
            f = {"src": src, "dst": dst, "proto": proto}
            if proto == "icmp":
                f["type"], f["code"] = what
            else:
                f["port"] = what
            flows.append(f)

    def dsts_of(inst):
        out = [inst["n"] + ".private"]
        if has_public(spec, inst):
            out.append(inst["n"] + ".public")
        return out

    for src in insts:
        lo, hi = per_pair
        if src["n"] in stopped:
            lo, hi = 1, 2
        targets = []
        for dst in insts:
            for d in dsts_of(dst):
                if dst is src and (d.endswith(".private") or src["subnet"] is None):
                    continue     # its own address (on the public network, public too) never leaves it
                targets.append(d)
        targets += ["addr:" + a for a in r.sample(INTERNET_DSTS, 2)]
        targets.append("addr:" + r.choice(UNUSED_PUBLIC))
        if src["subnet"]:
            net = ipaddress.ip_network(next(i["cidr"] for i in spec["items"] if i["n"] == src["subnet"]))
            targets.append("addr:" + str(net.network_address + 200 if net.num_addresses > 201
                                         else net.network_address + net.num_addresses - 3))
        for d in targets:
            add(src["n"], d, r.randint(lo, hi))
    for a in INTERNET_SRCS:
        for dst in insts:
            for d in dsts_of(dst):
                if d.endswith(".private") and dst["subnet"] and r.random() < 0.7:
                    continue     # a private address from the internet: a few suffice
                add("inet:" + a, d, r.randint(per_pair[0] + 2, per_pair[1] + 4))
    return flows


# --------------------------------------------------------------------------
# the spec as API calls


def calls(item):
    """The API calls that make one item: [(op, params, out)] where params
    hold "$name" for another item's id and "@name" for its address, and
    out is (variable, JMESPath of the answer) or None."""
    k, n = item["k"], item["n"]
    ref = lambda x: "$" + x  # noqa: E731
    if k == "vpc":
        return [("create_vpc", {"CidrBlock": item["cidr"]}, (n, "Vpc.VpcId"))]
    if k == "subnet":
        out = [("create_subnet", {"VpcId": ref(item["vpc"]), "CidrBlock": item["cidr"]}, (n, "Subnet.SubnetId"))]
        if item["public"]:
            out.append(("modify_subnet_attribute", {"SubnetId": ref(n), "MapPublicIpOnLaunch": {"Value": True}},
                        None))
        return out
    if k == "igw":
        out = [("create_internet_gateway", {}, (n, "InternetGateway.InternetGatewayId"))]
        if item["vpc"]:
            out.append(("attach_internet_gateway", {"InternetGatewayId": ref(n), "VpcId": ref(item["vpc"])}, None))
        return out
    if k == "detach":
        return [("detach_internet_gateway", {"InternetGatewayId": ref(item["igw"]), "VpcId": ref(item["vpc"])},
                 None)]
    if k == "mainrtb":
        return [("describe_route_tables", {"Filters": [{"Name": "vpc-id", "Values": [ref(item["vpc"])]},
                                                      {"Name": "association.main", "Values": ["true"]}]},
                 (n, "RouteTables[0].RouteTableId"))]
    if k == "rtb":
        return [("create_route_table", {"VpcId": ref(item["vpc"])}, (n, "RouteTable.RouteTableId"))]
    if k == "assoc":
        return [("associate_route_table", {"RouteTableId": ref(item["rtb"]), "SubnetId": ref(item["subnet"])},
                 None)]
    if k == "route":
        p = {"RouteTableId": ref(item["rtb"]), "DestinationCidrBlock": item["dest"]}
        if item.get("inst"):
            p["InstanceId"] = ref(item["inst"])
        else:
            p["GatewayId"] = ref(item["igw"])
        return [("create_route", p, None)]
    if k == "unroute":
        return [("delete_route", {"RouteTableId": ref(item["rtb"]), "DestinationCidrBlock": item["dest"]}, None)]
    if k == "revoke":
        op = "revoke_security_group_ingress" if item["dir"] == "in" else "revoke_security_group_egress"
        return [(op, {"GroupId": ref(item["sg"]), "IpPermissions": [item["perm"]]}, None)]
    if k == "disassoc":
        return [("disassociate_address", {"AssociationId": ref(item["eip"] + "_assoc")}, None)]
    if k == "reassoc":
        return [("associate_address", {"AllocationId": ref(item["eip"]), "InstanceId": ref(item["inst"]),
                                       "AllowReassociation": True}, (item["eip"] + "_assoc", "AssociationId"))]
    if k == "start":
        return [("start_instances", {"InstanceIds": [ref(item["inst"])]}, None)]
    if k == "terminate":
        return [("terminate_instances", {"InstanceIds": [ref(item["inst"])]}, None)]
    if k == "sgdef":
        return [("describe_security_groups", {"Filters": [{"Name": "vpc-id", "Values": [ref(item["vpc"])]},
                                                         {"Name": "group-name", "Values": ["default"]}]},
                 (n, "SecurityGroups[0].GroupId"))]
    if k == "sg":
        p = {"GroupName": item["gname"], "Description": item["gname"]}
        if item["vpc"]:
            p["VpcId"] = ref(item["vpc"])
        return [("create_security_group", p, (n, "GroupId"))]
    if k == "revoke_egress":
        return [("revoke_security_group_egress", {"GroupId": ref(item["sg"]), "IpPermissions": [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}, None)]
    if k == "rule":
        op = "authorize_security_group_ingress" if item["dir"] == "in" else "authorize_security_group_egress"
        return [(op, {"GroupId": ref(item["sg"]), "IpPermissions": [item["perm"]]}, None)]
    if k == "inst":
        p = {"ImageId": "$ami", "MinCount": 1, "MaxCount": 1}
        if item["subnet"]:
            p["SubnetId"] = ref(item["subnet"])
        if item["groups"]:
            p["SecurityGroupIds"] = [ref(g) for g in item["groups"]]
        if item["ip"]:
            p["PrivateIpAddress"] = item["ip"]
        return [("run_instances", p, (n, "Instances[0].InstanceId"))]
    if k == "eip":
        return [("allocate_address", {"Domain": "vpc"}, (n, "AllocationId")),
                ("associate_address", {"AllocationId": ref(n), "InstanceId": ref(item["inst"])},
                 (n + "_assoc", "AssociationId"))]
    if k == "stop":
        return [("stop_instances", {"InstanceIds": [ref(item["inst"])]}, None)]
    if k == "tenant":
        return []
    raise ValueError(f"unknown item kind {k}")


def phase(item):
    return item.get("phase", 1)


def closure(items, keep):
    """The items of `keep` (names) whose hard dependencies are all kept,
    in spec order; instances lose the groups that are gone."""
    out, have = [], set()
    for it in items:
        if it["n"] not in keep:
            continue
        hard = [d for d in it["deps"]]
        if not all(d in have for d in hard):
            continue
        if it["k"] == "inst":
            it = dict(it, groups=[g for g in it["groups"] if g in have])
        out.append(it)
        have.add(it["n"])
    return out


def required(items, names):
    """Names that `names` need, transitively (their deps)."""
    by = {i["n"]: i for i in items}
    need, todo = set(), list(names)
    while todo:
        n = todo.pop()
        if n in need or n not in by:
            continue
        need.add(n)
        todo += by[n]["deps"]
        if by[n]["t"]:
            todo.append(by[n]["t"])
    return need


# --------------------------------------------------------------------------
# rendering: the aws CLI


def _cli_value(v):
    if isinstance(v, (dict, list)) and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
        text = json.dumps(v, separators=(",", ":")).replace("'", "'\\''")
        return "'" + _vars(text) + "'"
    if isinstance(v, list):
        return " ".join(_cli_word(x) for x in v)
    if isinstance(v, str):
        return _cli_word(v) if not v.startswith("$") else f'"{_var(v)}"'
    return shlex.quote(str(v))


def _var(v):
    return "$" + v[1:].upper().replace("-", "_")


def _vars(text):
    # "$name" inside JSON: close the single quote, expand, reopen
    return re.sub(r"\$([a-z]+[0-9]*(?:_ip)?)", lambda m: "'\"$" + m.group(1).upper() + "\"'", text)


def _cli_word(s):
    if s.startswith("$"):
        return f'"{_var(s)}"'
    if s.startswith("@"):
        return f'"${s[1:].upper()}_IP/32"'
    return shlex.quote(s)


def render_cli(items):
    """The spec as a shell script of `aws ec2` calls, one function per tenant."""
    lines = ["# endpoint and admin state of a running `bulkhead serve --agent`:",
             "#   EP=http://127.0.0.1:8773 STATE=state",
             "AMI=ami-0b0e0e0e0e0e0e0e0",
             "wait_state() { while [ \"$($1 describe-instances --instance-ids \"$2\" "
             "--query 'Reservations[0].Instances[0].State.Name')\" != \"$3\" ]; do sleep 0.2; done; }"]
    phase2 = False
    for it in items:
        if phase(it) == 2 and not phase2:
            phase2 = True
            lines.append("# ---- phase 2: the first round of flows is tried here; then these changes, "
                         "and the flows again")
        if it["k"] == "stop" and phase(it) == 1:
            lines.append("# (the instances run their listeners by now)")
        if it["k"] == "tenant":
            t = it["n"]
            T = t.upper()
            lines += [f"# tenant {t}: an account and a key",
                      f"{T}_ACCT=$(bulkhead admin --state-dir $STATE --json account create {t} | "
                      f"python3 -c 'import json,sys; print(json.load(sys.stdin)[\"AccountId\"])')",
                      f"eval $(bulkhead admin --state-dir $STATE --json key create ${T}_ACCT | python3 -c "
                      f"'import json,sys; k=json.load(sys.stdin); "
                      f"print(\"{T}_AKID=%s {T}_SECRET=%s\" % (k[\"AccessKeyId\"], k[\"SecretAccessKey\"]))')",
                      f"{t}() {{ AWS_ACCESS_KEY_ID=${T}_AKID AWS_SECRET_ACCESS_KEY=${T}_SECRET "
                      f"AWS_DEFAULT_REGION=bulkhead-1 aws --endpoint-url $EP --output text ec2 \"$@\"; }}"]
            continue
        for op, params, out in calls(it):
            words = [it["t"], op.replace("_", "-")]
            for key, v in params.items():
                opt = "--" + _kebab(key)
                if op == "run_instances" and key in ("MinCount", "MaxCount"):
                    if key == "MinCount":
                        words += ["--count", "1"]
                    continue
                if key == "MapPublicIpOnLaunch":
                    words.append("--map-public-ip-on-launch")
                    continue
                if key == "IpPermissions":
                    v = [_at_cidrs(p) for p in v]
                words += [opt, _cli_value(v)]
            line = " ".join(words)
            if out:
                var, query = out
                line = f"{var.upper()}=$({line} --query '{query}')"
            lines.append(line)
        if it["k"] == "eip":
            lines.append(f"{it['n'].upper()}_IP=$({it['t']} describe-addresses --allocation-ids "
                         f"\"${it['n'].upper()}\" --query 'Addresses[0].PublicIp')")
        want = {"inst": "running", "stop": "stopped", "start": "running", "terminate": "terminated"}
        if it["k"] in want:
            name = it["n"] if it["k"] == "inst" else it["inst"]
            lines.append(f"wait_state {it['t']} \"${name.upper()}\" {want[it['k']]}")
        if it["k"] == "inst":
            if it["subnet"] is None:
                lines.append(f"{it['n'].upper()}_IP=$({it['t']} describe-instances --instance-ids "
                             f"\"${it['n'].upper()}\" --query 'Reservations[0].Instances[0].PublicIpAddress')")
    return "\n".join(lines)


def _at_cidrs(perm):
    p = copy.deepcopy(perm)
    for r in p.get("IpRanges", []):
        if r["CidrIp"].startswith("@"):
            r["CidrIp"] = "$" + r["CidrIp"][1:] + "_ip" + "/32"
    return p


def _kebab(key):
    return xform_name(key).replace("_", "-")
