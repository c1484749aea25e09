"""Elastic IPs: AllocateAddress from the shared pool (unique across tenants,
five per account), AssociateAddress / DisassociateAddress onto an
instance's interface (which needs an attached internet gateway),
ReleaseAddress, DescribeAddresses; EC2's errors, filters, tags, DryRun, and
a public address held by another tenant reading like one nobody holds."""
import ipaddress
import re

import pytest

import bhlib
from bhlib import expect_error, random_id

ALLOC_RE = re.compile(r"^eipalloc-[0-9a-f]{17}$")
ASSOC_RE = re.compile(r"^eipassoc-[0-9a-f]{17}$")
POOL = ipaddress.ip_network("203.0.113.128/25")
LIMIT = 5


def addresses(ec2, *filters, **kw):
    if filters:
        kw["Filters"] = [{"Name": n, "Values": v} for n, v in filters]
    return ec2.describe_addresses(**kw)["Addresses"]


def address(ec2, alloc):
    return addresses(ec2, AllocationIds=[alloc])[0]


def allocs(items):
    return {a["AllocationId"] for a in items}


def unused_pool_ip(*tenants):
    held = {a["PublicIp"] for t in tenants for a in addresses(t.ec2)}
    return next(str(ip) for ip in POOL.hosts() if str(ip) not in held)


@pytest.fixture
def alloc(ec2):
    return ec2.allocate_address(Domain="vpc")["AllocationId"]


def launch_or_skip(ec2, subnet_id):
    """One instance in subnet_id, or skip while RunInstances is not there."""
    try:
        images = ec2.describe_images()["Images"]
        image = [i for i in images if i.get("Name") == "bulkhead-netns"] or images
        return ec2.run_instances(ImageId=image[0]["ImageId"], MinCount=1, MaxCount=1,
                                 SubnetId=subnet_id)["Instances"][0]
    except bhlib.ClientError as e:
        if e.response["Error"]["Code"] == "InvalidAction":
            pytest.skip("RunInstances is not implemented yet")
        raise


@pytest.fixture
def routed_subnet(ec2, vpc):
    """A subnet of a VPC with an attached internet gateway."""
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


# --------------------------------------------------------------------------
# allocation and release


def test_allocate_address(server, tenant):
    ec2 = tenant.ec2
    r = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "web"}]}])
    assert ALLOC_RE.match(r["AllocationId"])
    ip = ipaddress.ip_address(r["PublicIp"])
    assert ip in POOL and ip not in (POOL.network_address, POOL.broadcast_address)
    assert r["Domain"] == "vpc"
    assert r["PublicIpv4Pool"] == "amazon"
    assert r["NetworkBorderGroup"] == server.region
    [d] = addresses(ec2)
    assert d == {"PublicIp": r["PublicIp"], "AllocationId": r["AllocationId"], "Domain": "vpc",
                 "Tags": [{"Key": "Name", "Value": "web"}], "PublicIpv4Pool": "amazon",
                 "NetworkBorderGroup": server.region}
    # Domain defaults to vpc
    assert ec2.allocate_address()["Domain"] == "vpc"


def test_allocate_address_errors(server, tenant):
    ec2 = tenant.ec2
    expect_error(ec2.allocate_address, "InvalidParameterValue", Domain="standard")
    expect_error(ec2.allocate_address, "InvalidParameterValue", Address="203.0.113.200")
    expect_error(ec2.allocate_address, "InvalidParameterValue", PublicIpv4Pool="ipv4pool-ec2-0123456789abcdef0")
    expect_error(ec2.allocate_address, "InvalidParameterValue", NetworkBorderGroup="us-east-1")
    expect_error(ec2.allocate_address, "InvalidParameterValue",
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert addresses(ec2) == []
    ec2.allocate_address(PublicIpv4Pool="amazon", NetworkBorderGroup=server.region)


def test_address_limit(tenant):
    ec2 = tenant.ec2
    made = [ec2.allocate_address()["AllocationId"] for _ in range(LIMIT)]
    assert len(allocs(addresses(ec2))) == LIMIT
    expect_error(ec2.allocate_address, "AddressLimitExceeded")
    ec2.release_address(AllocationId=made[0])
    ec2.allocate_address()
    expect_error(ec2.allocate_address, "AddressLimitExceeded")


def test_addresses_are_unique_across_tenants(make_tenant):
    tenants = [make_tenant() for _ in range(3)]
    ips = [t.ec2.allocate_address()["PublicIp"] for t in tenants for _ in range(LIMIT)]
    assert len(ips) == len(set(ips)), "one public address handed to two allocations"
    # released addresses go back to the pool
    t = tenants[0]
    for a in addresses(t.ec2):
        t.ec2.release_address(AllocationId=a["AllocationId"])
    ips2 = [a["PublicIp"] for tt in tenants[1:] for a in addresses(tt.ec2)]
    ips2 += [t.ec2.allocate_address()["PublicIp"] for _ in range(LIMIT)]
    assert len(ips2) == len(set(ips2))


def test_release_address(ec2, alloc):
    ec2.create_tags(Resources=[alloc], Tags=[{"Key": "k", "Value": "v"}])
    r = ec2.release_address(AllocationId=alloc)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert addresses(ec2) == []
    err = expect_error(ec2.release_address, "InvalidAllocationID.NotFound", AllocationId=alloc)
    assert alloc in err["Error"]["Message"]
    expect_error(ec2.release_address, "InvalidAllocationID.Malformed", AllocationId="eipalloc-x")
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [alloc]}])["Tags"] == []


def test_release_by_public_ip(tenant):
    ec2 = tenant.ec2
    ip = ec2.allocate_address()["PublicIp"]
    ec2.release_address(PublicIp=ip)
    assert addresses(ec2) == []
    expect_error(ec2.release_address, "InvalidAddress.NotFound", PublicIp=ip)
    expect_error(tenant.ec2_raw.release_address, "MissingParameter")


# --------------------------------------------------------------------------
# DescribeAddresses


def test_describe_addresses_ids(tenant):
    ec2 = tenant.ec2
    a1 = ec2.allocate_address()
    a2 = ec2.allocate_address()
    assert allocs(addresses(ec2, AllocationIds=[a1["AllocationId"]])) == {a1["AllocationId"]}
    assert allocs(addresses(ec2, PublicIps=[a2["PublicIp"]])) == {a2["AllocationId"]}
    assert allocs(addresses(ec2)) == {a1["AllocationId"], a2["AllocationId"]}
    missing = random_id("eipalloc")
    err = expect_error(ec2.describe_addresses, "InvalidAllocationID.NotFound",
                       AllocationIds=[a1["AllocationId"], missing])
    assert missing in err["Error"]["Message"]
    expect_error(ec2.describe_addresses, "InvalidAllocationID.Malformed", AllocationIds=["eipalloc-zz"])
    expect_error(ec2.describe_addresses, "InvalidParameterValue", PublicIps=["not-an-ip"])
    free = unused_pool_ip(tenant)
    err = expect_error(ec2.describe_addresses, "InvalidAddress.NotFound", PublicIps=[free])
    assert free in err["Error"]["Message"]


def test_describe_addresses_filters(tenant, alloc):
    ec2 = tenant.ec2
    other = ec2.allocate_address(TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "role", "Value": "db"}]}])
    ip = address(ec2, alloc)["PublicIp"]

    def f(*filters):
        return allocs(addresses(ec2, *filters))

    both = {alloc, other["AllocationId"]}
    assert f(("allocation-id", [alloc])) == {alloc}
    assert f(("public-ip", [ip])) == {alloc}
    assert f(("public-ip", ["203.0.113.*"])) == both
    assert f(("domain", ["vpc"])) == both
    assert f(("domain", ["standard"])) == set()
    assert f(("public-ipv4-pool", ["amazon"])) == both
    assert f(("tag:role", ["db"])) == {other["AllocationId"]}
    assert f(("tag-key", ["role"])) == {other["AllocationId"]}
    # nothing is associated
    assert f(("association-id", ["*"])) == set()
    assert f(("instance-id", ["*"])) == set()
    assert f(("network-interface-id", ["*"])) == set()
    assert f(("private-ip-address", ["*"])) == set()
    expect_error(ec2.describe_addresses, "InvalidParameterValue", Filters=[{"Name": "ip", "Values": ["x"]}])


# --------------------------------------------------------------------------
# association


def test_associate_errors_without_instances(tenant, alloc, vpc):
    ec2 = tenant.ec2
    raw = tenant.ec2_raw
    expect_error(raw.associate_address, "MissingParameter", AllocationId=alloc)
    expect_error(raw.associate_address, "MissingParameter", InstanceId=random_id("i"))
    expect_error(ec2.associate_address, "InvalidParameterCombination", AllocationId=alloc,
                 InstanceId=random_id("i"), NetworkInterfaceId=random_id("eni"))
    missing = random_id("i")
    err = expect_error(ec2.associate_address, "InvalidInstanceID.NotFound", AllocationId=alloc, InstanceId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.associate_address, "InvalidInstanceID.Malformed", AllocationId=alloc, InstanceId="i-q")
    expect_error(ec2.associate_address, "InvalidNetworkInterfaceID.NotFound", AllocationId=alloc,
                 NetworkInterfaceId=random_id("eni"))
    expect_error(ec2.associate_address, "InvalidNetworkInterfaceID.Malformed", AllocationId=alloc,
                 NetworkInterfaceId="eni-q")
    missing = random_id("eipalloc")
    err = expect_error(ec2.associate_address, "InvalidAllocationID.NotFound", AllocationId=missing,
                       InstanceId=random_id("i"))
    assert missing in err["Error"]["Message"]
    expect_error(ec2.associate_address, "InvalidAllocationID.Malformed", AllocationId="eipalloc-",
                 InstanceId=random_id("i"))
    assert "AssociationId" not in address(ec2, alloc)


@pytest.mark.parametrize("bad", ["eipassoc-0123456789abcdef0", "eipassoc-x", "x"])
def test_disassociate_unknown(ec2, bad):
    expect_error(ec2.disassociate_address, "InvalidAssociationID.NotFound", AssociationId=bad)


def test_disassociate_unassociated_by_ip(ec2, alloc):
    ip = address(ec2, alloc)["PublicIp"]
    ec2.disassociate_address(PublicIp=ip)
    assert "AssociationId" not in address(ec2, alloc)


def test_associate_needs_internet_gateway(ec2, vpc, alloc):
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    inst = launch_or_skip(ec2, sn)
    err = expect_error(ec2.associate_address, "Gateway.NotAttached", AllocationId=alloc,
                       InstanceId=inst["InstanceId"])
    assert err["Error"]["Message"] == f"Network {vpc} is not attached to any internet gateway"
    assert "AssociationId" not in address(ec2, alloc)


def test_associate_and_disassociate(tenant, routed_subnet, alloc):
    ec2 = tenant.ec2
    inst = launch_or_skip(ec2, routed_subnet)
    iid = inst["InstanceId"]
    eni = inst["NetworkInterfaces"][0]
    r = ec2.associate_address(AllocationId=alloc, InstanceId=iid)
    assoc = r["AssociationId"]
    assert ASSOC_RE.match(assoc)
    a = address(ec2, alloc)
    assert a["AssociationId"] == assoc
    assert a["InstanceId"] == iid
    assert a["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
    assert a["NetworkInterfaceOwnerId"] == tenant.account_id
    assert a["PrivateIpAddress"] == eni["PrivateIpAddress"]
    assert allocs(addresses(ec2, ("instance-id", [iid]))) == {alloc}
    assert allocs(addresses(ec2, ("association-id", [assoc]))) == {alloc}
    assert allocs(addresses(ec2, ("network-interface-id", [eni["NetworkInterfaceId"]]))) == {alloc}
    assert allocs(addresses(ec2, ("private-ip-address", [eni["PrivateIpAddress"]]))) == {alloc}
    # in use: not releasable
    err = expect_error(ec2.release_address, "InvalidIPAddress.InUse", AllocationId=alloc)
    assert a["PublicIp"] in err["Error"]["Message"]
    ec2.disassociate_address(AssociationId=assoc)
    a = address(ec2, alloc)
    assert not {"AssociationId", "InstanceId", "NetworkInterfaceId", "PrivateIpAddress"} & set(a)
    expect_error(ec2.disassociate_address, "InvalidAssociationID.NotFound", AssociationId=assoc)
    # by interface, then away by address
    ec2.associate_address(AllocationId=alloc, NetworkInterfaceId=eni["NetworkInterfaceId"],
                          PrivateIpAddress=eni["PrivateIpAddress"])
    assert address(ec2, alloc)["InstanceId"] == iid
    ec2.disassociate_address(PublicIp=a["PublicIp"])
    assert "AssociationId" not in address(ec2, alloc)
    ec2.release_address(AllocationId=alloc)


def test_associate_follows_to_the_interface(tenant, routed_subnet, alloc):
    ec2 = tenant.ec2
    inst = launch_or_skip(ec2, routed_subnet)
    ip = address(ec2, alloc)["PublicIp"]
    ec2.associate_address(AllocationId=alloc, InstanceId=inst["InstanceId"])
    eni_id = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    try:
        eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    except bhlib.ClientError as e:
        if e.response["Error"]["Code"] == "InvalidAction":
            pytest.skip("DescribeNetworkInterfaces is not implemented yet")
        raise
    assert eni.get("Association", {}).get("PublicIp") == ip
    ec2.disassociate_address(PublicIp=ip)
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert "Association" not in eni or eni["Association"].get("PublicIp") != ip


def test_associate_reassociation(tenant, routed_subnet, alloc):
    ec2 = tenant.ec2
    i1 = launch_or_skip(ec2, routed_subnet)["InstanceId"]
    i2 = launch_or_skip(ec2, routed_subnet)["InstanceId"]
    second = ec2.allocate_address()["AllocationId"]
    ec2.associate_address(AllocationId=alloc, InstanceId=i1)
    # the address is taken by i1
    expect_error(ec2.associate_address, "Resource.AlreadyAssociated", AllocationId=alloc, InstanceId=i2)
    assert address(ec2, alloc)["InstanceId"] == i1
    ec2.associate_address(AllocationId=alloc, InstanceId=i2, AllowReassociation=True)
    assert address(ec2, alloc)["InstanceId"] == i2
    # i2 already has a public address from an Elastic IP
    expect_error(ec2.associate_address, "Resource.AlreadyAssociated", AllocationId=second, InstanceId=i2)
    assert "AssociationId" not in address(ec2, second)
    ec2.associate_address(AllocationId=second, InstanceId=i2, AllowReassociation=True)
    assert address(ec2, second)["InstanceId"] == i2
    assert "AssociationId" not in address(ec2, alloc)
    # the same address onto the same instance again is fine
    ec2.associate_address(AllocationId=second, InstanceId=i2)
    assert address(ec2, second)["InstanceId"] == i2


def test_associate_wrong_private_ip(ec2, routed_subnet, alloc):
    inst = launch_or_skip(ec2, routed_subnet)
    expect_error(ec2.associate_address, "InvalidParameterValue", AllocationId=alloc,
                 NetworkInterfaceId=inst["NetworkInterfaces"][0]["NetworkInterfaceId"],
                 PrivateIpAddress="10.0.1.250")


# --------------------------------------------------------------------------
# tags, DryRun, tenancy


def test_address_tags(ec2, alloc):
    ec2.create_tags(Resources=[alloc], Tags=[{"Key": "Name", "Value": "x"}])
    got = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["elastic-ip"]}])["Tags"]
    assert got == [{"ResourceId": alloc, "ResourceType": "elastic-ip", "Key": "Name", "Value": "x"}]
    assert address(ec2, alloc)["Tags"] == [{"Key": "Name", "Value": "x"}]
    missing = random_id("eipalloc")
    err = expect_error(ec2.create_tags, "InvalidAllocationID.NotFound", Resources=[missing],
                       Tags=[{"Key": "a", "Value": "b"}])
    assert missing in err["Error"]["Message"]


def test_dry_run(ec2, alloc):
    expect_error(ec2.allocate_address, "DryRunOperation", 412, DryRun=True)
    expect_error(ec2.describe_addresses, "DryRunOperation", 412, DryRun=True)
    expect_error(ec2.release_address, "DryRunOperation", 412, AllocationId=alloc, DryRun=True)
    expect_error(ec2.associate_address, "DryRunOperation", 412, AllocationId=alloc, InstanceId=random_id("i"),
                 DryRun=True)
    assert allocs(addresses(ec2)) == {alloc}


def test_tenancy(server):
    a, b = server.new_tenant(), server.new_tenant()
    ea, eb = a.ec2, b.ec2
    ra = ea.allocate_address()
    rb = eb.allocate_address(TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "owner", "Value": "b"}]}])
    before = eb.describe_addresses()["Addresses"]
    b_ip, b_alloc = rb["PublicIp"], rb["AllocationId"]
    free_ip = unused_pool_ip(a, b)
    missing_alloc = random_id("eipalloc")

    def same(fn, other, missing, **params):
        def subst(value, new):
            return [new if v == other else v for v in value] if isinstance(value, list) else \
                (new if value == other else value)

        x = bhlib.call_outcome(fn, **params)
        y = bhlib.call_outcome(fn, **{k: subst(v, missing) for k, v in params.items()})
        assert x[0] == "error", f"{fn.__name__} with B's {other} succeeded: {x}"
        assert (x[1], x[3]) == (y[1], y[3]), f"{fn.__name__}: {x} vs {y}"
        assert x[2].replace(other, "ID") == y[2].replace(missing, "ID")

    assert allocs(addresses(ea)) == {ra["AllocationId"]}
    assert addresses(ea, ("public-ip", [b_ip])) == []
    assert addresses(ea, ("tag:owner", ["b"])) == []
    # B's public address reads like a free one; B's allocation like a made-up one
    same(ea.describe_addresses, b_ip, free_ip, PublicIps=[b_ip])
    same(ea.release_address, b_ip, free_ip, PublicIp=b_ip)
    same(ea.disassociate_address, b_ip, free_ip, PublicIp=b_ip)
    same(ea.associate_address, b_ip, free_ip, PublicIp=b_ip, InstanceId=random_id("i"))
    same(ea.describe_addresses, b_alloc, missing_alloc, AllocationIds=[b_alloc])
    same(ea.release_address, b_alloc, missing_alloc, AllocationId=b_alloc)
    same(ea.associate_address, b_alloc, missing_alloc, AllocationId=b_alloc, InstanceId=random_id("i"))
    same(ea.create_tags, b_alloc, missing_alloc, Resources=[b_alloc], Tags=[{"Key": "x", "Value": "y"}])
    assert eb.describe_addresses()["Addresses"] == before
