"""dplib - what the data-plane (e2e) tests share: one `bulkhead serve
--agent` for the session, tenants and their networks per test, instances,
the listener/probe toolkit run inside namespaces, flow expectations with a
record of every flow tried, and the per-test cleanup that deletes what a
test made and checks the kernel forgot it too.

Root only. Traffic goes to loopback and to namespaces the agent makes for
this suite (bh-*), never anywhere else."""
import contextlib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

E2E_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(E2E_DIR), "api"))
import bhlib  # noqa: E402  (tests/api/bhlib.py: server, admin CLI, tenants)

PY = "/usr/bin/python3"
AWS = "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else shutil.which("aws")
INTERNET_NS = "bh-internet"
PUBLIC_NS = "bh-vpc-public"
INTERNET_HOST = "203.0.113.10"  # the suite's "internet" server, local in bh-internet
APPLY_TIMEOUT = 10.0   # every change must be in the kernel within this
STATE_TIMEOUT = 10.0   # pending -> running, shutting-down -> terminated
PROBE_TIMEOUT = 0.7

# The DPs whose tests (or modules) are running: cleanup of one must not
# take another's namespaces for leftovers.
LIVE_DPS = []

# Every flow any test tried: dicts (test, src, dst, spec, expected, observed).
FLOW_LOG = []


def current_test():
    return os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]


# --------------------------------------------------------------------------
# the kernel, as read from the root namespace


def sh(argv, timeout=30, check=True, input=None, error=AssertionError):
    """Runs argv; with check, a non-zero exit raises `error` with its stderr."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise error(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def netns_list():
    out = sh(["ip", "-j", "netns", "list"]).stdout.strip()
    return sorted(n["name"] for n in json.loads(out)) if out else []


def bh_netns():
    return [n for n in netns_list() if n.startswith("bh-")]


def links(netns=None):
    argv = ["ip", "-j"] + (["-n", netns] if netns else []) + ["link", "show"]
    return json.loads(sh(argv).stdout or "[]")


def link_names(netns=None):
    return sorted(link["ifname"] for link in links(netns))


def root_bh_links():
    return [n for n in link_names() if re.match(r"^bh[egx]", n)]


def ns_show(netns, *what):
    """`ip -n NETNS WHAT…` as text, for failure messages."""
    return sh(["ip", "-n", netns] + list(what), check=False).stdout


def nft_ruleset(netns):
    return sh(["ip", "netns", "exec", netns, "nft", "list", "ruleset"], check=False).stdout


def root_snapshot():
    """The root namespace's links, addresses, routes, rules and nft
    tables: the agent works in namespaces and must leave these alone."""
    return {
        "links": link_names(),
        "routes": sh(["ip", "route", "show", "table", "all"]).stdout,
        "rules": sh(["ip", "rule", "show"]).stdout,
        "nft tables": sh(["nft", "list", "tables"], check=False).stdout,
    }


def vpc_netns(vpc_id):
    return "bh-vpc-" + vpc_id.split("-", 1)[1]


def instance_netns(instance_id):
    return "bh-i-" + instance_id.split("-", 1)[1]


def eni_link(eni_id):
    return "bhe" + eni_id.split("-", 1)[1][:12]


# --------------------------------------------------------------------------
# the session: one server with its agent

AGENT_LOCK = "/run/bulkhead-agent.lock"
LOCK_WAIT = 180.0


def wait_agent_lock_free(timeout):
    """Wait until no agent holds the host-wide lock (another run of the
    suite, or an operator's agent); None when free, else the holder's pid.
    Only tests the lock: never keeps it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(AGENT_LOCK, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip()
        finally:
            os.close(fd)
        if time.monotonic() > deadline:
            return holder
        time.sleep(0.5)



class Env:
    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.server = bhlib.Server(os.path.join(self.workdir, "state"), extra_args=["--agent"])
        self.bin = bhlib.bulkhead_bin()
        self.image_id = None
        self.admin_ec2 = None

    @property
    def state_dir(self):
        return self.server.state_dir

    def start(self):
        holder = wait_agent_lock_free(LOCK_WAIT)
        if holder is not None:
            pytest.exit(f"another bulkhead agent (pid {holder}) held {AGENT_LOCK} for {LOCK_WAIT}s: "
                        f"the data-plane suite needs the host's one agent slot", returncode=3)
        left = bh_netns() + root_bh_links()
        if left:
            # what a crashed earlier run left; refused (and reported) while
            # another agent holds the host-wide lock
            p = bhlib.run_bin(["agent", "--cleanup"])
            if p.returncode != 0:
                pytest.exit(f"bh- objects on the host ({left}) and `bulkhead agent --cleanup` failed "
                            f"(another agent running?): {p.stderr.strip()[-2000:]}", returncode=3)
        self.root_baseline = root_snapshot()
        self.server.start()
        self.admin_ec2 = self.server.client(self.server.admin_akid, self.server.admin_secret)
        images = self.admin_ec2.describe_images()["Images"]
        self.image_id = next(i["ImageId"] for i in images if i.get("Name") == "bulkhead-netns")
        try:
            self.wait_applied(timeout=30)
        except AssertionError as e:
            pytest.exit(f"the agent of `bulkhead serve --agent` never converged: {e}", returncode=3)
        return self

    def stop(self):
        """SIGTERM serve (it stops its agent), then `agent --cleanup`.
        Returns (sanitizer report or None, cleanup CompletedProcess)."""
        report = self.server.stop(timeout=30)
        p = bhlib.run_bin(["agent", "--cleanup"])
        return report, p

    # ---- the agent

    def status(self):
        return bhlib.admin(self.state_dir, "status")

    def wait_applied(self, timeout=APPLY_TIMEOUT):
        """Until the agent reports the store's revision applied; returns
        the status. Fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        st = None
        while True:
            st = self.status()
            want = st["Revision"]
            agents = st.get("Agents") or []
            if agents and all(a["AppliedRevision"] >= want for a in agents):
                return st
            if time.monotonic() > deadline:
                raise AssertionError(f"agent did not apply revision {want} within {timeout}s: {st}\n"
                                     f"serve/agent stderr tail:\n{self.server.read_stderr()[-3000:]}")
            time.sleep(0.05)

    def serve_pid(self):
        return self.server.proc.pid

    def wait_new_agent(self, old, timeout=15):
        """The pid of the agent serve started after the one with pid old."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.agent_pid()
            if pid and pid != old:
                return pid
            time.sleep(0.05)
        raise AssertionError(f"serve did not restart its agent within {timeout}s (old pid {old})")

    def agent_pid(self):
        """The agent: serve's child (found through /proc/PID/task/*/children)."""
        pid = self.serve_pid()
        kids = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                kids += open(f"/proc/{pid}/task/{task}/children").read().split()
        for k in kids:
            with contextlib.suppress(OSError):
                cmd = open(f"/proc/{k}/cmdline", "rb").read().split(b"\0")
                if b"agent" in cmd:
                    return int(k)
        return None

    # ---- running things inside namespaces

    def ns_argv(self, where, argv):
        """argv run inside `where`: an instance id, or 'internet'."""
        if where == "internet":
            return ["ip", "netns", "exec", INTERNET_NS] + list(argv)
        return [self.bin, "exec", "--state-dir", self.state_dir, where, "--"] + list(argv)

    def run_in(self, where, argv, timeout=30, check=True):
        p = subprocess.run(self.ns_argv(where, argv), capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, env=bhlib.child_env())
        if check and p.returncode != 0:
            raise AssertionError(f"in {where}: {' '.join(argv)} exited {p.returncode}:\n{p.stderr[-3000:]}")
        return p


# --------------------------------------------------------------------------
# per test: tenants, networks, instances, processes, cleanup


class Instance:
    def __init__(self, tenant, desc):
        self.tenant = tenant
        self.id = desc["InstanceId"]
        self.ip = desc.get("PrivateIpAddress")
        self.vpc = desc.get("VpcId")
        self.subnet = desc.get("SubnetId")
        nic = (desc.get("NetworkInterfaces") or [{}])[0]
        self.eni = nic.get("NetworkInterfaceId")
        self.mac = nic.get("MacAddress")
        self.public_ip = desc.get("PublicIpAddress")
        self.name = self.id

    @property
    def netns(self):
        return instance_netns(self.id)

    @property
    def router_netns(self):
        return vpc_netns(self.vpc) if self.vpc else PUBLIC_NS

    @property
    def router_link(self):
        return eni_link(self.eni)

    def router_mac(self):
        for link in links(self.router_netns):
            if link["ifname"] == self.router_link:
                return link["address"]
        raise AssertionError(f"no {self.router_link} in {self.router_netns}:\n"
                             f"{ns_show(self.router_netns, 'link')}")

    def __repr__(self):
        return f"{self.name}({self.id} {self.ip})"


class Proc:
    """A process started inside a namespace; stopped by pid."""

    def __init__(self, popen, where, argv, what):
        self.popen = popen
        self.where = where
        self.argv = argv
        self.what = what
        self.result = None
        self.drained = None   # with drain(): stdout as it is read, by a thread
        self._drainer = None

    def drain(self):
        """Read stdout continuously (a capture must never block on a full
        pipe: a blocked tcpdump misses frames and would prove nothing)."""
        self.drained = bytearray()

        def run():
            for chunk in iter(lambda: self.popen.stdout.read1(65536), b""):
                self.drained += chunk

        self._drainer = threading.Thread(target=run, daemon=True)
        self._drainer.start()

    @property
    def pid(self):
        return self.popen.pid

    def stop(self, sig=signal.SIGTERM, timeout=5):
        """Signal by pid and wait; returns (stdout, stderr) as bytes. A
        second call returns the same."""
        if self.result is not None:
            return self.result
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        if self._drainer is not None:
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
            self._drainer.join(timeout)
            self.result = (bytes(self.drained), self.popen.stderr.read())
            return self.result
        try:
            out, err = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            out, err = self.popen.communicate()
        self.result = (out, err)
        return self.result


class Capture:
    def __init__(self, proc):
        self.proc = proc
        self.packets = None

    def stop(self, settle=0.3):
        """Stop tcpdump (by pid, after `settle` seconds for frames in
        flight) and return what it captured as scapy packets."""
        if self.packets is None:
            time.sleep(settle)
            out, err = self.proc.stop(signal.SIGTERM)
            dropped = re.search(rb"(\d+) packets? dropped by kernel", err or b"")
            assert dropped and int(dropped.group(1)) == 0, \
                f"tcpdump in {self.proc.where} lost frames, the capture proves nothing: {err!r}"
            self.packets = parse_pcap(out)
        return self.packets


def parse_pcap(data):
    import io

    from scapy.utils import PcapReader
    from scapy.layers import inet, inet6, l2  # noqa: F401  (dissectors)
    from scapy.layers import dhcp  # noqa: F401
    if not data:
        return []
    with contextlib.suppress(EOFError):
        return list(PcapReader(io.BytesIO(data)))
    return []


class DP:
    """One test's view of the data plane; `cleanup()` undoes it all."""

    def __init__(self, env, tmp_path):
        self.env = env
        self.tmp = str(tmp_path)
        self.tenants = []
        self.procs = []
        self.names = {}   # address or instance id -> label, for flow tables
        LIVE_DPS.append(self)

    # ---- tenants and the API

    def tenant(self, name=None):
        t = self.env.server.new_tenant(name)
        self.tenants.append(t)
        return t

    def wait_applied(self, timeout=APPLY_TIMEOUT):
        return self.env.wait_applied(timeout)

    def aws_env(self, tenant):
        cfg = os.path.join(self.tmp, "aws-config")
        if not os.path.exists(cfg):
            open(cfg, "w").close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": cfg, "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self.tmp, "AWS_ACCESS_KEY_ID": tenant.akid, "AWS_SECRET_ACCESS_KEY": tenant.secret,
            "AWS_DEFAULT_REGION": self.env.server.region,
        })
        return env

    def aws(self, tenant, *args):
        """`aws --endpoint-url … ec2 ARGS…` as `tenant`; the parsed JSON
        answer (None when it printed nothing). Fails on a non-zero exit."""
        argv = [AWS, "--endpoint-url", self.env.server.endpoint, "--output", "json", "ec2"] + list(args)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=self.aws_env(tenant),
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise AssertionError(f"aws ec2 {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def aws_many(self, tenant, calls):
        """Several independent aws CLI calls at once (the CLI starts slowly)."""
        results = [None] * len(calls)
        errors = []

        def one(i, args):
            try:
                results[i] = self.aws(tenant, *args)
            except AssertionError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=one, args=(i, a)) for i, a in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, "\n".join(errors)
        return results

    # ---- networks

    def vpc(self, tenant, cidr="10.0.0.0/16", subnets=("10.0.1.0/24",)):
        """A VPC and its subnets: (vpc id, [subnet ids])."""
        vpc = tenant.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        subs = [tenant.ec2.create_subnet(VpcId=vpc, CidrBlock=c)["Subnet"]["SubnetId"] for c in subnets]
        return vpc, subs

    def group(self, tenant, vpc, name, ingress=(), egress=None):
        """A security group; ingress/egress are IpPermissions lists (egress
        None keeps EC2's default allow-all egress, a list replaces it)."""
        kw = {"GroupName": name, "Description": name}
        if vpc:
            kw["VpcId"] = vpc
        gid = tenant.ec2.create_security_group(**kw)["GroupId"]
        if ingress:
            tenant.ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(ingress))
        if egress is not None:
            tenant.ec2.revoke_security_group_egress(
                GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            if egress:
                tenant.ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=list(egress))
        return gid

    def internet_gateway(self, tenant, vpc, route=True):
        """Create and attach an internet gateway; with route, add 0.0.0.0/0
        to it in the VPC's main route table. Returns the igw id."""
        ec2 = tenant.ec2
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        if route:
            ec2.create_route(RouteTableId=self.main_route_table(tenant, vpc), DestinationCidrBlock="0.0.0.0/0",
                             GatewayId=igw)
        return igw

    def main_route_table(self, tenant, vpc):
        rts = tenant.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                        {"Name": "association.main", "Values": ["true"]}])
        return rts["RouteTables"][0]["RouteTableId"]

    def elastic_ip(self, tenant, inst):
        """Allocate an Elastic IP and associate it with inst; returns it."""
        a = tenant.ec2.allocate_address(Domain="vpc")
        tenant.ec2.associate_address(AllocationId=a["AllocationId"], InstanceId=inst.id)
        inst.public_ip = a["PublicIp"]
        self.names.setdefault(a["PublicIp"], f"{inst.name}-eip")
        return a["PublicIp"]

    # ---- instances

    def launch(self, tenant, subnet=None, groups=None, ip=None, count=1, name=None, wait=True):
        kw = {"ImageId": self.env.image_id, "MinCount": count, "MaxCount": count}
        if subnet:
            kw["SubnetId"] = subnet
        if groups:
            kw["SecurityGroupIds"] = list(groups)
        if ip:
            kw["PrivateIpAddress"] = ip
        r = tenant.ec2.run_instances(**kw)
        out = [Instance(tenant, d) for d in r["Instances"]]
        for n, inst in enumerate(out):
            if name:
                inst.name = name if count == 1 else f"{name}{n + 1}"
            self.names[inst.id] = inst.name
            if inst.ip:
                self.names.setdefault(inst.ip, inst.name)
        if wait:
            self.wait_state(tenant, [i.id for i in out], "running")
            for inst, d in zip(out, self.describe(tenant, [i.id for i in out])):
                inst.public_ip = d.get("PublicIpAddress")
                inst.ip = d.get("PrivateIpAddress")
        return out

    def describe(self, tenant, ids):
        got = {i["InstanceId"]: i for r in tenant.ec2.describe_instances(InstanceIds=list(ids))["Reservations"]
               for i in r["Instances"]}
        return [got[i] for i in ids]

    def wait_state(self, tenant, ids, state, timeout=STATE_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            states = {i["InstanceId"]: i["State"]["Name"] for i in self.describe(tenant, ids)}
            if all(s == state for s in states.values()):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"instances not {state} within {timeout}s: {states}\n"
                                     f"agent status: {self.env.status()}\n"
                                     f"stderr tail:\n{self.env.server.read_stderr()[-3000:]}")
            time.sleep(0.1)

    # ---- processes inside namespaces

    def start(self, where, argv, what, ready=None, timeout=10):
        """Start argv inside `where`; with ready, wait until that text shows
        on stdout (ready='stderr:TEXT' for stderr). Stopped by cleanup()."""
        full = self.env.ns_argv(where, argv)
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env=bhlib.child_env())
        proc = Proc(p, where, argv, what)
        self.procs.append(proc)
        if ready:
            stream = p.stderr if ready.startswith("stderr:") else p.stdout
            text = ready.split(":", 1)[1] if ready.startswith("stderr:") else ready
            deadline = time.monotonic() + timeout
            seen = b""
            fd = stream.fileno()
            os.set_blocking(fd, False)
            while text.encode() not in seen:
                if p.poll() is not None or time.monotonic() > deadline:
                    with contextlib.suppress(BlockingIOError):
                        seen += os.read(fd, 65536)
                    proc.stop()
                    raise AssertionError(f"{what} in {where} not ready (exit {p.returncode}): "
                                         f"{seen.decode(errors='replace')[-2000:]}")
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    chunk = b""
                if chunk:
                    seen += chunk
                else:
                    time.sleep(0.02)
            os.set_blocking(fd, True)
        return proc

    def listen(self, where, ports, ident=None, bind=None):
        """listener.py in `where` (instance id or 'internet') on TCP+UDP ports."""
        argv = [PY, os.path.join(E2E_DIR, "listener.py"), "--id", ident or where,
                "--log", os.path.join(self.tmp, f"listener-{ident or where}.log")]
        if bind:
            argv += ["--bind", bind]
        return self.start(where, argv + [str(p) for p in ports], f"listener {ports}", ready="ready")

    def listener_log(self, ident):
        path = os.path.join(self.tmp, f"listener-{ident}.log")
        if not os.path.exists(path):
            return []
        return [json.loads(line) for line in open(path) if line.strip()]

    def capture(self, where, bpf=(), iface="eth0"):
        """tcpdump on `iface` inside `where` (promiscuous, as tcpdump is),
        writing pcap to a pipe; `Capture.stop()` returns scapy packets."""
        # --immediate-mode: short captures must not wait for a ring block to fill
        argv = ["tcpdump", "-i", iface, "-n", "--immediate-mode", "-U", "-s", "512", "-Z", "root", "-w", "-"]
        argv += list(bpf)
        proc = self.start(where, argv, f"tcpdump on {iface}", ready="stderr:listening on")
        proc.drain()
        return Capture(proc)

    def stop_procs(self):
        procs, self.procs = self.procs, []
        for p in procs:
            p.stop()

    # ---- flows

    def probe(self, where, specs, timeout=PROBE_TIMEOUT):
        """Run probe.py once in `where` over all specs; {spec: result}."""
        argv = [PY, os.path.join(E2E_DIR, "probe.py"), "--timeout", str(timeout)] + list(specs)
        p = self.env.run_in(where, argv, timeout=timeout * 3 + 30)
        return json.loads(p.stdout)

    def label(self, where):
        if isinstance(where, Instance):
            return where.name
        return self.names.get(where, where)

    def expect(self, where, flows, timeout=PROBE_TIMEOUT, wait=True):
        """flows: [(proto, dst, port, should_pass)]; dst an address or
        Instance. One probe batch from `where`; every mismatch is reported
        at once, with the whole table. Returns {spec: result}."""
        if wait:
            self.wait_applied()
        src = where.id if isinstance(where, Instance) else where
        rows = []
        for proto, dst, port, want in flows:
            addr = dst.ip if isinstance(dst, Instance) else dst
            rows.append((f"{proto}:{addr}:{port}", want))
        got = self.probe(src, [s for s, _ in rows], timeout)
        table, bad = [], []
        for spec, want in rows:
            res = got[spec]["result"]
            proto, addr, port = spec.split(":")
            line = (f"{self.label(src):>14} -> {self.label(addr):<16} {proto}/{port:<5} "
                    f"expected {'pass ' if want else 'block'} got {res}")
            table.append(line)
            FLOW_LOG.append({"test": current_test(), "src": self.label(src), "dst": self.label(addr),
                             "spec": spec, "expected": "pass" if want else "blocked", "observed": res})
            if (res == "pass") != want or res not in ("pass", "blocked"):
                bad.append(line)
        if bad:
            raise AssertionError(f"{len(bad)} of {len(rows)} flows from {self.label(src)} wrong:\n  "
                                 + "\n  ".join(bad) + "\nall flows:\n  " + "\n  ".join(table)
                                 + "\n" + self.kernel_report())
        return got

    def kernel_report(self, limit=6000):
        """What the VPC namespaces hold, for a failure message."""
        out = []
        for ns in bh_netns():
            if ns.startswith("bh-vpc-"):
                out.append(f"--- {ns} routes:\n{ns_show(ns, 'route')}{ns_show(ns, 'rule')}")
                out.append(f"--- {ns} nft:\n{nft_ruleset(ns)[:limit]}")
        return "\n".join(out)[: limit * 3]

    # ---- cleanup

    def cleanup(self):
        """Stop the test's processes, delete everything its tenants own,
        wait for the agent, and check the kernel lost every trace."""
        errors = []
        if self in LIVE_DPS:
            LIVE_DPS.remove(self)
        self.stop_procs()
        made_ns, made_links = set(), set()
        terminating = []
        for t in self.tenants:
            ec2 = t.ec2
            try:
                insts = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
                         if i["State"]["Name"] != "terminated"]
                for i in insts:
                    made_ns.add(instance_netns(i["InstanceId"]))
                    for nic in i.get("NetworkInterfaces", []):
                        made_links.add(eni_link(nic["NetworkInterfaceId"]))
                ids = [i["InstanceId"] for i in insts]
                if ids:
                    ec2.terminate_instances(InstanceIds=ids)
                    terminating.append((t, ids))
                for a in ec2.describe_addresses()["Addresses"]:
                    if a.get("AssociationId"):
                        ec2.disassociate_address(AssociationId=a["AssociationId"])
                    ec2.release_address(AllocationId=a["AllocationId"])
            except Exception as e:  # keep cleaning; report at the end
                errors.append(f"{t}: instances/addresses: {e!r}")
        for t, ids in terminating:
            try:
                self.wait_state(t, ids, "terminated")
            except AssertionError as e:
                errors.append(str(e))
        for t in self.tenants:
            try:
                self._delete_networks(t, made_ns, made_links)
            except Exception as e:
                errors.append(f"{t}: networks: {e!r}")
        try:
            self.env.wait_applied()
        except AssertionError as e:
            errors.append(str(e))
        left_ns = sorted(made_ns & set(netns_list()))
        if left_ns:
            errors.append(f"namespaces left after their resources were deleted: {left_ns}")
        others = set()
        for d in LIVE_DPS:
            if d is not self:
                others |= d.owned_netns()
        extra = sorted(set(bh_netns()) - {INTERNET_NS, PUBLIC_NS} - others)
        if extra:
            errors.append(f"bh- namespaces left that no tenant owns any more: {extra}")
        for ns in (INTERNET_NS, PUBLIC_NS):
            if ns in netns_list():
                stale = [n for n in link_names(ns) if n in made_links or re.match(r"^bh[gx](?!public)", n)]
                if stale:
                    errors.append(f"links left in {ns}: {stale}")
        stale_root = root_bh_links()
        if stale_root:
            errors.append(f"bh links in the root namespace: {stale_root}")
        if errors:
            raise AssertionError("cleanup: " + "\n".join(errors))

    def owned_netns(self):
        """The namespaces this DP's tenants' instances and VPCs should have."""
        out = set()
        for t in self.tenants:
            for r in t.ec2.describe_instances()["Reservations"]:
                out |= {instance_netns(i["InstanceId"]) for i in r["Instances"]
                        if i["State"]["Name"] != "terminated"}
            out |= {vpc_netns(v["VpcId"]) for v in t.ec2.describe_vpcs()["Vpcs"]}
        return out

    def _delete_networks(self, t, made_ns, made_links):
        ec2 = t.ec2
        vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        for v in vpcs:
            made_ns.add(vpc_netns(v))
            made_links.add("bhg" + v.split("-", 1)[1][:12])
            made_links.add("bhx" + v.split("-", 1)[1][:12])
        for g in ec2.describe_internet_gateways()["InternetGateways"]:
            for a in g.get("Attachments", []):
                ec2.detach_internet_gateway(InternetGatewayId=g["InternetGatewayId"], VpcId=a["VpcId"])
            ec2.delete_internet_gateway(InternetGatewayId=g["InternetGatewayId"])
        for rt in ec2.describe_route_tables()["RouteTables"]:
            if any(a.get("Main") for a in rt.get("Associations", [])):
                continue
            for a in rt.get("Associations", []):
                ec2.disassociate_route_table(AssociationId=a["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=rt["RouteTableId"])
        groups = ec2.describe_security_groups()["SecurityGroups"]
        for g in groups:  # rules naming other groups would hold them
            if g.get("IpPermissions"):
                ec2.revoke_security_group_ingress(GroupId=g["GroupId"], IpPermissions=g["IpPermissions"])
            if g.get("IpPermissionsEgress"):
                ec2.revoke_security_group_egress(GroupId=g["GroupId"], IpPermissions=g["IpPermissionsEgress"])
        for g in groups:
            if g["GroupName"] != "default" or not g.get("VpcId"):
                if g["GroupName"] != "default":
                    ec2.delete_security_group(GroupId=g["GroupId"])
        for s in ec2.describe_subnets()["Subnets"]:
            ec2.delete_subnet(SubnetId=s["SubnetId"])
        for v in vpcs:
            ec2.delete_vpc(VpcId=v)

