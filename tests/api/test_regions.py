"""DescribeRegions and DescribeAvailabilityZones, for the default region
and for a server started with --region."""
import pytest

import bhlib
from bhlib import expect_error


def test_describe_regions(server, ec2):
    r = ec2.describe_regions()["Regions"]
    names = [x["RegionName"] for x in r]
    assert server.region in names
    me = [x for x in r if x["RegionName"] == server.region][0]
    assert me.get("Endpoint"), f"DescribeRegions gives no regionEndpoint: {me}"
    assert me.get("OptInStatus", "opt-in-not-required") == "opt-in-not-required"
    assert ec2.describe_regions(RegionNames=[server.region])["Regions"][0]["RegionName"] == server.region
    assert ec2.describe_regions(AllRegions=True)["Regions"]
    f = ec2.describe_regions(Filters=[{"Name": "region-name", "Values": [server.region]}])["Regions"]
    assert [x["RegionName"] for x in f] == [server.region]
    assert ec2.describe_regions(Filters=[{"Name": "region-name", "Values": ["mars-1"]}])["Regions"] == []
    expect_error(ec2.describe_regions, "InvalidParameterValue", Filters=[{"Name": "planet", "Values": ["x"]}])
    expect_error(ec2.describe_regions, "DryRunOperation", 412, DryRun=True)


def test_describe_regions_unknown_name(ec2):
    with pytest.raises(bhlib.ClientError) as ei:
        ec2.describe_regions(RegionNames=["mars-1"])
    bhlib.check_client_error(ei.value, ei.value.response["Error"]["Code"], 400)


def test_describe_availability_zones(server, ec2):
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert sorted(z["ZoneName"] for z in zones) == [f"{server.region}a", f"{server.region}b"]
    for z in zones:
        assert z["State"] == "available"
        assert z["RegionName"] == server.region
        assert z.get("ZoneType", "availability-zone") == "availability-zone"
        assert z.get("ZoneId")
    assert len({z["ZoneId"] for z in zones}) == 2
    one = ec2.describe_availability_zones(ZoneNames=[f"{server.region}b"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in one] == [f"{server.region}b"]
    f = ec2.describe_availability_zones(Filters=[{"Name": "zone-name", "Values": ["*a"]}])["AvailabilityZones"]
    assert [z["ZoneName"] for z in f] == [f"{server.region}a"]
    f = ec2.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"]
    assert len(f) == 2
    f = ec2.describe_availability_zones(Filters=[{"Name": "region-name", "Values": [server.region]}])
    assert len(f["AvailabilityZones"]) == 2
    expect_error(ec2.describe_availability_zones, "InvalidParameterValue",
                 Filters=[{"Name": "zone-colour", "Values": ["x"]}])
    expect_error(ec2.describe_availability_zones, "DryRunOperation", 412, DryRun=True)


def test_describe_availability_zones_unknown_name(server, ec2):
    with pytest.raises(bhlib.ClientError) as ei:
        ec2.describe_availability_zones(ZoneNames=[f"{server.region}z"])
    bhlib.check_client_error(ei.value, ei.value.response["Error"]["Code"], 400)
    assert ei.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_server_with_its_own_region(tmp_path):
    srv = bhlib.Server(tmp_path / "st", region="moon-2").start()
    try:
        ec2 = srv.client(srv.admin_akid, srv.admin_secret)
        assert "moon-2" in [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
        zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
        assert zones == ["moon-2a", "moon-2b"]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="moon-2b")["Subnet"]
        assert s["AvailabilityZone"] == "moon-2b"
        expect_error(ec2.create_subnet, "InvalidParameterValue", VpcId=vpc, CidrBlock="10.0.2.0/24",
                     AvailabilityZone="bulkhead-1a")
        # a signature scoped to the default region is refused here
        other = srv.client(srv.admin_akid, srv.admin_secret, region=bhlib.DEFAULT_REGION)
        with pytest.raises(bhlib.ClientError) as ei:
            other.describe_vpcs()
        assert 400 <= ei.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    finally:
        report = srv.stop()
    assert not report, report
