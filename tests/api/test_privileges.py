"""`bulkhead serve` started as root keeps root only to supervise the agent:
the API answers from a child that has become an unprivileged user, owns
the store's files but not the host key, and cannot regain root."""
import os
import pwd
import stat
import subprocess
import time

import pytest

import bhlib

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop happens only when serve starts as root")


def children(pid):
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids += [int(k) for k in f.read().split()]
    return kids


def status_fields(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


def api_user():
    for name in ("bulkhead", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail("neither user bulkhead nor nobody exists")


@pytest.fixture
def root_server(tmp_path):
    s = bhlib.Server(tmp_path / "state").start()
    yield s
    report = s.stop()
    assert report is None, report


def test_api_answers_as_an_unprivileged_user(root_server):
    ec2 = root_server.client(root_server.admin_akid, root_server.admin_secret)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]] == [vpc]

    (api,) = children(root_server.proc.pid)
    st = status_fields(api)
    want = api_user()
    assert [int(x) for x in st["Uid"]] == [want.pw_uid] * 4  # real, effective, saved, filesystem
    assert [int(x) for x in st["Gid"]] == [want.pw_gid] * 4
    assert st["Groups"] == []
    assert st["NoNewPrivs"] == ["1"]
    assert int(st["CapEff"][0], 16) == 0 and int(st["CapPrm"][0], 16) == 0
    # the supervisor stays root (it starts the agent), and does not serve
    assert status_fields(root_server.proc.pid)["Uid"][1] == "0"


def test_state_files_ownership(root_server):
    want = api_user()
    state = root_server.state_dir
    for name in ("bulkhead.db", "bulkhead.db-wal", "bulkhead.db-shm"):
        st = os.stat(os.path.join(state, name))
        assert (st.st_uid, st.st_gid) == (want.pw_uid, want.pw_gid), name
    key = os.stat(os.path.join(state, "host.key"))
    assert key.st_uid == 0 and stat.S_IMODE(key.st_mode) == 0o600
    # the API cannot add, remove or rename files of the state directory
    assert os.stat(state).st_uid == 0


def test_restart_after_root_owned_store_files(tmp_path):
    """A store last written by root (an older serve, `admin` run first)
    is given back to the API user on start, and keeps its data."""
    state = tmp_path / "state"
    s = bhlib.Server(state).start()
    ec2 = s.client(s.admin_akid, s.admin_secret)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    assert s.stop() is None
    for name in os.listdir(state):
        os.chown(state / name, 0, 0)
    s.start()
    try:
        ec2 = s.client(s.admin_akid, s.admin_secret)
        assert [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]] == [vpc]
        ec2.create_vpc(CidrBlock="10.2.0.0/16")
        assert os.stat(state / "bulkhead.db").st_uid == api_user().pw_uid
    finally:
        assert s.stop() is None


@pytest.mark.parametrize("user, message", [
    ("root", "Operation not permitted"),
    ("bhtest-no-such-user", "no user bhtest-no-such-user"),
])
def test_bad_user_is_a_usage_error(tmp_path, user, message):
    p = subprocess.run([bhlib.bulkhead_bin(), "serve", "--state-dir", str(tmp_path / "s"), "--listen",
                        f"127.0.0.1:{bhlib.free_port()}", "--user", user],
                       capture_output=True, text=True, timeout=30, env=bhlib.child_env())
    assert p.returncode == 2, p.stderr
    assert message in p.stderr


def test_api_does_not_outlive_a_killed_supervisor(tmp_path):
    """The parent-death signal is set again after the drop (the kernel
    clears it when the ids change): SIGKILL of the root parent ends the API."""
    s = bhlib.Server(tmp_path / "state").start()
    (api,) = children(s.proc.pid)
    s.kill()
    deadline = time.monotonic() + 10
    while True:
        try:
            if status_fields(api)["State"][0] == "Z":
                break
        except FileNotFoundError:
            break
        assert time.monotonic() < deadline, f"API child {api} still runs after its supervisor was killed"
        time.sleep(0.05)
