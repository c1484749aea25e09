"""DescribeNetworkInterfaces and ModifyNetworkInterfaceAttribute: the
primary interface every instance gets (its MAC, address, groups and
attachment), EC2's errors, filters, paging, and tenancy."""
import ipaddress
import re

import pytest

from bhlib import all_pages, call_outcome, expect_error, random_id

IMAGE = "ami-0b0e0e0e0e0e0e0e0"
MAC_RE = re.compile(r"^02(:[0-9a-f]{2}){5}$")


@pytest.fixture
def subnet(ec2, vpc):
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


def launch(ec2, count=1, **kw):
    return ec2.run_instances(ImageId=IMAGE, MinCount=count, MaxCount=count, **kw)["Instances"]


def enis(ec2, **kw):
    return ec2.describe_network_interfaces(**kw)["NetworkInterfaces"]


def eni(ec2, eni_id):
    [e] = enis(ec2, NetworkInterfaceIds=[eni_id])
    return e


def eni_of(instance):
    return instance["NetworkInterfaces"][0]["NetworkInterfaceId"]


def test_describe_primary_interface(tenant, vpc, subnet):
    ec2 = tenant.ec2
    i = launch(ec2, SubnetId=subnet)[0]
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]
    [e] = enis(ec2)
    assert e["NetworkInterfaceId"] == eni_of(i)
    assert re.match(r"^eni-[0-9a-f]{17}$", e["NetworkInterfaceId"])
    assert (e["SubnetId"], e["VpcId"]) == (subnet, vpc)
    assert e["AvailabilityZone"] == f"{tenant.server.region}a"
    assert e["InterfaceType"] == "interface"
    assert e["RequesterManaged"] is False
    assert e["Status"] == "in-use"
    assert e["OwnerId"] == tenant.account_id
    assert e["Description"] == ""
    assert MAC_RE.match(e["MacAddress"])
    assert e["PrivateIpAddress"] == i["PrivateIpAddress"] == "10.0.1.4"
    assert e["PrivateDnsName"] == f"ip-10-0-1-4.{tenant.server.region}.compute.internal"
    assert e["PrivateIpAddresses"][0]["Primary"] is True
    assert e["SourceDestCheck"] is True
    assert e["Groups"] == [{"GroupId": default["GroupId"], "GroupName": "default"}]
    att = e["Attachment"]
    assert att["InstanceId"] == i["InstanceId"]
    assert att["InstanceOwnerId"] == tenant.account_id
    assert att["DeviceIndex"] == 0 and att["Status"] == "attached" and att["DeleteOnTermination"] is True
    assert att["AttachmentId"] == i["NetworkInterfaces"][0]["Attachment"]["AttachmentId"]
    assert "Association" not in e
    assert e["TagSet"] == []


def test_macs_are_unicast_local_and_distinct(ec2, subnet):
    macs = [e["MacAddress"] for e in enis(ec2, NetworkInterfaceIds=[eni_of(i) for i in
                                                                   launch(ec2, 20, SubnetId=subnet)])]
    assert len(set(macs)) == 20
    for m in macs:
        first = int(m.split(":")[0], 16)
        assert first & 0x01 == 0, f"{m} is multicast"
        assert first & 0x02, f"{m} is not locally administered"


def test_public_network_interface(ec2):
    i = launch(ec2)[0]
    e = eni(ec2, eni_of(i))
    assert "SubnetId" not in e and "VpcId" not in e
    assert e["PrivateIpAddress"] == i["PublicIpAddress"]
    assert ipaddress.ip_address(e["PrivateIpAddress"]) in ipaddress.ip_network("198.51.100.0/24")
    assert e["Association"]["PublicIp"] == e["PrivateIpAddress"]
    assert e["Association"]["IpOwnerId"] == "amazon"


def test_describe_by_id_and_errors(ec2, subnet):
    ids = [eni_of(i) for i in launch(ec2, 3, SubnetId=subnet)]
    assert sorted(e["NetworkInterfaceId"] for e in enis(ec2, NetworkInterfaceIds=ids[:2])) == sorted(ids[:2])
    missing = random_id("eni")
    err = expect_error(ec2.describe_network_interfaces, "InvalidNetworkInterfaceID.NotFound",
                       NetworkInterfaceIds=[missing])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.describe_network_interfaces, "InvalidNetworkInterfaceID.NotFound",
                 NetworkInterfaceIds=[ids[0], missing])
    for bad in ("eni-xyz", "eni-", "i-0123456789abcdef0", "x", "eni-0123456789ABCDEF0"):
        expect_error(ec2.describe_network_interfaces, "InvalidNetworkInterfaceID.Malformed",
                     NetworkInterfaceIds=[bad])
    expect_error(ec2.describe_network_interfaces, "InvalidParameterCombination", NetworkInterfaceIds=ids[:1],
                 MaxResults=5)
    expect_error(ec2.describe_network_interfaces, "InvalidParameterValue",
                 Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_filters(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    sn2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    a = launch(ec2, SubnetId=subnet, SecurityGroupIds=[web], TagSpecifications=[
        {"ResourceType": "network-interface", "Tags": [{"Key": "role", "Value": "front"}]}])[0]
    b = launch(ec2, SubnetId=sn2)[0]
    p = launch(ec2)[0]
    A, B, P = eni_of(a), eni_of(b), eni_of(p)
    ea = eni(ec2, A)
    ec2.modify_network_interface_attribute(NetworkInterfaceId=B, Description={"Value": "backend nic"})

    def ids(*filters):
        return sorted(e["NetworkInterfaceId"] for e in
                      enis(ec2, Filters=[{"Name": n, "Values": v} for n, v in filters]))

    assert ids(("network-interface-id", [A, P])) == sorted([A, P])
    assert ids(("subnet-id", [subnet])) == [A]
    assert ids(("vpc-id", [vpc])) == sorted([A, B])
    assert ids(("private-ip-address", ["10.0.2.4"])) == [B]
    assert ids(("addresses.private-ip-address", ["10.0.1.*"])) == [A]
    assert ids(("mac-address", [ea["MacAddress"]])) == [A]
    assert ids(("attachment.instance-id", [b["InstanceId"]])) == [B]
    assert ids(("group-id", [web])) == [A]
    assert ids(("group-name", ["default"])) == sorted([B, P])
    assert ids(("status", ["in-use"])) == sorted([A, B, P])
    assert ids(("status", ["available"])) == []
    assert ids(("tag:role", ["front"])) == [A]
    assert ids(("tag-key", ["role"])) == [A]
    assert ids(("description", ["backend*"])) == [B]
    assert ids(("association.public-ip", [p["PublicIpAddress"]])) == [P]
    assert ids(("source-dest-check", ["true"])) == sorted([A, B, P])
    assert ids(("subnet-id", [subnet]), ("group-id", [web, "sg-00000000000000000"])) == [A]


def test_paging(tenant, subnet):
    ec2 = tenant.ec2
    want = sorted(eni_of(i) for i in launch(ec2, 7, SubnetId=subnet))
    items, pages = all_pages(ec2.describe_network_interfaces, "NetworkInterfaces", 5)
    assert pages == 2
    assert [e["NetworkInterfaceId"] for e in items] == want
    for bad in (4, 1001):
        expect_error(tenant.ec2_raw.describe_network_interfaces, "InvalidParameterValue", MaxResults=bad)
    expect_error(ec2.describe_network_interfaces, "InvalidNextToken", NextToken="not-hex")


def test_deleted_with_its_instance(ec2, subnet):
    i = launch(ec2, SubnetId=subnet)[0]
    ec2.create_tags(Resources=[eni_of(i)], Tags=[{"Key": "a", "Value": "b"}])
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    assert enis(ec2) == []
    expect_error(ec2.describe_network_interfaces, "InvalidNetworkInterfaceID.NotFound",
                 NetworkInterfaceIds=[eni_of(i)])
    expect_error(ec2.create_tags, "InvalidNetworkInterfaceID.NotFound", Resources=[eni_of(i)],
                 Tags=[{"Key": "a", "Value": "b"}])
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [eni_of(i)]}])["Tags"] == []


def test_tags(ec2, subnet):
    e = eni_of(launch(ec2, SubnetId=subnet)[0])
    ec2.create_tags(Resources=[e], Tags=[{"Key": "Name", "Value": "nic0"}])
    assert eni(ec2, e)["TagSet"] == [{"Key": "Name", "Value": "nic0"}]
    [t] = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [e]}])["Tags"]
    assert t["ResourceType"] == "network-interface"
    ec2.delete_tags(Resources=[e])
    assert eni(ec2, e)["TagSet"] == []


# --------------------------------------------------------------------------
# ModifyNetworkInterfaceAttribute


def test_modify_groups(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    i = launch(ec2, SubnetId=subnet)[0]
    e = eni_of(i)
    ec2.modify_network_interface_attribute(NetworkInterfaceId=e, Groups=[db, web])
    assert [g["GroupId"] for g in eni(ec2, e)["Groups"]] == [db, web]
    # the instance shows the interface's groups
    inst = ec2.describe_instances(InstanceIds=[i["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert [g["GroupId"] for g in inst["SecurityGroups"]] == [db, web]
    expect_error(ec2.modify_network_interface_attribute, "InvalidGroup.NotFound", NetworkInterfaceId=e,
                 Groups=[random_id("sg")])
    expect_error(ec2.modify_network_interface_attribute, "InvalidGroupId.Malformed", NetworkInterfaceId=e,
                 Groups=["sg-x"])
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_security_group(GroupName="web", Description="web", VpcId=other_vpc)["GroupId"]
    expect_error(ec2.modify_network_interface_attribute, "InvalidParameter", NetworkInterfaceId=e, Groups=[other])
    many = [ec2.create_security_group(GroupName=f"g{n}", Description="g", VpcId=vpc)["GroupId"] for n in range(6)]
    expect_error(ec2.modify_network_interface_attribute, "SecurityGroupsPerInterfaceLimitExceeded",
                 NetworkInterfaceId=e, Groups=many)
    # a refused change changes nothing
    assert [g["GroupId"] for g in eni(ec2, e)["Groups"]] == [db, web]


def test_modify_public_network_groups(ec2, vpc):
    pub = ec2.create_security_group(GroupName="pub", Description="pub")["GroupId"]
    vgrp = ec2.create_security_group(GroupName="v", Description="v", VpcId=vpc)["GroupId"]
    e = eni_of(launch(ec2)[0])
    ec2.modify_network_interface_attribute(NetworkInterfaceId=e, Groups=[pub])
    assert [g["GroupId"] for g in eni(ec2, e)["Groups"]] == [pub]
    expect_error(ec2.modify_network_interface_attribute, "InvalidParameter", NetworkInterfaceId=e, Groups=[vgrp])


def test_modify_source_dest_check_and_description(ec2, subnet):
    i = launch(ec2, SubnetId=subnet)[0]
    e = eni_of(i)
    ec2.modify_network_interface_attribute(NetworkInterfaceId=e, SourceDestCheck={"Value": False})
    assert eni(ec2, e)["SourceDestCheck"] is False
    inst = ec2.describe_instances(InstanceIds=[i["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert inst["SourceDestCheck"] is False
    ec2.modify_network_interface_attribute(NetworkInterfaceId=e, Description={"Value": "router <&> nic"})
    got = eni(ec2, e)
    assert got["Description"] == "router <&> nic"
    assert got["SourceDestCheck"] is False
    expect_error(ec2.modify_network_interface_attribute, "InvalidParameterValue", NetworkInterfaceId=e,
                 Description={"Value": "d" * 256})


def test_modify_errors(tenant, subnet):
    ec2 = tenant.ec2
    e = eni_of(launch(ec2, SubnetId=subnet)[0])
    expect_error(ec2.modify_network_interface_attribute, "MissingParameter", NetworkInterfaceId=e)
    expect_error(ec2.modify_network_interface_attribute, "InvalidParameterCombination", NetworkInterfaceId=e,
                 SourceDestCheck={"Value": False}, Description={"Value": "x"})
    missing = random_id("eni")
    err = expect_error(ec2.modify_network_interface_attribute, "InvalidNetworkInterfaceID.NotFound",
                       NetworkInterfaceId=missing, SourceDestCheck={"Value": False})
    assert missing in err["Error"]["Message"]
    expect_error(ec2.modify_network_interface_attribute, "InvalidNetworkInterfaceID.Malformed",
                 NetworkInterfaceId="eni-x", SourceDestCheck={"Value": False})
    expect_error(tenant.ec2_raw.modify_network_interface_attribute, "MissingParameter",
                 SourceDestCheck={"Value": False})
    # the primary interface always goes with its instance
    att = eni(ec2, e)["Attachment"]["AttachmentId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=e, Attachment={"AttachmentId": att,
                                                                            "DeleteOnTermination": True})
    expect_error(ec2.modify_network_interface_attribute, "InvalidParameterValue", NetworkInterfaceId=e,
                 Attachment={"AttachmentId": att, "DeleteOnTermination": False})
    expect_error(ec2.modify_network_interface_attribute, "InvalidAttachmentID.NotFound", NetworkInterfaceId=e,
                 Attachment={"AttachmentId": "eni-attach-00000000000000000", "DeleteOnTermination": True})
    expect_error(ec2.modify_network_interface_attribute, "DryRunOperation", status=412, NetworkInterfaceId=e,
                 SourceDestCheck={"Value": False}, DryRun=True)
    assert eni(ec2, e)["SourceDestCheck"] is True


def _shape(outcome, given):
    if outcome[0] == "ok":
        return ("ok",)
    _, code, msg, status = outcome
    return ("error", code, msg.replace(given, "<id>"), status)


def test_other_tenants_interfaces_look_missing(make_tenant):
    a, b = make_tenant(), make_tenant()
    bv = b.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    bs = b.ec2.create_subnet(VpcId=bv, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    theirs = eni_of(launch(b.ec2, SubnetId=bs)[0])
    a_vpc = a.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a_grp = a.ec2.create_security_group(GroupName="a", Description="a", VpcId=a_vpc)["GroupId"]
    missing = random_id("eni")
    before = enis(b.ec2)
    calls = [
        lambda e, i: e.describe_network_interfaces(NetworkInterfaceIds=[i]),
        lambda e, i: e.modify_network_interface_attribute(NetworkInterfaceId=i, SourceDestCheck={"Value": False}),
        lambda e, i: e.modify_network_interface_attribute(NetworkInterfaceId=i, Description={"Value": "x"}),
        lambda e, i: e.modify_network_interface_attribute(NetworkInterfaceId=i, Groups=[a_grp]),
        lambda e, i: e.create_tags(Resources=[i], Tags=[{"Key": "x", "Value": "y"}]),
    ]
    for call in calls:
        got_theirs = _shape(call_outcome(lambda: call(a.ec2, theirs)), theirs)
        got_missing = _shape(call_outcome(lambda: call(a.ec2, missing)), missing)
        assert got_theirs == got_missing
        assert got_missing[1] == "InvalidNetworkInterfaceID.NotFound"
    assert enis(a.ec2) == []
    assert enis(a.ec2, Filters=[{"Name": "network-interface-id", "Values": [theirs]}]) == []
    assert enis(a.ec2, Filters=[{"Name": "private-ip-address", "Values": ["10.0.1.4"]}]) == []
    assert enis(b.ec2) == before
