"""DescribeImages, RunInstances, DescribeInstances, TerminateInstances,
StopInstances, StartInstances, ModifyInstanceAttribute: success paths,
EC2's errors, address allocation (never a reserved address, never twice,
AvailableIpAddressCount follows), the shared public network, filters,
paging, ClientToken, tags on launch, DryRun and tenancy. No agent runs
here: where a test needs a settled state (running, stopped, terminated)
it writes it into the store as the agent would."""
import ipaddress
import json
import os
import re
import shutil
import sqlite3
import subprocess

import pytest

from bhlib import all_pages, call_outcome, expect_error, random_id, signed_post

IMAGE = "ami-0b0e0e0e0e0e0e0e0"
PUBLIC_NET = ipaddress.ip_network("198.51.100.0/24")
EIP_POOL = ipaddress.ip_network("203.0.113.128/25")
STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
MAC_RE = re.compile(r"^02(:[0-9a-f]{2}){5}$")
ISO_MS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
AWS = "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else shutil.which("aws")


def agent_sets_state(server, instance_id, state):
    """What the agent reports once the kernel matches (no agent runs in
    the API suite)."""
    db = sqlite3.connect(server.db_path, timeout=30)
    try:
        with db:
            n = db.execute("UPDATE instances SET state = ? WHERE id = ?", (state, instance_id)).rowcount
        assert n == 1
    finally:
        db.close()


def assert_prefixed_id(value, prefix):
    assert re.match(rf"^{prefix}-[0-9a-f]{{17}}$", value or ""), f"{value!r} is not a {prefix}- id"


@pytest.fixture
def subnet(ec2, vpc):
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


def run(ec2, count=1, **kw):
    kw.setdefault("ImageId", IMAGE)
    r = ec2.run_instances(MinCount=kw.pop("MinCount", count), MaxCount=kw.pop("MaxCount", count), **kw)
    return r


def instances(ec2, **kw):
    return [i for res in ec2.describe_instances(**kw)["Reservations"] for i in res["Instances"]]


def instance(ec2, iid):
    got = instances(ec2, InstanceIds=[iid])
    assert len(got) == 1
    return got[0]


def available_ips(ec2, subnet_id):
    return ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]


def default_group(ec2, vpc_id):
    return ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                 {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]


# --------------------------------------------------------------------------
# DescribeImages


def test_describe_images_lists_the_built_in_image(ec2):
    images = ec2.describe_images()["Images"]
    assert len(images) == 1
    img = images[0]
    assert img["ImageId"] == IMAGE
    assert img["Name"] == "bulkhead-netns"
    assert img["Description"] == "instance as a network namespace"
    assert (img["Architecture"], img["RootDeviceType"], img["VirtualizationType"]) == ("x86_64", "ebs", "hvm")
    assert img["State"] == "available"
    assert img["Public"] is True
    assert img["OwnerId"] == "000000000000"
    assert ec2.describe_images(ImageIds=[IMAGE])["Images"][0]["ImageId"] == IMAGE


@pytest.mark.parametrize("owners,found", [(["amazon"], True), (["000000000000"], True), (["bulkhead"], True),
                                          (["self"], False), (["123456789012"], False),
                                          (["self", "amazon"], True)])
def test_describe_images_owners(ec2, owners, found):
    assert len(ec2.describe_images(Owners=owners)["Images"]) == (1 if found else 0)


@pytest.mark.parametrize("name,value,found", [
    ("name", "bulkhead-netns", True), ("name", "bulkhead-*", True), ("name", "ubuntu*", False),
    ("image-id", IMAGE, True), ("image-id", "ami-00000000000000000", False), ("state", "available", True),
    ("state", "pending", False), ("architecture", "x86_64", True), ("architecture", "arm64", False),
])
def test_describe_images_filters(ec2, name, value, found):
    got = ec2.describe_images(Filters=[{"Name": name, "Values": [value]}])["Images"]
    assert len(got) == (1 if found else 0)


def test_describe_images_errors(ec2):
    missing = random_id("ami")
    err = expect_error(ec2.describe_images, "InvalidAMIID.NotFound", ImageIds=[missing])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.describe_images, "InvalidAMIID.NotFound", ImageIds=[IMAGE, missing])
    for bad in ("ami-xyz", "ami-", "vpc-0123456789abcdef0", "x"):
        expect_error(ec2.describe_images, "InvalidAMIID.Malformed", ImageIds=[bad])
    expect_error(ec2.describe_images, "InvalidParameterValue", Filters=[{"Name": "bogus", "Values": ["x"]}])


# --------------------------------------------------------------------------
# RunInstances in a subnet


def test_run_instance_in_a_subnet(tenant, vpc, subnet):
    ec2 = tenant.ec2
    r = run(ec2, SubnetId=subnet)
    assert_prefixed_id(r["ReservationId"], "r")
    assert r["OwnerId"] == tenant.account_id
    assert len(r["Instances"]) == 1
    i = r["Instances"][0]
    assert_prefixed_id(i["InstanceId"], "i")
    assert i["ImageId"] == IMAGE
    assert i["State"] == {"Code": 0, "Name": "pending"}
    assert i["InstanceType"] == "t3.micro"
    assert i["SubnetId"] == subnet and i["VpcId"] == vpc
    # the lowest address EC2 hands out: .0-.3 are reserved
    assert i["PrivateIpAddress"] == "10.0.1.4"
    assert i["PrivateDnsName"] == f"ip-10-0-1-4.{tenant.server.region}.compute.internal"
    assert "PublicIpAddress" not in i
    assert i["AmiLaunchIndex"] == 0
    assert i["Placement"]["AvailabilityZone"] == f"{tenant.server.region}a"
    assert i["Placement"]["Tenancy"] == "default"
    assert i["Monitoring"]["State"] == "disabled"
    assert i["Architecture"] == "x86_64" and i["RootDeviceType"] == "ebs"
    assert i["SourceDestCheck"] is True
    assert i["LaunchTime"].tzinfo is not None
    default = default_group(ec2, vpc)
    assert i["SecurityGroups"] == [{"GroupId": default["GroupId"], "GroupName": "default"}]
    [eni] = i["NetworkInterfaces"]
    assert_prefixed_id(eni["NetworkInterfaceId"], "eni")
    assert MAC_RE.match(eni["MacAddress"])
    assert eni["PrivateIpAddress"] == "10.0.1.4"
    assert eni["SubnetId"] == subnet and eni["VpcId"] == vpc
    assert eni["OwnerId"] == tenant.account_id
    assert eni["Status"] == "in-use"
    assert eni["SourceDestCheck"] is True
    assert eni["Groups"] == i["SecurityGroups"]
    assert eni["Attachment"]["DeviceIndex"] == 0
    assert eni["Attachment"]["Status"] == "attached"
    assert eni["Attachment"]["DeleteOnTermination"] is True
    assert eni["Attachment"]["AttachmentId"].startswith("eni-attach-")
    assert eni["PrivateIpAddresses"] == [{"Primary": True, "PrivateIpAddress": "10.0.1.4",
                                          "PrivateDnsName": i["PrivateDnsName"]}]
    assert "Association" not in eni
    # described the same way
    d = instance(ec2, i["InstanceId"])
    for k in ("InstanceId", "State", "PrivateIpAddress", "SubnetId", "VpcId", "SecurityGroups", "LaunchTime"):
        assert d[k] == i[k]


def test_launch_time_has_milliseconds(server, tenant, subnet):
    iid = run(tenant.ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    resp = signed_post(server, tenant.creds, {"Action": "DescribeInstances", "Version": "2016-11-15",
                                              "InstanceId.1": iid})
    assert resp.status == 200
    m = re.search(rb"<launchTime>([^<]+)</launchTime>", resp.body)
    assert m and ISO_MS_RE.match(m.group(1).decode()), resp.body[:500]


def test_count_gives_distinct_unreserved_addresses(ec2, vpc):
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/28")["Subnet"]["SubnetId"]
    assert available_ips(ec2, sn) == 11
    # MaxCount above what the subnet holds launches what fits
    r = run(ec2, SubnetId=sn, MinCount=1, MaxCount=15)
    ips = [i["PrivateIpAddress"] for i in r["Instances"]]
    assert len(ips) == 11
    assert sorted(ips, key=ipaddress.ip_address) == [f"10.0.2.{n}" for n in range(4, 15)]
    assert sorted(i["AmiLaunchIndex"] for i in r["Instances"]) == list(range(11))
    assert len({i["NetworkInterfaces"][0]["MacAddress"] for i in r["Instances"]}) == 11
    assert available_ips(ec2, sn) == 0
    err = expect_error(run, "InsufficientFreeAddressesInSubnet", ec2=ec2, SubnetId=sn)
    assert sn in err["Error"]["Message"]


def test_min_count_above_free_addresses(ec2, vpc):
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/28")["Subnet"]["SubnetId"]
    expect_error(run, "InsufficientFreeAddressesInSubnet", ec2=ec2, SubnetId=sn, MinCount=12, MaxCount=12)
    assert instances(ec2) == []
    assert available_ips(ec2, sn) == 11


def test_available_ip_count_drops_and_recovers(ec2, subnet):
    assert available_ips(ec2, subnet) == 251
    ids = [i["InstanceId"] for i in run(ec2, 3, SubnetId=subnet)["Instances"]]
    assert available_ips(ec2, subnet) == 248
    ec2.terminate_instances(InstanceIds=ids[:1])
    assert available_ips(ec2, subnet) == 249
    # the freed address is the lowest free one again
    freed = {i["InstanceId"]: i for i in instances(ec2)}
    again = run(ec2, SubnetId=subnet)["Instances"][0]["PrivateIpAddress"]
    assert again == "10.0.1.4"
    assert freed[ids[1]]["PrivateIpAddress"] != again


def test_requested_private_ip(ec2, subnet):
    i = run(ec2, SubnetId=subnet, PrivateIpAddress="10.0.1.77")["Instances"][0]
    assert i["PrivateIpAddress"] == "10.0.1.77"
    err = expect_error(run, "InvalidIPAddress.InUse", ec2=ec2, SubnetId=subnet, PrivateIpAddress="10.0.1.77")
    assert "10.0.1.77" in err["Error"]["Message"]
    # the next automatic one is still the lowest free
    assert run(ec2, SubnetId=subnet)["Instances"][0]["PrivateIpAddress"] == "10.0.1.4"


@pytest.mark.parametrize("ip", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"])
def test_requested_private_ip_reserved(ec2, subnet, ip):
    expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet, PrivateIpAddress=ip)
    assert instances(ec2) == []


@pytest.mark.parametrize("ip", ["10.0.2.4", "192.168.0.10", "10.0.1", "10.0.1.300", "x", "10.0.1.4/32"])
def test_requested_private_ip_invalid(ec2, subnet, ip):
    expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet, PrivateIpAddress=ip)


def test_requested_private_ip_only_for_one_instance(ec2, subnet):
    expect_error(run, "InvalidParameterCombination", ec2=ec2, SubnetId=subnet, PrivateIpAddress="10.0.1.9",
                 MinCount=1, MaxCount=2)


def test_run_errors(tenant, vpc, subnet):
    ec2, raw = tenant.ec2, tenant.ec2_raw
    expect_error(raw.run_instances, "MissingParameter", MinCount=1, MaxCount=1)
    expect_error(raw.run_instances, "MissingParameter", ImageId=IMAGE, MaxCount=1)
    expect_error(raw.run_instances, "MissingParameter", ImageId=IMAGE, MinCount=1)
    err = expect_error(run, "InvalidAMIID.NotFound", ec2=ec2, ImageId="ami-00000000000000001", SubnetId=subnet)
    assert "ami-00000000000000001" in err["Error"]["Message"]
    expect_error(run, "InvalidAMIID.Malformed", ec2=ec2, ImageId="ami-xyz", SubnetId=subnet)
    expect_error(run, "InvalidAMIID.Malformed", ec2=ec2, ImageId="vpc-0123456789abcdef0", SubnetId=subnet)
    expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet, MinCount=2, MaxCount=1)
    expect_error(raw.run_instances, "InvalidParameterValue", ImageId=IMAGE, MinCount=0, MaxCount=1)
    expect_error(raw.run_instances, "InvalidParameterValue", ImageId=IMAGE, MinCount=-1, MaxCount=1)
    for t in ("t3", "x9.large", "t3.", "t3.Micro", "m5.large;", "t3.micro.x"):
        expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet, InstanceType=t)
    missing = random_id("subnet")
    err = expect_error(run, "InvalidSubnetID.NotFound", ec2=ec2, SubnetId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(run, "InvalidSubnetID.Malformed", ec2=ec2, SubnetId="subnet-xyz")
    expect_error(run, "InvalidGroup.NotFound", ec2=ec2, SubnetId=subnet, SecurityGroupIds=[random_id("sg")])
    expect_error(run, "InvalidGroupId.Malformed", ec2=ec2, SubnetId=subnet, SecurityGroupIds=["sg-nope"])
    expect_error(run, "InvalidGroup.NotFound", ec2=ec2, SubnetId=subnet, SecurityGroups=["nope"])
    expect_error(run, "InvalidKeyPair.NotFound", ec2=ec2, SubnetId=subnet, KeyName="mykey")
    expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet,
                 Placement={"AvailabilityZone": f"{tenant.server.region}b"})
    expect_error(run, "InvalidParameterValue", ec2=ec2, Placement={"AvailabilityZone": "nowhere-1a"})
    # nothing was launched by any of them
    assert instances(ec2) == []
    assert available_ips(ec2, subnet) == 251


@pytest.mark.parametrize("itype", ["t3.micro", "t3.nano", "t2.micro", "t3a.large", "m5.large", "m5.2xlarge"])
def test_instance_types(ec2, subnet, itype):
    assert run(ec2, SubnetId=subnet, InstanceType=itype)["Instances"][0]["InstanceType"] == itype


def test_groups_by_id_and_name(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    i = run(ec2, SubnetId=subnet, SecurityGroupIds=[web, db, web])["Instances"][0]
    assert [g["GroupId"] for g in i["SecurityGroups"]] == [web, db]
    assert [g["GroupName"] for g in i["SecurityGroups"]] == ["web", "db"]
    i = run(ec2, SubnetId=subnet, SecurityGroups=["db"])["Instances"][0]
    assert [g["GroupId"] for g in i["SecurityGroups"]] == [db]


def test_group_of_another_network(ec2, vpc, subnet):
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_security_group(GroupName="web", Description="web", VpcId=other_vpc)["GroupId"]
    expect_error(run, "InvalidParameter", ec2=ec2, SubnetId=subnet, SecurityGroupIds=[other])
    public = ec2.create_security_group(GroupName="pub", Description="public network")["GroupId"]
    expect_error(run, "InvalidParameter", ec2=ec2, SubnetId=subnet, SecurityGroupIds=[public])
    # by name, only the subnet's VPC is searched
    expect_error(run, "InvalidGroup.NotFound", ec2=ec2, SubnetId=subnet, SecurityGroups=["pub"])
    assert instances(ec2) == []


def test_too_many_groups(ec2, vpc, subnet):
    ids = [ec2.create_security_group(GroupName=f"g{n}", Description="g", VpcId=vpc)["GroupId"] for n in range(6)]
    expect_error(run, "SecurityGroupsPerInterfaceLimitExceeded", ec2=ec2, SubnetId=subnet, SecurityGroupIds=ids)
    assert len(run(ec2, SubnetId=subnet, SecurityGroupIds=ids[:5])["Instances"][0]["SecurityGroups"]) == 5


def test_network_interface_spec(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    i = run(ec2, NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web],
                                     "PrivateIpAddress": "10.0.1.50", "AssociatePublicIpAddress": True,
                                     "Description": "primary"}])["Instances"][0]
    assert i["SubnetId"] == subnet
    assert i["PrivateIpAddress"] == "10.0.1.50"
    assert [g["GroupId"] for g in i["SecurityGroups"]] == [web]
    assert ipaddress.ip_address(i["PublicIpAddress"]) in EIP_POOL
    assert i["NetworkInterfaces"][0]["Description"] == "primary"
    expect_error(run, "InvalidParameterCombination", ec2=ec2, SubnetId=subnet,
                 NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet}])
    expect_error(run, "InvalidParameterValue", ec2=ec2,
                 NetworkInterfaces=[{"DeviceIndex": 1, "SubnetId": subnet}])
    expect_error(run, "InvalidParameterValue", ec2=ec2,
                 NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet},
                                    {"DeviceIndex": 1, "SubnetId": subnet}])
    expect_error(run, "InvalidParameterValue", ec2=ec2,
                 NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": random_id("eni")}])


def test_map_public_ip_on_launch(ec2, subnet):
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    r = run(ec2, 2, SubnetId=subnet)["Instances"]
    pubs = [i["PublicIpAddress"] for i in r]
    assert len(set(pubs)) == 2
    for i in r:
        addr = ipaddress.ip_address(i["PublicIpAddress"])
        assert addr in EIP_POOL and addr not in (EIP_POOL.network_address, EIP_POOL.broadcast_address)
        assoc = i["NetworkInterfaces"][0]["Association"]
        assert assoc["PublicIp"] == i["PublicIpAddress"]
        assert assoc["IpOwnerId"] == "amazon"
        assert ipaddress.ip_address(i["PrivateIpAddress"]) in ipaddress.ip_network("10.0.1.0/24")
    # opting out per launch
    i = run(ec2, NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet,
                                     "AssociatePublicIpAddress": False}])["Instances"][0]
    assert "PublicIpAddress" not in i
    # termination gives the address back
    ec2.terminate_instances(InstanceIds=[r[0]["InstanceId"]])
    assert "PublicIpAddress" not in instance(ec2, r[0]["InstanceId"])


def test_public_ips_unique_across_tenants(make_tenant):
    seen = set()
    for _ in range(2):
        t = make_tenant()
        v = t.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        sn = t.ec2.create_subnet(VpcId=v, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        t.ec2.modify_subnet_attribute(SubnetId=sn, MapPublicIpOnLaunch={"Value": True})
        for i in run(t.ec2, 3, SubnetId=sn)["Instances"]:
            assert i["PublicIpAddress"] not in seen
            seen.add(i["PublicIpAddress"])
        # the same private addresses in both tenants: they never meet
        assert instances(t.ec2)[0]["PrivateIpAddress"] in {"10.0.1.4", "10.0.1.5", "10.0.1.6"}


# --------------------------------------------------------------------------
# the shared public network


def test_public_network_launch(tenant):
    ec2 = tenant.ec2
    r = run(ec2, 2)
    for i in r["Instances"]:
        addr = ipaddress.ip_address(i["PublicIpAddress"])
        assert addr in PUBLIC_NET
        assert addr not in (PUBLIC_NET.network_address, PUBLIC_NET.network_address + 1,
                            PUBLIC_NET.broadcast_address)
        assert i["PrivateIpAddress"] == i["PublicIpAddress"]
        assert "SubnetId" not in i and "VpcId" not in i
        assert i["Placement"]["AvailabilityZone"] == f"{tenant.server.region}a"
        [eni] = i["NetworkInterfaces"]
        assert "SubnetId" not in eni and "VpcId" not in eni
        assert eni["Association"]["PublicIp"] == i["PublicIpAddress"]
    assert r["Instances"][0]["PublicIpAddress"] != r["Instances"][1]["PublicIpAddress"]
    # the account's public-network "default" group, made on first use, with
    # the rules of a VPC's default group
    [g] = [g for g in ec2.describe_security_groups()["SecurityGroups"] if "VpcId" not in g]
    assert g["GroupName"] == "default"
    assert all(i["SecurityGroups"] == [{"GroupId": g["GroupId"], "GroupName": "default"}] for i in r["Instances"])
    assert [p["UserIdGroupPairs"][0]["GroupId"] for p in g["IpPermissions"]] == [g["GroupId"]]
    assert g["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    # a second launch reuses it
    run(ec2)
    assert len([g for g in ec2.describe_security_groups()["SecurityGroups"] if "VpcId" not in g]) == 1
    expect_error(ec2.delete_security_group, "CannotDelete", GroupId=g["GroupId"])


def test_public_network_addresses_unique_across_tenants(make_tenant):
    seen = set()
    for _ in range(3):
        t = make_tenant()
        for i in run(t.ec2, 2)["Instances"]:
            assert i["PublicIpAddress"] not in seen
            seen.add(i["PublicIpAddress"])


def test_public_network_groups(ec2, vpc):
    pub = ec2.create_security_group(GroupName="web", Description="public web")["GroupId"]
    g = ec2.describe_security_groups(GroupIds=[pub])["SecurityGroups"][0]
    assert "VpcId" not in g
    # the same name may exist in a VPC too
    vweb = ec2.create_security_group(GroupName="web", Description="vpc web", VpcId=vpc)["GroupId"]
    expect_error(ec2.create_security_group, "InvalidGroup.Duplicate", GroupName="web", Description="again")
    expect_error(ec2.create_security_group, "InvalidGroup.Reserved", GroupName="default", Description="x")
    i = run(ec2, SecurityGroupIds=[pub])["Instances"][0]
    assert i["SecurityGroups"] == [{"GroupId": pub, "GroupName": "web"}]
    i = run(ec2, SecurityGroups=["web"])["Instances"][0]
    assert i["SecurityGroups"] == [{"GroupId": pub, "GroupName": "web"}]
    expect_error(run, "InvalidParameter", ec2=ec2, SecurityGroupIds=[vweb])
    expect_error(run, "InvalidParameterCombination", ec2=ec2, PrivateIpAddress="198.51.100.50")
    expect_error(run, "InvalidParameterCombination", ec2=ec2,
                 NetworkInterfaces=[{"DeviceIndex": 0, "AssociatePublicIpAddress": False}])
    # a group in use cannot go
    expect_error(ec2.delete_security_group, "DependencyViolation", GroupId=pub)


# --------------------------------------------------------------------------
# limits, idempotency, tags, DryRun


def test_instance_limits(ec2, vpc, subnet):
    expect_error(run, "InstanceLimitExceeded", ec2=ec2, SubnetId=subnet, MinCount=21, MaxCount=21)
    expect_error(run, "InstanceLimitExceeded", ec2=ec2, SubnetId=subnet, MinCount=5000, MaxCount=5000)
    # MaxCount above the per-request cap launches the cap
    assert len(run(ec2, SubnetId=subnet, MinCount=1, MaxCount=30)["Instances"]) == 20
    assert len(run(ec2, 20, SubnetId=subnet)["Instances"]) == 20
    assert len(run(ec2, 20, SubnetId=subnet)["Instances"]) == 20
    # 60 of 64: four more
    expect_error(run, "InstanceLimitExceeded", ec2=ec2, SubnetId=subnet, MinCount=5, MaxCount=5)
    got = run(ec2, SubnetId=subnet, MinCount=1, MaxCount=10)["Instances"]
    assert len(got) == 4
    expect_error(run, "InstanceLimitExceeded", ec2=ec2, SubnetId=subnet)
    # terminating makes room
    ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in got[:2]])
    assert len(run(ec2, SubnetId=subnet, MinCount=1, MaxCount=5)["Instances"]) == 2


def test_client_token_is_idempotent(ec2, subnet):
    a = run(ec2, 2, SubnetId=subnet, ClientToken="launch-1")
    b = run(ec2, 2, SubnetId=subnet, ClientToken="launch-1")
    assert a["ReservationId"] == b["ReservationId"]
    assert [i["InstanceId"] for i in a["Instances"]] == [i["InstanceId"] for i in b["Instances"]]
    assert len(instances(ec2)) == 2
    assert all(i["ClientToken"] == "launch-1" for i in a["Instances"])
    c = run(ec2, SubnetId=subnet, ClientToken="launch-2")
    assert c["ReservationId"] != a["ReservationId"]
    assert len(instances(ec2)) == 3
    expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet, ClientToken="x" * 65)


def test_client_token_is_per_tenant(make_tenant):
    a, b = make_tenant(), make_tenant()
    ra = run(a.ec2, ClientToken="same-token")
    rb = run(b.ec2, ClientToken="same-token")
    assert ra["ReservationId"] != rb["ReservationId"]
    assert len(instances(b.ec2)) == 1


def test_tag_specifications(ec2, subnet):
    i = run(ec2, SubnetId=subnet, TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "tier", "Value": "fe"}]},
        {"ResourceType": "network-interface", "Tags": [{"Key": "nic", "Value": "primary"}]},
    ])["Instances"][0]
    assert sorted((t["Key"], t["Value"]) for t in i["Tags"]) == [("Name", "web"), ("tier", "fe")]
    eni_id = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert eni["TagSet"] == [{"Key": "nic", "Value": "primary"}]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["instance"]}])["Tags"]
    assert {(t["ResourceId"], t["Key"]) for t in tags} == {(i["InstanceId"], "Name"), (i["InstanceId"], "tier")}
    tags = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["network-interface"]}])["Tags"]
    assert [(t["ResourceId"], t["Key"]) for t in tags] == [(eni_id, "nic")]


@pytest.mark.parametrize("spec", [
    {"ResourceType": "volume", "Tags": [{"Key": "a", "Value": "b"}]},
    {"ResourceType": "instance", "Tags": [{"Key": "aws:x", "Value": "b"}]},
    {"ResourceType": "instance", "Tags": [{"Key": "k" * 129, "Value": "b"}]},
])
def test_tag_specifications_refused(ec2, subnet, spec):
    expect_error(run, "InvalidParameterValue", ec2=ec2, SubnetId=subnet, TagSpecifications=[spec])
    assert instances(ec2) == []


def test_create_tags_on_instances(ec2, subnet):
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    ec2.create_tags(Resources=[iid], Tags=[{"Key": "env", "Value": "prod"}])
    assert instance(ec2, iid)["Tags"] == [{"Key": "env", "Value": "prod"}]
    ec2.delete_tags(Resources=[iid], Tags=[{"Key": "env"}])
    assert instance(ec2, iid)["Tags"] == []
    missing = random_id("i")
    err = expect_error(ec2.create_tags, "InvalidInstanceID.NotFound", Resources=[missing],
                       Tags=[{"Key": "a", "Value": "b"}])
    assert missing in err["Error"]["Message"]


def test_dry_run(ec2, subnet):
    expect_error(run, "DryRunOperation", status=412, ec2=ec2, SubnetId=subnet, DryRun=True)
    assert instances(ec2) == []
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    for fn in (ec2.terminate_instances, ec2.stop_instances, ec2.start_instances, ec2.describe_instances):
        expect_error(fn, "DryRunOperation", status=412, InstanceIds=[iid], DryRun=True)
    assert instance(ec2, iid)["State"]["Name"] == "pending"


# --------------------------------------------------------------------------
# DescribeInstances


def test_describe_instances_groups_by_reservation(ec2, subnet):
    a = run(ec2, 3, SubnetId=subnet)
    b = run(ec2, 1, SubnetId=subnet)
    res = ec2.describe_instances()["Reservations"]
    by_id = {r["ReservationId"]: sorted(i["InstanceId"] for i in r["Instances"]) for r in res}
    assert by_id == {a["ReservationId"]: sorted(i["InstanceId"] for i in a["Instances"]),
                     b["ReservationId"]: [b["Instances"][0]["InstanceId"]]}
    assert all(r["OwnerId"] for r in res)


def test_describe_instances_by_id(ec2, subnet):
    ids = [i["InstanceId"] for i in run(ec2, 3, SubnetId=subnet)["Instances"]]
    assert sorted(i["InstanceId"] for i in instances(ec2, InstanceIds=ids[:2])) == sorted(ids[:2])
    missing = random_id("i")
    err = expect_error(ec2.describe_instances, "InvalidInstanceID.NotFound", InstanceIds=[missing])
    assert err["Error"]["Message"] == f"The instance ID '{missing}' does not exist"
    expect_error(ec2.describe_instances, "InvalidInstanceID.NotFound", InstanceIds=[ids[0], missing])
    for bad in ("i-xyz", "i-", "eni-0123456789abcdef0", "i-0123456789ABCDEF0", "x"):
        expect_error(ec2.describe_instances, "InvalidInstanceID.Malformed", InstanceIds=[bad])
    expect_error(ec2.describe_instances, "InvalidParameterCombination", InstanceIds=ids[:1], MaxResults=5)


def test_describe_instances_filters(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    sn2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24",
                            AvailabilityZone=ec2.meta.region_name + "b")["Subnet"]["SubnetId"]
    a = run(ec2, SubnetId=subnet, SecurityGroupIds=[web], InstanceType="m5.large",
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "alpha"}]}])
    a = a["Instances"][0]
    b = run(ec2, SubnetId=sn2)["Instances"][0]
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    c = run(ec2, SubnetId=subnet)["Instances"][0]
    p = run(ec2)["Instances"][0]

    def ids(*filters):
        got = instances(ec2, Filters=[{"Name": n, "Values": v} for n, v in filters])
        return sorted(i["InstanceId"] for i in got)

    A, B, C, P = a["InstanceId"], b["InstanceId"], c["InstanceId"], p["InstanceId"]
    assert ids(("instance-id", [A, B])) == sorted([A, B])
    assert ids(("subnet-id", [subnet])) == sorted([A, C])
    assert ids(("vpc-id", [vpc])) == sorted([A, B, C])
    assert ids(("private-ip-address", [a["PrivateIpAddress"]])) == [A]
    assert ids(("ip-address", [c["PublicIpAddress"]])) == [C]
    assert ids(("ip-address", [p["PublicIpAddress"]])) == [P]
    assert ids(("instance-type", ["m5.*"])) == [A]
    assert ids(("image-id", [IMAGE])) == sorted([A, B, C, P])
    assert ids(("availability-zone", [ec2.meta.region_name + "b"])) == [B]
    assert ids(("network-interface.network-interface-id",
                [b["NetworkInterfaces"][0]["NetworkInterfaceId"]])) == [B]
    assert ids(("instance.group-id", [web])) == [A]
    assert ids(("group-id", [web])) == [A]
    assert ids(("instance.group-name", ["web"])) == [A]
    assert ids(("group-name", ["default"])) == sorted([B, C, P])
    assert ids(("tag:Name", ["alpha"])) == [A]
    assert ids(("tag-key", ["Name"])) == [A]
    assert ids(("tag:Name", ["beta"])) == []
    c_reservation = ec2.describe_instances(InstanceIds=[C])["Reservations"][0]["ReservationId"]
    assert ids(("reservation-id", [c_reservation])) == [C]
    assert ids(("instance-state-name", ["pending"])) == sorted([A, B, C, P])
    assert ids(("instance-state-code", ["0"])) == sorted([A, B, C, P])
    ec2.stop_instances(InstanceIds=[A])
    assert ids(("instance-state-name", ["stopping"])) == [A]
    assert ids(("instance-state-code", ["64"])) == [A]
    assert ids(("instance-state-name", ["pending", "stopping"]), ("subnet-id", [subnet])) == sorted([A, C])
    expect_error(ec2.describe_instances, "InvalidParameterValue", Filters=[{"Name": "bogus", "Values": ["x"]}])


def test_describe_instances_paging(ec2, subnet):
    rids = set()
    for _ in range(7):
        rids.add(run(ec2, SubnetId=subnet)["ReservationId"])
    items, pages = all_pages(ec2.describe_instances, "Reservations", 5)
    assert pages == 2
    assert [r["ReservationId"] for r in items] == sorted(rids)
    # a reservation is never split across pages
    run(ec2, 3, SubnetId=subnet)
    items, _ = all_pages(ec2.describe_instances, "Reservations", 5)
    assert sum(len(r["Instances"]) for r in items) == 10
    assert len({r["ReservationId"] for r in items}) == 8
    for bad in (4, 1001, 0):
        expect_error(ec2.describe_instances, "InvalidParameterValue", MaxResults=bad)
    expect_error(ec2.describe_instances, "InvalidNextToken", NextToken="zz")


# --------------------------------------------------------------------------
# Terminate, Stop, Start


def test_terminate(server, ec2, subnet):
    ids = [i["InstanceId"] for i in run(ec2, 2, SubnetId=subnet)["Instances"]]
    eni = instance(ec2, ids[0])["NetworkInterfaces"][0]["NetworkInterfaceId"]
    r = ec2.terminate_instances(InstanceIds=[ids[0]])["TerminatingInstances"]
    assert r == [{"InstanceId": ids[0], "CurrentState": {"Code": 32, "Name": "shutting-down"},
                  "PreviousState": {"Code": 0, "Name": "pending"}}]
    i = instance(ec2, ids[0])
    assert i["State"]["Name"] == "shutting-down"
    # the network interface and its address are released at once
    assert i["NetworkInterfaces"] == [] and "PrivateIpAddress" not in i
    expect_error(ec2.describe_network_interfaces, "InvalidNetworkInterfaceID.NotFound", NetworkInterfaceIds=[eni])
    # again: no change
    r = ec2.terminate_instances(InstanceIds=[ids[0]])["TerminatingInstances"][0]
    assert r["CurrentState"]["Name"] == r["PreviousState"]["Name"] == "shutting-down"
    # the agent reports it gone; it stays listed, as in EC2
    agent_sets_state(server, ids[0], "terminated")
    i = instance(ec2, ids[0])
    assert i["State"] == {"Code": 48, "Name": "terminated"}
    assert "SubnetId" not in i and "VpcId" not in i
    r = ec2.terminate_instances(InstanceIds=[ids[0]])["TerminatingInstances"][0]
    assert r["CurrentState"]["Code"] == r["PreviousState"]["Code"] == 48
    assert ids[0] in [x["InstanceId"] for x in instances(ec2)]
    assert [x["InstanceId"] for x in instances(ec2, Filters=[{"Name": "instance-state-name",
                                                               "Values": ["terminated"]}])] == [ids[0]]
    expect_error(ec2.stop_instances, "IncorrectInstanceState", InstanceIds=[ids[0]])
    expect_error(ec2.start_instances, "IncorrectInstanceState", InstanceIds=[ids[0]])


def test_terminate_several_all_or_nothing(ec2, subnet):
    ids = [i["InstanceId"] for i in run(ec2, 2, SubnetId=subnet)["Instances"]]
    missing = random_id("i")
    err = expect_error(ec2.terminate_instances, "InvalidInstanceID.NotFound", InstanceIds=ids + [missing])
    assert missing in err["Error"]["Message"]
    assert {i["State"]["Name"] for i in instances(ec2)} == {"pending"}
    r = ec2.terminate_instances(InstanceIds=ids + [ids[0]])["TerminatingInstances"]
    assert sorted(x["InstanceId"] for x in r) == sorted(ids)
    expect_error(ec2.terminate_instances, "InvalidInstanceID.Malformed", InstanceIds=["i-nope"])
    expect_error(ec2.terminate_instances, "InvalidInstanceID.Malformed", InstanceIds=["vpc-0123456789abcdef0"])


def test_stop_and_start(server, ec2, subnet):
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    r = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    assert (r["PreviousState"]["Name"], r["CurrentState"]["Name"]) == ("pending", "stopping")
    assert r["CurrentState"]["Code"] == 64
    # stopping keeps the address
    assert instance(ec2, iid)["PrivateIpAddress"] == "10.0.1.4"
    expect_error(ec2.start_instances, "IncorrectInstanceState", InstanceIds=[iid])
    r = ec2.stop_instances(InstanceIds=[iid], Force=True)["StoppingInstances"][0]
    assert r["PreviousState"]["Name"] == r["CurrentState"]["Name"] == "stopping"
    agent_sets_state(server, iid, "stopped")
    r = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    assert r["PreviousState"]["Name"] == r["CurrentState"]["Name"] == "stopped"
    r = ec2.start_instances(InstanceIds=[iid])["StartingInstances"][0]
    assert (r["PreviousState"]["Code"], r["CurrentState"]["Code"]) == (80, 0)
    agent_sets_state(server, iid, "running")
    i = instance(ec2, iid)
    assert i["State"] == {"Code": 16, "Name": "running"}
    assert i["PrivateIpAddress"] == "10.0.1.4"
    r = ec2.start_instances(InstanceIds=[iid])["StartingInstances"][0]
    assert r["PreviousState"]["Name"] == r["CurrentState"]["Name"] == "running"
    r = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    assert (r["PreviousState"]["Code"], r["CurrentState"]["Code"]) == (16, 64)
    expect_error(ec2.stop_instances, "UnsupportedHibernationConfiguration", InstanceIds=[iid], Hibernate=True)
    expect_error(ec2.stop_instances, "InvalidInstanceID.NotFound", InstanceIds=[random_id("i")])
    expect_error(ec2.start_instances, "InvalidInstanceID.NotFound", InstanceIds=[random_id("i")])


def test_state_changes_need_an_id(tenant):
    for fn in (tenant.ec2_raw.terminate_instances, tenant.ec2_raw.stop_instances,
               tenant.ec2_raw.start_instances):
        expect_error(fn, "MissingParameter", InstanceIds=[])


def test_terminate_disassociates_elastic_ips(tenant, vpc, subnet):
    """An Elastic IP stays allocated but points at nothing once its instance
    is terminated."""
    ec2 = tenant.ec2
    i = run(ec2, SubnetId=subnet)["Instances"][0]
    got = call_outcome(ec2.allocate_address, Domain="vpc")
    if got[0] == "error" and got[1] == "InvalidAction":
        pytest.skip("Elastic IPs are not implemented yet")
    alloc = got[1]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.associate_address(AllocationId=alloc["AllocationId"], InstanceId=i["InstanceId"])
    d = instance(ec2, i["InstanceId"])
    assert d["PublicIpAddress"] == alloc["PublicIp"]
    assert d["NetworkInterfaces"][0]["Association"]["IpOwnerId"] == tenant.account_id
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    [a] = ec2.describe_addresses(AllocationIds=[alloc["AllocationId"]])["Addresses"]
    assert a["PublicIp"] == alloc["PublicIp"]
    assert not a.get("AssociationId") and not a.get("InstanceId") and not a.get("NetworkInterfaceId")
    ec2.release_address(AllocationId=alloc["AllocationId"])


# --------------------------------------------------------------------------
# ModifyInstanceAttribute


def test_modify_groups(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    ec2.modify_instance_attribute(InstanceId=iid, Groups=[web, db])
    i = instance(ec2, iid)
    assert [g["GroupId"] for g in i["SecurityGroups"]] == [web, db]
    assert [g["GroupId"] for g in i["NetworkInterfaces"][0]["Groups"]] == [web, db]
    # a group in use cannot be deleted; once unused it can
    expect_error(ec2.delete_security_group, "DependencyViolation", GroupId=web)
    ec2.modify_instance_attribute(InstanceId=iid, Groups=[db])
    ec2.delete_security_group(GroupId=web)
    expect_error(ec2.modify_instance_attribute, "InvalidGroup.NotFound", InstanceId=iid, Groups=[random_id("sg")])
    other = ec2.create_security_group(GroupName="o", Description="o",
                                      VpcId=ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"])["GroupId"]
    expect_error(ec2.modify_instance_attribute, "InvalidParameter", InstanceId=iid, Groups=[other])
    public = ec2.create_security_group(GroupName="pub", Description="pub")["GroupId"]
    expect_error(ec2.modify_instance_attribute, "InvalidParameter", InstanceId=iid, Groups=[public])
    assert [g["GroupId"] for g in instance(ec2, iid)["SecurityGroups"]] == [db]


def test_modify_source_dest_check(ec2, subnet):
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    ec2.modify_instance_attribute(InstanceId=iid, SourceDestCheck={"Value": False})
    i = instance(ec2, iid)
    assert i["SourceDestCheck"] is False
    assert i["NetworkInterfaces"][0]["SourceDestCheck"] is False
    ec2.modify_instance_attribute(InstanceId=iid, Attribute="sourceDestCheck", Value="true")
    assert instance(ec2, iid)["SourceDestCheck"] is True


def test_modify_instance_type_only_when_stopped(server, ec2, subnet):
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    expect_error(ec2.modify_instance_attribute, "IncorrectInstanceState", InstanceId=iid,
                 InstanceType={"Value": "t3.large"})
    ec2.stop_instances(InstanceIds=[iid])
    agent_sets_state(server, iid, "stopped")
    expect_error(ec2.modify_instance_attribute, "InvalidParameterValue", InstanceId=iid,
                 InstanceType={"Value": "huge"})
    ec2.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.large"})
    assert instance(ec2, iid)["InstanceType"] == "t3.large"
    ec2.modify_instance_attribute(InstanceId=iid, Attribute="instanceType", Value="m5.large")
    assert instance(ec2, iid)["InstanceType"] == "m5.large"


def test_modify_instance_attribute_errors(ec2, vpc, subnet):
    iid = run(ec2, SubnetId=subnet)["Instances"][0]["InstanceId"]
    expect_error(ec2.modify_instance_attribute, "MissingParameter", InstanceId=iid)
    expect_error(ec2.modify_instance_attribute, "InvalidParameterCombination", InstanceId=iid,
                 SourceDestCheck={"Value": False}, InstanceType={"Value": "t3.large"})
    expect_error(ec2.modify_instance_attribute, "InvalidParameterValue", InstanceId=iid,
                 DisableApiTermination={"Value": True})
    expect_error(ec2.modify_instance_attribute, "InvalidParameterValue", InstanceId=iid, Attribute="kernel",
                 Value="x")
    missing = random_id("i")
    err = expect_error(ec2.modify_instance_attribute, "InvalidInstanceID.NotFound", InstanceId=missing,
                       SourceDestCheck={"Value": False})
    assert missing in err["Error"]["Message"]
    expect_error(ec2.modify_instance_attribute, "InvalidInstanceID.Malformed", InstanceId="i-zz",
                 SourceDestCheck={"Value": False})
    ec2.terminate_instances(InstanceIds=[iid])
    expect_error(ec2.modify_instance_attribute, "IncorrectInstanceState", InstanceId=iid,
                 SourceDestCheck={"Value": False})


# --------------------------------------------------------------------------
# dependencies, tenancy, the aws CLI


def test_subnet_and_group_kept_while_instances_use_them(ec2, vpc, subnet):
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    iid = run(ec2, SubnetId=subnet, SecurityGroupIds=[web])["Instances"][0]["InstanceId"]
    expect_error(ec2.delete_subnet, "DependencyViolation", SubnetId=subnet)
    expect_error(ec2.delete_security_group, "DependencyViolation", GroupId=web)
    expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.delete_security_group(GroupId=web)
    ec2.delete_subnet(SubnetId=subnet)
    # the terminated instance outlives its subnet
    assert instance(ec2, iid)["State"]["Name"] == "shutting-down"


def _shape(outcome, given):
    if outcome[0] == "ok":
        return ("ok",)
    _, code, msg, status = outcome
    return ("error", code, msg.replace(given, "<id>"), status)


def test_other_tenants_instances_look_missing(make_tenant):
    a, b = make_tenant(), make_tenant()
    bv = b.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    bs = b.ec2.create_subnet(VpcId=bv, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    bi = run(b.ec2, SubnetId=bs)["Instances"][0]
    theirs, missing = bi["InstanceId"], random_id("i")
    before = b.ec2.describe_instances()["Reservations"]
    calls = [
        lambda e, i: e.describe_instances(InstanceIds=[i]),
        lambda e, i: e.terminate_instances(InstanceIds=[i]),
        lambda e, i: e.stop_instances(InstanceIds=[i]),
        lambda e, i: e.start_instances(InstanceIds=[i]),
        lambda e, i: e.modify_instance_attribute(InstanceId=i, SourceDestCheck={"Value": False}),
        lambda e, i: e.modify_instance_attribute(InstanceId=i, InstanceType={"Value": "t3.large"}),
        lambda e, i: e.create_tags(Resources=[i], Tags=[{"Key": "x", "Value": "y"}]),
        lambda e, i: e.delete_tags(Resources=[i]),
    ]
    for call in calls:
        got_theirs = _shape(call_outcome(lambda: call(a.ec2, theirs)), theirs)
        got_missing = _shape(call_outcome(lambda: call(a.ec2, missing)), missing)
        assert got_theirs == got_missing
        assert got_missing[1] == "InvalidInstanceID.NotFound"
    # B's subnet, as A sees it, does not exist either
    expect_error(run, "InvalidSubnetID.NotFound", ec2=a.ec2, SubnetId=bs)
    # filters never reach B's instances
    assert instances(a.ec2) == []
    assert instances(a.ec2, Filters=[{"Name": "instance-id", "Values": [theirs]}]) == []
    assert instances(a.ec2, Filters=[{"Name": "private-ip-address", "Values": ["10.0.1.4"]}]) == []
    assert b.ec2.describe_instances()["Reservations"] == before


@pytest.mark.skipif(AWS is None, reason="the aws CLI is not installed (Debian package awscli)")
def test_aws_cli_run_describe_terminate(server, tenant, aws_cli_env):
    def aws(*args):
        env = dict(aws_cli_env, AWS_ACCESS_KEY_ID=tenant.akid, AWS_SECRET_ACCESS_KEY=tenant.secret,
                   AWS_DEFAULT_REGION=server.region)
        p = subprocess.run([AWS, "--endpoint-url", server.endpoint, "--output", "json", "ec2", *args], env=env,
                           capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, f"aws {' '.join(args)} exited {p.returncode}: {p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else {}

    image = aws("describe-images", "--owners", "amazon")["Images"][0]["ImageId"]
    assert image == IMAGE
    vpc = aws("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    sn = aws("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")["Subnet"]["SubnetId"]
    r = aws("run-instances", "--image-id", image, "--subnet-id", sn, "--count", "2",
            "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli}]")
    ids = sorted(i["InstanceId"] for i in r["Instances"])
    assert sorted(i["PrivateIpAddress"] for i in r["Instances"]) == ["10.0.1.4", "10.0.1.5"]
    d = aws("describe-instances", "--filters", "Name=tag:Name,Values=cli")
    assert sorted(i["InstanceId"] for res in d["Reservations"] for i in res["Instances"]) == ids
    t = aws("terminate-instances", "--instance-ids", *ids)["TerminatingInstances"]
    assert {x["CurrentState"]["Name"] for x in t} == {"shutting-down"}
    assert aws("describe-subnets", "--subnet-ids", sn)["Subnets"][0]["AvailableIpAddressCount"] == 251
    pub = aws("run-instances", "--image-id", image, "--count", "1")["Instances"][0]
    assert ipaddress.ip_address(pub["PublicIpAddress"]) in PUBLIC_NET
