"""Security groups and their rules: the default group, the default egress
rule, authorize/revoke (by permission and by rule id), the rule limit,
protocol/port/CIDR validation, DescribeSecurityGroupRules,
ModifySecurityGroupRules, dependencies, filters, paging, DryRun."""
import ipaddress
import re
import threading

import pytest
from botocore.exceptions import ClientError

from bhlib import (all_pages, assert_id, call_outcome, expect_error, group, perm_set, random_id, rules_of,
                   signed_post)

ALL_OUT = {("-1", None, None, "cidr", "0.0.0.0/0")}


def tcp(port, cidr="0.0.0.0/0", to=None, **extra):
    rng = {"CidrIp": cidr}
    rng.update(extra)
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port if to is None else to, "IpRanges": [rng]}


def peer(proto, group_id, frm=None, to=None, **pair):
    p = {"IpProtocol": proto, "UserIdGroupPairs": [dict(GroupId=group_id, **pair)]}
    if frm is not None:
        p["FromPort"], p["ToPort"] = frm, to if to is not None else frm
    return p


@pytest.fixture
def sg(ec2, vpc):
    return ec2.create_security_group(GroupName="app", Description="app servers", VpcId=vpc)["GroupId"]


def default_group(ec2, vpc):
    gs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                               {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert len(gs) == 1, gs
    return gs[0]


# ---------------------------------------------------------------- groups


def test_default_group_exists_with_its_two_rules(tenant, vpc):
    ec2 = tenant.ec2
    d = default_group(ec2, vpc)
    assert_id(d["GroupId"], "sg")
    assert d["GroupName"] == "default"
    assert d["VpcId"] == vpc
    assert d["OwnerId"] == tenant.account_id
    assert d["Description"] == "default VPC security group"
    assert perm_set(d["IpPermissions"]) == {("-1", None, None, "group", d["GroupId"])}
    assert perm_set(d["IpPermissionsEgress"]) == ALL_OUT
    pair = d["IpPermissions"][0]["UserIdGroupPairs"][0]
    assert pair.get("UserId") == tenant.account_id
    rules = rules_of(ec2, d["GroupId"])
    assert len(rules) == 2
    ingress = [r for r in rules if not r["IsEgress"]][0]
    assert ingress["ReferencedGroupInfo"]["GroupId"] == d["GroupId"]
    assert ingress["IpProtocol"] == "-1"
    egress = [r for r in rules if r["IsEgress"]][0]
    assert egress["CidrIpv4"] == "0.0.0.0/0"


def test_default_group_cannot_be_deleted(ec2, vpc):
    d = default_group(ec2, vpc)
    expect_error(ec2.delete_security_group, "CannotDelete", GroupId=d["GroupId"])
    assert default_group(ec2, vpc)["GroupId"] == d["GroupId"]


def test_default_group_rules_can_be_changed(ec2, vpc):
    d = default_group(ec2, vpc)["GroupId"]
    ec2.revoke_security_group_ingress(GroupId=d, IpPermissions=[peer("-1", d)])
    ec2.authorize_security_group_ingress(GroupId=d, IpPermissions=[tcp(22, "10.0.0.0/8")])
    assert perm_set(group(ec2, d)["IpPermissions"]) == {("tcp", 22, 22, "cidr", "10.0.0.0/8")}


def test_create_security_group(tenant, vpc):
    ec2 = tenant.ec2
    r = ec2.create_security_group(GroupName="web", Description="web servers", VpcId=vpc)
    gid = r["GroupId"]
    assert_id(gid, "sg")
    g = group(ec2, gid)
    assert (g["GroupName"], g["Description"], g["VpcId"], g["OwnerId"]) == ("web", "web servers", vpc,
                                                                           tenant.account_id)
    assert g["IpPermissions"] == []
    assert perm_set(g["IpPermissionsEgress"]) == ALL_OUT


def test_new_group_egress_can_be_revoked(ec2, sg):
    ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=[{"IpProtocol": "-1",
                                                                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    g = group(ec2, sg)
    assert g["IpPermissionsEgress"] == []
    assert rules_of(ec2, sg) == []
    # and put back
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[{"IpProtocol": "-1",
                                                                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert perm_set(group(ec2, sg)["IpPermissionsEgress"]) == ALL_OUT


def test_duplicate_group_name(ec2, vpc, sg):
    err = expect_error(ec2.create_security_group, "InvalidGroup.Duplicate", GroupName="app", Description="x",
                       VpcId=vpc)
    assert "app" in err["Error"]["Message"]
    # EC2 calls this one reserved rather than duplicate
    with pytest.raises(ClientError) as ei:
        ec2.create_security_group(GroupName="default", Description="x", VpcId=vpc)
    assert ei.value.response["Error"]["Code"] in ("InvalidGroup.Reserved", "InvalidGroup.Duplicate")
    # the same name in another VPC is fine
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_security_group(GroupName="app", Description="x", VpcId=other)


def test_create_group_in_unknown_vpc(ec2):
    missing = random_id("vpc")
    err = expect_error(ec2.create_security_group, "InvalidVpcID.NotFound", GroupName="g", Description="d",
                       VpcId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.create_security_group, "InvalidVpcID.Malformed", GroupName="g", Description="d", VpcId="vpc-1")


def test_create_group_bad_names(ec2, vpc):
    expect_error(ec2.create_security_group, "InvalidParameterValue", GroupName="g" * 256, Description="d",
                 VpcId=vpc)
    expect_error(ec2.create_security_group, "InvalidParameterValue", GroupName="sg-named", Description="d",
                 VpcId=vpc)
    expect_error(ec2.create_security_group, "InvalidParameterValue", GroupName="g", Description="d" * 256,
                 VpcId=vpc)
    assert len(ec2.describe_security_groups()["SecurityGroups"]) == 1  # the default one


def test_delete_security_group(ec2, vpc, sg):
    ec2.delete_security_group(GroupId=sg)
    err = expect_error(ec2.describe_security_groups, "InvalidGroup.NotFound", GroupIds=[sg])
    assert sg in err["Error"]["Message"]
    err = expect_error(ec2.delete_security_group, "InvalidGroup.NotFound", GroupId=sg)
    assert sg in err["Error"]["Message"]
    # its rules went with it
    assert rules_of(ec2, sg) == []
    # the name is free again
    ec2.create_security_group(GroupName="app", Description="again", VpcId=vpc)


@pytest.mark.parametrize("bad", ["sg-xyz", "sg-", "vpc-0123456789abcdef0", "sg-0123456789abcdefg", "default"])
def test_malformed_group_id(ec2, bad):
    expect_error(ec2.describe_security_groups, "InvalidGroupId.Malformed", GroupIds=[bad])
    expect_error(ec2.delete_security_group, "InvalidGroupId.Malformed", GroupId=bad)
    expect_error(ec2.authorize_security_group_ingress, "InvalidGroupId.Malformed", GroupId=bad,
                 IpPermissions=[tcp(22)])


def test_unknown_group_id(ec2, sg):
    missing = random_id("sg")
    for fn, kw in ((ec2.describe_security_groups, {"GroupIds": [missing]}),
                   (ec2.describe_security_groups, {"GroupIds": [sg, missing]}),
                   (ec2.delete_security_group, {"GroupId": missing}),
                   (ec2.authorize_security_group_ingress, {"GroupId": missing, "IpPermissions": [tcp(22)]}),
                   (ec2.authorize_security_group_egress, {"GroupId": missing, "IpPermissions": [tcp(22)]}),
                   (ec2.revoke_security_group_ingress, {"GroupId": missing, "IpPermissions": [tcp(22)]}),
                   (ec2.revoke_security_group_egress, {"GroupId": missing, "IpPermissions": [tcp(22)]}),
                   (ec2.authorize_security_group_ingress, {"GroupId": sg, "IpPermissions": [peer("tcp", missing, 22)]})):
        err = expect_error(fn, "InvalidGroup.NotFound", **kw)
        assert missing in err["Error"]["Message"]
    assert group(ec2, sg)["IpPermissions"] == []


def test_group_referenced_by_another_groups_rule(ec2, vpc, sg):
    other = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[peer("tcp", sg, 5432)])
    expect_error(ec2.delete_security_group, "DependencyViolation", GroupId=sg)
    assert group(ec2, sg)["GroupId"] == sg
    ec2.revoke_security_group_ingress(GroupId=other, IpPermissions=[peer("tcp", sg, 5432)])
    # referenced from an egress rule as well
    ec2.authorize_security_group_egress(GroupId=other, IpPermissions=[peer("udp", sg, 53)])
    expect_error(ec2.delete_security_group, "DependencyViolation", GroupId=sg)
    ec2.revoke_security_group_egress(GroupId=other, IpPermissions=[peer("udp", sg, 53)])
    ec2.delete_security_group(GroupId=sg)


def test_group_referencing_itself_can_be_deleted(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[peer("-1", sg)])
    ec2.delete_security_group(GroupId=sg)


def test_group_that_references_others_can_be_deleted(ec2, vpc, sg):
    other = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[peer("tcp", sg, 5432)])
    ec2.delete_security_group(GroupId=other)
    ec2.delete_security_group(GroupId=sg)


# ---------------------------------------------------------------- rules


def test_authorize_and_describe(tenant, vpc, sg):
    ec2 = tenant.ec2
    peer_g = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc)["GroupId"]
    r = ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        tcp(80, "0.0.0.0/0", Description="http"),
        {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}]},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.1.2.3/32"}]},
        peer("tcp", peer_g, 443),
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    ])
    assert r["Return"] is True
    g = group(ec2, sg)
    assert perm_set(g["IpPermissions"]) == {
        ("tcp", 80, 80, "cidr", "0.0.0.0/0"),
        ("tcp", 8000, 8100, "cidr", "10.0.0.0/8"),
        ("tcp", 8000, 8100, "cidr", "192.168.0.0/16"),
        ("udp", 53, 53, "cidr", "10.1.2.3/32"),
        ("tcp", 443, 443, "group", peer_g),
        ("icmp", 8, 0, "cidr", "10.0.0.0/8"),
    }
    descs = {r["CidrIp"]: r.get("Description") for p in g["IpPermissions"] for r in p.get("IpRanges", [])}
    assert descs["0.0.0.0/0"] == "http"
    pairs = [pr for p in g["IpPermissions"] for pr in p.get("UserIdGroupPairs", [])]
    assert pairs[0]["UserId"] == tenant.account_id
    assert perm_set(g["IpPermissionsEgress"]) == ALL_OUT
    rules = rules_of(ec2, sg)
    assert len(rules) == 7
    assert len({r["SecurityGroupRuleId"] for r in rules}) == 7


def test_authorize_returns_rule_ids(ec2, sg):
    r = ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "172.16.0.0/12"}]}])
    returned = r.get("SecurityGroupRules", [])
    assert len(returned) == 2, r
    for x in returned:
        assert_id(x["SecurityGroupRuleId"], "sgr")
        assert x["GroupId"] == sg and x["IsEgress"] is False
        assert (x["IpProtocol"], x["FromPort"], x["ToPort"]) == ("tcp", 22, 22)
    assert {x["SecurityGroupRuleId"] for x in returned} <= {x["SecurityGroupRuleId"] for x in rules_of(ec2, sg)}


def test_authorize_with_shorthand_parameters(ec2, sg):
    # the old flat form boto3 still offers (CidrIp/IpProtocol/FromPort/ToPort)
    ec2.authorize_security_group_ingress(GroupId=sg, IpProtocol="tcp", FromPort=25, ToPort=25,
                                         CidrIp="10.0.0.0/8")
    assert perm_set(group(ec2, sg)["IpPermissions"]) == {("tcp", 25, 25, "cidr", "10.0.0.0/8")}


def test_duplicate_permission(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8")])
    expect_error(ec2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[tcp(22, "10.0.0.0/8")])
    # a batch with one duplicate adds nothing
    expect_error(ec2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[tcp(23, "10.0.0.0/8"), tcp(22, "10.0.0.0/8")])
    # the default egress rule is a duplicate too
    expect_error(ec2.authorize_security_group_egress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert perm_set(group(ec2, sg)["IpPermissions"]) == {("tcp", 22, 22, "cidr", "10.0.0.0/8")}
    # same ports, other direction: not a duplicate
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8")])


def test_revoke_by_permission(ec2, vpc, sg):
    other = ec2.create_security_group(GroupName="o", Description="o", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8"), tcp(80),
                                                                    peer("tcp", other, 443)])
    r = ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8")])
    assert r["Return"] is True
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[peer("tcp", other, 443)])
    assert perm_set(group(ec2, sg)["IpPermissions"]) == {("tcp", 80, 80, "cidr", "0.0.0.0/0")}


def test_revoke_unknown_permission(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8")])
    for perm in (tcp(22, "10.0.0.0/16"), tcp(23, "10.0.0.0/8"), tcp(22, "10.0.0.0/8", to=23),
                 {"IpProtocol": "udp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}):
        expect_error(ec2.revoke_security_group_ingress, "InvalidPermission.NotFound", GroupId=sg,
                     IpPermissions=[perm])
    # the ingress rule is not an egress rule
    expect_error(ec2.revoke_security_group_egress, "InvalidPermission.NotFound", GroupId=sg,
                 IpPermissions=[tcp(22, "10.0.0.0/8")])
    assert perm_set(group(ec2, sg)["IpPermissions"]) == {("tcp", 22, 22, "cidr", "10.0.0.0/8")}


def _revoked_ids(server, tenant, params):
    """RevokeSecurityGroupIngress sent raw: the ids its answer lists, in order
    (this botocore does not parse revokedSecurityGroupRuleSet)."""
    resp = signed_post(server, tenant.creds, dict(Action="RevokeSecurityGroupIngress", Version="2016-11-15",
                                                  **params))
    assert resp.status == 200, resp
    body = resp.body.decode() if isinstance(resp.body, bytes) else resp.body
    answer = body.split("<revokedSecurityGroupRuleSet>", 1)[1].split("</revokedSecurityGroupRuleSet>", 1)[0]
    return re.findall(r"<securityGroupRuleId>([^<]+)</securityGroupRuleId>", answer)


def _perm_params(ports, cidr):
    params = {}
    for i, p in enumerate(ports, 1):
        params.update({f"IpPermissions.{i}.IpProtocol": "tcp", f"IpPermissions.{i}.FromPort": str(p),
                       f"IpPermissions.{i}.ToPort": str(p), f"IpPermissions.{i}.IpRanges.1.CidrIp": cidr})
    return params


def test_revoke_answers_each_rule_once_in_id_order(server, tenant, vpc, sg):
    # revoke looks each named rule up on its own: the answer still lists
    # every revoked rule once, in the group's (id) order, whatever the
    # order or repetition of the request
    ec2 = tenant.ec2
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(p, "10.9.0.0/16") for p in (81, 82, 83)])
    ids = sorted(r["SecurityGroupRuleId"] for r in rules_of(ec2, sg) if not r["IsEgress"])
    got = _revoked_ids(server, tenant, dict(GroupId=sg, **_perm_params((83, 81, 82), "10.9.0.0/16")))
    assert got == ids
    assert [r for r in rules_of(ec2, sg) if not r["IsEgress"]] == []
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(84, "10.9.0.0/16")])
    (rid,) = [x["SecurityGroupRuleId"] for x in rules_of(ec2, sg) if not x["IsEgress"]]
    got = _revoked_ids(server, tenant, {"GroupId": sg, "SecurityGroupRuleId.1": rid, "SecurityGroupRuleId.2": rid})
    assert got == [rid]
    # a rule of another group is not found through this one
    other = ec2.create_security_group(GroupName="other", Description="d", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[tcp(85, "10.9.0.0/16")])
    (oid,) = [x["SecurityGroupRuleId"] for x in rules_of(ec2, other) if not x["IsEgress"]]
    expect_error(ec2.revoke_security_group_ingress, "InvalidSecurityGroupRuleId.NotFound", GroupId=sg,
                 SecurityGroupRuleIds=[oid])
    expect_error(ec2.revoke_security_group_ingress, "InvalidPermission.NotFound", GroupId=sg,
                 IpPermissions=[tcp(85, "10.9.0.0/16")])
    assert len([x for x in rules_of(ec2, other) if not x["IsEgress"]]) == 1


def test_revoke_by_rule_id(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8"), tcp(80)])
    rules = {(r.get("FromPort", -1), r["IsEgress"]): r["SecurityGroupRuleId"] for r in rules_of(ec2, sg)}
    ec2.revoke_security_group_ingress(GroupId=sg, SecurityGroupRuleIds=[rules[(22, False)]])
    assert perm_set(group(ec2, sg)["IpPermissions"]) == {("tcp", 80, 80, "cidr", "0.0.0.0/0")}
    egress_id = rules[(-1, True)]
    # an egress rule is not revoked through the ingress call
    with pytest.raises(Exception):
        ec2.revoke_security_group_ingress(GroupId=sg, SecurityGroupRuleIds=[egress_id])
    ec2.revoke_security_group_egress(GroupId=sg, SecurityGroupRuleIds=[egress_id])
    assert group(ec2, sg)["IpPermissionsEgress"] == []
    missing = random_id("sgr")
    err = expect_error(ec2.revoke_security_group_ingress, "InvalidSecurityGroupRuleId.NotFound", GroupId=sg,
                       SecurityGroupRuleIds=[missing])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.revoke_security_group_ingress, "InvalidSecurityGroupRuleId.NotFound", GroupId=sg,
                 SecurityGroupRuleIds=[rules[(22, False)]])
    expect_error(ec2.revoke_security_group_ingress, "InvalidSecurityGroupRuleId.Malformed", GroupId=sg,
                 SecurityGroupRuleIds=["sgr-nothex"])
    assert perm_set(group(ec2, sg)["IpPermissions"]) == {("tcp", 80, 80, "cidr", "0.0.0.0/0")}


def test_revoke_rule_id_of_another_group(ec2, vpc, sg):
    other = ec2.create_security_group(GroupName="o", Description="o", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[tcp(22)])
    rid = [r["SecurityGroupRuleId"] for r in rules_of(ec2, other) if not r["IsEgress"]][0]
    expect_error(ec2.revoke_security_group_ingress, "InvalidSecurityGroupRuleId.NotFound", GroupId=sg,
                 SecurityGroupRuleIds=[rid])
    assert perm_set(group(ec2, other)["IpPermissions"]) == {("tcp", 22, 22, "cidr", "0.0.0.0/0")}


def test_rule_limit_per_direction(ec2, sg):
    ranges = [{"CidrIp": f"10.0.{i}.0/24"} for i in range(60)]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": ranges}])
    assert len(group(ec2, sg)["IpPermissions"][0]["IpRanges"]) == 60
    expect_error(ec2.authorize_security_group_ingress, "RulesPerSecurityGroupLimitExceeded", GroupId=sg,
                 IpPermissions=[tcp(22, "10.1.0.0/24")])
    expect_error(ec2.authorize_security_group_ingress, "RulesPerSecurityGroupLimitExceeded", GroupId=sg,
                 IpPermissions=[{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                                 "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
    assert len(rules_of(ec2, sg)) == 61
    # egress counts separately: 1 default + 59 = 60, then the 61st fails
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": f"10.2.{i}.0/24"} for i in range(59)]}])
    expect_error(ec2.authorize_security_group_egress, "RulesPerSecurityGroupLimitExceeded", GroupId=sg,
                 IpPermissions=[tcp(443, "10.3.0.0/24")])
    assert len(rules_of(ec2, sg)) == 120
    # after a revoke there is room again
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/24")])
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.1.0.0/24")])


def test_rule_limit_in_one_call_adds_nothing(ec2, sg):
    expect_error(ec2.authorize_security_group_ingress, "RulesPerSecurityGroupLimitExceeded", GroupId=sg,
                 IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                 "IpRanges": [{"CidrIp": f"10.0.{i}.0/24"} for i in range(61)]}])
    assert group(ec2, sg)["IpPermissions"] == []


@pytest.mark.parametrize("perm", [
    tcp(22, "10.0.0.0/33"),
    tcp(22, "10.0.0.256/32"),
    tcp(22, "not-a-cidr"),
    tcp(22, "10.0.0.0"),
    tcp(70000),
    tcp(-5),
    {"IpProtocol": "tcp", "FromPort": 100, "ToPort": 50, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65536, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tpc", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "256", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "-2", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "icmp", "FromPort": 256, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 256, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "icmp", "FromPort": -2, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/129"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "10.0.0.0/8"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "2001:db8::/32"}]},
], ids=lambda p: repr(p)[:70])
def test_invalid_permission_values(ec2, sg, perm):
    expect_error(ec2.authorize_security_group_ingress, "InvalidParameterValue", GroupId=sg, IpPermissions=[perm])
    assert group(ec2, sg)["IpPermissions"] == []


def test_protocol_names_and_numbers(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "6", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.0.0.1/32"}]},
        {"IpProtocol": "17", "FromPort": 2, "ToPort": 2, "IpRanges": [{"CidrIp": "10.0.0.2/32"}]},
        {"IpProtocol": "1", "FromPort": 3, "ToPort": 4, "IpRanges": [{"CidrIp": "10.0.0.3/32"}]},
        {"IpProtocol": "TCP", "FromPort": 5, "ToPort": 6, "IpRanges": [{"CidrIp": "10.0.0.4/32"}]},
        {"IpProtocol": "47", "IpRanges": [{"CidrIp": "10.0.0.5/32"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.6/32"}]},
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.7/32"}]},
        {"IpProtocol": "icmpv6", "FromPort": 128, "ToPort": 0, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]},
        {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "10.0.0.8/32"}]},
    ])
    got = perm_set(group(ec2, sg)["IpPermissions"])
    norm = {(p, f if p != "47" else None, t if p != "47" else None, k, v) for p, f, t, k, v in got}
    assert norm == {
        ("tcp", 1, 1, "cidr", "10.0.0.1/32"),
        ("udp", 2, 2, "cidr", "10.0.0.2/32"),
        ("icmp", 3, 4, "cidr", "10.0.0.3/32"),
        ("tcp", 5, 6, "cidr", "10.0.0.4/32"),
        ("47", None, None, "cidr", "10.0.0.5/32"),
        ("-1", None, None, "cidr", "10.0.0.6/32"),
        ("icmp", -1, -1, "cidr", "10.0.0.7/32"),
        ("icmpv6", 128, 0, "cidr6", "2001:db8::/64"),
        ("udp", 0, 65535, "cidr", "10.0.0.8/32"),
    }
    # "tcp" and "6" are the same rule
    expect_error(ec2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
                                 "IpRanges": [{"CidrIp": "10.0.0.1/32"}]}])
    # and may be revoked by number
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "6", "FromPort": 5, "ToPort": 6, "IpRanges": [{"CidrIp": "10.0.0.4/32"}]}])
    assert ("tcp", 5, 6, "cidr", "10.0.0.4/32") not in perm_set(group(ec2, sg)["IpPermissions"])


def test_ipv6_ranges_are_stored(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "world v6"}, {"CidrIpv6": "2001:db8::/32"}],
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    g = group(ec2, sg)
    assert perm_set(g["IpPermissions"]) == {("tcp", 443, 443, "cidr6", "::/0"),
                                            ("tcp", 443, 443, "cidr6", "2001:db8::/32"),
                                            ("tcp", 443, 443, "cidr", "0.0.0.0/0")}
    assert perm_set(g["IpPermissionsEgress"]) == ALL_OUT | {("-1", None, None, "cidr6", "::/0")}
    v6 = {r["CidrIpv6"]: r.get("Description") for p in g["IpPermissions"] for r in p.get("Ipv6Ranges", [])}
    assert v6["::/0"] == "world v6"
    rules = [r for r in rules_of(ec2, sg) if r.get("CidrIpv6")]
    assert {r["CidrIpv6"] for r in rules} == {"::/0", "2001:db8::/32"}
    expect_error(ec2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                 "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]}])
    assert ("tcp", 443, 443, "cidr6", "2001:db8::/32") not in perm_set(group(ec2, sg)["IpPermissions"])


# ---------------------------------------------------------------- DescribeSecurityGroupRules / Modify


def test_describe_security_group_rules(tenant, vpc, sg):
    ec2 = tenant.ec2
    other = ec2.create_security_group(GroupName="o", Description="o", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        tcp(22, "10.0.0.0/8", Description="ssh"), peer("tcp", other, 5432, Description="db"),
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    rules = rules_of(ec2, sg)
    assert len(rules) == 4
    by = {}
    for r in rules:
        assert_id(r["SecurityGroupRuleId"], "sgr")
        assert r["GroupId"] == sg
        assert r["GroupOwnerId"] == tenant.account_id
        by[(r["IsEgress"], r.get("FromPort"))] = r
    ssh = by[(False, 22)]
    assert (ssh["IpProtocol"], ssh["ToPort"], ssh["CidrIpv4"], ssh["Description"]) == ("tcp", 22, "10.0.0.0/8",
                                                                                      "ssh")
    db = by[(False, 5432)]
    assert db["ReferencedGroupInfo"]["GroupId"] == other
    assert db["Description"] == "db"
    assert by[(False, 443)]["CidrIpv6"] == "::/0"
    egress = [r for r in rules if r["IsEgress"]][0]
    assert (egress["IpProtocol"], egress.get("FromPort"), egress.get("ToPort"), egress["CidrIpv4"]) == \
        ("-1", -1, -1, "0.0.0.0/0")
    # by id, by rule-id filter
    one = ec2.describe_security_group_rules(SecurityGroupRuleIds=[ssh["SecurityGroupRuleId"]])["SecurityGroupRules"]
    assert [r["SecurityGroupRuleId"] for r in one] == [ssh["SecurityGroupRuleId"]]
    f = ec2.describe_security_group_rules(Filters=[{"Name": "security-group-rule-id",
                                                    "Values": [db["SecurityGroupRuleId"]]}])["SecurityGroupRules"]
    assert [r["SecurityGroupRuleId"] for r in f] == [db["SecurityGroupRuleId"]]
    # unfiltered: every rule of the account (this group, the other, the default group)
    everything = ec2.describe_security_group_rules()["SecurityGroupRules"]
    assert {r["GroupId"] for r in everything} == {sg, other, default_group(ec2, vpc)["GroupId"]}
    assert len(everything) == 4 + 1 + 2
    missing = random_id("sgr")
    err = expect_error(ec2.describe_security_group_rules, "InvalidSecurityGroupRuleId.NotFound",
                       SecurityGroupRuleIds=[missing])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.describe_security_group_rules, "InvalidSecurityGroupRuleId.Malformed",
                 SecurityGroupRuleIds=["sgr-zz"])
    expect_error(ec2.describe_security_group_rules, "InvalidParameterValue",
                 Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_describe_security_group_rules_paging(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": f"10.0.{i}.0/24"} for i in range(12)]}])
    unpaged = {r["SecurityGroupRuleId"] for r in ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [sg]}])["SecurityGroupRules"]}
    assert len(unpaged) == 13
    for size in (5, 6, 13):
        items, _ = all_pages(ec2.describe_security_group_rules, "SecurityGroupRules", size,
                             Filters=[{"Name": "group-id", "Values": [sg]}])
        ids = [r["SecurityGroupRuleId"] for r in items]
        assert len(ids) == len(set(ids))
        assert set(ids) == unpaged


def test_modify_security_group_rule_description(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8", Description="old")])
    rid = [r["SecurityGroupRuleId"] for r in rules_of(ec2, sg) if not r["IsEgress"]][0]
    r = ec2.modify_security_group_rules(GroupId=sg, SecurityGroupRules=[{
        "SecurityGroupRuleId": rid,
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/8",
                              "Description": "bastion ssh"}}])
    assert r["Return"] is True
    got = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rid])["SecurityGroupRules"][0]
    assert got["Description"] == "bastion ssh"
    assert (got["IpProtocol"], got["FromPort"], got["ToPort"], got["CidrIpv4"]) == ("tcp", 22, 22, "10.0.0.0/8")
    ranges = group(ec2, sg)["IpPermissions"][0]["IpRanges"]
    assert ranges == [{"CidrIp": "10.0.0.0/8", "Description": "bastion ssh"}]
    # made equal to another rule of the group: refused, and nothing changes
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(23, "10.0.0.0/8")])
    expect_error(ec2.modify_security_group_rules, "InvalidPermission.Duplicate", GroupId=sg,
                 SecurityGroupRules=[{"SecurityGroupRuleId": rid, "SecurityGroupRule": {
                     "IpProtocol": "tcp", "FromPort": 23, "ToPort": 23, "CidrIpv4": "10.0.0.0/8"}}])
    got = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rid])["SecurityGroupRules"][0]
    assert (got["FromPort"], got["ToPort"]) == (22, 22)
    missing = random_id("sgr")
    err = expect_error(ec2.modify_security_group_rules, "InvalidSecurityGroupRuleId.NotFound", GroupId=sg,
                       SecurityGroupRules=[{"SecurityGroupRuleId": missing, "SecurityGroupRule": {
                           "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/8",
                           "Description": "x"}}])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.modify_security_group_rules, "InvalidGroup.NotFound", GroupId=random_id("sg"),
                 SecurityGroupRules=[{"SecurityGroupRuleId": rid, "SecurityGroupRule": {
                     "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "10.0.0.0/8",
                     "Description": "x"}}])
    assert ec2.describe_security_group_rules(SecurityGroupRuleIds=[rid])["SecurityGroupRules"][0][
        "Description"] == "bastion ssh"


# ---------------------------------------------------------------- DescribeSecurityGroups


def test_describe_security_groups_filters(tenant, vpc):
    ec2 = tenant.ec2
    v2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    web = ec2.create_security_group(GroupName="web-a", Description="Web A", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "tier", "Value": "front"}]}])["GroupId"]
    web2 = ec2.create_security_group(GroupName="web-b", Description="Web B", VpcId=v2)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="Database", VpcId=vpc)["GroupId"]
    d1 = default_group(ec2, vpc)["GroupId"]
    d2 = default_group(ec2, v2)["GroupId"]

    def f(name, values):
        return {g["GroupId"] for g in ec2.describe_security_groups(
            Filters=[{"Name": name, "Values": values}])["SecurityGroups"]}

    assert f("vpc-id", [vpc]) == {web, db, d1}
    assert f("group-name", ["web-a"]) == {web}
    assert f("group-name", ["web-*"]) == {web, web2}
    assert f("group-name", ["default"]) == {d1, d2}
    assert f("group-id", [db, web2]) == {db, web2}
    assert f("description", ["Data*"]) == {db}
    assert f("owner-id", [tenant.account_id]) == {web, web2, db, d1, d2}
    assert f("tag:tier", ["front"]) == {web}
    assert f("tag-key", ["tier"]) == {web}
    assert {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]} == {web, web2, db, d1, d2}
    expect_error(ec2.describe_security_groups, "InvalidParameterValue",
                 Filters=[{"Name": "group-colour", "Values": ["x"]}])


def test_describe_security_groups_by_rule_filters(ec2, vpc, sg):
    other = ec2.create_security_group(GroupName="o", Description="o", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8")])
    ec2.authorize_security_group_ingress(GroupId=other, IpPermissions=[peer("tcp", sg, 80)])

    def f(name, values):
        return {g["GroupId"] for g in ec2.describe_security_groups(
            Filters=[{"Name": name, "Values": values}])["SecurityGroups"]}

    assert f("ip-permission.cidr", ["10.0.0.0/8"]) == {sg}
    assert f("ip-permission.from-port", ["80"]) == {other}
    assert f("ip-permission.protocol", ["tcp"]) == {sg, other}
    assert f("ip-permission.group-id", [sg]) == {other}
    assert sg in f("egress.ip-permission.cidr", ["0.0.0.0/0"])


def test_describe_security_groups_paging(tenant, vpc):
    ec2 = tenant.ec2
    made = {ec2.create_security_group(GroupName=f"g{i}", Description="d", VpcId=vpc)["GroupId"] for i in range(11)}
    made.add(default_group(ec2, vpc)["GroupId"])
    unpaged = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert unpaged == made
    for size in (5, 7, 12):
        items, _ = all_pages(ec2.describe_security_groups, "SecurityGroups", size)
        ids = [g["GroupId"] for g in items]
        assert len(ids) == len(set(ids))
        assert set(ids) == made
    expect_error(tenant.ec2_raw.describe_security_groups, "InvalidParameterValue", MaxResults=4)


def test_security_group_dry_run(ec2, vpc, sg):
    before = group(ec2, sg)
    rid = rules_of(ec2, sg)[0]["SecurityGroupRuleId"]
    calls = [
        (ec2.create_security_group, dict(GroupName="x", Description="x", VpcId=vpc)),
        (ec2.delete_security_group, dict(GroupId=sg)),
        (ec2.authorize_security_group_ingress, dict(GroupId=sg, IpPermissions=[tcp(22)])),
        (ec2.authorize_security_group_egress, dict(GroupId=sg, IpPermissions=[tcp(22)])),
        (ec2.revoke_security_group_egress, dict(GroupId=sg, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])),
        (ec2.revoke_security_group_egress, dict(GroupId=sg, SecurityGroupRuleIds=[rid])),
        (ec2.modify_security_group_rules, dict(GroupId=sg, SecurityGroupRules=[{
            "SecurityGroupRuleId": rid, "SecurityGroupRule": {"IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0",
                                                              "Description": "changed"}}])),
        (ec2.describe_security_groups, {}),
        (ec2.describe_security_group_rules, {}),
    ]
    for fn, kw in calls:
        expect_error(fn, "DryRunOperation", 412, DryRun=True, **kw)
    assert group(ec2, sg) == before
    assert [g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]
            if g["GroupName"] == "x"] == []
    assert rules_of(ec2, sg)[0].get("Description", "") == ""


def test_security_group_tag_specification(ec2, vpc):
    r = ec2.create_security_group(GroupName="t", Description="t", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "tagged"}]}])
    gid = r["GroupId"]
    assert r.get("Tags") == [{"Key": "Name", "Value": "tagged"}]
    assert group(ec2, gid)["Tags"] == [{"Key": "Name", "Value": "tagged"}]
    expect_error(ec2.create_security_group, "InvalidParameterValue", GroupName="t2", Description="t", VpcId=vpc,
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert "t2" not in [g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]]


def test_description_does_not_make_a_rule_different(ec2, sg):
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8", Description="one")])
    expect_error(ec2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[tcp(22, "10.0.0.0/8", Description="two")])
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[tcp(22, "10.0.0.0/8")])
    assert group(ec2, sg)["IpPermissions"] == []


# ---------------------------------------------------------------- concurrency


def _race(tenant, n, fn_name, **kw):
    """n threads, each with its own client, call fn_name(**kw) at once."""
    barrier = threading.Barrier(n)
    results = []
    lock = threading.Lock()
    clients = [tenant.server.client(tenant.akid, tenant.secret) for _ in range(n)]

    def worker(c, i):
        args = {k: (v(i) if callable(v) else v) for k, v in kw.items()}
        barrier.wait()
        out = call_outcome(getattr(c, fn_name), **args)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=worker, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == n
    return results


def _codes(results):
    return sorted("ok" if r[0] == "ok" else r[1] for r in results)


def test_concurrent_creates_of_one_group_name(tenant, vpc):
    res = _race(tenant, 8, "create_security_group", GroupName="race", Description="r", VpcId=vpc)
    assert _codes(res) == ["InvalidGroup.Duplicate"] * 7 + ["ok"], res
    names = [g["GroupName"] for g in tenant.ec2.describe_security_groups()["SecurityGroups"]]
    assert names.count("race") == 1


def test_concurrent_overlapping_subnets(tenant, vpc):
    res = _race(tenant, 8, "create_subnet", VpcId=vpc, CidrBlock=lambda i: f"10.0.{i}.0/24" if i % 2 else "10.0.0.0/20")
    subnets = tenant.ec2.describe_subnets()["Subnets"]
    cidrs = sorted(s["CidrBlock"] for s in subnets)
    # whatever the order, no two subnets overlap
    nets = [ipaddress.ip_network(c) for c in cidrs]
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            assert not a.overlaps(b), f"overlapping subnets were both created: {a} {b}"
    assert len(subnets) == _codes(res).count("ok")
    assert set(_codes(res)) <= {"ok", "InvalidSubnet.Conflict"}, res


def test_concurrent_duplicate_rules(tenant, sg):
    res = _race(tenant, 8, "authorize_security_group_ingress", GroupId=sg, IpPermissions=[tcp(443)])
    assert _codes(res) == ["InvalidPermission.Duplicate"] * 7 + ["ok"], res
    assert len([r for r in rules_of(tenant.ec2, sg) if not r["IsEgress"]]) == 1


def test_concurrent_rules_at_the_limit(tenant, sg):
    ec2 = tenant.ec2
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "IpRanges": [{"CidrIp": f"10.0.{i}.0/24"} for i in range(58)]}])
    res = _race(tenant, 8, "authorize_security_group_ingress", GroupId=sg,
                IpPermissions=lambda i: [tcp(1000 + i)])
    assert _codes(res) == ["RulesPerSecurityGroupLimitExceeded"] * 6 + ["ok"] * 2, res
    assert len([r for r in rules_of(ec2, sg) if not r["IsEgress"]]) == 60
