"""Crash durability: clients write concurrently, the server is killed with
SIGKILL mid-stream and restarted on the same state directory; every write
that was acknowledged (HTTP 200) must be there, the database must pass
SQLite's integrity and foreign-key checks, and the revision counter must not
have gone backwards."""
import os
import shutil
import sqlite3
import subprocess
import threading
import time

from botocore.exceptions import ClientError

import bhlib

THREADS = 4


def read_revision(db_path):
    """The store's revision counter, or None if the schema does not expose one."""
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
        try:
            return con.execute("SELECT revision FROM meta WHERE id = 1").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def integrity(db_path):
    con = sqlite3.connect(db_path, timeout=10)
    try:
        ok = [r[0] for r in con.execute("PRAGMA integrity_check")]
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    return ok, fk, mode


class Writer(threading.Thread):
    def __init__(self, server, tenant, stop):
        super().__init__(daemon=True)
        self.ec2 = server.client(tenant.akid, tenant.secret)
        self.tenant = tenant
        self.stop = stop
        self.vpcs, self.groups, self.rules = [], [], []
        self.errors = []
        self.refused = 0

    def run(self):
        n = 0
        vpc = None
        try:
            while not self.stop.is_set():
                if n % 8 == 0:
                    vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
                    self.vpcs.append(vpc)
                gid = self.ec2.create_security_group(GroupName=f"g{n}", Description="d", VpcId=vpc)["GroupId"]
                self.groups.append(gid)
                port = 1000 + n
                self.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
                self.rules.append((gid, port))
                n += 1
        except ClientError as e:
            # an EC2 error is an answer, not an acknowledgement; it should not happen here
            self.errors.append(e.response.get("Error"))
        except Exception:
            # the server died under us: connection refused or reset
            self.refused += 1

    @property
    def acked(self):
        return len(self.vpcs) + len(self.groups) + len(self.rules)


def test_sigkill_keeps_every_acknowledged_write(tmp_path):
    srv = bhlib.Server(tmp_path / "st").start()
    try:
        tenants = [srv.new_tenant(f"writer-{i}") for i in range(THREADS)]
        stop = threading.Event()
        writers = [Writer(srv, t, stop) for t in tenants]
        for w in writers:
            w.start()
        deadline = time.monotonic() + 20
        while sum(w.acked for w in writers) < 400 and time.monotonic() < deadline:
            if not all(w.is_alive() for w in writers):
                break
            time.sleep(0.02)
        rev_before = read_revision(srv.db_path)
        acked_before = sum(w.acked for w in writers)
        assert all(w.is_alive() for w in writers), [w.errors for w in writers]
        assert acked_before > 20, "the writers made too little progress to test anything"
        srv.kill()  # SIGKILL, mid-stream: the writers are still going
        stop.set()
        for w in writers:
            w.join(timeout=60)
        for w in writers:
            assert not w.errors, f"writer got EC2 errors: {w.errors}"
        print(f"killed after {acked_before} acknowledged writes; "
              f"{sum(w.acked for w in writers)} acknowledged in all; {sum(w.refused for w in writers)} writers cut off")

        # a copy of the files exactly as the crash left them is consistent
        crash = tmp_path / "crash-copy"
        crash.mkdir()
        for name in os.listdir(srv.state_dir):
            if name.startswith("bulkhead.db"):
                shutil.copy2(os.path.join(srv.state_dir, name), crash / name)
        ok, fk, _ = integrity(str(crash / "bulkhead.db"))
        assert ok == ["ok"], ok
        assert fk == [], fk

        srv.port = None  # a fresh port: the old one may linger in TIME_WAIT
        srv.start()
        for w in writers:
            ec2 = srv.client(w.tenant.akid, w.tenant.secret)
            vpcs = {v["VpcId"] for v in bhlib.all_pages(ec2.describe_vpcs, "Vpcs", 1000)[0]}
            missing = set(w.vpcs) - vpcs
            assert not missing, f"acknowledged VPCs lost in the crash: {missing}"
            groups = bhlib.all_pages(ec2.describe_security_groups, "SecurityGroups", 1000)[0]
            gids = {g["GroupId"] for g in groups}
            missing = set(w.groups) - gids
            assert not missing, f"acknowledged groups lost in the crash: {missing}"
            # every VPC that exists came with its default group, in the same transaction
            defaults = {g["VpcId"] for g in groups if g["GroupName"] == "default"}
            assert vpcs <= defaults, f"VPCs without their default group: {vpcs - defaults}"
            rules = bhlib.all_pages(ec2.describe_security_group_rules, "SecurityGroupRules", 1000)[0]
            have = {(r["GroupId"], r.get("FromPort")) for r in rules if not r["IsEgress"]}
            missing = set(w.rules) - have
            assert not missing, f"acknowledged rules lost in the crash: {missing}"
            # every group that exists came with its default egress rule
            egress = {r["GroupId"] for r in rules if r["IsEgress"]}
            assert gids <= egress, f"groups without their egress rule: {gids - egress}"
            # and the tenant can go on writing
            ec2.create_security_group(GroupName="after-crash", Description="d", VpcId=w.vpcs[-1])

        rev_after = read_revision(srv.db_path)
        if rev_before is not None:
            assert rev_after is not None and rev_after >= rev_before, (rev_before, rev_after)
            # each acknowledged write was its own committed transaction
            assert rev_after >= sum(w.acked for w in writers)
    finally:
        report = srv.stop()
    assert not report, report

    ok, fk, mode = integrity(srv.db_path)
    assert ok == ["ok"], ok
    assert fk == [], fk
    assert mode == "wal"
    if shutil.which("sqlite3"):
        p = subprocess.run(["sqlite3", srv.db_path, "PRAGMA integrity_check"], capture_output=True, text=True,
                           timeout=60)
        assert p.stdout.strip() == "ok", p.stdout + p.stderr


def test_group_commit_many_writers_all_kept(tmp_path):
    """Many more writers than the server has threads share each WAL sync
    (group commit): every write is answered 200, an admin command writing
    from another process at the same time is too, and after a SIGKILL right
    behind the last answer, with no clean shutdown, every row is there."""
    writers, rules_each = 16, 30
    srv = bhlib.Server(tmp_path / "st").start()
    try:
        tenants = [srv.new_tenant(f"gc-{i}") for i in range(4)]
        groups, errors = [], []
        for i in range(writers):
            ten = tenants[i % 4]
            ec2 = srv.client(ten.akid, ten.secret)
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            gid = ec2.create_security_group(GroupName=f"gc{i}", Description="d", VpcId=vpc)["GroupId"]
            groups.append((ten, ec2, gid))
        start = threading.Barrier(writers + 1)

        def write(ten, ec2, gid):
            start.wait()
            try:
                for port in range(1, rules_each + 1):
                    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
                        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                         "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
            except Exception as e:  # any failure is one: nothing here may be refused
                errors.append(repr(e))

        threads = [threading.Thread(target=write, args=g) for g in groups]
        for t in threads:
            t.start()
        start.wait()
        keys = [srv.admin("key", "create", tenants[0].account_id)["AccessKeyId"] for _ in range(3)]
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        srv.kill()

        srv.port = None
        srv.start()
        for ten, _, gid in groups:
            ec2 = srv.client(ten.akid, ten.secret)
            rules = bhlib.all_pages(ec2.describe_security_group_rules, "SecurityGroupRules", 1000,
                                    Filters=[{"Name": "group-id", "Values": [gid]}])[0]
            ports = {r["FromPort"] for r in rules if not r["IsEgress"]}
            assert ports == set(range(1, rules_each + 1)), (gid, sorted(ports))
        listed = {k["AccessKeyId"] for k in srv.admin("key", "list", tenants[0].account_id)}
        assert set(keys) <= listed
    finally:
        report = srv.stop()
    assert not report, report
    ok, fk, mode = integrity(srv.db_path)
    assert (ok, fk, mode) == (["ok"], [], "wal")
