"""CreateSubnet, DescribeSubnets, DeleteSubnet, ModifySubnetAttribute:
ranges, conflicts, reserved addresses, zones, filters, paging, DryRun."""
import pytest

from bhlib import all_pages, assert_id, expect_error, random_id


def test_create_subnet(tenant, vpc, server):
    ec2 = tenant.ec2
    s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{server.region}b")["Subnet"]
    assert_id(s["SubnetId"], "subnet")
    assert s["VpcId"] == vpc
    assert s["CidrBlock"] == "10.0.1.0/24"
    assert s["AvailabilityZone"] == f"{server.region}b"
    assert s["AvailableIpAddressCount"] == 251
    assert s["State"] in ("pending", "available")
    assert s["MapPublicIpOnLaunch"] is False
    assert s.get("OwnerId", tenant.account_id) == tenant.account_id
    d = ec2.describe_subnets(SubnetIds=[s["SubnetId"]])["Subnets"]
    assert len(d) == 1
    d = d[0]
    for k in ("SubnetId", "VpcId", "CidrBlock", "AvailabilityZone", "AvailableIpAddressCount", "MapPublicIpOnLaunch"):
        assert d[k] == s[k], k
    assert d["State"] == "available"
    assert d["OwnerId"] == tenant.account_id
    assert d["DefaultForAz"] is False


def test_subnet_zone_defaults_to_one_of_the_region(ec2, vpc, server):
    s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]
    assert s["AvailabilityZone"] in (f"{server.region}a", f"{server.region}b")


@pytest.mark.parametrize("cidr,free", [("10.0.0.0/16", 65531), ("10.0.0.0/20", 4091), ("10.0.0.0/24", 251),
                                       ("10.0.0.0/27", 27), ("10.0.0.16/28", 11)])
def test_available_ip_address_count(ec2, vpc, cidr, free):
    assert ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["AvailableIpAddressCount"] == free


@pytest.mark.parametrize("cidr", ["10.1.0.0/24", "10.0.0.0/15", "10.0.0.0/29", "10.0.0.0/30", "192.168.0.0/24",
                                  "9.255.255.240/28", "10.0.0.0/8"])
def test_subnet_outside_vpc_or_size(ec2, vpc, cidr):
    expect_error(ec2.create_subnet, "InvalidSubnet.Range", VpcId=vpc, CidrBlock=cidr)
    assert ec2.describe_subnets()["Subnets"] == []


@pytest.mark.parametrize("cidr", ["10.0.1.0", "10.0.1.0/33", "10.0.1.300/24", "bogus", "2001:db8::/64",
                                  "10.0.1.0/2x"])
def test_subnet_malformed_cidr(ec2, vpc, cidr):
    expect_error(ec2.create_subnet, "InvalidParameterValue", VpcId=vpc, CidrBlock=cidr)


@pytest.mark.parametrize("second", ["10.0.1.0/24", "10.0.1.128/25", "10.0.0.0/23", "10.0.0.0/16", "10.0.1.240/28"])
def test_subnet_conflict(ec2, vpc, second):
    first = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    expect_error(ec2.create_subnet, "InvalidSubnet.Conflict", VpcId=vpc, CidrBlock=second)
    assert [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]] == [first]


def test_adjacent_subnets_and_other_vpcs_do_not_conflict(ec2, vpc):
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/28")
    other = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=other, CidrBlock="10.0.1.0/24")
    assert len(ec2.describe_subnets()["Subnets"]) == 4


def test_subnet_whole_vpc_then_conflict(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/28")["Vpc"]["VpcId"]
    assert ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/28")["Subnet"]["AvailableIpAddressCount"] == 11
    expect_error(ec2.create_subnet, "InvalidSubnet.Conflict", VpcId=vpc, CidrBlock="10.0.0.0/28")


def test_subnet_in_unknown_vpc(ec2):
    missing = random_id("vpc")
    err = expect_error(ec2.create_subnet, "InvalidVpcID.NotFound", VpcId=missing, CidrBlock="10.0.1.0/24")
    assert missing in err["Error"]["Message"]
    expect_error(ec2.create_subnet, "InvalidVpcID.Malformed", VpcId="vpc-123", CidrBlock="10.0.1.0/24")


def test_subnet_bad_zone(ec2, vpc):
    expect_error(ec2.create_subnet, "InvalidParameterValue", VpcId=vpc, CidrBlock="10.0.1.0/24",
                 AvailabilityZone="us-east-1a")
    expect_error(ec2.create_subnet, "InvalidParameterValue", VpcId=vpc, CidrBlock="10.0.1.0/24",
                 AvailabilityZone="bulkhead-1z")
    assert ec2.describe_subnets()["Subnets"] == []


def test_describe_subnets_errors(ec2):
    missing = random_id("subnet")
    err = expect_error(ec2.describe_subnets, "InvalidSubnetID.NotFound", SubnetIds=[missing])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.describe_subnets, "InvalidSubnetID.Malformed", SubnetIds=["subnet-xyz"])
    expect_error(ec2.describe_subnets, "InvalidSubnetID.Malformed", SubnetIds=[random_id("vpc")])


def test_delete_subnet(ec2, vpc):
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    ec2.delete_subnet(SubnetId=a)
    assert [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]] == [b]
    expect_error(ec2.describe_subnets, "InvalidSubnetID.NotFound", SubnetIds=[a])
    err = expect_error(ec2.delete_subnet, "InvalidSubnetID.NotFound", SubnetId=a)
    assert a in err["Error"]["Message"]
    expect_error(ec2.delete_subnet, "InvalidSubnetID.Malformed", SubnetId="subnet-!")
    # the range is free again
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")


def test_modify_subnet_attribute(ec2, vpc):
    s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=s, MapPublicIpOnLaunch={"Value": True})
    assert ec2.describe_subnets(SubnetIds=[s])["Subnets"][0]["MapPublicIpOnLaunch"] is True
    ec2.modify_subnet_attribute(SubnetId=s, MapPublicIpOnLaunch={"Value": False})
    assert ec2.describe_subnets(SubnetIds=[s])["Subnets"][0]["MapPublicIpOnLaunch"] is False
    missing = random_id("subnet")
    expect_error(ec2.modify_subnet_attribute, "InvalidSubnetID.NotFound", SubnetId=missing,
                 MapPublicIpOnLaunch={"Value": True})
    expect_error(ec2.modify_subnet_attribute, "InvalidSubnetID.Malformed", SubnetId="subnet-q",
                 MapPublicIpOnLaunch={"Value": True})


def _subnets(ec2, server):
    v1 = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    v2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    specs = [(v1, "10.0.1.0/24", "a", "web"), (v1, "10.0.2.0/24", "b", "web"), (v1, "10.0.3.0/28", "a", "db"),
             (v2, "10.1.1.0/24", "b", "web")]
    ids = []
    for v, cidr, az, tier in specs:
        ids.append(ec2.create_subnet(VpcId=v, CidrBlock=cidr, AvailabilityZone=server.region + az,
                                     TagSpecifications=[{"ResourceType": "subnet",
                                                         "Tags": [{"Key": "tier", "Value": tier}]}]
                                     )["Subnet"]["SubnetId"])
    return v1, v2, ids


def test_describe_subnets_filters(tenant, server):
    ec2 = tenant.ec2
    v1, v2, ids = _subnets(ec2, server)

    def f(name, values, **kw):
        return [s["SubnetId"] for s in
                ec2.describe_subnets(Filters=[{"Name": name, "Values": values}], **kw)["Subnets"]]

    assert sorted(f("vpc-id", [v1])) == sorted(ids[:3])
    assert sorted(f("vpc-id", [v1, v2])) == sorted(ids)
    assert f("subnet-id", [ids[2]]) == [ids[2]]
    assert f("cidr-block", ["10.0.2.0/24"]) == [ids[1]]
    assert f("cidr-block", ["10.0.*"]) and sorted(f("cidr-block", ["10.0.*"])) == sorted(ids[:3])
    assert sorted(f("availability-zone", [server.region + "a"])) == sorted([ids[0], ids[2]])
    assert sorted(f("state", ["available"])) == sorted(ids)
    assert sorted(f("owner-id", [tenant.account_id])) == sorted(ids)
    assert f("available-ip-address-count", ["11"]) == [ids[2]]
    assert sorted(f("map-public-ip-on-launch", ["false"])) == sorted(ids)
    assert sorted(f("default-for-az", ["false"])) == sorted(ids)
    assert sorted(f("tag:tier", ["web"])) == sorted([ids[0], ids[1], ids[3]])
    assert sorted(f("tag:tier", ["w*"])) == sorted([ids[0], ids[1], ids[3]])
    assert f("tag-value", ["db"]) == [ids[2]]
    assert f("tag:tier", ["web"], SubnetIds=[ids[2], ids[3]]) == [ids[3]]
    r = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [v1]}, {"Name": "tag:tier", "Values": ["web"]}])
    assert sorted(s["SubnetId"] for s in r["Subnets"]) == sorted(ids[:2])
    s = ec2.describe_subnets(SubnetIds=[ids[0]])["Subnets"][0]
    assert s["Tags"] == [{"Key": "tier", "Value": "web"}]
    expect_error(ec2.describe_subnets, "InvalidParameterValue", Filters=[{"Name": "flavour", "Values": ["x"]}])


def test_describe_subnets_paging(tenant, vpc):
    ec2 = tenant.ec2
    made = {ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"] for i in range(11)}
    unpaged = {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    assert unpaged == made
    for size in (5, 7, 11):
        items, _ = all_pages(ec2.describe_subnets, "Subnets", size)
        ids = [s["SubnetId"] for s in items]
        assert len(ids) == len(set(ids))
        assert set(ids) == made
    items, _ = all_pages(ec2.describe_subnets, "Subnets", 5,
                         Filters=[{"Name": "cidr-block", "Values": ["10.0.1*"]}])
    assert len(items) == 2  # 10.0.1.0 and 10.0.10.0
    expect_error(tenant.ec2_raw.describe_subnets, "InvalidParameterValue", MaxResults=4)


def test_subnet_dry_run(ec2, vpc):
    s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    expect_error(ec2.create_subnet, "DryRunOperation", 412, VpcId=vpc, CidrBlock="10.0.2.0/24", DryRun=True)
    expect_error(ec2.delete_subnet, "DryRunOperation", 412, SubnetId=s, DryRun=True)
    expect_error(ec2.describe_subnets, "DryRunOperation", 412, DryRun=True)
    assert [x["SubnetId"] for x in ec2.describe_subnets()["Subnets"]] == [s]


def test_subnet_tag_specification(ec2, vpc):
    s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "public-a"}]}])["Subnet"]
    assert s.get("Tags") == [{"Key": "Name", "Value": "public-a"}]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [s["SubnetId"]]}])["Tags"]
    assert [(t["ResourceType"], t["Key"], t["Value"]) for t in tags] == [("subnet", "Name", "public-a")]
    expect_error(ec2.create_subnet, "InvalidParameterValue", VpcId=vpc, CidrBlock="10.0.2.0/24",
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert len(ec2.describe_subnets()["Subnets"]) == 1
