"""The frontend/backend/management scenario of the README, built with the
aws CLI, checked with real packets: one frontend, two backends and one
management instance in one subnet, an internet gateway attached and
routed, Elastic IPs on frontend, management and both backends, a server
in the simulated internet (203.0.113.10) and the internet client in
bh-internet.

Rules (as in the README): frontend takes TCP 80 from 0.0.0.0/0 and TCP 22
from management; backend takes TCP 3306 from frontend and TCP 22 from
management; management takes TCP 22 from 0.0.0.0/0; backend egress is only
TCP 53/80/443 to 0.0.0.0/0 and everything to backend (default egress
revoked). EC2 needs both ends for a flow, so backends reaching each other
also needs an ingress rule from backend: the test first shows that the
README's egress rule alone is not enough, then adds it."""
import json

import pytest

from dplib import INTERNET_HOST, Instance

PORTS = [22, 53, 80, 443, 3306, 5432, 8080, 9000, 11211, 31000]
BB_TCP = [22, 3306, 5432, 9000, 31000]
BB_UDP = [53, 5432, 11211]


@pytest.fixture(scope="module")
def scenario(module_dp):
    dp = module_dp
    t = dp.tenant("scenario")
    aws = lambda *a: dp.aws(t, *a)  # noqa: E731

    vpc = aws("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = aws("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")["Subnet"]["SubnetId"]
    fe, be, mg = (r["GroupId"] for r in dp.aws_many(t, [
        ["create-security-group", "--vpc-id", vpc, "--group-name", n, "--description", d]
        for n, d in (("frontend", "web"), ("backend", "db"), ("management", "ops"))]))
    dp.aws_many(t, [
        ["authorize-security-group-ingress", "--group-id", fe, "--protocol", "tcp", "--port", "80",
         "--cidr", "0.0.0.0/0"],
        ["authorize-security-group-ingress", "--group-id", be, "--protocol", "tcp", "--port", "3306",
         "--source-group", fe],
        ["authorize-security-group-ingress", "--group-id", fe, "--protocol", "tcp", "--port", "22",
         "--source-group", mg],
        ["authorize-security-group-ingress", "--group-id", be, "--protocol", "tcp", "--port", "22",
         "--source-group", mg],
        ["authorize-security-group-ingress", "--group-id", mg, "--protocol", "tcp", "--port", "22",
         "--cidr", "0.0.0.0/0"],
        ["revoke-security-group-egress", "--group-id", be, "--ip-permissions",
         "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"],
        ["authorize-security-group-egress", "--group-id", be, "--ip-permissions",
         json.dumps([{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                     for p in (53, 80, 443)] + [{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": be}]}])],
        ["create-internet-gateway"],
    ])
    igw = aws("describe-internet-gateways")["InternetGateways"][0]["InternetGatewayId"]
    aws("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
    rtb = aws("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc}")["RouteTables"][0]["RouteTableId"]
    aws("create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)

    runs = dp.aws_many(t, [
        ["run-instances", "--image-id", dp.env.image_id, "--subnet-id", subnet, "--security-group-ids", g,
         "--count", str(n)] for g, n in ((fe, 1), (be, 2), (mg, 1))])
    ids = [[i["InstanceId"] for i in r["Instances"]] for r in runs]
    every = [i for group in ids for i in group]
    dp.wait_state(t, every, "running")
    insts = {d["InstanceId"]: Instance(t, d) for d in dp.describe(t, every)}
    frontend, be1, be2, management = (insts[ids[0][0]], insts[ids[1][0]], insts[ids[1][1]], insts[ids[2][0]])
    for inst, name in ((frontend, "frontend"), (be1, "backend1"), (be2, "backend2"), (management, "management")):
        inst.name = name
        dp.names[inst.id] = dp.names[inst.ip] = name

    allocs = dp.aws_many(t, [["allocate-address", "--domain", "vpc"]] * 4)
    dp.aws_many(t, [["associate-address", "--allocation-id", a["AllocationId"], "--instance-id", inst.id]
                    for a, inst in zip(allocs, (frontend, management, be1, be2))])
    for a, inst in zip(allocs, (frontend, management, be1, be2)):
        inst.public_ip = a["PublicIp"]
        dp.names[a["PublicIp"]] = inst.name + "-eip"
    dp.names[INTERNET_HOST] = "internet-srv"

    dp.listen("internet", [80, 443, 53, 8080], ident="internet", bind=INTERNET_HOST)
    for inst in insts.values():
        dp.listen(inst.id, PORTS, ident=inst.name)
    dp.wait_applied()
    return dict(dp=dp, tenant=t, aws=aws, vpc=vpc, fe=fe, be=be, mg=mg, frontend=frontend, be1=be1, be2=be2,
                management=management)


def test_from_the_internet(scenario):
    s = scenario
    dp, fe, mg, be1, be2 = s["dp"], s["frontend"], s["management"], s["be1"], s["be2"]
    got = dp.expect("internet", [
        ("tcp", fe.public_ip, 80, True),        # HTTP to the frontend
        ("tcp", fe.public_ip, 22, False),       # SSH only to management
        ("tcp", fe.public_ip, 3306, False),
        ("tcp", mg.public_ip, 22, True),
        ("tcp", mg.public_ip, 80, False),
        ("tcp", be1.public_ip, 3306, False),    # MySQL never from the internet
        ("tcp", be1.public_ip, 22, False),
        ("tcp", be1.public_ip, 80, False),
        ("tcp", be2.public_ip, 3306, False),
        ("udp", fe.public_ip, 80, False),
        ("udp", be1.public_ip, 53, False),
    ])
    # 1:1 NAT: the frontend answers, and sees the client's own address
    reply = got[f"tcp:{fe.public_ip}:80"]["reply"]
    assert reply and reply["id"] == "frontend" and reply["peer"] == "203.0.113.1", reply
    assert got[f"tcp:{mg.public_ip}:22"]["reply"]["id"] == "management"


def test_mysql_only_from_frontend(scenario):
    s = scenario
    dp, fe, mg, be1, be2 = s["dp"], s["frontend"], s["management"], s["be1"], s["be2"]
    got = dp.expect(fe, [
        ("tcp", be1, 3306, True),
        ("tcp", be2, 3306, True),
        ("tcp", be1, 22, False),       # SSH to backends only from management
        ("tcp", be1, 5432, False),
        ("udp", be1, 3306, False),     # the rule is TCP
        ("tcp", mg, 22, True),         # management takes SSH from 0.0.0.0/0, VPC included
    ])
    assert got[f"tcp:{be1.ip}:3306"]["reply"] == {"id": "backend1", "proto": "tcp", "port": 3306, "peer": fe.ip}
    dp.expect(mg, [("tcp", be1, 3306, False), ("tcp", be2, 3306, False)], wait=False)


def test_ssh_from_management(scenario):
    s = scenario
    dp, fe, mg, be1, be2 = s["dp"], s["frontend"], s["management"], s["be1"], s["be2"]
    dp.expect(mg, [
        ("tcp", fe, 22, True),
        ("tcp", be1, 22, True),
        ("tcp", be2, 22, True),
        ("tcp", fe, 80, True),         # 80 is open to 0.0.0.0/0
        ("tcp", fe, 3306, False),
        ("tcp", be1, 5432, False),
    ])


def test_backend_egress(scenario):
    s = scenario
    dp, fe, mg, be1 = s["dp"], s["frontend"], s["management"], s["be1"]
    got = dp.expect(be1, [
        ("tcp", INTERNET_HOST, 80, True),
        ("tcp", INTERNET_HOST, 443, True),
        ("tcp", INTERNET_HOST, 53, True),
        ("tcp", INTERNET_HOST, 8080, False),    # egress allows 53/80/443 only
        ("udp", INTERNET_HOST, 53, False),      # DNS over TCP only
        ("tcp", fe, 22, False),                 # frontend takes 22 from management only
        ("tcp", mg, 22, False),                 # management would take it; backend egress refuses
        ("tcp", fe, 80, True),                  # egress TCP 80 to 0.0.0.0/0, frontend takes 80
    ])
    # the internet sees the backend's Elastic IP (SNAT), never a private address
    assert got[f"tcp:{INTERNET_HOST}:80"]["reply"]["peer"] == be1.public_ip, got
    dp.expect(fe, [("tcp", INTERNET_HOST, 8080, True)], wait=False)  # frontend egress is EC2's default


def test_backends_reach_each_other(scenario):
    s = scenario
    dp, be, be1, be2 = s["dp"], s["be"], s["be1"], s["be2"]
    # egress "all to backend" alone: the receiving backend's ingress still refuses
    dp.expect(be1, [("tcp", be2, 5432, False), ("udp", be2, 11211, False)])
    s["aws"]("authorize-security-group-ingress", "--group-id", be, "--ip-permissions",
             f"IpProtocol=-1,UserIdGroupPairs=[{{GroupId={be}}}]")
    dp.expect(be1, [("tcp", be2, p, True) for p in BB_TCP] + [("udp", be2, p, True) for p in BB_UDP])
    got = dp.expect(be2, [("tcp", be1, p, True) for p in BB_TCP] + [("udp", be1, p, True) for p in BB_UDP],
                    wait=False)
    assert got[f"udp:{be1.ip}:11211"]["reply"]["id"] == "backend1"
    # still nothing new from the frontend or the internet
    dp.expect(s["frontend"], [("tcp", be1, 5432, False)], wait=False)
    dp.expect("internet", [("tcp", be1.public_ip, 5432, False)], wait=False)
