"""Internet gateways: CreateInternetGateway, AttachInternetGateway,
DetachInternetGateway, DeleteInternetGateway, DescribeInternetGateways;
one gateway per VPC, EC2's errors, filters, paging, tags, DryRun, tenancy,
and what a gateway does to DeleteVpc and to routes."""
import re

import pytest

import bhlib
from bhlib import all_pages, expect_error, random_id

IGW_RE = re.compile(r"^igw-[0-9a-f]{17}$")


def gateways(ec2, *filters, **kw):
    if filters:
        kw["Filters"] = [{"Name": n, "Values": v} for n, v in filters]
    return ec2.describe_internet_gateways(**kw)["InternetGateways"]


def gateway(ec2, igw):
    return gateways(ec2, InternetGatewayIds=[igw])[0]


def ids(gs):
    return {g["InternetGatewayId"] for g in gs}


@pytest.fixture
def igw(ec2):
    return ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]


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


def test_create_internet_gateway(tenant):
    ec2 = tenant.ec2
    g = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}])["InternetGateway"]
    assert IGW_RE.match(g["InternetGatewayId"])
    assert g["OwnerId"] == tenant.account_id
    assert g["Attachments"] == []
    assert g["Tags"] == [{"Key": "Name", "Value": "gw"}]
    d = gateway(ec2, g["InternetGatewayId"])
    assert d == g
    assert ids(gateways(ec2)) == {g["InternetGatewayId"]}


def test_create_internet_gateway_bad_tag_specification(ec2):
    expect_error(ec2.create_internet_gateway, "InvalidParameterValue",
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    expect_error(ec2.create_internet_gateway, "InvalidParameterValue",
                 TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "aws:x", "Value": "b"}]}])
    assert gateways(ec2) == []


def test_attach_and_detach(ec2, vpc, igw):
    r = ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert gateway(ec2, igw)["Attachments"] == [{"VpcId": vpc, "State": "available"}]
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert gateway(ec2, igw)["Attachments"] == []
    # and again, to another VPC
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc2)
    assert gateway(ec2, igw)["Attachments"] == [{"VpcId": vpc2, "State": "available"}]


def test_attach_errors(ec2, vpc, igw):
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    err = expect_error(ec2.attach_internet_gateway, "Resource.AlreadyAssociated", InternetGatewayId=igw, VpcId=vpc)
    assert err["Error"]["Message"] == f"resource {igw} is already attached to network {vpc}"
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    expect_error(ec2.attach_internet_gateway, "Resource.AlreadyAssociated", InternetGatewayId=igw, VpcId=vpc2)
    # one gateway per VPC
    igw2 = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    err = expect_error(ec2.attach_internet_gateway, "Resource.AlreadyAssociated", InternetGatewayId=igw2,
                       VpcId=vpc)
    assert vpc in err["Error"]["Message"]
    assert gateway(ec2, igw2)["Attachments"] == []
    missing = random_id("vpc")
    err = expect_error(ec2.attach_internet_gateway, "InvalidVpcID.NotFound", InternetGatewayId=igw2, VpcId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.attach_internet_gateway, "InvalidVpcID.Malformed", InternetGatewayId=igw2, VpcId="vpc-x")
    missing = random_id("igw")
    err = expect_error(ec2.attach_internet_gateway, "InvalidInternetGatewayID.NotFound", InternetGatewayId=missing,
                       VpcId=vpc2)
    assert err["Error"]["Message"] == f"The internetGateway ID '{missing}' does not exist"
    expect_error(ec2.attach_internet_gateway, "InvalidInternetGatewayID.Malformed", InternetGatewayId="igw-x",
                 VpcId=vpc2)
    assert gateway(ec2, igw)["Attachments"] == [{"VpcId": vpc, "State": "available"}]


def test_detach_errors(ec2, vpc, igw):
    err = expect_error(ec2.detach_internet_gateway, "Gateway.NotAttached", InternetGatewayId=igw, VpcId=vpc)
    assert err["Error"]["Message"] == f"resource {igw} is not attached to network {vpc}"
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc2)
    err = expect_error(ec2.detach_internet_gateway, "Gateway.NotAttached", InternetGatewayId=igw, VpcId=vpc)
    assert err["Error"]["Message"] == f"resource {igw} is not attached to network {vpc}"
    expect_error(ec2.detach_internet_gateway, "InvalidVpcID.NotFound", InternetGatewayId=igw,
                 VpcId=random_id("vpc"))
    expect_error(ec2.detach_internet_gateway, "InvalidInternetGatewayID.NotFound",
                 InternetGatewayId=random_id("igw"), VpcId=vpc2)
    assert gateway(ec2, igw)["Attachments"] == [{"VpcId": vpc2, "State": "available"}]
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc2)
    expect_error(ec2.detach_internet_gateway, "Gateway.NotAttached", InternetGatewayId=igw, VpcId=vpc2)


def test_delete_internet_gateway(ec2, vpc, igw):
    ec2.create_tags(Resources=[igw], Tags=[{"Key": "k", "Value": "v"}])
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    err = expect_error(ec2.delete_internet_gateway, "DependencyViolation", InternetGatewayId=igw)
    assert err["Error"]["Message"] == f"The internetGateway '{igw}' has dependencies and cannot be deleted."
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    err = expect_error(ec2.describe_internet_gateways, "InvalidInternetGatewayID.NotFound", InternetGatewayIds=[igw])
    assert err["Error"]["Message"] == f"The internetGateway ID '{igw}' does not exist"
    expect_error(ec2.delete_internet_gateway, "InvalidInternetGatewayID.NotFound", InternetGatewayId=igw)
    expect_error(ec2.delete_internet_gateway, "InvalidInternetGatewayID.Malformed", InternetGatewayId="igw-")
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [igw]}])["Tags"] == []
    assert gateways(ec2) == []


def test_delete_vpc_with_attached_gateway(ec2, vpc, igw):
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    err = expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    assert vpc in err["Error"]["Message"]
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)
    # the gateway outlives the VPC, detached
    assert gateway(ec2, igw)["Attachments"] == []


@pytest.mark.parametrize("bad", ["igw-xyz", "igw-", "vpc-0123456789abcdef0", "igw-0123456789ABCDEF0", "x"])
def test_describe_malformed_id(ec2, bad):
    expect_error(ec2.describe_internet_gateways, "InvalidInternetGatewayID.Malformed", InternetGatewayIds=[bad])


def test_describe_ids(ec2, igw):
    igw2 = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    assert ids(gateways(ec2, InternetGatewayIds=[igw])) == {igw}
    assert ids(gateways(ec2, InternetGatewayIds=[igw, igw2])) == {igw, igw2}
    missing = random_id("igw")
    expect_error(ec2.describe_internet_gateways, "InvalidInternetGatewayID.NotFound",
                 InternetGatewayIds=[igw, missing])


def test_describe_filters(tenant):
    ec2 = tenant.ec2
    v1 = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    v2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]

    def make(name):
        return ec2.create_internet_gateway(TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [
            {"Key": "Name", "Value": name}]}])["InternetGateway"]["InternetGatewayId"]

    a, b, c = make("gw-a"), make("gw-b"), make("other")
    ec2.attach_internet_gateway(InternetGatewayId=a, VpcId=v1)
    ec2.attach_internet_gateway(InternetGatewayId=b, VpcId=v2)

    def f(*filters):
        return ids(gateways(ec2, *filters))

    assert f(("attachment.vpc-id", [v1])) == {a}
    assert f(("attachment.vpc-id", [v1, v2])) == {a, b}
    assert f(("attachment.state", ["available"])) == {a, b}
    assert f(("attachment.state", ["detached"])) == set()
    assert f(("internet-gateway-id", [c])) == {c}
    assert f(("owner-id", [tenant.account_id])) == {a, b, c}
    assert f(("owner-id", ["123456789012"])) == set()
    assert f(("tag:Name", ["gw-*"])) == {a, b}
    assert f(("tag-key", ["Name"])) == {a, b, c}
    assert f(("tag-value", ["other"])) == {c}
    assert f(("tag:Name", ["gw-*"]), ("attachment.vpc-id", [v2])) == {b}
    got = gateways(ec2, ("tag:Name", ["gw-a", "other"]), InternetGatewayIds=[a, b])
    assert ids(got) == {a}


@pytest.mark.parametrize("name", ["internet-gateway-ids", "attachment", "vpc-id", ""])
def test_describe_unknown_filter(ec2, name):
    expect_error(ec2.describe_internet_gateways, "InvalidParameterValue", Filters=[{"Name": name, "Values": ["x"]}])


def test_describe_paging(tenant):
    ec2 = tenant.ec2
    made = {ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"] for _ in range(7)}
    for size in (5, 7, 1000):
        items, pages = all_pages(ec2.describe_internet_gateways, "InternetGateways", size)
        got = [g["InternetGatewayId"] for g in items]
        assert len(got) == len(set(got))
        assert set(got) == made
        assert pages == -(-7 // size) or (7 % size == 0 and pages == 7 // size + 1)
    raw = tenant.ec2_raw
    for bad in (0, 4, 1001):
        expect_error(raw.describe_internet_gateways, "InvalidParameterValue", MaxResults=bad)
    expect_error(raw.describe_internet_gateways, "InvalidNextToken", MaxResults=5, NextToken="zz")


def test_tags(ec2, igw):
    ec2.create_tags(Resources=[igw], Tags=[{"Key": "Name", "Value": "x"}])
    got = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["internet-gateway"]}])["Tags"]
    assert got == [{"ResourceId": igw, "ResourceType": "internet-gateway", "Key": "Name", "Value": "x"}]
    assert gateway(ec2, igw)["Tags"] == [{"Key": "Name", "Value": "x"}]
    missing = random_id("igw")
    err = expect_error(ec2.create_tags, "InvalidInternetGatewayID.NotFound", Resources=[missing],
                       Tags=[{"Key": "a", "Value": "b"}])
    assert missing in err["Error"]["Message"]


def test_dry_run(ec2, vpc, igw):
    expect_error(ec2.create_internet_gateway, "DryRunOperation", 412, DryRun=True)
    expect_error(ec2.attach_internet_gateway, "DryRunOperation", 412, InternetGatewayId=igw, VpcId=vpc, DryRun=True)
    expect_error(ec2.describe_internet_gateways, "DryRunOperation", 412, DryRun=True)
    expect_error(ec2.delete_internet_gateway, "DryRunOperation", 412, InternetGatewayId=igw, DryRun=True)
    assert ids(gateways(ec2)) == {igw}
    assert gateway(ec2, igw)["Attachments"] == []
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    expect_error(ec2.detach_internet_gateway, "DryRunOperation", 412, InternetGatewayId=igw, VpcId=vpc, DryRun=True)
    assert gateway(ec2, igw)["Attachments"] == [{"VpcId": vpc, "State": "available"}]


def test_detach_refused_while_public_addresses_are_mapped(ec2, vpc, igw):
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    inst = launch_or_skip(ec2, sn)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    assoc = ec2.associate_address(AllocationId=alloc, InstanceId=inst["InstanceId"])["AssociationId"]
    err = expect_error(ec2.detach_internet_gateway, "DependencyViolation", InternetGatewayId=igw, VpcId=vpc)
    assert "mapped public address" in err["Error"]["Message"]
    assert gateway(ec2, igw)["Attachments"] == [{"VpcId": vpc, "State": "available"}]
    ec2.disassociate_address(AssociationId=assoc)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)


def _outcome(fn, other, missing, **params):
    def subst(value, new):
        return [new if v == other else v for v in value] if isinstance(value, list) else \
            (new if value == other else value)

    a = bhlib.call_outcome(fn, **params)
    b = bhlib.call_outcome(fn, **{k: subst(v, missing) for k, v in params.items()})
    assert a[0] == "error", f"{fn.__name__} with another tenant's id succeeded: {a}"
    assert (a[1], a[3]) == (b[1], b[3]), f"{fn.__name__}: {a} vs {b}"
    assert a[2].replace(other, "ID") == b[2].replace(missing, "ID")


def test_tenancy(server):
    a, b = server.new_tenant(), server.new_tenant()
    ea, eb = a.ec2, b.ec2
    va = ea.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vb = eb.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vb2 = eb.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ga = ea.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    gb = eb.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    gb_loose = eb.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    eb.attach_internet_gateway(InternetGatewayId=gb, VpcId=vb)
    eb.create_tags(Resources=[gb], Tags=[{"Key": "owner", "Value": "b"}])
    before = eb.describe_internet_gateways()["InternetGateways"]
    mg, mv = random_id("igw"), random_id("vpc")

    assert ids(gateways(ea)) == {ga}
    assert gateways(ea, ("attachment.vpc-id", [vb])) == []
    assert gateways(ea, ("tag:owner", ["b"])) == []
    _outcome(ea.describe_internet_gateways, gb, mg, InternetGatewayIds=[gb])
    _outcome(ea.attach_internet_gateway, gb_loose, mg, InternetGatewayId=gb_loose, VpcId=va)
    _outcome(ea.detach_internet_gateway, gb, mg, InternetGatewayId=gb, VpcId=va)
    _outcome(ea.delete_internet_gateway, gb, mg, InternetGatewayId=gb)
    _outcome(ea.delete_internet_gateway, gb_loose, mg, InternetGatewayId=gb_loose)
    _outcome(ea.create_tags, gb, mg, Resources=[gb], Tags=[{"Key": "x", "Value": "y"}])
    # A's gateway and B's VPCs
    _outcome(ea.attach_internet_gateway, vb2, mv, InternetGatewayId=ga, VpcId=vb2)
    _outcome(ea.attach_internet_gateway, vb, mv, InternetGatewayId=ga, VpcId=vb)
    _outcome(ea.detach_internet_gateway, vb, mv, InternetGatewayId=ga, VpcId=vb)
    assert eb.describe_internet_gateways()["InternetGateways"] == before
    assert gateway(ea, ga)["Attachments"] == []
    # B attaching to a VPC has no bearing on A attaching to its own
    ea.attach_internet_gateway(InternetGatewayId=ga, VpcId=va)
