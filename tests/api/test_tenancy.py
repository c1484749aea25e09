"""Tenant isolation. Every action that takes an id is called by tenant A with
ids of three kinds: A's own (the call works), B's (another tenant), and
well-formed ids nobody has. B's id must answer exactly as the nonexistent
one does (same HTTP status, same code, the same message once the id is
substituted), and B's state, read back as B, must not change."""
import itertools

import pytest

import bhlib
from bhlib import call_outcome, random_id, rules_of

_counter = itertools.count(1)
_subnet_counter = itertools.count(2)


class World:
    """Tenant A (the caller) with a base VPC and a target group; tenant B
    (the victim) with a full set of resources, all tagged."""

    def __init__(self, server):
        self.server = server
        self.a = server.new_tenant("tenant-a")
        self.b = server.new_tenant("tenant-b")
        a, b = self.a.ec2, self.b.ec2
        # the same CIDRs and names on both sides: tenants do not clash
        self.a_vpc = a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.a_target = a.create_security_group(GroupName="web", Description="a web", VpcId=self.a_vpc)["GroupId"]
        self.b_vpc = b.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.b_vpc2 = b.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]  # bare: deletable
        self.b_subnet = b.create_subnet(VpcId=self.b_vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        self.b_sg = b.create_security_group(GroupName="web", Description="b web", VpcId=self.b_vpc)["GroupId"]
        self.b_sg2 = b.create_security_group(GroupName="db", Description="b db", VpcId=self.b_vpc)["GroupId"]
        # a name only B uses, for the calls that take a group name
        self.b_sg3 = b.create_security_group(GroupName="b-private", Description="b private",
                                             VpcId=self.b_vpc)["GroupId"]
        b.authorize_security_group_ingress(GroupId=self.b_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        b.authorize_security_group_ingress(GroupId=self.b_sg2, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": self.b_sg}]}])
        self.b_sgr = [r["SecurityGroupRuleId"] for r in rules_of(b, self.b_sg) if not r["IsEgress"]][0]
        self.b_default_sg = b.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [self.b_vpc]}, {"Name": "group-name", "Values": ["default"]}]
        )["SecurityGroups"][0]["GroupId"]
        b.create_tags(Resources=[self.b_vpc, self.b_vpc2, self.b_subnet, self.b_sg, self.b_sgr],
                      Tags=[{"Key": "owner", "Value": "b"}, {"Key": "Name", "Value": "victim"}])

    # ---- the three kinds of ids

    def other_ids(self):
        return {"vpc": self.b_vpc, "bare_vpc": self.b_vpc2, "subnet": self.b_subnet, "sg": self.b_sg,
                "target_sg": self.b_sg, "default_sg": self.b_default_sg, "sgr": self.b_sgr,
                "sgr_port": 22, "sg_name": "b-private", "account": self.b.account_id}

    def missing_ids(self):
        return {"vpc": random_id("vpc"), "bare_vpc": random_id("vpc"), "subnet": random_id("subnet"),
                "sg": random_id("sg"), "target_sg": random_id("sg"), "default_sg": random_id("sg"),
                "sgr": random_id("sgr"), "sgr_port": 22, "sg_name": "nope-" + random_id("x")[2:12],
                "account": self.b.account_id}

    def own_ids(self):
        return OwnIds(self)

    # ---- B's state as B sees it

    def snapshot(self):
        b = self.b.ec2

        def strip(r):
            r.pop("ResponseMetadata", None)
            return r

        snap = {
            "vpcs": strip(b.describe_vpcs()),
            "subnets": strip(b.describe_subnets()),
            "groups": strip(b.describe_security_groups()),
            "rules": strip(b.describe_security_group_rules()),
            "tags": strip(b.describe_tags()),
        }
        for v in (self.b_vpc, self.b_vpc2):
            for attr in ("enableDnsSupport", "enableDnsHostnames"):
                snap[f"{v}.{attr}"] = strip(b.describe_vpc_attribute(VpcId=v, Attribute=attr))
        return snap


class OwnIds(dict):
    """A's own ids, each made on first use so that destructive calls get a
    fresh resource."""

    def __init__(self, world):
        super().__init__()
        self.w = world

    def __missing__(self, key):
        a = self.w.a.ec2
        n = next(_counter)
        if key == "vpc":
            # the same CIDRs as B's VPCs: a call that leaked into B's VPC would succeed there too
            v = a.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        elif key == "bare_vpc":
            v = a.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        elif key == "subnet":
            m = next(_subnet_counter)
            v = a.create_subnet(VpcId=self.w.a_vpc, CidrBlock=f"10.0.{m}.0/28")["Subnet"]["SubnetId"]
        elif key == "sg_name":
            v = f"own-name-{n}"
            a.create_security_group(GroupName=v, Description="own", VpcId=self.w.a_vpc)
        elif key == "target_sg":
            v = self.w.a_target
        elif key == "default_sg":
            v = a.describe_security_groups(Filters=[
                {"Name": "vpc-id", "Values": [self.w.a_vpc]}, {"Name": "group-name", "Values": ["default"]}]
            )["SecurityGroups"][0]["GroupId"]
        elif key == "sg":
            v = a.create_security_group(GroupName=f"own-{n}", Description="own", VpcId=self.w.a_vpc)["GroupId"]
        elif key == "sgr":
            a.authorize_security_group_ingress(GroupId=self.w.a_target, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 1000 + n, "ToPort": 1000 + n, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
            v = [r["SecurityGroupRuleId"] for r in rules_of(a, self.w.a_target)
                 if r.get("FromPort") == 1000 + n][0]
            self["sgr_port"] = 1000 + n
        elif key == "account":
            v = self.w.a.account_id
        else:
            raise KeyError(key)
        self[key] = v
        return v


@pytest.fixture(scope="module")
def world(server):
    return World(server)


def _tcp(port, cidr="10.0.0.0/8"):
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}


def _b_rule_perm():
    # exactly the permission B's rule in B's group has
    return _tcp(22)


def _fresh_port():
    return 20000 + next(_counter)


# Each case: (name, the id keys it varies, call(ec2, ids, world)).
CASES = [
    ("DescribeVpcs", ["vpc"], lambda e, i, w: e.describe_vpcs(VpcIds=[i["vpc"]])),
    ("DescribeSubnets", ["subnet"], lambda e, i, w: e.describe_subnets(SubnetIds=[i["subnet"]])),
    ("DescribeSecurityGroups", ["sg"], lambda e, i, w: e.describe_security_groups(GroupIds=[i["sg"]])),
    ("DescribeSecurityGroups-by-name", ["sg_name"],
     lambda e, i, w: e.describe_security_groups(GroupNames=[i["sg_name"]])),
    ("DeleteSecurityGroup-by-name", ["sg_name"], lambda e, i, w: e.delete_security_group(GroupName=i["sg_name"])),
    ("AuthorizeIngress-target-by-name", ["sg_name"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupName=i["sg_name"], IpPermissions=[_tcp(_fresh_port())])),
    ("AuthorizeIngress-peer-by-name", ["sg_name"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupId=w.a_target, IpPermissions=[
         {"IpProtocol": "tcp", "FromPort": _fresh_port(), "ToPort": 30000,
          "UserIdGroupPairs": [{"GroupName": i["sg_name"]}]}])),
    ("DeleteVpc", ["bare_vpc"], lambda e, i, w: e.delete_vpc(VpcId=i["bare_vpc"])),
    ("DeleteVpc-with-deps", ["vpc"], lambda e, i, w: e.delete_vpc(VpcId=i["vpc"])),
    ("DeleteSubnet", ["subnet"], lambda e, i, w: e.delete_subnet(SubnetId=i["subnet"])),
    ("DeleteSecurityGroup", ["sg"], lambda e, i, w: e.delete_security_group(GroupId=i["sg"])),
    ("CreateSubnet-in-vpc", ["vpc"],
     lambda e, i, w: e.create_subnet(VpcId=i["vpc"], CidrBlock="10.0.7.0/24")),
    ("CreateSubnet-conflicting-with-others-subnet", ["vpc"],
     lambda e, i, w: e.create_subnet(VpcId=i["vpc"], CidrBlock="10.0.1.0/24")),
    ("CreateSubnet-in-bare-vpc", ["bare_vpc"],
     lambda e, i, w: e.create_subnet(VpcId=i["bare_vpc"], CidrBlock="10.1.7.0/24")),
    ("CreateSecurityGroup-in-vpc", ["vpc"],
     lambda e, i, w: e.create_security_group(GroupName=f"n{_fresh_port()}", Description="d", VpcId=i["vpc"])),
    ("CreateSecurityGroup-name-taken-in-others-vpc", ["vpc"],
     lambda e, i, w: e.create_security_group(GroupName="db", Description="d", VpcId=i["vpc"])),
    ("AuthorizeIngress-target", ["sg"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupId=i["sg"], IpPermissions=[_tcp(_fresh_port())])),
    ("AuthorizeIngress-target-existing-rule", ["sg"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupId=i["sg"], IpPermissions=[_b_rule_perm()])),
    ("AuthorizeEgress-target", ["sg"],
     lambda e, i, w: e.authorize_security_group_egress(GroupId=i["sg"], IpPermissions=[_tcp(_fresh_port())])),
    ("AuthorizeIngress-peer-group", ["sg"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupId=w.a_target, IpPermissions=[
         {"IpProtocol": "tcp", "FromPort": _fresh_port(), "ToPort": 30000,
          "UserIdGroupPairs": [{"GroupId": i["sg"]}]}])),
    ("AuthorizeIngress-peer-group-with-user-id", ["sg", "account"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupId=w.a_target, IpPermissions=[
         {"IpProtocol": "tcp", "FromPort": _fresh_port(), "ToPort": 30000,
          "UserIdGroupPairs": [{"GroupId": i["sg"], "UserId": i["account"]}]}])),
    ("AuthorizeEgress-peer-group", ["sg"],
     lambda e, i, w: e.authorize_security_group_egress(GroupId=w.a_target, IpPermissions=[
         {"IpProtocol": "tcp", "FromPort": _fresh_port(), "ToPort": 30000,
          "UserIdGroupPairs": [{"GroupId": i["sg"]}]}])),
    ("AuthorizeIngress-peer-default-group", ["default_sg"],
     lambda e, i, w: e.authorize_security_group_ingress(GroupId=w.a_target, IpPermissions=[
         {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": i["default_sg"]}]}])),
    ("DeleteSecurityGroup-default", ["default_sg"],
     lambda e, i, w: e.delete_security_group(GroupId=i["default_sg"])),
    ("RevokeIngress-target-and-rule-id", ["target_sg", "sgr"],
     lambda e, i, w: e.revoke_security_group_ingress(GroupId=i["target_sg"], SecurityGroupRuleIds=[i["sgr"]])),
    ("RevokeIngress-target-by-permission", ["sg"],
     lambda e, i, w: _revoke_own_perm(e, i, w)),
    ("RevokeEgress-target", ["sg"],
     lambda e, i, w: e.revoke_security_group_egress(GroupId=i["sg"], IpPermissions=[
         {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])),
    ("RevokeIngress-rule-id", ["sgr"],
     lambda e, i, w: e.revoke_security_group_ingress(GroupId=w.a_target, SecurityGroupRuleIds=[i["sgr"]])),
    ("RevokeIngress-peer-group", ["sg"],
     lambda e, i, w: _revoke_peer(e, i, w)),
    ("ModifySecurityGroupRules-rule-id", ["sgr"],
     lambda e, i, w: e.modify_security_group_rules(GroupId=w.a_target, SecurityGroupRules=[{
         "SecurityGroupRuleId": i["sgr"], "SecurityGroupRule": {
             "IpProtocol": "tcp", "FromPort": i["sgr_port"], "ToPort": i["sgr_port"], "CidrIpv4": "10.0.0.0/8",
             "Description": "pwned"}}])),
    ("ModifySecurityGroupRules-group-and-rule", ["target_sg", "sgr"],
     lambda e, i, w: e.modify_security_group_rules(GroupId=i["target_sg"], SecurityGroupRules=[{
         "SecurityGroupRuleId": i["sgr"], "SecurityGroupRule": {
             "IpProtocol": "tcp", "FromPort": i["sgr_port"], "ToPort": i["sgr_port"], "CidrIpv4": "10.0.0.0/8",
             "Description": "pwned"}}])),
    ("DescribeSecurityGroupRules-rule-id", ["sgr"],
     lambda e, i, w: e.describe_security_group_rules(SecurityGroupRuleIds=[i["sgr"]])),
    ("CreateTags-vpc", ["vpc"],
     lambda e, i, w: e.create_tags(Resources=[i["vpc"]], Tags=[{"Key": "owner", "Value": "a"}])),
    ("CreateTags-subnet", ["subnet"],
     lambda e, i, w: e.create_tags(Resources=[i["subnet"]], Tags=[{"Key": "pwned", "Value": "1"}])),
    ("CreateTags-sg", ["sg"],
     lambda e, i, w: e.create_tags(Resources=[i["sg"]], Tags=[{"Key": "Name", "Value": "mine"}])),
    ("CreateTags-sgr", ["sgr"],
     lambda e, i, w: e.create_tags(Resources=[i["sgr"]], Tags=[{"Key": "Name", "Value": "mine"}])),
    ("DeleteTags-vpc", ["vpc"],
     lambda e, i, w: e.delete_tags(Resources=[i["vpc"]], Tags=[{"Key": "owner"}])),
    ("DeleteTags-all-of-subnet", ["subnet"],
     lambda e, i, w: e.delete_tags(Resources=[i["subnet"]])),
    ("DeleteTags-sg-by-value", ["sg"],
     lambda e, i, w: e.delete_tags(Resources=[i["sg"]], Tags=[{"Key": "Name", "Value": "victim"}])),
    ("ModifyVpcAttribute", ["vpc"],
     lambda e, i, w: e.modify_vpc_attribute(VpcId=i["vpc"], EnableDnsHostnames={"Value": True})),
    ("ModifyVpcAttribute-dns-support", ["vpc"],
     lambda e, i, w: e.modify_vpc_attribute(VpcId=i["vpc"], EnableDnsSupport={"Value": False})),
    ("DescribeVpcAttribute", ["vpc"],
     lambda e, i, w: e.describe_vpc_attribute(VpcId=i["vpc"], Attribute="enableDnsSupport")),
    ("ModifySubnetAttribute", ["subnet"],
     lambda e, i, w: e.modify_subnet_attribute(SubnetId=i["subnet"], MapPublicIpOnLaunch={"Value": True})),
]


def _revoke_own_perm(e, ids, w):
    # B's group holds exactly this rule; A's own group gets it first so the
    # "own" call has something to revoke
    if ids.get("_own"):
        e.authorize_security_group_ingress(GroupId=ids["sg"], IpPermissions=[_b_rule_perm()])
    return e.revoke_security_group_ingress(GroupId=ids["sg"], IpPermissions=[_b_rule_perm()])


def _revoke_peer(e, ids, w):
    perm = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": ids["sg"]}]}
    if ids.get("_own"):
        e.authorize_security_group_ingress(GroupId=w.a_target, IpPermissions=[perm])
    return e.revoke_security_group_ingress(GroupId=w.a_target, IpPermissions=[perm])


ID_NOT_FOUND = {"InvalidVpcID.NotFound", "InvalidSubnetID.NotFound", "InvalidGroup.NotFound",
                "InvalidSecurityGroupRuleId.NotFound"}


def _shape(outcome, ids, keys):
    """The outcome with the varied ids replaced by placeholders."""
    if outcome[0] == "ok":
        return ("ok",)
    _, code, msg, status = outcome
    for k in keys:
        if k != "account":
            msg = msg.replace(ids[k], f"<{k}>")
    return ("error", code, msg, status)


@pytest.mark.parametrize("name,keys,call", CASES, ids=[c[0] for c in CASES])
def test_other_tenants_id_answers_like_a_missing_one(world, name, keys, call):
    a = world.a.ec2
    before = world.snapshot()

    # the caller's own id: works
    own = world.own_ids()
    own["_own"] = True
    for k in keys:
        own[k]  # make it now
    own_outcome = call_outcome(call, e=a, i=own, w=world)
    if name == "DeleteSecurityGroup-default":
        assert own_outcome[:2] == ("error", "CannotDelete"), own_outcome
    else:
        assert own_outcome[0] == "ok", f"{name} with the caller's own ids failed: {own_outcome}"

    other = world.other_ids()
    missing = world.missing_ids()
    got_other = call_outcome(call, e=a, i=other, w=world)
    got_missing = call_outcome(call, e=a, i=missing, w=world)
    assert got_missing[0] == "error" or name.startswith("DeleteTags"), \
        f"{name} with nonexistent ids succeeded: {got_missing}"
    shape_other = _shape(got_other, other, keys)
    shape_missing = _shape(got_missing, missing, keys)
    assert shape_other == shape_missing, (
        f"{name}: another tenant's id answers differently from a nonexistent one\n"
        f"  other tenant's: {got_other}\n  nonexistent:    {got_missing}")
    if got_missing[0] == "error":
        assert got_missing[1].endswith(".NotFound"), got_missing
        if got_missing[1] in ID_NOT_FOUND:
            # the message names the id the caller gave, as EC2's do
            assert any(f"<{k}>" in shape_missing[2] for k in keys if k != "account"), shape_missing

    after = world.snapshot()
    assert after == before, f"{name} as tenant A changed tenant B's state"


def test_same_error_for_lists_mixing_own_and_other_ids(world):
    a = world.a.ec2
    for fn, key, own, other, missing in (
            (a.describe_vpcs, "VpcIds", world.a_vpc, world.b_vpc, random_id("vpc")),
            (a.describe_security_groups, "GroupIds", world.a_target, world.b_sg, random_id("sg")),
    ):
        o = call_outcome(fn, **{key: [own, other]})
        m = call_outcome(fn, **{key: [own, missing]})
        assert o[0] == m[0] == "error"
        assert (o[1], o[2].replace(other, "<id>"), o[3]) == (m[1], m[2].replace(missing, "<id>"), m[3])


def test_tagging_a_list_with_another_tenants_id(world):
    a = world.a.ec2
    before = world.snapshot()
    missing = random_id("vpc")
    o = call_outcome(a.create_tags, Resources=[world.a_vpc, world.b_vpc], Tags=[{"Key": "mixed", "Value": "1"}])
    m = call_outcome(a.create_tags, Resources=[world.a_vpc, missing], Tags=[{"Key": "mixed", "Value": "1"}])
    assert o[0] == m[0] == "error", (o, m)
    assert (o[1], o[2].replace(world.b_vpc, "<id>"), o[3]) == (m[1], m[2].replace(missing, "<id>"), m[3])
    # all or nothing: the caller's own VPC was not tagged either
    assert a.describe_tags(Filters=[{"Name": "key", "Values": ["mixed"]}])["Tags"] == []
    assert world.snapshot() == before


def test_unfiltered_describes_show_only_own_items(world):
    a = world.a.ec2
    b_ids = {world.b_vpc, world.b_vpc2, world.b_subnet, world.b_sg, world.b_sg2, world.b_sg3, world.b_default_sg,
             world.b_sgr}
    seen = set()
    seen |= {v["VpcId"] for v in a.describe_vpcs()["Vpcs"]}
    seen |= {s["SubnetId"] for s in a.describe_subnets()["Subnets"]}
    for g in a.describe_security_groups()["SecurityGroups"]:
        seen.add(g["GroupId"])
        assert g["OwnerId"] == world.a.account_id
        for p in g["IpPermissions"] + g["IpPermissionsEgress"]:
            for pair in p.get("UserIdGroupPairs", []):
                seen.add(pair["GroupId"])
    for r in a.describe_security_group_rules()["SecurityGroupRules"]:
        seen |= {r["SecurityGroupRuleId"], r["GroupId"]}
        assert r["GroupOwnerId"] == world.a.account_id
    tags = a.describe_tags()["Tags"]
    seen |= {t["ResourceId"] for t in tags}
    assert not (seen & b_ids), f"tenant A sees tenant B's {seen & b_ids}"
    assert all(v["OwnerId"] == world.a.account_id for v in a.describe_vpcs()["Vpcs"])
    assert "victim" not in [t["Value"] for t in tags]
    # paging through everything does not reach them either
    items, _ = bhlib.all_pages(a.describe_security_groups, "SecurityGroups", 5)
    assert not ({g["GroupId"] for g in items} & b_ids)


def test_filters_do_not_reach_other_tenants_items(world):
    a = world.a.ec2
    b_acct = world.b.account_id
    assert a.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [world.b_vpc]}])["Vpcs"] == []
    assert a.describe_vpcs(Filters=[{"Name": "owner-id", "Values": [b_acct]}])["Vpcs"] == []
    assert a.describe_vpcs(Filters=[{"Name": "tag:owner", "Values": ["b"]}])["Vpcs"] == []
    assert a.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [world.b_vpc]}])["Subnets"] == []
    assert a.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [world.b_subnet]}])["Subnets"] == []
    assert a.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [world.b_vpc]}])["SecurityGroups"] == []
    assert a.describe_security_groups(Filters=[{"Name": "group-id", "Values": [world.b_sg]}])["SecurityGroups"] == []
    assert a.describe_security_groups(Filters=[{"Name": "owner-id", "Values": [b_acct]}])["SecurityGroups"] == []
    b_groups = {world.b_sg, world.b_sg2, world.b_default_sg}
    for name in ("db", "web", "default"):
        got = a.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
        assert not ({g["GroupId"] for g in got} & b_groups)
        assert all(g["OwnerId"] == world.a.account_id for g in got)
    assert a.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [world.b_sg]}])[
        "SecurityGroupRules"] == []
    assert a.describe_security_group_rules(Filters=[{"Name": "security-group-rule-id", "Values": [world.b_sgr]}])[
        "SecurityGroupRules"] == []
    assert a.describe_tags(Filters=[{"Name": "resource-id", "Values": [world.b_vpc, world.b_sgr]}])["Tags"] == []
    assert a.describe_tags(Filters=[{"Name": "value", "Values": ["victim"]}])["Tags"] == []
    b_ids = {world.b_vpc, world.b_vpc2, world.b_subnet, world.b_sg, world.b_sgr}
    for f in ({"Name": "key", "Values": ["owner", "Name"]}, {"Name": "resource-type", "Values": ["vpc", "subnet"]}):
        got = a.describe_tags(Filters=[f])["Tags"]
        assert not ({t["ResourceId"] for t in got} & b_ids)


def test_b_still_sees_its_state_and_a_tags_nothing_of_b(world):
    b = world.b.ec2
    tags = {(t["ResourceId"], t["Key"], t["Value"]) for t in b.describe_tags()["Tags"]}
    for rid in (world.b_vpc, world.b_vpc2, world.b_subnet, world.b_sg, world.b_sgr):
        assert (rid, "owner", "b") in tags
        assert (rid, "Name", "victim") in tags
    assert not any(v in ("a", "mine", "1") and k != "owner" for _, k, v in tags)
    assert {v["VpcId"] for v in b.describe_vpcs()["Vpcs"]} == {world.b_vpc, world.b_vpc2}
    # A never managed to leave a reference to B's group in its own rules
    for r in world.a.ec2.describe_security_group_rules()["SecurityGroupRules"]:
        ref = r.get("ReferencedGroupInfo", {}).get("GroupId")
        assert ref not in (world.b_sg, world.b_sg2, world.b_default_sg)


def test_same_names_and_cidrs_do_not_clash_across_tenants(make_tenant):
    x, y = make_tenant(), make_tenant()
    for t in (x, y):
        v = t.ec2.create_vpc(CidrBlock="172.16.0.0/16")["Vpc"]["VpcId"]
        t.ec2.create_subnet(VpcId=v, CidrBlock="172.16.0.0/24")
        t.ec2.create_security_group(GroupName="web", Description="w", VpcId=v)
    for t in (x, y):
        assert [v["CidrBlock"] for v in t.ec2.describe_vpcs()["Vpcs"]] == ["172.16.0.0/16"]
        assert sorted(g["GroupName"] for g in t.ec2.describe_security_groups()["SecurityGroups"]) == ["default", "web"]


def test_paging_token_from_another_tenant_reveals_nothing(make_tenant):
    x, y = make_tenant(), make_tenant()
    for i in range(6):
        x.ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    mine = {y.ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(6)}
    token = x.ec2.describe_vpcs(MaxResults=5)["NextToken"]
    outcome = call_outcome(y.ec2.describe_vpcs, MaxResults=5, NextToken=token)
    if outcome[0] == "ok":
        assert {v["VpcId"] for v in outcome[1]["Vpcs"]} <= mine
