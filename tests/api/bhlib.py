"""bhlib - what every API test shares: a bulkhead server run as a child
process, the admin CLI, tenants with boto3 clients, raw SigV4 requests and
the assertions on EC2 errors. Imported by conftest.py and the test modules
(pytest puts tests/api on sys.path)."""
import contextlib
import datetime
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import types
import urllib.parse
import xml.etree.ElementTree as ET
from unittest import mock

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_REGION = "bulkhead-1"
EC2_VERSION = "2016-11-15"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")

# Every sanitizer report seen in any child's stderr; conftest fails the
# session when this is not empty.
SANITIZER_FINDINGS = []
_findings_lock = threading.Lock()


def bulkhead_bin():
    path = os.environ.get("BULKHEAD_BIN") or os.path.join(REPO, "build-asan", "bulkhead")
    if not os.access(path, os.X_OK):
        pytest.exit(f"bulkhead binary not found at {path}: build it or set BULKHEAD_BIN", returncode=3)
    return path


def child_env():
    env = dict(os.environ)
    # Leaks are reported at exit; keep going after a UBSan report so the
    # whole run's findings end up in stderr.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


def note_sanitizer(what, stderr_text):
    """Record sanitizer reports in a child's stderr; return them."""
    if any(m in stderr_text for m in SANITIZER_MARKERS):
        with _findings_lock:
            SANITIZER_FINDINGS.append((what, stderr_text[-8000:]))
        return stderr_text
    return None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# the admin CLI


class AdminError(AssertionError):
    pass


def run_bin(args, timeout=60, check_sanitizer=True):
    """Run the bulkhead binary; return CompletedProcess (text)."""
    p = subprocess.run([bulkhead_bin()] + list(args), capture_output=True, text=True, timeout=timeout,
                       env=child_env(), stdin=subprocess.DEVNULL)
    if check_sanitizer:
        note_sanitizer("bulkhead " + " ".join(args), p.stderr)
    return p


def admin(state_dir, *args, json_out=True, ok=True):
    """bulkhead admin --state-dir DIR [--json] ARGS; parsed JSON when json_out."""
    argv = ["admin", "--state-dir", str(state_dir)] + (["--json"] if json_out else []) + list(args)
    p = run_bin(argv)
    if ok and p.returncode != 0:
        raise AdminError(f"{argv} exited {p.returncode}: {p.stderr.strip()}")
    if not ok:
        return p
    if json_out:
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise AdminError(f"{argv} printed no JSON ({e}): {p.stdout!r}") from None
    return p.stdout


# --------------------------------------------------------------------------
# the server


class Server:
    """One `bulkhead serve` child on a free loopback port."""

    def __init__(self, state_dir, region=DEFAULT_REGION, extra_args=()):
        self.state_dir = str(state_dir)
        self.region = region
        self.extra_args = list(extra_args)
        self.port = None
        self.proc = None
        self.admin_akid = None
        self.admin_secret = None
        self._starts = 0
        self.stderr_path = None
        self.stdout_path = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self):
        return os.path.join(self.state_dir, "bulkhead.db")

    @property
    def audit_path(self):
        return os.path.join(self.state_dir, "audit.log")

    def start(self, timeout=30):
        os.makedirs(self.state_dir, exist_ok=True)
        if self.port is None:
            self.port = free_port()
        self._starts += 1
        self.stdout_path = os.path.join(os.path.dirname(self.state_dir) or ".",
                                        f"{os.path.basename(self.state_dir)}.stdout.{self._starts}")
        self.stderr_path = os.path.join(os.path.dirname(self.state_dir) or ".",
                                        f"{os.path.basename(self.state_dir)}.stderr.{self._starts}")
        argv = [bulkhead_bin(), "serve", "--state-dir", self.state_dir, "--listen",
                f"127.0.0.1:{self.port}"]
        if self.region != DEFAULT_REGION:
            argv += ["--region", self.region]
        argv += self.extra_args
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env=child_env())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"bulkhead serve exited {self.proc.returncode} on start:\n"
                                     f"{self.read_stderr()[-4000:]}")
            if port_answers("127.0.0.1", self.port):
                break
            time.sleep(0.05)
        else:
            self.kill()
            raise AssertionError(f"bulkhead serve did not answer on port {self.port} in {timeout}s")
        self._read_bootstrap()
        return self

    def _read_bootstrap(self):
        # The admin key is printed on the first start only.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = open(self.stdout_path).read()
            akid = re.search(r"^export AWS_ACCESS_KEY_ID=(\S+)$", text, re.M)
            secret = re.search(r"^export AWS_SECRET_ACCESS_KEY=(\S+)$", text, re.M)
            if akid and secret:
                self.admin_akid, self.admin_secret = akid.group(1), secret.group(1)
                return
            if "listening" in text:
                return
            time.sleep(0.05)

    def read_stdout(self):
        return open(self.stdout_path).read() if self.stdout_path else ""

    def read_stderr(self):
        return open(self.stderr_path, errors="replace").read() if self.stderr_path else ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM by pid and wait. Returns the sanitizer report, if any."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"bulkhead serve (pid {self.proc.pid}) ignored SIGTERM for {timeout}s")
        self.proc = None
        return note_sanitizer(f"bulkhead serve {self.state_dir}", self.read_stderr())

    def kill(self):
        """SIGKILL by pid (a crash); the sanitizers cannot report."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        note_sanitizer(f"bulkhead serve {self.state_dir} (killed)", self.read_stderr())

    # ---- clients

    def client(self, akid, secret, token=None, region=None, service="ec2", validate=True):
        # Retries off: a retried create would hide what the first answer was.
        # validate=False lets a test send what botocore would refuse to.
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, region_name=region or self.region,
            aws_access_key_id=akid, aws_secret_access_key=secret, aws_session_token=token,
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=60,
                          parameter_validation=validate))

    def admin(self, *args, **kw):
        return admin(self.state_dir, *args, **kw)

    def new_tenant(self, name=None):
        name = name or "t-" + secrets.token_hex(4)
        acct = self.admin("account", "create", name)
        key = self.admin("key", "create", acct["AccountId"])
        return Tenant(self, acct["AccountId"], name, key["AccessKeyId"], key["SecretAccessKey"])


class Tenant:
    def __init__(self, server, account_id, name, akid, secret):
        self.server = server
        self.account_id = account_id
        self.name = name
        self.akid = akid
        self.secret = secret
        self._ec2 = None

    @property
    def ec2(self):
        if self._ec2 is None:
            self._ec2 = self.server.client(self.akid, self.secret)
        return self._ec2

    @property
    def ec2_raw(self):
        """An ec2 client without botocore's parameter validation."""
        return self.server.client(self.akid, self.secret, validate=False)

    @property
    def creds(self):
        return botocore.credentials.Credentials(self.akid, self.secret)

    def __repr__(self):
        return f"Tenant({self.account_id})"


# --------------------------------------------------------------------------
# errors


def expect_error(fn, code, status=400, **params):
    """Call fn(**params); it must fail with EC2 error `code` and HTTP
    `status` (None: any 4xx). Returns the error response dict."""
    with pytest.raises(ClientError) as ei:
        fn(**params)
    return check_client_error(ei.value, code, status)


def check_client_error(err, code, status=400):
    resp = err.response
    got_code = resp.get("Error", {}).get("Code")
    got_status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    assert got_code == code, f"expected {code} ({status}), got {got_code} ({got_status}): " \
                             f"{resp.get('Error', {}).get('Message')}"
    if status is None:
        assert 400 <= got_status < 500, f"{code}: HTTP {got_status}"
    else:
        assert got_status == status, f"{code}: expected HTTP {status}, got {got_status}"
    return resp


def call_outcome(fn, **params):
    """('ok', response) or ('error', code, message, http status)."""
    try:
        return ("ok", fn(**params))
    except ClientError as e:
        err = e.response.get("Error", {})
        return ("error", err.get("Code"), err.get("Message") or "",
                e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))


def random_id(prefix):
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


ID_RE = {p: re.compile(rf"^{p}-[0-9a-f]{{17}}$") for p in ("vpc", "subnet", "sg", "sgr")}


def assert_id(value, prefix):
    assert ID_RE[prefix].match(value or ""), f"{value!r} is not an EC2 {prefix}- id"


# --------------------------------------------------------------------------
# raw HTTP and hand-made signatures


def parse_error(body):
    """(Code, Message, RequestID) of an EC2 error document."""
    root = ET.fromstring(body)
    code = root.find(".//Errors/Error/Code")
    msg = root.find(".//Errors/Error/Message")
    rid = root.find(".//RequestID")
    if rid is None:
        rid = root.find(".//RequestId")
    return (code.text if code is not None else None, msg.text if msg is not None else None,
            rid.text if rid is not None else None)


class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def error(self):
        return parse_error(self.body)

    @property
    def code(self):
        return self.error[0]

    def __repr__(self):
        return f"RawResponse({self.status}, {self.body[:300]!r})"


def http_send(server, method, path_qs, body=b"", headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if body and "Content-Length" not in hdrs:
            hdrs["Content-Length"] = str(len(body))
        conn.request(method, path_qs, body=body if body else None, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return RawResponse(r.status, dict(r.getheaders()), data)
    finally:
        conn.close()


@contextlib.contextmanager
def frozen_signing_time(when):
    """Make botocore sign as if the clock said `when` (a naive UTC datetime)."""
    class _FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

    fake = types.SimpleNamespace(datetime=_FrozenDatetime, timedelta=datetime.timedelta)
    with mock.patch.object(botocore.auth, "datetime", fake):
        yield


FORM = "application/x-www-form-urlencoded; charset=utf-8"


def encode_params(params):
    return urllib.parse.urlencode(list(params.items()) if isinstance(params, dict) else params,
                                  quote_via=urllib.parse.quote).encode()


def signed_post(server, creds, params=None, body=None, region=None, service="ec2", when=None,
                tamper=None, extra_headers=None):
    """POST a form body signed with SigV4 in the Authorization header.
    tamper(body) -> body changes the bytes after signing."""
    if body is None:
        body = encode_params(params or {})
    headers = {"Content-Type": FORM}
    headers.update(extra_headers or {})
    req = botocore.awsrequest.AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                                         headers=headers)
    signer = botocore.auth.SigV4Auth(creds, service, region or server.region)
    if when is not None:
        with frozen_signing_time(when):
            signer.add_auth(req)
    else:
        signer.add_auth(req)
    hdrs = {k: v for k, v in req.headers.items()}
    if tamper:
        body = tamper(body)
    return http_send(server, "POST", "/", body, hdrs)


def presigned_url(server, creds, params, expires=300, when=None, region=None):
    """A presigned GET URL (SigV4 in the query string)."""
    qs = encode_params(params).decode()
    req = botocore.awsrequest.AWSRequest(method="GET", url=f"{server.endpoint}/?{qs}")
    signer = botocore.auth.SigV4QueryAuth(creds, "ec2", region or server.region, expires=expires)
    if when is not None:
        with frozen_signing_time(when):
            signer.add_auth(req)
    else:
        signer.add_auth(req)
    return req.url


def http_get_url(server, url):
    parts = urllib.parse.urlsplit(url)
    return http_send(server, "GET", parts.path + ("?" + parts.query if parts.query else ""))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# --------------------------------------------------------------------------
# security group rules as comparable sets


def perm_set(perms):
    """IpPermissions -> set of (proto, from, to, kind, value)."""
    out = set()
    for p in perms:
        proto = p["IpProtocol"]
        frm, to = p.get("FromPort"), p.get("ToPort")
        if proto == "-1":
            # EC2 leaves the ports out for "all traffic"; -1/-1 means the same
            frm = None if frm in (None, -1) else frm
            to = None if to in (None, -1) else to
        for r in p.get("IpRanges", []):
            out.add((proto, frm, to, "cidr", r["CidrIp"]))
        for r in p.get("Ipv6Ranges", []):
            out.add((proto, frm, to, "cidr6", r["CidrIpv6"]))
        for g in p.get("UserIdGroupPairs", []):
            out.add((proto, frm, to, "group", g["GroupId"]))
    return out


def group(ec2, group_id):
    return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]


def rules_of(ec2, group_id):
    """DescribeSecurityGroupRules for one group, every page."""
    out = []
    kw = {"Filters": [{"Name": "group-id", "Values": [group_id]}]}
    while True:
        r = ec2.describe_security_group_rules(**kw)
        out += r["SecurityGroupRules"]
        if not r.get("NextToken"):
            return out
        kw["NextToken"] = r["NextToken"]


def all_pages(fn, key, page_size, **kw):
    """Collect every page of a Describe call with MaxResults=page_size;
    returns (items, number of pages)."""
    items, pages, token = [], 0, None
    seen_tokens = set()
    while True:
        args = dict(kw, MaxResults=page_size)
        if token:
            args["NextToken"] = token
        r = fn(**args)
        pages += 1
        assert len(r[key]) <= page_size, f"page of {len(r[key])} > MaxResults {page_size}"
        items += r[key]
        token = r.get("NextToken")
        if not token:
            return items, pages
        assert token not in seen_tokens, "NextToken repeats: paging would loop"
        seen_tokens.add(token)
        assert pages < 1000
