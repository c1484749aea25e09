"""CreateVpc, DescribeVpcs, DeleteVpc, ModifyVpcAttribute,
DescribeVpcAttribute: success paths, EC2's errors, filters, paging, DryRun."""
import pytest

import bhlib
from bhlib import all_pages, assert_id, expect_error, random_id


def test_create_vpc(tenant):
    r = tenant.ec2.create_vpc(CidrBlock="10.0.0.0/16")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    v = r["Vpc"]
    assert_id(v["VpcId"], "vpc")
    assert v["CidrBlock"] == "10.0.0.0/16"
    assert v["State"] in ("pending", "available")
    assert v["OwnerId"] == tenant.account_id
    assert v["InstanceTenancy"] == "default"
    assert v["IsDefault"] is False
    d = tenant.ec2.describe_vpcs(VpcIds=[v["VpcId"]])["Vpcs"]
    assert len(d) == 1
    assert d[0]["VpcId"] == v["VpcId"]
    assert d[0]["CidrBlock"] == "10.0.0.0/16"
    assert d[0]["State"] == "available"
    assert d[0]["OwnerId"] == tenant.account_id
    assert d[0]["IsDefault"] is False


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.0.0/20", "192.168.1.0/24", "10.1.2.16/28"])
def test_vpc_prefix_16_to_28(ec2, cidr):
    assert ec2.create_vpc(CidrBlock=cidr)["Vpc"]["CidrBlock"] == cidr


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29", "10.0.0.0/32", "0.0.0.0/0"])
def test_vpc_prefix_out_of_range(ec2, cidr):
    expect_error(ec2.create_vpc, "InvalidVpc.Range", CidrBlock=cidr)
    assert ec2.describe_vpcs()["Vpcs"] == []


@pytest.mark.parametrize("cidr", ["10.0.0.0", "10.0.0.0/", "256.0.0.0/16", "10.0.0/16", "abc", "10.0.0.0/16x",
                                  "10.0.0.0/-1", "10.0.0.0/33", " 10.0.0.0/16", "2001:db8::/56"])
def test_vpc_malformed_cidr(ec2, cidr):
    expect_error(ec2.create_vpc, "InvalidParameterValue", CidrBlock=cidr)
    assert ec2.describe_vpcs()["Vpcs"] == []


def test_create_vpc_without_cidr(ec2):
    err = expect_error(ec2.create_vpc, "MissingParameter")
    assert "CidrBlock" in err["Error"]["Message"] or "cidrBlock" in err["Error"]["Message"]


def test_vpcs_may_overlap_within_an_account(ec2):
    a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    b = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assert a != b


def test_describe_vpcs_by_id(ec2):
    ids = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(3)]
    got = ec2.describe_vpcs(VpcIds=ids[:2])["Vpcs"]
    assert sorted(v["VpcId"] for v in got) == sorted(ids[:2])
    assert {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]} == set(ids)


def test_describe_vpcs_unknown_id(ec2, vpc):
    missing = random_id("vpc")
    err = expect_error(ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[missing])
    assert missing in err["Error"]["Message"]
    # one good and one missing id: the whole call fails, as EC2 does
    expect_error(ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[vpc, missing])


@pytest.mark.parametrize("bad", ["vpc-xyz", "vpc-", "subnet-0123456789abcdef0", "vpc-0123456789ABCDEF0",
                                 "vpc-0123456789abcdef01", "x"])
def test_describe_vpcs_malformed_id(ec2, bad):
    expect_error(ec2.describe_vpcs, "InvalidVpcID.Malformed", VpcIds=[bad])


def test_delete_vpc(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    assert [g["GroupName"] for g in default] == ["default"]
    ec2.delete_vpc(VpcId=vpc)
    expect_error(ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[vpc])
    expect_error(ec2.delete_vpc, "InvalidVpcID.NotFound", VpcId=vpc)
    # its default group went with it
    assert ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"] == []
    expect_error(ec2.describe_security_groups, "InvalidGroup.NotFound", GroupIds=[default[0]["GroupId"]])
    assert ec2.describe_vpcs()["Vpcs"] == []


def test_delete_vpc_errors(ec2):
    missing = random_id("vpc")
    err = expect_error(ec2.delete_vpc, "InvalidVpcID.NotFound", VpcId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.delete_vpc, "InvalidVpcID.Malformed", VpcId="vpc-nothex")


def test_delete_vpc_with_subnet_is_dependency_violation(ec2, vpc):
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["VpcId"] == vpc
    assert ec2.describe_subnets(SubnetIds=[sn])["Subnets"][0]["SubnetId"] == sn
    ec2.delete_subnet(SubnetId=sn)
    ec2.delete_vpc(VpcId=vpc)


def test_delete_vpc_with_group_is_dependency_violation(ec2, vpc):
    g = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
    ec2.delete_security_group(GroupId=g)
    ec2.delete_vpc(VpcId=vpc)


def test_vpc_attributes(ec2, vpc):
    def attr(name):
        r = ec2.describe_vpc_attribute(VpcId=vpc, Attribute=name)
        assert r["VpcId"] == vpc
        key = name[0].upper() + name[1:]
        return r[key]["Value"]

    assert attr("enableDnsSupport") is True
    assert attr("enableDnsHostnames") is False
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    assert attr("enableDnsHostnames") is True
    assert attr("enableDnsSupport") is True
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
    assert attr("enableDnsSupport") is False
    assert attr("enableDnsHostnames") is True
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    assert attr("enableDnsHostnames") is False


def test_vpc_attribute_errors(ec2, vpc):
    missing = random_id("vpc")
    expect_error(ec2.modify_vpc_attribute, "InvalidVpcID.NotFound", VpcId=missing,
                 EnableDnsHostnames={"Value": True})
    expect_error(ec2.describe_vpc_attribute, "InvalidVpcID.NotFound", VpcId=missing,
                 Attribute="enableDnsSupport")
    expect_error(ec2.describe_vpc_attribute, "InvalidParameterValue", VpcId=vpc, Attribute="enableTeleport")
    expect_error(ec2.modify_vpc_attribute, "InvalidVpcID.Malformed", VpcId="vpc-zz",
                 EnableDnsHostnames={"Value": True})


def _tagged_vpcs(ec2):
    specs = [("10.0.0.0/16", "web-1", "prod"), ("10.1.0.0/16", "web-2", "dev"), ("10.2.0.0/20", "db-1", "prod")]
    ids = {}
    for cidr, name, env in specs:
        v = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{
            "ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}, {"Key": "env", "Value": env}]}])["Vpc"]
        ids[name] = v["VpcId"]
    return ids


def _ids(r):
    return {v["VpcId"] for v in r["Vpcs"]}


def test_describe_vpcs_filters(tenant):
    ec2 = tenant.ec2
    ids = _tagged_vpcs(ec2)

    def f(*filters):
        return _ids(ec2.describe_vpcs(Filters=[{"Name": n, "Values": v} for n, v in filters]))

    assert f(("vpc-id", [ids["web-1"]])) == {ids["web-1"]}
    assert f(("cidr", ["10.1.0.0/16"])) == {ids["web-2"]}
    assert f(("cidr-block-association.cidr-block", ["10.2.0.0/20"])) == {ids["db-1"]}
    assert f(("state", ["available"])) == set(ids.values())
    assert f(("state", ["pending"])) == set()
    assert f(("is-default", ["false"])) == set(ids.values())
    assert f(("is-default", ["true"])) == set()
    assert f(("owner-id", [tenant.account_id])) == set(ids.values())
    assert f(("owner-id", ["123456789012"])) == set()
    assert f(("tag:Name", ["web-1"])) == {ids["web-1"]}
    assert f(("tag:env", ["prod"])) == {ids["web-1"], ids["db-1"]}
    assert f(("tag-key", ["env"])) == set(ids.values())
    assert f(("tag-key", ["nope"])) == set()
    assert f(("tag-value", ["dev"])) == {ids["web-2"]}
    # wildcards
    assert f(("tag:Name", ["web-*"])) == {ids["web-1"], ids["web-2"]}
    assert f(("tag:Name", ["??-1"])) == {ids["db-1"]}
    assert f(("tag:Name", ["*"])) == set(ids.values())
    assert f(("cidr", ["10.*"])) == set(ids.values())
    # values OR, filters AND
    assert f(("tag:Name", ["web-1", "db-1"])) == {ids["web-1"], ids["db-1"]}
    assert f(("tag:env", ["prod"]), ("tag:Name", ["web-*"])) == {ids["web-1"]}
    assert f(("tag:env", ["prod"]), ("vpc-id", [ids["web-2"]])) == set()
    # filter plus ids
    r = ec2.describe_vpcs(VpcIds=[ids["web-1"], ids["web-2"]], Filters=[{"Name": "tag:env", "Values": ["dev"]}])
    assert _ids(r) == {ids["web-2"]}
    # tags come back
    v = ec2.describe_vpcs(VpcIds=[ids["db-1"]])["Vpcs"][0]
    assert {t["Key"]: t["Value"] for t in v["Tags"]} == {"Name": "db-1", "env": "prod"}


@pytest.mark.parametrize("name", ["vpc-ids", "colour", "tag", "Vpc-Id", ""])
def test_describe_vpcs_unknown_filter(ec2, name):
    expect_error(ec2.describe_vpcs, "InvalidParameterValue", Filters=[{"Name": name, "Values": ["x"]}])


def test_describe_vpcs_paging(ec2):
    made = {ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(12)}
    unpaged = _ids(ec2.describe_vpcs())
    assert unpaged == made
    for size in (5, 6, 12, 1000):
        items, pages = all_pages(ec2.describe_vpcs, "Vpcs", size)
        ids = [v["VpcId"] for v in items]
        assert len(ids) == len(set(ids)), f"duplicates with MaxResults={size}"
        assert set(ids) == unpaged
        assert pages == -(-12 // size) or (12 % size == 0 and pages == 12 // size + 1)
    # paging together with a filter
    items, _ = all_pages(ec2.describe_vpcs, "Vpcs", 5, Filters=[{"Name": "cidr", "Values": ["10.1*"]}])
    assert len(items) == 3  # 10.1, 10.10, 10.11


def test_describe_vpcs_paging_errors(tenant):
    ec2 = tenant.ec2_raw
    for bad in (0, 4, 1001, -1):
        expect_error(ec2.describe_vpcs, "InvalidParameterValue", MaxResults=bad)
    with pytest.raises(bhlib.ClientError) as ei:
        ec2.describe_vpcs(MaxResults=5, NextToken="not a token")
    bhlib.check_client_error(ei.value, ei.value.response["Error"]["Code"], 400)
    assert ei.value.response["Error"]["Code"] in ("InvalidNextToken", "InvalidParameterValue")


def test_dry_run(ec2, vpc):
    expect_error(ec2.create_vpc, "DryRunOperation", 412, CidrBlock="10.9.0.0/16", DryRun=True)
    expect_error(ec2.delete_vpc, "DryRunOperation", 412, VpcId=vpc, DryRun=True)
    expect_error(ec2.describe_vpcs, "DryRunOperation", 412, DryRun=True)
    expect_error(ec2.describe_vpc_attribute, "DryRunOperation", 412, VpcId=vpc, Attribute="enableDnsSupport",
                 DryRun=True)
    # nothing changed
    assert _ids(ec2.describe_vpcs()) == {vpc}
    assert ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] \
        is False
    # DryRun=false is an ordinary call
    assert ec2.describe_vpcs(DryRun=False)["Vpcs"]


def test_create_vpc_tag_specification(ec2):
    r = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}, {"Key": "empty", "Value": ""}]}])
    v = r["Vpc"]
    assert {t["Key"]: t["Value"] for t in v.get("Tags", [])} == {"Name": "main", "empty": ""}
    d = ec2.describe_vpcs(VpcIds=[v["VpcId"]])["Vpcs"][0]
    assert {t["Key"]: t["Value"] for t in d["Tags"]} == {"Name": "main", "empty": ""}
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [v["VpcId"]]}])["Tags"]
    assert {(t["ResourceType"], t["Key"]) for t in tags} == {("vpc", "Name"), ("vpc", "empty")}


def test_create_vpc_bad_tag_specification(ec2):
    expect_error(ec2.create_vpc, "InvalidParameterValue", CidrBlock="10.0.0.0/16",
                 TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "a", "Value": "b"}]}])
    expect_error(ec2.create_vpc, "InvalidParameterValue", CidrBlock="10.0.0.0/16",
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "aws:x", "Value": "b"}]}])
    expect_error(ec2.create_vpc, "InvalidParameterValue", CidrBlock="10.0.0.0/16",
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "k" * 129, "Value": "b"}]}])
    # nothing half-made
    assert ec2.describe_vpcs()["Vpcs"] == []
