"""SigV4 authentication, request limits, the audit log and secrets at rest,
driven by boto3 and by requests signed here with botocore's signers."""
import base64
import datetime
import json
import os
import re
import stat
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.exceptions import ClientError

import bhlib
from bhlib import EC2_VERSION, expect_error

DESCRIBE = {"Action": "DescribeVpcs", "Version": EC2_VERSION}


def test_boto3_signed_call_works(tenant):
    r = tenant.ec2.describe_vpcs()
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["Vpcs"] == []
    assert re.match(r"^[0-9a-f-]{36}$", r["ResponseMetadata"]["RequestId"])


def test_raw_signed_post_works_and_answers_ec2_xml(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE)
    assert r.status == 200, r
    assert b"<DescribeVpcsResponse" in r.body
    assert b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"' in r.body
    assert b"<requestId>" in r.body


def test_missing_authentication(server):
    body = bhlib.encode_params(DESCRIBE)
    r = bhlib.http_send(server, "POST", "/", body, {"Content-Type": bhlib.FORM})
    assert (r.status, r.code) == (401, "MissingAuthenticationToken"), r
    r = bhlib.http_send(server, "GET", "/?Action=DescribeVpcs&Version=" + EC2_VERSION)
    assert (r.status, r.code) == (401, "MissingAuthenticationToken"), r


def test_unknown_access_key_is_auth_failure(server):
    creds = botocore.credentials.Credentials("AKIA" + "Q" * 16, "x" * 40)
    r = bhlib.signed_post(server, creds, DESCRIBE)
    assert (r.status, r.code) == (401, "AuthFailure"), r


def test_unknown_access_key_with_boto3(server):
    ec2 = server.client("AKIAZZZZZZZZZZZZZZZZ", "y" * 40)
    expect_error(ec2.describe_vpcs, "AuthFailure", 401)


def test_wrong_secret_is_signature_mismatch(server, tenant):
    creds = botocore.credentials.Credentials(tenant.akid, tenant.secret[:-1] + ("A" if tenant.secret[-1] != "A" else "B"))
    r = bhlib.signed_post(server, creds, DESCRIBE)
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch"), r
    expect_error(server.client(creds.access_key, creds.secret_key).describe_vpcs, "SignatureDoesNotMatch", 403)


def test_body_altered_after_signing(server, tenant):
    def tamper(body):
        return body.replace(b"DescribeVpcs", b"DescribeSubnets")

    r = bhlib.signed_post(server, tenant.creds, DESCRIBE, tamper=tamper)
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch"), r

    vpc = tenant.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    r = bhlib.signed_post(server, tenant.creds, {"Action": "DescribeVpcs", "Version": EC2_VERSION},
                          tamper=lambda b: b + f"&VpcId.1={vpc}".encode())
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch"), r
    # and a delete smuggled into a signed describe did nothing
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE,
                          tamper=lambda b: f"Action=DeleteVpc&Version={EC2_VERSION}&VpcId={vpc}".encode())
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch"), r
    assert tenant.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["VpcId"] == vpc


def test_header_altered_after_signing(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE)
    assert r.status == 200
    # re-sign, then change the signed X-Amz-Date by one second
    when = bhlib.utcnow()
    req_date = when.strftime("%Y%m%dT%H%M%SZ")
    later = (when + datetime.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    body = bhlib.encode_params(DESCRIBE)
    req = botocore.awsrequest.AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                                         headers={"Content-Type": bhlib.FORM})
    with bhlib.frozen_signing_time(when):
        botocore.auth.SigV4Auth(tenant.creds, "ec2", server.region).add_auth(req)
    hdrs = dict(req.headers.items())
    assert hdrs["X-Amz-Date"] == req_date
    hdrs["X-Amz-Date"] = later
    r = bhlib.http_send(server, "POST", "/", body, hdrs)
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch"), r


@pytest.mark.parametrize("minutes", [16, -16])
def test_request_outside_clock_skew_expires(server, tenant, minutes):
    when = bhlib.utcnow() - datetime.timedelta(minutes=minutes)
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE, when=when)
    assert (r.status, r.code) == (400, "RequestExpired"), r


def test_request_within_clock_skew_works(server, tenant):
    when = bhlib.utcnow() - datetime.timedelta(minutes=14)
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE, when=when)
    assert r.status == 200, r


@pytest.mark.parametrize("authz", [
    "AWS4-HMAC-SHA256 Credential=garbage",
    "AWS4-HMAC-SHA256",
    "AWS4-HMAC-SHA256 Credential=AKIAQQQQQQQQQQQQQQQQ/20240101/bulkhead-1/ec2/aws4_request, SignedHeaders=host",
    "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
    "AWS4-HMAC-SHA256 Credential=AKIAQQQQQQQQQQQQQQQQ/20240101/bulkhead-1/ec2, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
])
def test_malformed_authorization_is_incomplete_signature(server, authz):
    body = bhlib.encode_params(DESCRIBE)
    r = bhlib.http_send(server, "POST", "/", body, {
        "Content-Type": bhlib.FORM, "Authorization": authz,
        "X-Amz-Date": bhlib.utcnow().strftime("%Y%m%dT%H%M%SZ")})
    assert (r.status, r.code) == (400, "IncompleteSignature"), r


def test_presigned_get_url_works(server, tenant):
    vpc = tenant.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    url = bhlib.presigned_url(server, tenant.creds, {"Action": "DescribeVpcs", "Version": EC2_VERSION,
                                                     "VpcId.1": vpc}, expires=120)
    assert "X-Amz-Signature=" in url
    r = bhlib.http_get_url(server, url)
    assert r.status == 200, r
    assert vpc.encode() in r.body


def test_presigned_url_tampered_is_rejected(server, tenant):
    url = bhlib.presigned_url(server, tenant.creds, DESCRIBE, expires=120)
    r = bhlib.http_get_url(server, url.replace("Action=DescribeVpcs", "Action=DescribeSubnets"))
    assert (r.status, r.code) == (403, "SignatureDoesNotMatch"), r


def test_presigned_url_expired(server, tenant):
    when = bhlib.utcnow() - datetime.timedelta(seconds=120)
    url = bhlib.presigned_url(server, tenant.creds, DESCRIBE, expires=60, when=when)
    r = bhlib.http_get_url(server, url)
    assert (r.status, r.code) == (400, "RequestExpired"), r


def test_presigned_url_too_long_expiry_is_refused(server, tenant):
    url = bhlib.presigned_url(server, tenant.creds, DESCRIBE, expires=604801)
    r = bhlib.http_get_url(server, url)
    assert 400 <= r.status < 500, r
    assert r.code == "AuthFailure", r
    # a week exactly is allowed
    url = bhlib.presigned_url(server, tenant.creds, DESCRIBE, expires=604800)
    assert bhlib.http_get_url(server, url).status == 200


def test_session_token_is_refused(server, tenant):
    creds = botocore.credentials.Credentials(tenant.akid, tenant.secret, "FQoGZXIvYXdzEXAMPLETOKEN")
    r = bhlib.signed_post(server, creds, DESCRIBE)
    assert (r.status, r.code) == (401, "AuthFailure"), r
    ec2 = server.client(tenant.akid, tenant.secret, token="FQoGZXIvYXdzEXAMPLETOKEN")
    expect_error(ec2.describe_vpcs, "AuthFailure", 401)


def test_session_token_in_presigned_url_is_refused(server, tenant):
    creds = botocore.credentials.Credentials(tenant.akid, tenant.secret, "FQoGZXIvYXdzEXAMPLETOKEN")
    url = bhlib.presigned_url(server, creds, DESCRIBE, expires=60)
    assert "X-Amz-Security-Token" in url
    r = bhlib.http_get_url(server, url)
    assert (r.status, r.code) == (401, "AuthFailure"), r


def test_wrong_region_in_scope_is_refused(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE, region="us-east-1")
    assert 400 <= r.status < 500, r
    assert r.code in ("SignatureDoesNotMatch", "AuthFailure", "IncompleteSignature"), r
    ec2 = server.client(tenant.akid, tenant.secret, region="eu-west-1")
    with pytest.raises(ClientError) as ei:
        ec2.describe_vpcs()
    assert 400 <= ei.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500


def test_wrong_service_in_scope_is_refused(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE, service="s3")
    assert 400 <= r.status < 500, r
    assert r.code in ("SignatureDoesNotMatch", "AuthFailure", "IncompleteSignature"), r


def _assert_limit_error(server, tenant, r):
    assert 400 <= r.status < 500, r
    code, msg, rid = r.error
    assert code and msg and rid, r
    # still alive and answering
    assert tenant.ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert server.alive()


def test_body_over_limit_is_4xx(server, tenant):
    pad = "x" * (256 * 1024 + 100)
    body = f"Action=DescribeVpcs&Version={EC2_VERSION}&Pad={pad}".encode()
    r = bhlib.signed_post(server, tenant.creds, body=body)
    _assert_limit_error(server, tenant, r)
    # far over, and unsigned
    big = b"Action=DescribeVpcs&Pad=" + b"y" * (2 * 1024 * 1024)
    r = bhlib.http_send(server, "POST", "/", big, {"Content-Type": bhlib.FORM})
    _assert_limit_error(server, tenant, r)


def test_too_many_params_is_4xx(server, tenant):
    params = [("Action", "DescribeVpcs"), ("Version", EC2_VERSION)]
    params += [(f"Filter.1.Value.{i}", "v") for i in range(1, 2001)]
    params += [("Filter.1.Name", "vpc-id")]
    r = bhlib.signed_post(server, tenant.creds, body=bhlib.encode_params(params))
    _assert_limit_error(server, tenant, r)
    params = [("Action", "DescribeVpcs"), ("Version", EC2_VERSION)]
    params += [(f"P{i}", "v") for i in range(1, 2100)]
    r = bhlib.signed_post(server, tenant.creds, body=bhlib.encode_params(params))
    _assert_limit_error(server, tenant, r)


def test_overlong_value_is_4xx(server, tenant):
    params = {"Action": "CreateVpc", "Version": EC2_VERSION, "CidrBlock": "10.0.0.0/16",
              "TagSpecification.1.ResourceType": "vpc", "TagSpecification.1.Tag.1.Key": "k",
              "TagSpecification.1.Tag.1.Value": "v" * 5000}
    r = bhlib.signed_post(server, tenant.creds, params)
    _assert_limit_error(server, tenant, r)
    assert tenant.ec2.describe_vpcs()["Vpcs"] == []
    long_name = {"Action": "DescribeVpcs", "Version": EC2_VERSION, "N" * 300: "x"}
    r = bhlib.signed_post(server, tenant.creds, long_name)
    _assert_limit_error(server, tenant, r)


def test_garbage_requests_get_ec2_errors(server, tenant):
    for body in (b"%zz%", b"Action=DescribeVpcs&Action=DescribeVpcs", b"&&&===", b"Action=%00"):
        r = bhlib.signed_post(server, tenant.creds, body=body)
        _assert_limit_error(server, tenant, r)
    r = bhlib.http_send(server, "DELETE", "/", b"", {})
    assert 400 <= r.status < 500, r


def test_unknown_action(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, {"Action": "LaunchMissiles", "Version": EC2_VERSION})
    assert (r.status, r.code) == (400, "InvalidAction"), r


def test_missing_action(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, {"Version": EC2_VERSION})
    assert (r.status, r.code) == (400, "MissingAction"), r


def _raw_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def test_secrets_not_stored_or_logged_in_clear(server, tenant, make_tenant):
    other = make_tenant()
    tenant.ec2.describe_vpcs()
    other.ec2.create_vpc(CidrBlock="10.0.0.0/16")
    # a failed call with a known key too
    bad = server.client(tenant.akid, "z" * 40)
    with pytest.raises(ClientError):
        bad.describe_vpcs()
    d = server.state_dir
    files = [os.path.join(d, n) for n in os.listdir(d)
             if n.startswith("bulkhead.db") or n == "audit.log"]
    assert os.path.join(d, "bulkhead.db") in files and os.path.join(d, "audit.log") in files
    secrets_ = [tenant.secret, other.secret] + ([server.admin_secret] if server.admin_secret else [])
    for path in files:
        raw = _raw_bytes(path)
        for s in secrets_:
            for form in (s.encode(), s.encode().hex().encode(), s.encode().hex().upper().encode(),
                         base64.b64encode(s.encode())):
                assert form not in raw, f"a secret access key is in {path} in the clear (or merely encoded)"
    hk = os.path.join(d, "host.key")
    assert stat.S_IMODE(os.stat(hk).st_mode) == 0o600
    for s in secrets_:
        assert s.encode() not in _raw_bytes(hk)


AUDIT_FIELDS = {"time", "request_id", "account", "access_key_id", "source", "action", "resources",
                "result", "http_status"}


def _audit_lines(server):
    with open(server.audit_path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _audit_find(server, request_id):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in _audit_lines(server):
            if line.get("request_id") == request_id:
                return line
        time.sleep(0.05)
    raise AssertionError(f"no audit line for request {request_id}")


def test_audit_line_per_call(server, tenant):
    r = tenant.ec2.create_vpc(CidrBlock="10.0.0.0/16")
    vpc = r["Vpc"]["VpcId"]
    line = _audit_find(server, r["ResponseMetadata"]["RequestId"])
    assert AUDIT_FIELDS <= set(line), line
    assert line["account"] == tenant.account_id
    assert line["access_key_id"] == tenant.akid
    assert line["source"] == "127.0.0.1"
    assert line["action"] == "CreateVpc"
    assert vpc in line["resources"]
    assert line["result"] == "Success"
    assert line["http_status"] == 200
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["time"])

    with pytest.raises(ClientError) as ei:
        tenant.ec2.delete_vpc(VpcId=bhlib.random_id("vpc"))
    rid = ei.value.response["ResponseMetadata"]["RequestId"]
    line = _audit_find(server, rid)
    assert line["action"] == "DeleteVpc"
    assert line["result"] == "InvalidVpcID.NotFound"
    assert line["http_status"] == 400
    assert line["account"] == tenant.account_id

    before = len(_audit_lines(server))
    for _ in range(3):
        tenant.ec2.describe_vpcs()
    assert len(_audit_lines(server)) == before + 3


def test_audit_records_failed_authentication(server, tenant):
    unknown = "AKIA" + "W" * 16
    r = bhlib.signed_post(server, botocore.credentials.Credentials(unknown, "q" * 40), DESCRIBE)
    assert r.status == 401
    line = _audit_find(server, r.error[2])
    assert AUDIT_FIELDS <= set(line), line
    assert line["result"] == "AuthFailure"
    assert line["http_status"] == 401
    assert line["access_key_id"] == unknown
    assert line["account"] in ("", None)
    assert line["source"] == "127.0.0.1"

    r = bhlib.signed_post(server, botocore.credentials.Credentials(tenant.akid, "q" * 40), DESCRIBE)
    assert r.status == 403
    line = _audit_find(server, r.error[2])
    assert line["result"] == "SignatureDoesNotMatch"
    assert line["http_status"] == 403
    assert line["access_key_id"] == tenant.akid
    # an unauthenticated caller is not attributed to the key's account
    assert line["account"] in ("", None)

    r = bhlib.http_send(server, "POST", "/", bhlib.encode_params(DESCRIBE), {"Content-Type": bhlib.FORM})
    line = _audit_find(server, r.error[2])
    assert line["result"] == "MissingAuthenticationToken"
    assert line["http_status"] == 401


def test_audit_log_cannot_be_forged(server, tenant):
    evil = 'x"}\n{"request_id":"forged","result":"Success'
    r = bhlib.signed_post(server, tenant.creds, {"Action": evil, "Version": EC2_VERSION})
    assert r.code == "InvalidAction"
    lines = _audit_lines(server)  # every line still parses as one JSON object
    assert not any(line.get("request_id") == "forged" for line in lines)


def test_error_document_shape(server, tenant):
    r = bhlib.signed_post(server, tenant.creds, {"Action": "DeleteVpc", "Version": EC2_VERSION,
                                                 "VpcId": bhlib.random_id("vpc")})
    assert r.status == 400
    assert r.body.lstrip().startswith(b"<?xml")
    code, msg, rid = r.error
    assert code == "InvalidVpcID.NotFound"
    assert re.match(r"^[0-9a-f-]{36}$", rid)


def test_admin_credentials_printed_on_first_start_work(server):
    assert server.admin_akid and server.admin_secret, server.read_stdout()
    ec2 = server.client(server.admin_akid, server.admin_secret)
    assert ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200
    out = server.read_stdout()
    assert f"export AWS_DEFAULT_REGION={server.region}" in out
    assert "bulkhead API listening on http://127.0.0.1:" in out


def test_list_and_filter_limits_are_4xx(server, tenant):
    base = [("Action", "DescribeVpcs"), ("Version", EC2_VERSION)]
    # an index past the list limit
    r = bhlib.signed_post(server, tenant.creds, body=bhlib.encode_params(base + [("VpcId.1001", "vpc-0123456789abcdef0")]))
    _assert_limit_error(server, tenant, r)
    r = bhlib.signed_post(server, tenant.creds, body=bhlib.encode_params(base + [("VpcId.99999999999999999999", "x")]))
    _assert_limit_error(server, tenant, r)
    # more filters than allowed
    params = base + [(f"Filter.{i}.Name", "vpc-id") for i in range(1, 52)] + \
        [(f"Filter.{i}.Value.1", "vpc-0123456789abcdef0") for i in range(1, 52)]
    r = bhlib.signed_post(server, tenant.creds, body=bhlib.encode_params(params))
    _assert_limit_error(server, tenant, r)
    # more values in one filter than allowed
    params = base + [("Filter.1.Name", "vpc-id")] + [(f"Filter.1.Value.{i}", "x") for i in range(1, 202)]
    r = bhlib.signed_post(server, tenant.creds, body=bhlib.encode_params(params))
    _assert_limit_error(server, tenant, r)


def test_too_many_headers_is_4xx(server, tenant):
    extra = {f"X-Filler-{i}": "x" for i in range(80)}
    r = bhlib.signed_post(server, tenant.creds, DESCRIBE, extra_headers=extra)
    _assert_limit_error(server, tenant, r)


def test_overlong_url_is_4xx(server, tenant):
    r = bhlib.http_send(server, "GET", "/?Action=DescribeVpcs&Pad=" + "x" * 9000)
    assert 400 <= r.status < 500, r
    assert tenant.ec2.describe_vpcs()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_dry_run_needs_a_valid_signature(server, tenant):
    bad = server.client(tenant.akid, "k" * 40)
    expect_error(bad.create_vpc, "SignatureDoesNotMatch", 403, CidrBlock="10.0.0.0/16", DryRun=True)
    r = bhlib.http_send(server, "POST", "/", bhlib.encode_params({"Action": "CreateVpc", "Version": EC2_VERSION,
                                                                  "CidrBlock": "10.0.0.0/16", "DryRun": "true"}),
                        {"Content-Type": bhlib.FORM})
    assert (r.status, r.code) == (401, "MissingAuthenticationToken"), r
