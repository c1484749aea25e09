"""`bulkhead reach` on a store built through the API: the README's three
tiers with Elastic IPs and an internet gateway, instance states written as
the agent would (no agent runs here). Text, JSON, --batch and `who`, the
exit statuses, and bad input answered with a located message."""
import json
import sqlite3
import subprocess

import pytest

import bhlib

IMAGE = "ami-0b0e0e0e0e0e0e0e0"
NET = "203.0.113.10"
STEP_KINDS = {"antispoof", "route", "egress", "nat", "ingress", "return-route"}


def set_state(server, instance_id, state):
    """What the agent reports once the kernel matches."""
    db = sqlite3.connect(server.db_path, timeout=30)
    try:
        with db:
            assert db.execute("UPDATE instances SET state = ? WHERE id = ?", (state, instance_id)).rowcount == 1
    finally:
        db.close()


def reach(server, *args, stdin=None):
    p = subprocess.run([bhlib.bulkhead_bin(), "reach", "--state-dir", server.state_dir] + list(args),
                       input=stdin, capture_output=True, text=True, timeout=60, env=bhlib.child_env(),
                       stdin=None if stdin is not None else subprocess.DEVNULL)
    bhlib.note_sanitizer("bulkhead reach " + " ".join(args), p.stderr)
    return p


def reach_json(server, *args):
    p = reach(server, *args, "--json")
    assert p.returncode in (0, 1), p.stderr
    doc = json.loads(p.stdout)
    assert (p.returncode == 0) == (doc["verdict"] == "allow"), doc
    return doc


@pytest.fixture(scope="module")
def tiers(server):
    """The README scenario: frontend, backend, management, each with an EIP."""
    ec2 = server.new_tenant().ec2
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                             {"Name": "association.main", "Values": ["true"]}])
    rtb = rtb["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    g = {n: ec2.create_security_group(VpcId=vpc, GroupName=n, Description=n)["GroupId"]
         for n in ("frontend", "backend", "management")}

    def tcp(port, cidr=None, group=None):
        perm = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        if cidr:
            perm["IpRanges"] = [{"CidrIp": cidr}]
        else:
            perm["UserIdGroupPairs"] = [{"GroupId": group}]
        return perm

    ec2.authorize_security_group_ingress(GroupId=g["frontend"], IpPermissions=[tcp(80, cidr="0.0.0.0/0")])
    ec2.authorize_security_group_ingress(GroupId=g["backend"], IpPermissions=[tcp(3306, group=g["frontend"])])
    ec2.authorize_security_group_ingress(GroupId=g["frontend"], IpPermissions=[tcp(22, group=g["management"])])
    ec2.authorize_security_group_ingress(GroupId=g["backend"], IpPermissions=[tcp(22, group=g["management"])])
    ec2.authorize_security_group_ingress(GroupId=g["management"], IpPermissions=[tcp(22, cidr="0.0.0.0/0")])
    ec2.revoke_security_group_egress(GroupId=g["backend"], IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=g["backend"], IpPermissions=[
        tcp(53, cidr="0.0.0.0/0"), tcp(80, cidr="0.0.0.0/0"), tcp(443, cidr="0.0.0.0/0"),
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": g["backend"]}]}])
    ids, eip = {}, {}
    for name in ("frontend", "backend", "management"):
        inst = ec2.run_instances(ImageId=IMAGE, MinCount=1, MaxCount=1, SubnetId=subnet,
                                 SecurityGroupIds=[g[name]])["Instances"][0]
        ids[name] = inst["InstanceId"]
        alloc = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(InstanceId=ids[name], AllocationId=alloc["AllocationId"])
        eip[name] = alloc["PublicIp"]
        set_state(server, ids[name], "running")
    rules = {}
    for name, gid in g.items():
        for r in bhlib.rules_of(ec2, gid):
            rules[(name, "out" if r["IsEgress"] else "in", r.get("FromPort"))] = r["SecurityGroupRuleId"]
    return {"ec2": ec2, "vpc": vpc, "id": ids, "eip": eip, "group": g, "rules": rules}


def test_text_names_the_rule_and_group(server, tiers):
    fe = tiers["id"]["frontend"]
    p = reach(server, NET, fe, "--port", "80")
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith(f"ALLOW {NET} -> {fe} tcp/80"), lines
    assert tiers["rules"][("frontend", "in", 80)] in p.stdout and "(frontend)" in p.stdout
    assert [l.split()[1] for l in lines[1:]] == ["route", "nat", "ingress", "return-route"]
    assert f"DNAT {tiers['eip']['frontend']} -> " in p.stdout

    p = reach(server, tiers["id"]["management"], tiers["id"]["backend"], "--port", "3306")
    assert p.returncode == 1
    assert p.stdout.startswith("DENY ") and "default deny" in p.stdout.splitlines()[0]


def test_json_shape(server, tiers):
    fe, be = tiers["id"]["frontend"], tiers["id"]["backend"]
    doc = reach_json(server, fe, be, "--port", "3306")
    assert doc["from"] == fe and doc["to"] == be and doc["proto"] == "tcp" and doc["port"] == 3306
    assert doc["verdict"] == "allow" and doc["reason"]
    assert doc["src"]["instance"] == fe and doc["src"]["vpc"] == tiers["vpc"] and doc["src"]["address"].startswith("10.0.1.")
    assert doc["dst"] == {"instance": be, "vpc": tiers["vpc"], "address": doc["dst"]["address"], "external": False}
    assert [s["step"] for s in doc["path"]] == ["route", "egress", "ingress", "return-route"]
    assert all(s["ok"] for s in doc["path"]) and set(s["step"] for s in doc["path"]) <= STEP_KINDS
    ingress = doc["path"][2]
    assert ingress["group_id"] == tiers["group"]["backend"] and ingress["group_name"] == "backend"
    assert ingress["rule_id"] == tiers["rules"][("backend", "in", 3306)]
    assert doc["path"][0]["target"] == "local" and doc["path"][0]["destination"] == "10.0.0.0/16"

    doc = reach_json(server, NET, tiers["eip"]["backend"], "--port", "3306")
    assert doc["verdict"] == "deny" and doc["path"][-1]["step"] == "ingress" and not doc["path"][-1]["ok"]
    assert doc["src"] == {"instance": None, "vpc": None, "address": NET}
    assert doc["dst"]["instance"] == be

    doc = reach_json(server, be, NET, "--port", "8080")
    assert doc["verdict"] == "deny" and doc["path"][-1]["step"] == "egress"
    assert doc["dst"] == {"instance": None, "vpc": None, "address": NET, "external": True}

    doc = reach_json(server, tiers["id"]["management"], fe, "--proto", "icmp")
    assert doc["icmp_type"] == 8 and doc["icmp_code"] == 0 and "port" not in doc
    assert doc["verdict"] == "deny"


# The demo's twelve probes (README): (from, to, port, allowed)
DEMO = [("internet", "frontend", 80, True), ("frontend", "backend", 3306, True),
        ("internet", "backend", 3306, False), ("management", "backend", 3306, False),
        ("management", "frontend", 22, True), ("management", "backend", 22, True),
        ("internet", "management", 22, True), ("internet", "frontend", 22, False),
        ("backend", "internet", 53, True), ("backend", "internet", 80, True),
        ("backend", "internet", 443, True), ("backend", "internet", 8080, False)]


def test_batch_the_demo_flows(server, tiers):
    def end(name, public):
        if name == "internet":
            return NET
        return tiers["eip"][name] if public else tiers["id"][name]

    lines = ["# the demo's probes", ""]
    for src, dst, port, _ in DEMO:
        lines.append(f"{end(src, False)} {end(dst, src == 'internet')} tcp {port}")
    lines += ["   ", f"{tiers['id']['frontend']} {tiers['id']['backend']} icmp 8/0  # ping"]
    p = reach(server, "--batch", stdin="\n".join(lines) + "\n")
    assert p.returncode == 0, p.stderr
    out = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(out) == len(DEMO) + 1
    for (src, dst, port, allowed), doc, n in zip(DEMO, out, range(3, 3 + len(DEMO))):
        assert doc["line"] == n and doc["port"] == port
        assert doc["verdict"] == ("allow" if allowed else "deny"), (src, dst, port, doc["reason"])
        if allowed and dst != "internet":
            assert doc["dst"]["instance"] == tiers["id"][dst]
    assert out[-1]["line"] == len(lines) and out[-1]["proto"] == "icmp" and out[-1]["verdict"] == "deny"


def test_batch_bad_lines(server, tiers):
    fe = tiers["id"]["frontend"]
    text = "\n".join([
        f"{NET} {fe} tcp 80",
        f"{NET} {fe} tcp",                      # tcp needs a port
        f"{NET} {fe} tcp 70000",
        f"8.8.8.8 {fe} tcp 80",                 # not a host of the simulated internet
        f"{NET} i-00000000000000000 tcp 80",    # no such instance
        f"{NET} {fe} sctp 80",
        "just-one-token",
        f"{NET} {fe} icmp 8/0 extra",
        f"{NET} {fe} udp 53",
        "x" * 5000,
    ]) + "\n"
    p = reach(server, "--batch", stdin=text)
    assert p.returncode == 2
    out = [json.loads(l) for l in p.stdout.splitlines()]
    assert [d["line"] for d in out] == list(range(1, 11))
    assert out[0]["verdict"] == "allow" and out[8]["verdict"] == "deny"
    errors = {d["line"]: d["error"] for d in out if "error" in d}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 10]
    assert "PORT" in errors[2] and "65535" in errors[3] and "203.0.113.0/25" in errors[4]
    assert "no instance i-00000000000000000" in errors[5] and "PROTO" in errors[6]
    assert "too long" in errors[10]

    p = reach(server, "--batch", stdin="")
    assert p.returncode == 0 and p.stdout == ""


def test_who(server, tiers):
    fe, be, mg = (tiers["id"][n] for n in ("frontend", "backend", "management"))
    p = reach(server, "who", be, "--port", "3306", "--json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["instance"] == be and doc["proto"] == "tcp" and doc["port"] == 3306
    assert [(s["kind"], s["instance"], s["group_name"]) for s in doc["sources"]] == [("instance", fe, "backend")]
    assert doc["sources"][0]["rule_id"] == tiers["rules"][("backend", "in", 3306)]
    assert doc["sources"][0]["cidr"] is None

    doc = json.loads(reach(server, "who", mg, "--port", "22", "--json").stdout)
    kinds = {(s["kind"], s["instance"] or s["cidr"]) for s in doc["sources"]}
    # the frontend may send anything; the backend's egress does not allow 22
    assert ("instance", fe) in kinds and ("cidr", "0.0.0.0/0") in kinds and ("instance", be) not in kinds

    p = reach(server, "who", be, "--port", "9")
    assert p.returncode == 1 and "nobody" in p.stdout
    p = reach(server, "who", NET, "--port", "80")
    assert p.returncode == 2 and "instance id" in p.stderr


def test_stopped_and_forged(server, tiers):
    ec2 = tiers["ec2"]
    fe, be, mg = (tiers["id"][n] for n in ("frontend", "backend", "management"))
    be_ip = reach_json(server, fe, be, "--port", "3306")["dst"]["address"]
    fe_ip = reach_json(server, fe, be, "--port", "3306")["src"]["address"]

    # SourceDestCheck on: a forged source is dropped at the vNIC
    doc = reach_json(server, mg, be, "--port", "22", "--source-ip", fe_ip)
    assert doc["verdict"] == "deny" and doc["path"][0]["step"] == "antispoof"
    # off: the receiver's rules see the forged address (frontend may not SSH)
    ec2.modify_instance_attribute(InstanceId=mg, SourceDestCheck={"Value": False})
    doc = reach_json(server, mg, be, "--port", "3306", "--source-ip", fe_ip)
    assert doc["verdict"] == "allow" and doc["path"][0] == {**doc["path"][0], "step": "antispoof", "ok": True}
    assert "one way" in doc["path"][-1]["detail"]
    doc = reach_json(server, mg, be, "--port", "22", "--source-ip", fe_ip)
    assert doc["verdict"] == "deny" and doc["path"][-1]["step"] == "ingress"
    ec2.modify_instance_attribute(InstanceId=mg, SourceDestCheck={"Value": True})

    set_state(server, be, "stopped")
    try:
        doc = reach_json(server, fe, be, "--port", "3306")
        assert doc["verdict"] == "deny" and "stopped" in doc["reason"]
        doc = reach_json(server, fe, be_ip, "--port", "3306")
        assert doc["verdict"] == "deny" and "blackhole" in doc["reason"]
    finally:
        set_state(server, be, "running")
    assert reach_json(server, fe, be, "--port", "3306")["verdict"] == "allow"


@pytest.mark.parametrize("args, where", [
    (["{fe}", "{be}"], "PORT"),
    (["{fe}", "{be}", "--port", "65536"], "PORT"),
    (["{fe}", "{be}", "--proto", "icmp", "--port", "80"], "PORT"),
    (["{fe}", "{be}", "--port", "80", "--icmp-type", "3"], "icmp"),
    (["{fe}", "{be}", "--proto", "icmp", "--icmp-code", "256"], "ICMP code"),
    (["{fe}", "{be}", "--proto", "bogus"], "PROTO"),
    (["{fe}", "i-00000000000000000", "--port", "80"], "TO: no instance i-00000000000000000"),
    (["i-zz", "{be}", "--port", "80"], "FROM"),
    (["10.0.0.300", "{be}", "--port", "80"], "FROM"),
    (["8.8.8.8", "{be}", "--port", "80"], "203.0.113.0/25"),
    ([NET, "{be}", "--port", "80", "--source-ip", "10.0.0.5"], "--source-ip"),
    (["{fe}", "{be}", "--port", "80", "--source-ip", "nope"], "--source-ip"),
    (["{fe}"], "FROM TO"),
    (["{fe}", "{be}", "extra", "--port", "80"], "FROM TO"),
    (["--batch", "{fe}"], "--batch"),
    (["{fe}", "{be}", "--port", "80", "--frobnicate"], "bad option"),
])
def test_bad_input_exits_2(server, tiers, args, where):
    ids = {"fe": tiers["id"]["frontend"], "be": tiers["id"]["backend"]}
    p = reach(server, *[a.format(**ids) for a in args])
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert p.stdout == ""
    assert p.stderr.startswith("bulkhead reach: ") and where in p.stderr, p.stderr
    assert len(p.stderr.splitlines()) == 1


def test_no_store_exits_3_and_creates_nothing(tmp_path):
    p = subprocess.run([bhlib.bulkhead_bin(), "reach", "--state-dir", str(tmp_path / "none"), NET, NET,
                        "--port", "80"], capture_output=True, text=True, timeout=60, env=bhlib.child_env())
    assert p.returncode == 3 and "cannot read the store" in p.stderr
    assert not (tmp_path / "none").exists()
    p = subprocess.run([bhlib.bulkhead_bin(), "reach", NET, NET], capture_output=True, text=True, timeout=60,
                       env=bhlib.child_env())
    assert p.returncode == 2 and "--state-dir" in p.stderr


def test_older_store_is_read_never_migrated(server, tiers, tmp_path):
    """reach only reads: a store with migrations pending is refused with
    a clear message and left as it was, not migrated behind the server's
    back; a current one answers."""
    copy = tmp_path / "copy"
    copy.mkdir()
    src, dst = sqlite3.connect(server.db_path, timeout=30), sqlite3.connect(copy / "bulkhead.db")
    try:
        src.backup(dst)
    finally:
        src.close()
    version = dst.execute("PRAGMA user_version").fetchone()[0]
    dst.execute(f"PRAGMA user_version = {version - 1}")
    dst.commit()
    dst.close()

    argv = [bhlib.bulkhead_bin(), "reach", "--state-dir", str(copy), NET, NET, "--port", "80"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=bhlib.child_env())
    bhlib.note_sanitizer("bulkhead reach (older store)", p.stderr)
    assert p.returncode == 3 and "older schema" in p.stderr, p.stderr
    db = sqlite3.connect(copy / "bulkhead.db")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == version - 1
        db.execute(f"PRAGMA user_version = {version}")
        db.commit()
    finally:
        db.close()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=bhlib.child_env())
    assert p.returncode in (0, 1) and p.stdout, p.stderr


def test_help(server):
    p = subprocess.run([bhlib.bulkhead_bin(), "reach", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "who INSTANCE" in p.stdout and "--batch" in p.stdout
