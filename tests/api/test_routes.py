"""Route tables and routes: the main table CreateVpc makes with its local
route, CreateRouteTable, associations (subnet and main), CreateRoute /
ReplaceRoute / DeleteRoute to internet gateways and instances, route state,
EC2's errors, filters, paging, tags, DryRun and tenancy."""
import re

import pytest

import bhlib
from bhlib import all_pages, expect_error, random_id

RTB_RE = re.compile(r"^rtb-[0-9a-f]{17}$")
ASSOC_RE = re.compile(r"^rtbassoc-[0-9a-f]{17}$")


def tables(ec2, *filters, **kw):
    if filters:
        kw["Filters"] = [{"Name": n, "Values": v} for n, v in filters]
    return ec2.describe_route_tables(**kw)["RouteTables"]


def table(ec2, rtb):
    return tables(ec2, RouteTableIds=[rtb])[0]


def ids(ts):
    return {t["RouteTableId"] for t in ts}


def main_table(ec2, vpc):
    got = tables(ec2, ("vpc-id", [vpc]), ("association.main", ["true"]))
    assert len(got) == 1, got
    return got[0]


def routes(ec2, rtb):
    return {r["DestinationCidrBlock"]: r for r in table(ec2, rtb)["Routes"]}


def attached_igw(ec2, vpc):
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return igw


@pytest.fixture
def rtb(ec2, vpc):
    return ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]


@pytest.fixture
def subnet(ec2, vpc):
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


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


# --------------------------------------------------------------------------
# the main route table


def test_create_vpc_makes_main_route_table(tenant):
    ec2 = tenant.ec2
    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    got = tables(ec2, ("vpc-id", [vpc]))
    assert len(got) == 1
    t = got[0]
    assert RTB_RE.match(t["RouteTableId"])
    assert t["VpcId"] == vpc
    assert t["OwnerId"] == tenant.account_id
    assert t["PropagatingVgws"] == []
    assert t["Routes"] == [{"DestinationCidrBlock": "10.3.0.0/16", "GatewayId": "local", "State": "active",
                            "Origin": "CreateRouteTable"}]
    [a] = t["Associations"]
    assert a["Main"] is True
    assert ASSOC_RE.match(a["RouteTableAssociationId"])
    assert a["RouteTableId"] == t["RouteTableId"]
    assert "SubnetId" not in a
    assert a["AssociationState"]["State"] == "associated"
    assert main_table(ec2, vpc)["RouteTableId"] == t["RouteTableId"]


def test_main_route_table_is_per_vpc(ec2):
    a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    b = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ta, tb = main_table(ec2, a), main_table(ec2, b)
    assert ta["RouteTableId"] != tb["RouteTableId"]
    assert ta["Associations"][0]["RouteTableAssociationId"] != tb["Associations"][0]["RouteTableAssociationId"]
    assert len(tables(ec2)) == 2


def test_main_route_table_cannot_be_deleted(ec2, vpc):
    main = main_table(ec2, vpc)["RouteTableId"]
    err = expect_error(ec2.delete_route_table, "DependencyViolation", RouteTableId=main)
    assert err["Error"]["Message"] == f"The routeTable '{main}' has dependencies and cannot be deleted."
    assert table(ec2, main)["RouteTableId"] == main


def test_main_association_cannot_be_disassociated(ec2, vpc):
    assoc = main_table(ec2, vpc)["Associations"][0]["RouteTableAssociationId"]
    err = expect_error(ec2.disassociate_route_table, "InvalidParameterValue", AssociationId=assoc)
    assert "main route table association" in err["Error"]["Message"]


def test_local_route_cannot_be_deleted_or_replaced(ec2, vpc):
    main = main_table(ec2, vpc)["RouteTableId"]
    igw = attached_igw(ec2, vpc)
    expect_error(ec2.delete_route, "InvalidParameterValue", RouteTableId=main, DestinationCidrBlock="10.0.0.0/16")
    expect_error(ec2.replace_route, "InvalidParameterValue", RouteTableId=main, DestinationCidrBlock="10.0.0.0/16",
                 GatewayId=igw)
    assert routes(ec2, main)["10.0.0.0/16"]["GatewayId"] == "local"


def test_delete_vpc_deletes_main_route_table(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    main = main_table(ec2, vpc)["RouteTableId"]
    ec2.create_tags(Resources=[main], Tags=[{"Key": "Name", "Value": "main"}])
    ec2.delete_vpc(VpcId=vpc)
    expect_error(ec2.describe_route_tables, "InvalidRouteTableID.NotFound", RouteTableIds=[main])
    assert tables(ec2) == []
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [main]}])["Tags"] == []


def test_delete_vpc_after_routes_come_and_go(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    main = main_table(ec2, vpc)["RouteTableId"]
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    igw = attached_igw(ec2, vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assoc = ec2.associate_route_table(RouteTableId=rt, SubnetId=sn)["AssociationId"]
    # an extra table, a subnet and an attached gateway each keep the VPC
    expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    ec2.disassociate_route_table(AssociationId=assoc)
    ec2.delete_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")
    ec2.delete_route_table(RouteTableId=rt)
    ec2.delete_subnet(SubnetId=sn)
    expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    # the main table still has its route to the (now detached) gateway
    assert routes(ec2, main)["0.0.0.0/0"]["State"] == "blackhole"
    ec2.delete_vpc(VpcId=vpc)
    assert tables(ec2) == []
    expect_error(ec2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[vpc])
    ec2.delete_internet_gateway(InternetGatewayId=igw)


def test_delete_vpc_refused_while_it_has_another_table(ec2, vpc, rtb):
    err = expect_error(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    assert vpc in err["Error"]["Message"]
    assert ids(tables(ec2, ("vpc-id", [vpc]))) == {rtb, main_table(ec2, vpc)["RouteTableId"]}
    ec2.delete_route_table(RouteTableId=rtb)
    ec2.delete_vpc(VpcId=vpc)


# --------------------------------------------------------------------------
# CreateRouteTable, DescribeRouteTables, DeleteRouteTable


def test_create_route_table(tenant, vpc):
    ec2 = tenant.ec2
    r = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}])["RouteTable"]
    assert RTB_RE.match(r["RouteTableId"])
    assert r["VpcId"] == vpc
    assert r["OwnerId"] == tenant.account_id
    assert r["Associations"] == []
    assert r["Routes"] == [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active",
                            "Origin": "CreateRouteTable"}]
    assert r["Tags"] == [{"Key": "Name", "Value": "public"}]
    d = table(ec2, r["RouteTableId"])
    assert d["Routes"] == r["Routes"]
    assert d["Tags"] == [{"Key": "Name", "Value": "public"}]
    assert d["Associations"] == []
    # the main table is still the main one
    assert main_table(ec2, vpc)["RouteTableId"] != r["RouteTableId"]


def test_create_route_table_errors(tenant, vpc):
    ec2 = tenant.ec2
    missing = random_id("vpc")
    err = expect_error(ec2.create_route_table, "InvalidVpcID.NotFound", VpcId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.create_route_table, "InvalidVpcID.Malformed", VpcId="vpc-zz")
    expect_error(tenant.ec2_raw.create_route_table, "MissingParameter")
    expect_error(ec2.create_route_table, "InvalidParameterValue", VpcId=vpc,
                 TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    # nothing half-made
    assert len(tables(ec2, ("vpc-id", [vpc]))) == 1


def test_describe_route_tables_ids(ec2, vpc, rtb):
    main = main_table(ec2, vpc)["RouteTableId"]
    assert ids(tables(ec2, RouteTableIds=[rtb])) == {rtb}
    assert ids(tables(ec2, RouteTableIds=[rtb, main])) == {rtb, main}
    assert ids(tables(ec2)) == {rtb, main}
    missing = random_id("rtb")
    err = expect_error(ec2.describe_route_tables, "InvalidRouteTableID.NotFound", RouteTableIds=[rtb, missing])
    assert err["Error"]["Message"] == f"The routeTable ID '{missing}' does not exist"


@pytest.mark.parametrize("bad", ["rtb-xyz", "rtb-", "vpc-0123456789abcdef0", "rtb-0123456789ABCDEF0", "x"])
def test_describe_route_tables_malformed_id(ec2, bad):
    expect_error(ec2.describe_route_tables, "InvalidRouteTableID.Malformed", RouteTableIds=[bad])


def test_delete_route_table(ec2, vpc, rtb):
    ec2.create_tags(Resources=[rtb], Tags=[{"Key": "k", "Value": "v"}])
    r = ec2.delete_route_table(RouteTableId=rtb)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    expect_error(ec2.describe_route_tables, "InvalidRouteTableID.NotFound", RouteTableIds=[rtb])
    err = expect_error(ec2.delete_route_table, "InvalidRouteTableID.NotFound", RouteTableId=rtb)
    assert err["Error"]["Message"] == f"The routeTable ID '{rtb}' does not exist"
    expect_error(ec2.delete_route_table, "InvalidRouteTableID.Malformed", RouteTableId="rtb-nothex")
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rtb]}])["Tags"] == []


def test_delete_route_table_with_routes(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.delete_route_table(RouteTableId=rtb)
    assert len(tables(ec2, ("vpc-id", [vpc]))) == 1


def test_delete_route_table_with_subnet_is_dependency_violation(ec2, vpc, rtb, subnet):
    assoc = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)["AssociationId"]
    err = expect_error(ec2.delete_route_table, "DependencyViolation", RouteTableId=rtb)
    assert err["Error"]["Message"] == f"The routeTable '{rtb}' has dependencies and cannot be deleted."
    ec2.disassociate_route_table(AssociationId=assoc)
    ec2.delete_route_table(RouteTableId=rtb)


# --------------------------------------------------------------------------
# associations


def test_associate_route_table(ec2, vpc, rtb, subnet):
    r = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    assoc = r["AssociationId"]
    assert ASSOC_RE.match(assoc)
    assert r["AssociationState"]["State"] == "associated"
    [a] = table(ec2, rtb)["Associations"]
    assert a == {"Main": False, "RouteTableAssociationId": assoc, "RouteTableId": rtb, "SubnetId": subnet,
                 "AssociationState": {"State": "associated"}}
    # the main table keeps only its main association
    assert [x["Main"] for x in main_table(ec2, vpc)["Associations"]] == [True]
    ec2.disassociate_route_table(AssociationId=assoc)
    assert table(ec2, rtb)["Associations"] == []
    err = expect_error(ec2.disassociate_route_table, "InvalidAssociationID.NotFound", AssociationId=assoc)
    assert assoc in err["Error"]["Message"]
    # associable again once free
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)


def test_associate_route_table_errors(ec2, vpc, rtb, subnet):
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
    # a subnet has one explicit association, whichever table asks
    other = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    expect_error(ec2.associate_route_table, "Resource.AlreadyAssociated", RouteTableId=other, SubnetId=subnet)
    expect_error(ec2.associate_route_table, "Resource.AlreadyAssociated", RouteTableId=rtb, SubnetId=subnet)
    # another VPC's subnet
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    sn2 = ec2.create_subnet(VpcId=vpc2, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    expect_error(ec2.associate_route_table, "InvalidParameterValue", RouteTableId=rtb, SubnetId=sn2)
    missing = random_id("subnet")
    err = expect_error(ec2.associate_route_table, "InvalidSubnetID.NotFound", RouteTableId=rtb, SubnetId=missing)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.associate_route_table, "InvalidSubnetID.Malformed", RouteTableId=rtb, SubnetId="subnet-q")
    missing = random_id("rtb")
    expect_error(ec2.associate_route_table, "InvalidRouteTableID.NotFound", RouteTableId=missing, SubnetId=sn2)
    expect_error(ec2.associate_route_table, "InvalidRouteTableID.Malformed", RouteTableId="rtb-q", SubnetId=sn2)
    assert table(ec2, other)["Associations"] == []


@pytest.mark.parametrize("bad", ["rtbassoc-0123456789abcdef0", "rtbassoc-xyz", "x"])
def test_disassociate_unknown(ec2, bad):
    expect_error(ec2.disassociate_route_table, "InvalidAssociationID.NotFound", AssociationId=bad)


def test_replace_subnet_association(ec2, vpc, rtb, subnet):
    old = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)["AssociationId"]
    other = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    r = ec2.replace_route_table_association(AssociationId=old, RouteTableId=other)
    new = r["NewAssociationId"]
    assert ASSOC_RE.match(new) and new != old
    assert r["AssociationState"]["State"] == "associated"
    assert table(ec2, rtb)["Associations"] == []
    [a] = table(ec2, other)["Associations"]
    assert (a["RouteTableAssociationId"], a["SubnetId"], a["Main"]) == (new, subnet, False)
    expect_error(ec2.disassociate_route_table, "InvalidAssociationID.NotFound", AssociationId=old)
    ec2.delete_route_table(RouteTableId=rtb)


def test_replace_main_association(ec2, vpc, rtb):
    old_main = main_table(ec2, vpc)
    old_assoc = old_main["Associations"][0]["RouteTableAssociationId"]
    r = ec2.replace_route_table_association(AssociationId=old_assoc, RouteTableId=rtb)
    new_main = main_table(ec2, vpc)
    assert new_main["RouteTableId"] == rtb
    assert new_main["Associations"][0]["RouteTableAssociationId"] == r["NewAssociationId"]
    assert table(ec2, old_main["RouteTableId"])["Associations"] == []
    assert ids(tables(ec2, ("association.main", ["false"]))) == set()
    # the new main table is protected, the old one is an ordinary table now
    expect_error(ec2.delete_route_table, "DependencyViolation", RouteTableId=rtb)
    ec2.delete_route_table(RouteTableId=old_main["RouteTableId"])
    ec2.delete_vpc(VpcId=vpc)
    assert tables(ec2) == []


def test_replace_association_errors(ec2, vpc, rtb, subnet):
    assoc = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)["AssociationId"]
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    foreign = main_table(ec2, vpc2)["RouteTableId"]
    expect_error(ec2.replace_route_table_association, "InvalidParameterValue", AssociationId=assoc,
                 RouteTableId=foreign)
    expect_error(ec2.replace_route_table_association, "InvalidAssociationID.NotFound",
                 AssociationId=random_id("rtbassoc"), RouteTableId=rtb)
    expect_error(ec2.replace_route_table_association, "InvalidRouteTableID.NotFound", AssociationId=assoc,
                 RouteTableId=random_id("rtb"))
    assert table(ec2, rtb)["Associations"][0]["RouteTableAssociationId"] == assoc


def test_delete_subnet_drops_its_association(ec2, vpc, rtb, subnet):
    assoc = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)["AssociationId"]
    ec2.delete_subnet(SubnetId=subnet)
    assert table(ec2, rtb)["Associations"] == []
    expect_error(ec2.disassociate_route_table, "InvalidAssociationID.NotFound", AssociationId=assoc)
    ec2.delete_route_table(RouteTableId=rtb)


# --------------------------------------------------------------------------
# routes


def test_route_to_internet_gateway(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    r = ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert r["Return"] is True
    got = routes(ec2, rtb)
    assert got["0.0.0.0/0"] == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active",
                                "Origin": "CreateRoute"}
    assert got["10.0.0.0/16"]["GatewayId"] == "local"
    # a detached gateway leaves a blackhole, a re-attached one revives it
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert routes(ec2, rtb)["0.0.0.0/0"]["State"] == "blackhole"
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert routes(ec2, rtb)["0.0.0.0/0"]["State"] == "active"
    # a deleted one too
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    assert routes(ec2, rtb)["0.0.0.0/0"]["State"] == "blackhole"


def test_route_destination_is_canonical(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16", GatewayId=igw)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/8", GatewayId=igw)  # wider than local
    assert set(routes(ec2, rtb)) == {"10.0.0.0/16", "192.168.0.0/16", "10.0.0.0/8"}
    ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16")
    assert set(routes(ec2, rtb)) == {"10.0.0.0/16", "10.0.0.0/8"}


def test_route_already_exists(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", GatewayId=igw)
    err = expect_error(ec2.create_route, "RouteAlreadyExists", RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16",
                       GatewayId=igw)
    assert err["Error"]["Message"] == "The route identified by 10.1.0.0/16 already exists."
    # the local route's destination is taken too
    expect_error(ec2.create_route, "RouteAlreadyExists", RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/16",
                 GatewayId=igw)


def test_route_more_specific_than_local(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    for dest in ("10.0.1.0/24", "10.0.0.0/17", "10.0.255.255/32"):
        err = expect_error(ec2.create_route, "InvalidParameterValue", RouteTableId=rtb, DestinationCidrBlock=dest,
                           GatewayId=igw)
        assert "more specific" in err["Error"]["Message"]
    assert set(routes(ec2, rtb)) == {"10.0.0.0/16"}


def test_create_route_target_errors(tenant, vpc, rtb):
    ec2 = tenant.ec2
    raw = tenant.ec2_raw
    dest = {"RouteTableId": rtb, "DestinationCidrBlock": "0.0.0.0/0"}
    igw = attached_igw(ec2, vpc)
    expect_error(raw.create_route, "MissingParameter", **dest)
    expect_error(ec2.create_route, "InvalidParameterCombination", GatewayId=igw, InstanceId=random_id("i"), **dest)
    expect_error(ec2.create_route, "InvalidParameterCombination", GatewayId=igw,
                 NetworkInterfaceId=random_id("eni"), **dest)
    expect_error(ec2.create_route, "InvalidParameterValue", GatewayId="local", **dest)
    missing = random_id("igw")
    err = expect_error(ec2.create_route, "InvalidGatewayID.NotFound", GatewayId=missing, **dest)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.create_route, "InvalidGatewayID.NotFound", GatewayId=random_id("vgw"), **dest)
    # a gateway that is not attached to this VPC
    loose = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    expect_error(ec2.create_route, "InvalidParameterValue", GatewayId=loose, **dest)
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.attach_internet_gateway(InternetGatewayId=loose, VpcId=vpc2)
    expect_error(ec2.create_route, "InvalidParameterValue", GatewayId=loose, **dest)
    missing = random_id("i")
    err = expect_error(ec2.create_route, "InvalidInstanceID.NotFound", InstanceId=missing, **dest)
    assert missing in err["Error"]["Message"]
    expect_error(ec2.create_route, "InvalidInstanceID.Malformed", InstanceId="i-nothex", **dest)
    expect_error(ec2.create_route, "InvalidNetworkInterfaceID.NotFound", NetworkInterfaceId=random_id("eni"), **dest)
    expect_error(ec2.create_route, "InvalidNetworkInterfaceID.Malformed", NetworkInterfaceId="eni-x", **dest)
    # targets EC2 has and bulkhead does not
    expect_error(ec2.create_route, "InvalidParameterValue", NatGatewayId="nat-0123456789abcdef0", **dest)
    expect_error(ec2.create_route, "InvalidParameterCombination", NatGatewayId="nat-0123456789abcdef0",
                 GatewayId=igw, **dest)
    assert set(routes(ec2, rtb)) == {"10.0.0.0/16"}


def test_create_route_destination_errors(tenant, vpc, rtb):
    ec2 = tenant.ec2
    igw = attached_igw(ec2, vpc)
    for bad in ("0.0.0.0", "10.0.0.1/16", "300.0.0.0/8", "abc", "10.0.0.0/33"):
        expect_error(ec2.create_route, "InvalidParameterValue", RouteTableId=rtb, DestinationCidrBlock=bad,
                     GatewayId=igw)
    # IPv4 only: VPCs have no IPv6 block
    expect_error(ec2.create_route, "InvalidParameterValue", RouteTableId=rtb, DestinationIpv6CidrBlock="::/0",
                 GatewayId=igw)
    expect_error(tenant.ec2_raw.create_route, "MissingParameter", RouteTableId=rtb, GatewayId=igw)
    missing = random_id("rtb")
    err = expect_error(ec2.create_route, "InvalidRouteTableID.NotFound", RouteTableId=missing,
                       DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert err["Error"]["Message"] == f"The routeTable ID '{missing}' does not exist"
    expect_error(ec2.create_route, "InvalidRouteTableID.Malformed", RouteTableId="rtb-1",
                 DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)


def test_route_limit(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    for i in range(49):  # with the local route, 50
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock=f"192.168.{i}.0/24", GatewayId=igw)
    expect_error(ec2.create_route, "RouteLimitExceeded", RouteTableId=rtb, DestinationCidrBlock="192.168.200.0/24",
                 GatewayId=igw)
    assert len(table(ec2, rtb)["Routes"]) == 50
    # filters still see every route of a large table
    got = tables(ec2, ("route.destination-cidr-block", ["192.168.48.0/24"]))
    assert ids(got) == {rtb}


def test_replace_route(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    igw2 = attached_igw(ec2, vpc)
    assert routes(ec2, rtb)["0.0.0.0/0"]["State"] == "blackhole"
    r = ec2.replace_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw2)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = routes(ec2, rtb)["0.0.0.0/0"]
    assert (got["GatewayId"], got["State"], got["Origin"]) == (igw2, "active", "CreateRoute")
    # the old gateway is not a valid target any more
    expect_error(ec2.replace_route, "InvalidParameterValue", RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0",
                 GatewayId=igw)
    assert routes(ec2, rtb)["0.0.0.0/0"]["GatewayId"] == igw2


def test_replace_and_delete_missing_route(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    err = expect_error(ec2.replace_route, "InvalidRoute.NotFound", RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0",
                       GatewayId=igw)
    assert err["Error"]["Message"].startswith("There is no route defined for '0.0.0.0/0' in the route table.")
    err = expect_error(ec2.delete_route, "InvalidRoute.NotFound", RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    assert "'0.0.0.0/0'" in err["Error"]["Message"]
    expect_error(ec2.delete_route, "InvalidRouteTableID.NotFound", RouteTableId=random_id("rtb"),
                 DestinationCidrBlock="0.0.0.0/0")
    expect_error(ec2.delete_route, "InvalidParameterValue", RouteTableId=rtb, DestinationIpv6CidrBlock="::/0")


def test_delete_route(ec2, vpc, rtb):
    igw = attached_igw(ec2, vpc)
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    assert set(routes(ec2, rtb)) == {"10.0.0.0/16"}
    expect_error(ec2.delete_route, "InvalidRoute.NotFound", RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    # and it can be made again
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)


def test_route_to_instance(tenant, vpc, rtb, subnet):
    ec2 = tenant.ec2
    inst = launch_or_skip(ec2, subnet)
    iid, eni = inst["InstanceId"], inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", InstanceId=iid)
    got = routes(ec2, rtb)["0.0.0.0/0"]
    assert got["InstanceId"] == iid
    assert got["InstanceOwnerId"] == tenant.account_id
    assert got["NetworkInterfaceId"] == eni
    assert got["Origin"] == "CreateRoute"
    assert got["State"] == "active"  # pending or running
    assert ids(tables(ec2, ("route.instance-id", [iid]))) == {rtb}
    # by interface
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16", NetworkInterfaceId=eni)
    assert routes(ec2, rtb)["192.168.0.0/16"]["NetworkInterfaceId"] == eni
    # an instance of another VPC
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    rt2 = ec2.create_route_table(VpcId=vpc2)["RouteTable"]["RouteTableId"]
    expect_error(ec2.create_route, "InvalidParameterValue", RouteTableId=rt2, DestinationCidrBlock="0.0.0.0/0",
                 InstanceId=iid)
    expect_error(ec2.create_route, "InvalidParameterValue", RouteTableId=rt2, DestinationCidrBlock="0.0.0.0/0",
                 NetworkInterfaceId=eni)
    # gone: a blackhole
    ec2.terminate_instances(InstanceIds=[iid])
    assert routes(ec2, rtb)["0.0.0.0/0"]["State"] == "blackhole"


# --------------------------------------------------------------------------
# filters, paging, tags, DryRun


def test_describe_route_tables_filters(tenant, vpc, subnet):
    ec2 = tenant.ec2
    main = main_table(ec2, vpc)["RouteTableId"]
    igw = attached_igw(ec2, vpc)
    pub = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}])["RouteTable"]["RouteTableId"]
    priv = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "private"}]}])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=pub, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assoc = ec2.associate_route_table(RouteTableId=pub, SubnetId=subnet)["AssociationId"]
    vpc2 = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    main2 = main_table(ec2, vpc2)["RouteTableId"]

    def f(*filters):
        return ids(tables(ec2, *filters))

    assert f(("vpc-id", [vpc])) == {main, pub, priv}
    assert f(("vpc-id", [vpc2])) == {main2}
    assert f(("route-table-id", [pub, main2])) == {pub, main2}
    assert f(("owner-id", [tenant.account_id])) == {main, pub, priv, main2}
    assert f(("owner-id", ["123456789012"])) == set()
    assert f(("association.main", ["true"])) == {main, main2}
    assert f(("association.main", ["false"])) == {pub}
    assert f(("association.subnet-id", [subnet])) == {pub}
    assert f(("association.route-table-association-id", [assoc])) == {pub}
    assert f(("association.route-table-id", [pub])) == {pub}
    assert f(("route.gateway-id", [igw])) == {pub}
    assert f(("route.gateway-id", ["local"])) == {main, pub, priv, main2}
    assert f(("route.destination-cidr-block", ["0.0.0.0/0"])) == {pub}
    assert f(("route.destination-cidr-block", ["10.1.0.0/16"])) == {main2}
    assert f(("route.origin", ["CreateRoute"])) == {pub}
    assert f(("route.origin", ["CreateRouteTable"])) == {main, pub, priv, main2}
    assert f(("route.state", ["active"])) == {main, pub, priv, main2}
    assert f(("route.instance-id", ["i-0123456789abcdef0"])) == set()
    assert f(("tag:Name", ["public"])) == {pub}
    assert f(("tag:Name", ["p*"])) == {pub, priv}
    assert f(("tag-key", ["Name"])) == {pub, priv}
    # filters AND, values OR; two route filters may be met by two routes
    assert f(("vpc-id", [vpc]), ("association.main", ["true"])) == {main}
    assert f(("route.gateway-id", [igw]), ("route.origin", ["CreateRouteTable"])) == {pub}
    assert f(("route.gateway-id", [igw, "nope"]), ("tag:Name", ["private"])) == set()
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert f(("route.state", ["blackhole"])) == {pub}
    # ids and filters together
    got = tables(ec2, ("tag:Name", ["private"]), RouteTableIds=[pub, priv])
    assert ids(got) == {priv}


@pytest.mark.parametrize("name", ["route-table-ids", "route.colour", "association", "RouteTableId", ""])
def test_describe_route_tables_unknown_filter(ec2, name):
    expect_error(ec2.describe_route_tables, "InvalidParameterValue", Filters=[{"Name": name, "Values": ["x"]}])


def test_describe_route_tables_paging(tenant):
    ec2 = tenant.ec2
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    made = {ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"] for _ in range(11)}
    made.add(main_table(ec2, vpc)["RouteTableId"])
    assert ids(tables(ec2)) == made
    for size in (5, 6, 12, 100):
        items, pages = all_pages(ec2.describe_route_tables, "RouteTables", size)
        got = [t["RouteTableId"] for t in items]
        assert len(got) == len(set(got)), f"duplicates with MaxResults={size}"
        assert set(got) == made
        assert pages == -(-12 // size) or (12 % size == 0 and pages == 12 // size + 1)
    items, _ = all_pages(ec2.describe_route_tables, "RouteTables", 5,
                         Filters=[{"Name": "association.main", "Values": ["false"]}])
    assert items == []
    raw = tenant.ec2_raw
    for bad in (0, 4, 101):
        expect_error(raw.describe_route_tables, "InvalidParameterValue", MaxResults=bad)
    expect_error(raw.describe_route_tables, "InvalidNextToken", MaxResults=5, NextToken="zz")


def test_route_table_tags(ec2, rtb):
    ec2.create_tags(Resources=[rtb], Tags=[{"Key": "Name", "Value": "x"}])
    got = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rtb]}])["Tags"]
    assert got == [{"ResourceId": rtb, "ResourceType": "route-table", "Key": "Name", "Value": "x"}]
    assert ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["route-table"]}])["Tags"] == got
    assert table(ec2, rtb)["Tags"] == [{"Key": "Name", "Value": "x"}]
    ec2.delete_tags(Resources=[rtb], Tags=[{"Key": "Name"}])
    assert table(ec2, rtb).get("Tags", []) == []
    missing = random_id("rtb")
    err = expect_error(ec2.create_tags, "InvalidRouteTableID.NotFound", Resources=[missing],
                       Tags=[{"Key": "a", "Value": "b"}])
    assert missing in err["Error"]["Message"]


def test_dry_run(ec2, vpc, rtb, subnet):
    expect_error(ec2.create_route_table, "DryRunOperation", 412, VpcId=vpc, DryRun=True)
    expect_error(ec2.describe_route_tables, "DryRunOperation", 412, DryRun=True)
    expect_error(ec2.delete_route_table, "DryRunOperation", 412, RouteTableId=rtb, DryRun=True)
    expect_error(ec2.associate_route_table, "DryRunOperation", 412, RouteTableId=rtb, SubnetId=subnet, DryRun=True)
    igw = attached_igw(ec2, vpc)
    expect_error(ec2.create_route, "DryRunOperation", 412, RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0",
                 GatewayId=igw, DryRun=True)
    # nothing changed
    t = table(ec2, rtb)
    assert t["Associations"] == [] and len(t["Routes"]) == 1
    assert len(tables(ec2, ("vpc-id", [vpc]))) == 2


# --------------------------------------------------------------------------
# tenancy: another tenant's ids answer exactly like ids nobody has


def _outcome(fn, own, other, missing, **params):
    """Call fn with other's and missing's ids substituted for own's; both
    must fail alike, the message differing only by the id."""
    def subst(value, new):
        return [new if v == own else v for v in value] if isinstance(value, list) else (new if value == own else value)

    a = bhlib.call_outcome(fn, **{k: subst(v, other) for k, v in params.items()})
    b = bhlib.call_outcome(fn, **{k: subst(v, missing) for k, v in params.items()})
    assert a[0] == "error", f"{fn.__name__} with another tenant's id succeeded: {a}"
    assert (a[1], a[3]) == (b[1], b[3]), f"{fn.__name__}: {a} vs {b}"
    assert a[2].replace(other, "ID") == b[2].replace(missing, "ID")
    return a


def test_tenancy(server):
    a, b = server.new_tenant(), server.new_tenant()
    ea, eb = a.ec2, b.ec2
    # both tenants use the same CIDRs
    va = ea.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vb = eb.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sa = ea.create_subnet(VpcId=va, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sb = eb.create_subnet(VpcId=vb, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    rta = ea.create_route_table(VpcId=va)["RouteTable"]["RouteTableId"]
    rtb_ = eb.create_route_table(VpcId=vb)["RouteTable"]["RouteTableId"]
    igwa, igwb = attached_igw(ea, va), attached_igw(eb, vb)
    eb.create_route(RouteTableId=rtb_, DestinationCidrBlock="0.0.0.0/0", GatewayId=igwb)
    assoc_b = eb.associate_route_table(RouteTableId=rtb_, SubnetId=sb)["AssociationId"]
    main_b = main_table(eb, vb)
    eb.create_tags(Resources=[rtb_], Tags=[{"Key": "owner", "Value": "b"}])

    def strip(r):
        r.pop("ResponseMetadata", None)
        return r

    before = strip(eb.describe_route_tables())
    mr, ma = random_id("rtb"), random_id("rtbassoc")
    # A sees none of B's tables
    assert ids(tables(ea)) == {rta, main_table(ea, va)["RouteTableId"]}
    assert tables(ea, ("vpc-id", [vb])) == []
    assert tables(ea, ("route.gateway-id", [igwb])) == []
    assert tables(ea, ("association.subnet-id", [sb])) == []
    _outcome(ea.describe_route_tables, rtb_, rtb_, mr, RouteTableIds=[rtb_])
    _outcome(ea.delete_route_table, rtb_, rtb_, mr, RouteTableId=rtb_)
    _outcome(ea.delete_route_table, main_b["RouteTableId"], main_b["RouteTableId"], mr,
             RouteTableId=main_b["RouteTableId"])
    _outcome(ea.create_route, rtb_, rtb_, mr, RouteTableId=rtb_, DestinationCidrBlock="1.0.0.0/8", GatewayId=igwa)
    _outcome(ea.replace_route, rtb_, rtb_, mr, RouteTableId=rtb_, DestinationCidrBlock="0.0.0.0/0", GatewayId=igwa)
    _outcome(ea.delete_route, rtb_, rtb_, mr, RouteTableId=rtb_, DestinationCidrBlock="0.0.0.0/0")
    _outcome(ea.associate_route_table, rtb_, rtb_, mr, RouteTableId=rtb_, SubnetId=sa)
    _outcome(ea.create_tags, rtb_, rtb_, mr, Resources=[rtb_], Tags=[{"Key": "x", "Value": "y"}])
    _outcome(ea.delete_tags, rtb_, rtb_, mr, Resources=[rtb_])
    # B's subnet, association, gateway and VPC, used from A's own table
    _outcome(ea.associate_route_table, sb, sb, random_id("subnet"), RouteTableId=rta, SubnetId=sb)
    _outcome(ea.disassociate_route_table, assoc_b, assoc_b, ma, AssociationId=assoc_b)
    main_assoc_b = main_b["Associations"][0]["RouteTableAssociationId"]
    _outcome(ea.disassociate_route_table, main_assoc_b, main_assoc_b, ma, AssociationId=main_assoc_b)
    _outcome(ea.replace_route_table_association, assoc_b, assoc_b, ma, AssociationId=assoc_b, RouteTableId=rta)
    _outcome(ea.replace_route_table_association, main_assoc_b, main_assoc_b, ma, AssociationId=main_assoc_b,
             RouteTableId=rta)
    _outcome(ea.create_route, igwb, igwb, random_id("igw"), RouteTableId=rta, DestinationCidrBlock="0.0.0.0/0",
             GatewayId=igwb)
    _outcome(ea.create_route_table, vb, vb, random_id("vpc"), VpcId=vb)
    # B's state did not move
    assert strip(eb.describe_route_tables()) == before
    assert routes(ea, rta) == {"10.0.0.0/16": {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                                               "State": "active", "Origin": "CreateRouteTable"}}
