"""CreateTags, DeleteTags, DescribeTags on VPCs, subnets, security groups
and rules: overwrite, delete by key and by value, limits, filters, paging,
DryRun, and tags leaving with their resource."""
import pytest

from bhlib import all_pages, expect_error, random_id, rules_of


@pytest.fixture
def res(ec2, vpc):
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": subnet, "security-group": sg}


def tags_of(ec2, rid):
    r = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"]
    return {t["Key"]: t["Value"] for t in r}


def test_create_and_describe_tags(ec2, res):
    ids = list(res.values())
    r = ec2.create_tags(Resources=ids, Tags=[{"Key": "Name", "Value": "x"}, {"Key": "team", "Value": "net"}])
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = ec2.describe_tags()["Tags"]
    assert {(t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in got} == {
        (rid, rtype, k, v) for rtype, rid in res.items() for k, v in (("Name", "x"), ("team", "net"))}
    # the resources' own Describe shows them
    assert {t["Key"] for t in ec2.describe_vpcs(VpcIds=[res["vpc"]])["Vpcs"][0]["Tags"]} == {"Name", "team"}
    assert {t["Key"] for t in ec2.describe_subnets(SubnetIds=[res["subnet"]])["Subnets"][0]["Tags"]} == \
        {"Name", "team"}
    assert {t["Key"] for t in ec2.describe_security_groups(GroupIds=[res["security-group"]])[
        "SecurityGroups"][0]["Tags"]} == {"Name", "team"}


def test_tag_security_group_rule(ec2, res):
    sg = res["security-group"]
    rid = rules_of(ec2, sg)[0]["SecurityGroupRuleId"]
    ec2.create_tags(Resources=[rid], Tags=[{"Key": "why", "Value": "default egress"}])
    t = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"]
    assert [(x["ResourceType"], x["Key"], x["Value"]) for x in t] == [("security-group-rule", "why",
                                                                        "default egress")]
    rule = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rid])["SecurityGroupRules"][0]
    assert rule.get("Tags") == [{"Key": "why", "Value": "default egress"}]
    tagged = ec2.describe_security_group_rules(Filters=[{"Name": "tag:why", "Values": ["default*"]}])
    assert [r["SecurityGroupRuleId"] for r in tagged["SecurityGroupRules"]] == [rid]


def test_overwrite_and_empty_value(ec2, res):
    v = res["vpc"]
    ec2.create_tags(Resources=[v], Tags=[{"Key": "env", "Value": "dev"}])
    ec2.create_tags(Resources=[v], Tags=[{"Key": "env", "Value": "prod"}, {"Key": "flag"}])
    assert tags_of(ec2, v) == {"env": "prod", "flag": ""}


def test_delete_tags(ec2, res):
    v, s = res["vpc"], res["subnet"]
    ec2.create_tags(Resources=[v, s], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"},
                                           {"Key": "c", "Value": "3"}])
    # by key, whatever the value
    ec2.delete_tags(Resources=[v], Tags=[{"Key": "a"}])
    assert tags_of(ec2, v) == {"b": "2", "c": "3"}
    # by key and value: only when the value matches
    ec2.delete_tags(Resources=[v], Tags=[{"Key": "b", "Value": "wrong"}])
    assert tags_of(ec2, v) == {"b": "2", "c": "3"}
    ec2.delete_tags(Resources=[v], Tags=[{"Key": "b", "Value": "2"}])
    assert tags_of(ec2, v) == {"c": "3"}
    # an absent key is not an error
    ec2.delete_tags(Resources=[v], Tags=[{"Key": "never"}])
    # the subnet kept all of its tags
    assert tags_of(ec2, s) == {"a": "1", "b": "2", "c": "3"}
    # no Tags at all: every tag of the resource goes
    ec2.delete_tags(Resources=[s])
    assert tags_of(ec2, s) == {}
    assert tags_of(ec2, v) == {"c": "3"}


def test_tag_validation(ec2, res):
    v = res["vpc"]
    for tags in ([{"Key": "", "Value": "x"}], [{"Key": "aws:owner", "Value": "x"}], [{"Key": "k" * 129, "Value": "x"}],
                 [{"Key": "k", "Value": "v" * 257}]):
        expect_error(ec2.create_tags, "InvalidParameterValue", Resources=[v], Tags=tags)
    # the longest ones are fine
    ec2.create_tags(Resources=[v], Tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    assert tags_of(ec2, v) == {"k" * 128: "v" * 256}
    expect_error(ec2.delete_tags, "InvalidParameterValue", Resources=[v], Tags=[{"Key": "aws:owner"}])


def test_tag_limit(ec2, res):
    v = res["vpc"]
    ec2.create_tags(Resources=[v], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert len(tags_of(ec2, v)) == 50
    expect_error(ec2.create_tags, "TagLimitExceeded", Resources=[v], Tags=[{"Key": "one-more", "Value": "v"}])
    # overwriting an existing key is not a new tag
    ec2.create_tags(Resources=[v], Tags=[{"Key": "k0", "Value": "changed"}])
    s = res["subnet"]
    expect_error(ec2.create_tags, "TagLimitExceeded", Resources=[s],
                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert tags_of(ec2, s) == {}


def test_tags_on_unknown_resources(ec2, res):
    for missing in (random_id("vpc"), random_id("subnet"), random_id("sg"), random_id("sgr")):
        with pytest.raises(Exception) as ei:
            ec2.create_tags(Resources=[missing], Tags=[{"Key": "a", "Value": "b"}])
        err = ei.value.response["Error"]
        assert err["Code"].endswith(".NotFound"), err
        assert missing in err["Message"]
        assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # one missing id in the list: nothing is tagged
    with pytest.raises(Exception):
        ec2.create_tags(Resources=[res["vpc"], random_id("vpc")], Tags=[{"Key": "a", "Value": "b"}])
    assert tags_of(ec2, res["vpc"]) == {}
    expect_error(ec2.create_tags, "InvalidID", Resources=["widget-0123"], Tags=[{"Key": "a", "Value": "b"}])
    expect_error(ec2.create_tags, "InvalidID", Resources=["vpc-xyz"], Tags=[{"Key": "a", "Value": "b"}])


def test_tags_leave_with_their_resource(ec2, res):
    ec2.create_tags(Resources=list(res.values()), Tags=[{"Key": "a", "Value": "b"}])
    ec2.delete_security_group(GroupId=res["security-group"])
    ec2.delete_subnet(SubnetId=res["subnet"])
    left = {t["ResourceId"] for t in ec2.describe_tags()["Tags"]}
    assert left == {res["vpc"]}
    ec2.delete_vpc(VpcId=res["vpc"])
    assert ec2.describe_tags()["Tags"] == []


def test_describe_tags_filters(ec2, res):
    ec2.create_tags(Resources=[res["vpc"]], Tags=[{"Key": "Name", "Value": "main-vpc"}, {"Key": "env", "Value": "prod"}])
    ec2.create_tags(Resources=[res["subnet"]], Tags=[{"Key": "Name", "Value": "main-subnet"}])
    ec2.create_tags(Resources=[res["security-group"]], Tags=[{"Key": "env", "Value": "dev"}])

    def f(*filters):
        r = ec2.describe_tags(Filters=[{"Name": n, "Values": v} for n, v in filters])["Tags"]
        return {(t["ResourceId"], t["Key"]) for t in r}

    assert f(("resource-id", [res["vpc"]])) == {(res["vpc"], "Name"), (res["vpc"], "env")}
    assert f(("resource-type", ["subnet"])) == {(res["subnet"], "Name")}
    assert f(("resource-type", ["security-group"])) == {(res["security-group"], "env")}
    assert f(("key", ["env"])) == {(res["vpc"], "env"), (res["security-group"], "env")}
    assert f(("value", ["main-*"])) == {(res["vpc"], "Name"), (res["subnet"], "Name")}
    assert f(("key", ["env"]), ("value", ["prod"])) == {(res["vpc"], "env")}
    assert f(("key", ["nope"])) == set()
    expect_error(ec2.describe_tags, "InvalidParameterValue", Filters=[{"Name": "resource-colour", "Values": ["x"]}])


def test_describe_tags_paging(ec2, res):
    ec2.create_tags(Resources=list(res.values()), Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(4)])
    unpaged = {(t["ResourceId"], t["Key"]) for t in ec2.describe_tags()["Tags"]}
    assert len(unpaged) == 12
    for size in (5, 7, 12):
        items, _ = all_pages(ec2.describe_tags, "Tags", size)
        got = [(t["ResourceId"], t["Key"]) for t in items]
        assert len(got) == len(set(got)), f"duplicates with MaxResults={size}"
        assert set(got) == unpaged


def test_tags_dry_run(ec2, res):
    v = res["vpc"]
    ec2.create_tags(Resources=[v], Tags=[{"Key": "keep", "Value": "1"}])
    expect_error(ec2.create_tags, "DryRunOperation", 412, Resources=[v], Tags=[{"Key": "new", "Value": "1"}],
                 DryRun=True)
    expect_error(ec2.delete_tags, "DryRunOperation", 412, Resources=[v], Tags=[{"Key": "keep"}], DryRun=True)
    expect_error(ec2.describe_tags, "DryRunOperation", 412, DryRun=True)
    assert tags_of(ec2, v) == {"keep": "1"}


def test_tag_text_round_trips(ec2, res):
    v = res["vpc"]
    value = "<b>&amp; \"quoted\" 'single' zürich ✓ 東京"
    ec2.create_tags(Resources=[v], Tags=[{"Key": "odd <key> & co", "Value": value}, {"Key": "spaces  in key", "Value": " x "}])
    assert tags_of(ec2, v) == {"odd <key> & co": value, "spaces  in key": " x "}
    f = ec2.describe_vpcs(Filters=[{"Name": "tag:odd <key> & co", "Values": [value]}])["Vpcs"]
    assert [x["VpcId"] for x in f] == [v]
