"""The command line: `bulkhead admin` for accounts and keys, `bulkhead
serve`'s refusals, and the README's walk-through with the real aws CLI."""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess

import botocore.credentials
import pytest

import bhlib
from bhlib import expect_error

AWS = "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else shutil.which("aws")
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def random_akid():
    return "AKIA" + "".join(secrets.choice(B32) for _ in range(16))


def random_secret():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(secrets.choice(alphabet) for _ in range(40))


# ---------------------------------------------------------------- accounts


def test_account_create_json_shape(server):
    name = "acme-" + secrets.token_hex(3)
    out = server.admin("account", "create", name)
    assert set(out) == {"AccountId", "Name"}
    assert re.match(r"^\d{12}$", out["AccountId"])
    assert out["Name"] == name


def test_account_create_text_prints_the_id(server):
    out = server.admin("account", "create", "plain-" + secrets.token_hex(3), json_out=False)
    assert re.match(r"^\d{12}$", out.strip()), out


def test_account_create_with_id_and_duplicate(server):
    acct = "9" + "".join(secrets.choice("0123456789") for _ in range(11))
    out = server.admin("account", "create", "--id", acct, "fixed")
    assert out["AccountId"] == acct
    p = server.admin("account", "create", "--id", acct, "again", ok=False)
    assert p.returncode != 0
    assert p.stderr.strip()
    names = [a for a in server.admin("account", "list") if a["AccountId"] == acct]
    assert names == [{"AccountId": acct, "Name": "fixed"}]


def test_account_list_and_delete(server, make_tenant):
    t = make_tenant()
    vpc = t.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    t.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")
    t.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "k", "Value": "v"}])
    listed = server.admin("account", "list")
    assert isinstance(listed, list)
    assert {"AccountId": t.account_id, "Name": t.name} in listed
    for a in listed:
        assert set(a) == {"AccountId", "Name"}
    text = server.admin("account", "list", json_out=False)
    assert re.search(rf"^{t.account_id}\s+{re.escape(t.name)}$", text, re.M), text

    survivor = make_tenant()
    svpc = survivor.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

    server.admin("account", "delete", t.account_id, json_out=False)
    assert t.account_id not in [a["AccountId"] for a in server.admin("account", "list")]
    # its keys are gone with it
    expect_error(t.ec2.describe_vpcs, "AuthFailure", 401)
    p = server.admin("key", "list", t.account_id, ok=False)
    assert p.returncode != 0 or json.loads(p.stdout) == [], p.stdout
    # deleting twice fails
    p = server.admin("account", "delete", t.account_id, json_out=False, ok=False)
    assert p.returncode != 0
    # others are untouched
    assert [v["VpcId"] for v in survivor.ec2.describe_vpcs()["Vpcs"]] == [svpc]
    # an account made again with the same id starts empty: nothing comes back
    server.admin("account", "create", "--id", t.account_id, "reborn")
    key = server.admin("key", "create", t.account_id)
    reborn = server.client(key["AccessKeyId"], key["SecretAccessKey"])
    assert reborn.describe_vpcs()["Vpcs"] == []
    assert reborn.describe_subnets()["Subnets"] == []
    assert reborn.describe_security_groups()["SecurityGroups"] == []
    assert reborn.describe_tags()["Tags"] == []
    expect_error(reborn.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[vpc])


# ---------------------------------------------------------------- keys


def test_key_create_json_shape_and_list(server, tenant):
    out = server.admin("key", "create", tenant.account_id)
    assert set(out) == {"AccountId", "AccessKeyId", "SecretAccessKey"}
    assert out["AccountId"] == tenant.account_id
    assert re.match(r"^AKIA[A-Z2-7]{16}$", out["AccessKeyId"])
    assert len(out["SecretAccessKey"]) == 40
    keys = server.admin("key", "list", tenant.account_id)
    ids = {k["AccessKeyId"]: k for k in keys}
    assert set(ids) == {tenant.akid, out["AccessKeyId"]}
    for k in keys:
        assert k["AccountId"] == tenant.account_id
        assert k["Status"] == "Active"
        assert "SecretAccessKey" not in k
    text = server.admin("key", "list", tenant.account_id, json_out=False)
    assert out["SecretAccessKey"] not in text and tenant.secret not in text
    # the new key works
    ec2 = server.client(out["AccessKeyId"], out["SecretAccessKey"])
    assert ec2.describe_vpcs()["Vpcs"] == []


def test_key_create_text_prints_aws_settings(server, tenant):
    out = server.admin("key", "create", tenant.account_id, json_out=False)
    akid = re.search(r"AccessKeyId\s+(AKIA[A-Z2-7]{16})", out).group(1)
    secret = re.search(r"SecretAccessKey\s+(\S{40})", out).group(1)
    assert f"AWS_ACCESS_KEY_ID={akid}" in out
    assert f"AWS_SECRET_ACCESS_KEY={secret}" in out
    assert server.client(akid, secret).describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_options_in_the_documented_order(server):
    # README and `admin --help`: "account create NAME [--id 12DIGITS]" and
    # "key create ACCOUNT-ID [--access-key-id ID --secret-access-key SECRET]"
    acct = "8" + "".join(secrets.choice("0123456789") for _ in range(11))
    p = server.admin("account", "create", "documented", "--id", acct, ok=False)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["AccountId"] == acct
    akid, secret = random_akid(), random_secret()
    p = server.admin("key", "create", acct, "--access-key-id", akid, "--secret-access-key", secret, ok=False)
    assert p.returncode == 0, p.stderr
    assert server.client(akid, secret).describe_vpcs()["Vpcs"] == []


def test_key_create_for_unknown_account_fails(server):
    p = server.admin("key", "create", "999999999999", ok=False)
    assert p.returncode != 0 and p.stderr.strip()


def test_imported_key_signs_requests(server, tenant):
    akid, secret = random_akid(), random_secret()
    out = server.admin("key", "create", "--access-key-id", akid, "--secret-access-key", secret,
                       tenant.account_id)
    assert out == {"AccountId": tenant.account_id, "AccessKeyId": akid, "SecretAccessKey": secret}
    ec2 = server.client(akid, secret)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    assert vpc["OwnerId"] == tenant.account_id
    # it acts as the same account as the tenant's first key
    assert [v["VpcId"] for v in tenant.ec2.describe_vpcs()["Vpcs"]] == [vpc["VpcId"]]
    # raw signing with it too
    r = bhlib.signed_post(server, botocore.credentials.Credentials(akid, secret),
                          {"Action": "DescribeVpcs", "Version": bhlib.EC2_VERSION})
    assert r.status == 200
    # the same key id cannot be imported twice
    p = server.admin("key", "create", "--access-key-id", akid, "--secret-access-key", random_secret(),
                     tenant.account_id, ok=False)
    assert p.returncode != 0
    assert ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_disabled_key_is_auth_failure(server, tenant):
    assert tenant.ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200
    spare = server.admin("key", "create", tenant.account_id)
    server.admin("key", "disable", tenant.akid, json_out=False)
    expect_error(tenant.ec2.describe_vpcs, "AuthFailure", 401)
    status = {k["AccessKeyId"]: k["Status"] for k in server.admin("key", "list", tenant.account_id)}
    assert status == {tenant.akid: "Inactive", spare["AccessKeyId"]: "Active"}
    # the account's other key still works
    assert server.client(spare["AccessKeyId"], spare["SecretAccessKey"]).describe_vpcs()["Vpcs"] == []


def test_deleted_key_is_auth_failure(server, tenant):
    assert tenant.ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200
    server.admin("key", "delete", tenant.akid, json_out=False)
    expect_error(tenant.ec2.describe_vpcs, "AuthFailure", 401)
    assert tenant.akid not in [k["AccessKeyId"] for k in server.admin("key", "list", tenant.account_id)]
    p = server.admin("key", "delete", tenant.akid, json_out=False, ok=False)
    assert p.returncode != 0
    p = server.admin("key", "disable", "AKIA" + "Z" * 16, json_out=False, ok=False)
    assert p.returncode != 0


# ---------------------------------------------------------------- usage


HELP_CASES = [
    ["--help"],
    ["serve", "--help"],
    ["admin", "--help"],
    ["admin", "--state-dir", "{dir}", "--help"],
]
NESTED_HELP_CASES = [
    ["admin", "--state-dir", "{dir}", "account", "create", "--help"],
    ["admin", "--state-dir", "{dir}", "account", "list", "--help"],
    ["admin", "--state-dir", "{dir}", "account", "delete", "--help"],
    ["admin", "--state-dir", "{dir}", "key", "create", "--help"],
    ["admin", "--state-dir", "{dir}", "key", "list", "--help"],
    ["admin", "--state-dir", "{dir}", "key", "disable", "--help"],
    ["admin", "--state-dir", "{dir}", "key", "delete", "--help"],
]


@pytest.mark.parametrize("argv", HELP_CASES + NESTED_HELP_CASES, ids=lambda a: " ".join(a))
def test_help_exits_0(tmp_path, argv):
    argv = [a.replace("{dir}", str(tmp_path / "st")) for a in argv]
    p = bhlib.run_bin(argv)
    assert p.returncode == 0, (p.returncode, p.stderr)
    assert "usage" in p.stdout.lower(), p.stdout


BAD_USAGE = [
    ["frobnicate"],
    ["serve", "--bogus"],
    ["serve"],
    ["serve", "--state-dir", "{dir}", "extra"],
    ["serve", "--state-dir", "{dir}", "--threads", "0"],
    ["serve", "--state-dir", "{dir}", "--listen", "nonsense"],
    ["admin", "--bogus"],
    ["admin", "account", "list"],
    ["admin", "--state-dir", "{dir}"],
    ["admin", "--state-dir", "{dir}", "account", "frob"],
    ["admin", "--state-dir", "{dir}", "widget", "list"],
    ["admin", "--state-dir", "{dir}", "account", "create"],
    ["admin", "--state-dir", "{dir}", "account", "create", "a", "b"],
    ["admin", "--state-dir", "{dir}", "account", "create", "x", "--id", "123"],
    ["admin", "--state-dir", "{dir}", "account", "create", "--bogus", "x"],
    ["admin", "--state-dir", "{dir}", "account", "create", "n" * 65],
    ["admin", "--state-dir", "{dir}", "account", "delete"],
    ["admin", "--state-dir", "{dir}", "key", "create"],
    ["admin", "--state-dir", "{dir}", "key", "create", "123456789012", "--access-key-id", "AKIAAAAAAAAAAAAAAAAA"],
    ["admin", "--state-dir", "{dir}", "key", "create", "123456789012", "--access-key-id", "bad",
     "--secret-access-key", "s" * 40],
    ["admin", "--state-dir", "{dir}", "key", "create", "123456789012", "--access-key-id", "AKIAAAAAAAAAAAAAAAAA",
     "--secret-access-key", "short"],
    ["admin", "--state-dir", "{dir}", "key", "list"],
    ["admin", "--state-dir", "{dir}", "key", "disable"],
    ["admin", "--state-dir", "{dir}", "key", "delete", "a", "b"],
]


@pytest.mark.parametrize("argv", BAD_USAGE, ids=lambda a: " ".join(a)[:60])
def test_bad_usage_exits_2_with_one_line(tmp_path, argv):
    argv = [a.replace("{dir}", str(tmp_path / "st")) for a in argv]
    p = bhlib.run_bin(argv, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {p.stderr!r}"


def test_serve_refuses_plain_http_on_non_loopback(tmp_path):
    port = bhlib.free_port()
    argv = ["serve", "--state-dir", str(tmp_path / "st"), "--listen", f"0.0.0.0:{port}"]
    p = bhlib.run_bin(argv, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not bhlib.port_answers("127.0.0.1", port)


def test_serve_insecure_http_on_non_loopback_is_allowed(tmp_path):
    srv = bhlib.Server(tmp_path / "st")
    srv.port = bhlib.free_port()
    srv.extra_args = ["--listen", f"0.0.0.0:{srv.port}", "--insecure-http"]
    # the later --listen wins over the loopback one Server adds
    srv.start()
    try:
        assert srv.admin_akid
        ec2 = srv.client(srv.admin_akid, srv.admin_secret)
        assert ec2.describe_vpcs()["Vpcs"] == []
    finally:
        report = srv.stop()
    assert not report, report


def test_serve_sigterm_exits_0(tmp_path):
    srv = bhlib.Server(tmp_path / "st").start()
    proc = srv.proc
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    srv.proc = None
    assert not bhlib.note_sanitizer("serve", srv.read_stderr())
    # a restart on the same directory keeps the admin account and prints no new key
    srv.start()
    try:
        assert "AWS_SECRET_ACCESS_KEY" not in srv.read_stdout()
        ec2 = srv.client(srv.admin_akid, srv.admin_secret)
        assert ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200
    finally:
        srv.stop()


# ---------------------------------------------------------------- README flow with the aws CLI


def aws(server, env, tenant, *args):
    e = dict(env, AWS_ACCESS_KEY_ID=tenant.akid, AWS_SECRET_ACCESS_KEY=tenant.secret,
             AWS_DEFAULT_REGION=server.region)
    p = subprocess.run([AWS, "--endpoint-url", server.endpoint, "--output", "json", *args], env=e,
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"aws {' '.join(args)} exited {p.returncode}: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else {}


def aws_fail(server, env, tenant, *args):
    e = dict(env, AWS_ACCESS_KEY_ID=tenant.akid, AWS_SECRET_ACCESS_KEY=tenant.secret,
             AWS_DEFAULT_REGION=server.region)
    p = subprocess.run([AWS, "--endpoint-url", server.endpoint, "--output", "json", *args], env=e,
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode != 0, p.stdout
    return p.stderr


@pytest.mark.skipif(AWS is None, reason="the aws CLI is not installed (Debian package awscli)")
def test_readme_flow_with_aws_cli(server, tenant, aws_cli_env):
    def run(*args):
        return aws(server, aws_cli_env, tenant, "ec2", *args)

    vpc = run("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = run("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24",
                 "--availability-zone", f"{server.region}a")["Subnet"]
    assert subnet["AvailableIpAddressCount"] == 251
    gid = {}
    for name in ("frontend", "backend", "management"):
        gid[name] = run("create-security-group", "--group-name", name, "--description", f"{name} tier",
                        "--vpc-id", vpc)["GroupId"]
        bhlib.assert_id(gid[name], "sg")
    fe, be, mg = gid["frontend"], gid["backend"], gid["management"]
    run("authorize-security-group-ingress", "--group-id", fe, "--protocol", "tcp", "--port", "80",
        "--cidr", "0.0.0.0/0")
    run("authorize-security-group-ingress", "--group-id", be, "--protocol", "tcp", "--port", "3306",
        "--source-group", fe)
    run("authorize-security-group-ingress", "--group-id", fe, "--protocol", "tcp", "--port", "22",
        "--source-group", mg)
    run("authorize-security-group-ingress", "--group-id", be, "--protocol", "tcp", "--port", "22",
        "--source-group", mg)
    run("authorize-security-group-ingress", "--group-id", mg, "--protocol", "tcp", "--port", "22",
        "--cidr", "0.0.0.0/0")
    run("revoke-security-group-egress", "--group-id", be, "--ip-permissions",
        json.dumps([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]))
    egress = [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
              for p in (53, 80, 443)]
    egress.append({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": be}]})
    run("authorize-security-group-egress", "--group-id", be, "--ip-permissions", json.dumps(egress))

    # and back
    vpcs = run("describe-vpcs", "--vpc-ids", vpc)["Vpcs"]
    assert [(v["VpcId"], v["CidrBlock"]) for v in vpcs] == [(vpc, "10.0.0.0/16")]
    subnets = run("describe-subnets", "--filters", f"Name=vpc-id,Values={vpc}")["Subnets"]
    assert [(s["SubnetId"], s["CidrBlock"], s["AvailabilityZone"]) for s in subnets] == \
        [(subnet["SubnetId"], "10.0.1.0/24", f"{server.region}a")]
    groups = run("describe-security-groups", "--filters", f"Name=vpc-id,Values={vpc}")["SecurityGroups"]
    by_name = {g["GroupName"]: g for g in groups}
    assert set(by_name) == {"default", "frontend", "backend", "management"}
    for name in ("frontend", "backend", "management"):
        g = by_name[name]
        assert g["GroupId"] == gid[name]
        assert g["VpcId"] == vpc
        assert g["Description"] == f"{name} tier"
        assert g["OwnerId"] == tenant.account_id
    allout = {("-1", None, None, "cidr", "0.0.0.0/0")}
    assert bhlib.perm_set(by_name["frontend"]["IpPermissions"]) == {
        ("tcp", 80, 80, "cidr", "0.0.0.0/0"), ("tcp", 22, 22, "group", mg)}
    assert bhlib.perm_set(by_name["frontend"]["IpPermissionsEgress"]) == allout
    assert bhlib.perm_set(by_name["backend"]["IpPermissions"]) == {
        ("tcp", 3306, 3306, "group", fe), ("tcp", 22, 22, "group", mg)}
    assert bhlib.perm_set(by_name["backend"]["IpPermissionsEgress"]) == {
        ("tcp", 53, 53, "cidr", "0.0.0.0/0"), ("tcp", 80, 80, "cidr", "0.0.0.0/0"),
        ("tcp", 443, 443, "cidr", "0.0.0.0/0"), ("-1", None, None, "group", be)}
    assert bhlib.perm_set(by_name["management"]["IpPermissions"]) == {("tcp", 22, 22, "cidr", "0.0.0.0/0")}
    assert bhlib.perm_set(by_name["management"]["IpPermissionsEgress"]) == allout
    for pair_perm in by_name["backend"]["IpPermissions"]:
        for pair in pair_perm.get("UserIdGroupPairs", []):
            assert pair["UserId"] == tenant.account_id

    rules = run("describe-security-group-rules", "--filters", f"Name=group-id,Values={be}")["SecurityGroupRules"]
    assert len(rules) == 6
    assert sorted(r["IsEgress"] for r in rules) == [False, False, True, True, True, True]
    for r in rules:
        bhlib.assert_id(r["SecurityGroupRuleId"], "sgr")
        assert r["GroupId"] == be

    # an error through the CLI reads like EC2's
    err = aws_fail(server, aws_cli_env, tenant, "ec2", "delete-vpc", "--vpc-id", vpc)
    assert "DependencyViolation" in err
    err = aws_fail(server, aws_cli_env, tenant, "ec2", "authorize-security-group-ingress", "--group-id", fe,
                   "--protocol", "tcp", "--port", "80", "--cidr", "0.0.0.0/0")
    assert "InvalidPermission.Duplicate" in err


@pytest.mark.skipif(AWS is None, reason="the aws CLI is not installed (Debian package awscli)")
def test_aws_cli_regions_and_zones(server, tenant, aws_cli_env):
    regions = aws(server, aws_cli_env, tenant, "ec2", "describe-regions")["Regions"]
    assert server.region in [r["RegionName"] for r in regions]
    zones = aws(server, aws_cli_env, tenant, "ec2", "describe-availability-zones")["AvailabilityZones"]
    assert sorted(z["ZoneName"] for z in zones) == [f"{server.region}a", f"{server.region}b"]
