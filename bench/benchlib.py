"""benchlib - what every benchmark under bench/ shares.

Benchmarks run as root inside scripts/sandbox.sh (private network and mount
namespaces), against the bulkhead binary in $BULKHEAD_BIN (default
build/bulkhead, the -O2 build `make bench` makes). They reuse the test
helpers tests/api/bhlib.py (server, admin CLI, tenants) and
tests/e2e/dplib.py (namespace names, nft listings) by sys.path.

Interface (stable; benchmarks import it as `import benchlib as bl`):

  machine_info() -> dict          cores, kernel, cpu, memory, load, binary, git revision
  machine_line() -> str           the same as one line; printed by every benchmark first
  log(msg)                        a timestamped progress line on stderr

  Bench(name, agent=True, agent_args=())
                                  one `bulkhead serve` on a temp state dir, plus (agent=True)
                                  one `bulkhead agent` run as its own process (so it can be
                                  SIGKILLed, restarted and profiled by pid); agent_args are
                                  added to its command line (e.g. ["--debug"]: every pass logged)
    .start() -> self              serve (and agent) up, first convergence waited for
    .stop()                       everything down: processes in namespaces, agent, serve,
                                  `bulkhead agent --cleanup`, state dir removed. Idempotent;
                                  also runs at interpreter exit and on SIGTERM/SIGINT.
                                  `with Bench(...) as b:` starts and stops.
    .server                       the bhlib.Server; .endpoint, .state_dir, .image_id
    .admin_ec2                    boto3 ec2 client of the admin account
    .tenant(name=None)            a new account with a key: bhlib.Tenant (.ec2, .account_id)
    .revision() -> int            the store's revision (read from the database, cheap)
    .applied() -> int|None        the agent's applied revision (database, cheap)
    .status() -> dict             `bulkhead admin status --json` (loads the whole snapshot)
    .wait_applied(revision=None, timeout=600, poll=0.02) -> seconds
                                  until the agent reports >= revision (default: the store's
                                  revision now); seconds waited. Raises on timeout.
    .start_agent(wrap=()) / .kill_agent(sig=SIGKILL) / .stop_agent()
                                  wrap: a command prefix, e.g. ["perf", "record", ..., "--"]
                                  (then agent_pid is the wrapper's)
                                  each start reports under a new host name (bench1, bench2,
                                  ...), so applied() reads only what the running agent reported
                                  (a restarted agent's first report is visible as such)
    .agent_pid, .serve_pid, .agent_host
    .agent_log() -> str           the agent's stderr so far (it logs event=revision_applied ms=…)
    ns_argv / run_in / spawn_in   see below (instance ids, or a bh- namespace name)

  instance_netns(instance_id) / vpc_netns(vpc_id) / eni_link(eni_id)   kernel names
  ns_argv(where, argv)            argv run inside `where` (instance id or namespace name)
  run_in(where, argv, timeout=60, check=True) -> CompletedProcess (text)
  Bench.spawn_in(where, argv, **popen_kw) -> Popen; stopped (SIGTERM, then SIGKILL) at stop()

  build_scale(bench, vnics, rules, groups=None, per_tenant=50, peer_share=0.25, seed=1)
      -> Scale        the scale setup, through the API as a user would, batched
                      (RunInstances MinCount=MaxCount up to 20, one
                      AuthorizeSecurityGroupIngress per group with all its
                      IpPermissions). See build_scale's docstring for the layout.
  Scale: .main (Tenant), .vpc, .subnet, .groups [{"id","rules","eni"}], .instances
         [{"id","ip","eni","groups","tenant"}], .server / .client (the measured pair),
         .allow_rules, .timings {"api_s", "api_calls", "converge_s", ...}, .rule_count

  profile_during(fn, path, freq=499, limit=25, comms=None, groups=None) -> (fn(), text)
                                  `perf record -a -g` (the whole machine) while fn runs; text is
                                  the top symbols (perf report --no-children), limited to the
                                  commands in comms when given (percentages relative to them),
                                  then, with groups ({label: regex on symbol names}), the share
                                  of samples in each group

  median(xs), alternate(configs, reps) -> {name: [values]}
                                  run configs (an ordered dict name -> fn() -> value) in turn,
                                  reps times: a b c a b c ...

  Report(name, title)             results for bench/results/<name>.md (+ <name>.json)
    .machine()                    the machine line (added automatically on write)
    .ratios(title, columns, rows, note=None)      a table of ratios (shown first)
    .absolutes(title, columns, rows, note=None)   a table of absolute figures
    .note(text)                   a paragraph (method, baselines, profiles, misses)
    .bar_plot(filename, title, categories, series, ylabel, log=False, ref=None)
                                  a grouped bar PNG (matplotlib, Agg) in bench/results/
    .write() -> path              bench/results/<name>.md and <name>.json

Every process a benchmark starts is stopped by pid; nothing outside the
sandbox's namespaces sees traffic."""
import atexit
import collections
import contextlib
import json
import math
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
# BH_BENCH_RESULTS: write somewhere else than bench/results/ (trial runs).
RESULTS_DIR = os.environ.get("BH_BENCH_RESULTS") or os.path.join(BENCH_DIR, "results")
os.environ.setdefault("BULKHEAD_BIN", os.path.join(REPO, "build", "bulkhead"))
sys.path.insert(0, os.path.join(REPO, "tests", "api"))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import bhlib  # noqa: E402
import dplib  # noqa: E402

PY = "/usr/bin/python3"
instance_netns = dplib.instance_netns
vpc_netns = dplib.vpc_netns
eni_link = dplib.eni_link

# Ports no generated rule ever allows: the measured traffic uses them, so
# it matches only the rules written for it.
BENCH_TCP_PORT = 5201
BENCH_UDP_PORTS = (5201, 5202)
GENERATED_PORTS = (10000, 60000)

_T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# the machine


def _cpu_model():
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _git_rev():
    p = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    rev = p.stdout.strip() or "?"
    # the results a run writes as it goes are not changes to what is measured
    d = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no", "--", ".",
                        ":(exclude)bench/results"], capture_output=True, text=True)
    return rev + ("+changes" if d.stdout.strip() else "")


def machine_info():
    mem_kb = 0
    with contextlib.suppress(OSError):
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "cpu": _cpu_model(),
        "memory_gib": round(mem_kb / 1048576, 1),
        "load": os.getloadavg()[0],
        "binary": os.environ["BULKHEAD_BIN"],
        "git": _git_rev(),
        "python": platform.python_version(),
    }


def machine_line():
    m = machine_info()
    return (f"{m['cores']} cores ({m['cpu']}), kernel {m['kernel']}, {m['memory_gib']} GiB, "
            f"load {m['load']:.2f} at start; bulkhead {m['git']} ({os.path.relpath(m['binary'], REPO)})")


# --------------------------------------------------------------------------
# teardown on any exit

_LIVE = []


def _stop_all():
    for b in list(_LIVE):
        with contextlib.suppress(Exception):
            b.stop()


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


atexit.register(_stop_all)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)


# --------------------------------------------------------------------------
# commands in namespaces


def ns_argv(where, argv):
    """argv run inside `where`: an instance id (its namespace), or a
    namespace name. `ip netns exec` directly: no bulkhead process between."""
    ns = instance_netns(where) if where.startswith("i-") else where
    return ["ip", "netns", "exec", ns] + list(argv)


def run_in(where, argv, timeout=60, check=True, input=None):
    return sh(ns_argv(where, argv), timeout, check, input)


def sh(argv, timeout=120, check=True, input=None):
    return dplib.sh(argv, timeout, check, input, error=RuntimeError)


# --------------------------------------------------------------------------
# the server and the agent


class Bench:
    def __init__(self, name, agent=True, workdir=None, agent_args=()):
        self.name = name
        self.with_agent = agent
        self.agent_args = list(agent_args)
        self.workdir = workdir or tempfile.mkdtemp(prefix=f"bhbench-{name}-")
        self.server = bhlib.Server(os.path.join(self.workdir, "state"))
        self.agent_proc = None
        self.agent_starts = 0
        self.agent_host = None
        self.procs = []
        self.admin_ec2 = None
        self.image_id = None
        self._db = None
        self._stopped = False

    # ---- lifecycle

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def state_dir(self):
        return self.server.state_dir

    @property
    def endpoint(self):
        return self.server.endpoint

    @property
    def serve_pid(self):
        return self.server.proc.pid if self.server.proc else None

    @property
    def agent_pid(self):
        return self.agent_proc.pid if self.agent_proc else None

    def start(self):
        if os.geteuid() != 0:
            raise SystemExit("benchmarks need root: run them in scripts/sandbox.sh")
        holder = dplib.wait_agent_lock_free(5)
        if self.with_agent and holder is not None:
            raise SystemExit(f"another bulkhead agent (pid {holder}) runs here: use scripts/sandbox.sh")
        _LIVE.append(self)
        self.server.start()
        self.admin_ec2 = self.server.client(self.server.admin_akid, self.server.admin_secret)
        images = self.admin_ec2.describe_images()["Images"]
        self.image_id = next(i["ImageId"] for i in images if i.get("Name") == "bulkhead-netns")
        if self.with_agent:
            self.start_agent()
            self.wait_applied(timeout=60)
        return self

    def start_agent(self, wrap=()):
        assert self.agent_proc is None or self.agent_proc.poll() is not None
        # a killed agent's forked helpers may hold the host lock a moment longer
        holder = dplib.wait_agent_lock_free(30)
        if holder is not None:
            raise RuntimeError(f"the agent lock is still held by pid {holder}")
        self.agent_starts += 1
        path = os.path.join(self.workdir, f"agent.stderr.{self.agent_starts}")
        self.agent_host = f"bench{self.agent_starts}"
        with open(path, "w") as err:
            self.agent_proc = subprocess.Popen(
                list(wrap) + [os.environ["BULKHEAD_BIN"], "agent", "--state-dir", self.state_dir, "--host", self.agent_host]
                + self.agent_args,
                stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        self._agent_log = path
        return self.agent_proc.pid

    def kill_agent(self, sig=signal.SIGKILL):
        if self.agent_proc is None:
            return
        if self.agent_proc.poll() is None:
            self.agent_proc.send_signal(sig)
        self.agent_proc.wait()

    def stop_agent(self, timeout=60):
        if self.agent_proc is None or self.agent_proc.poll() is not None:
            return
        self.agent_proc.send_signal(signal.SIGTERM)
        try:
            self.agent_proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.agent_proc.kill()
            self.agent_proc.wait()

    def agent_log(self):
        with contextlib.suppress(OSError, AttributeError):
            return open(self._agent_log, errors="replace").read()
        return ""

    def spawn_in(self, where, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.Popen(ns_argv(where, argv), **kw)
        self.procs.append(p)
        return p

    def stop_procs(self):
        procs, self.procs = self.procs, []
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        if self in _LIVE:
            _LIVE.remove(self)
        with contextlib.suppress(Exception):
            self.stop_procs()
        if self._db is not None:
            self._db.close()
            self._db = None
        self.stop_agent()
        with contextlib.suppress(Exception):
            self.server.stop(timeout=30)
        if self.with_agent:
            p = bhlib.run_bin(["agent", "--cleanup"], timeout=600, check_sanitizer=False)
            if p.returncode != 0:
                log(f"bulkhead agent --cleanup exited {p.returncode}: {p.stderr.strip()[-500:]}")
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- clients and state

    def tenant(self, name=None):
        return self.server.new_tenant(name)

    def _query(self, sql):
        if self._db is None:
            self._db = sqlite3.connect(f"file:{self.server.db_path}?mode=ro", uri=True, isolation_level=None,
                                       timeout=5)
        return self._db.execute(sql).fetchall()

    def revision(self):
        """The store's revision, straight from the database (what `admin
        status` prints as Revision, without loading the snapshot)."""
        return self._query("SELECT revision FROM meta WHERE id = 1")[0][0]

    def applied(self):
        rows = self._query(f"SELECT applied_revision FROM agent_status WHERE host = '{self.agent_host}'")
        return rows[0][0] if rows else None

    def status(self):
        return bhlib.admin(self.state_dir, "status")

    def wait_applied(self, revision=None, timeout=600, poll=0.02):
        """Seconds until the agent reports `revision` (default: the store's
        revision now) applied."""
        want = self.revision() if revision is None else revision
        t0 = time.monotonic()
        while True:
            got = self.applied()
            if got is not None and got >= want:
                return time.monotonic() - t0
            if self.agent_proc is not None and self.agent_proc.poll() is not None:
                raise RuntimeError(f"the agent exited {self.agent_proc.returncode}:\n{self.agent_log()[-3000:]}")
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"agent did not apply revision {want} within {timeout}s (at {got}):\n"
                                   f"{self.agent_log()[-3000:]}")
            time.sleep(poll)


# --------------------------------------------------------------------------
# scale setup through the API


class Scale:
    def __init__(self):
        self.main = None
        self.tenants = []
        self.vpc = None
        self.subnet = None
        self.groups = []       # main VPC's rule groups: {"id", "rules": [IpPermission], "eni": eni or None}
        self.instances = []    # {"id", "ip", "eni", "groups", "tenant"}
        self.server = None     # the measured pair (main VPC)
        self.client = None
        self.client_group = None
        self.allow_rules = []  # the rules the measured traffic matches, last of the server's last group
        self.rule_count = 0
        self.timings = {}

    def group_members(self):
        """group id -> [private ip] of the vNICs carrying it."""
        out = collections.defaultdict(list)
        for i in self.instances:
            if i["tenant"] is self.main:
                for g in i["groups"]:
                    out[g].append(i["ip"])
        return out


class ApiCounter:
    def __init__(self):
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, fn, **kw):
        t0 = time.monotonic()
        try:
            return fn(**kw)
        finally:
            self.calls += 1
            self.seconds += time.monotonic() - t0


def _random_rule(rng, peers):
    proto = rng.choice(("tcp", "udp"))
    lo = rng.randrange(GENERATED_PORTS[0], GENERATED_PORTS[1])
    hi = min(GENERATED_PORTS[1], lo + rng.choice((0, 0, 0, 9, 99, 999)))
    perm = {"IpProtocol": proto, "FromPort": lo, "ToPort": hi}
    if peers and rng.random() < _random_rule.peer_share:
        perm["UserIdGroupPairs"] = [{"GroupId": rng.choice(peers)}]
    else:
        plen = rng.choice((8, 12, 16, 20, 24, 24, 28, 32, 32, 32))
        addr = rng.getrandbits(32) & (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        perm["IpRanges"] = [{"CidrIp": f"{addr >> 24}.{(addr >> 16) & 255}.{(addr >> 8) & 255}.{addr & 255}/{plen}"}]
    return perm


_random_rule.peer_share = 0.25


def build_scale(bench, vnics, rules, groups=None, per_tenant=50, peer_share=0.25, seed=1, wait=True):
    """Build `vnics` instances and `rules` ingress rules through the API.

    Layout. The API allows 64 live instances per account (src/lib/limits.h)
    and a VPC belongs to one account, so vNICs are spread over
    ceil(vnics/per_tenant) tenants, one VPC (10.0.0.0/16, one /24 subnet)
    each; overlapping addresses, as tenants have. The first tenant ("main")
    holds every rule and the measured pair: `groups` groups (default
    max(2, rules/50)) of about rules/groups ingress rules each, TCP or UDP
    port ranges in 10000-60000 from random CIDRs (/8../32) or, for
    `peer_share` of them, from another rule group of the VPC. Each rule
    group is carried by exactly one vNIC of the main VPC (round robin), so
    every group is compiled and each rule applies to one vNIC; vNICs beyond
    the number of groups carry the VPC's default group. The server carries
    the groups that fall to it, the last of which ends with the rules the
    measured traffic matches (TCP 5201 and UDP 5201-5202 from the client's
    own group "bench-client"), counted in `rules`. Every group keeps EC2's
    default egress allow-all rule (not counted).

    Timings: api_s (wall time of the setup calls), api_calls, converge_s
    (from the last call until the agent reported the revision applied),
    running_s (until every instance reads running).
    """
    _random_rule.peer_share = peer_share
    rng = random.Random(seed)
    sc = Scale()
    api = ApiCounter()
    t0 = time.monotonic()
    ntenants = max(1, math.ceil(vnics / per_tenant))
    ngroups = groups or max(2, math.ceil(rules / 50))
    for t in range(ntenants):
        ten = bench.tenant(f"bench-{t}")
        sc.tenants.append(ten)
    sc.main = sc.tenants[0]
    ec2 = sc.main.ec2
    vpcs, subnets = {}, {}
    for ten in sc.tenants:
        vpc = api(ten.ec2.create_vpc, CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        sub = api(ten.ec2.create_subnet, VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        vpcs[ten.account_id], subnets[ten.account_id] = vpc, sub
    sc.vpc, sc.subnet = vpcs[sc.main.account_id], subnets[sc.main.account_id]

    # groups first (rules name groups as peers), rules after
    gids = [api(ec2.create_security_group, VpcId=sc.vpc, GroupName=f"bench-g{k:04d}",
                Description="bench")["GroupId"] for k in range(ngroups)]
    sc.client_group = api(ec2.create_security_group, VpcId=sc.vpc, GroupName="bench-client",
                          Description="bench client")["GroupId"]
    n_main = min(vnics, per_tenant)
    if n_main < 2:
        raise ValueError("the measured pair needs two vNICs in the main VPC")
    allow = [{"IpProtocol": "tcp", "FromPort": BENCH_TCP_PORT, "ToPort": BENCH_TCP_PORT,
              "UserIdGroupPairs": [{"GroupId": sc.client_group}]},
             {"IpProtocol": "udp", "FromPort": BENCH_UDP_PORTS[0], "ToPort": BENCH_UDP_PORTS[1],
              "UserIdGroupPairs": [{"GroupId": sc.client_group}]}]
    generated = max(0, rules - len(allow))
    # vNIC slot k (0 = server, 1 = client, ...) carries groups k, k+n, ...
    # (the client's slot carries none: it holds bench-client only)
    carriers = [k for k in range(n_main) if k != 1] or [0]
    slot_groups = collections.defaultdict(list)
    for k, g in enumerate(gids):
        slot_groups[carriers[k % len(carriers)]].append(g)
    last_server_group = slot_groups[0][-1]
    for k, g in enumerate(gids):
        share = generated // ngroups + (1 if k < generated % ngroups else 0)
        perms = [_random_rule(rng, [p for p in gids if p != g]) for _ in range(share)]
        if g == last_server_group:
            perms += allow
        sc.groups.append({"id": g, "rules": perms, "eni": None})
        for i in range(0, len(perms), 60):  # 60 rules per group and direction at most
            api(ec2.authorize_security_group_ingress, GroupId=g, IpPermissions=perms[i:i + 60])
    sc.allow_rules = allow
    sc.rule_count = sum(len(g["rules"]) for g in sc.groups)
    by_id = {g["id"]: g for g in sc.groups}

    # the main VPC: one RunInstances per distinct group set
    def launch(ten, subnet, group_ids, count):
        out = []
        while count > 0:
            n = min(count, 20)
            kw = {"ImageId": bench.image_id, "MinCount": n, "MaxCount": n, "SubnetId": subnet}
            if group_ids:
                kw["SecurityGroupIds"] = list(group_ids)
            r = api(ten.ec2.run_instances, **kw)
            for d in r["Instances"]:
                out.append({"id": d["InstanceId"], "ip": d.get("PrivateIpAddress"),
                            "eni": d["NetworkInterfaces"][0]["NetworkInterfaceId"],
                            "groups": list(group_ids or []), "tenant": ten})
            count -= n
        return out

    sets = collections.OrderedDict()
    for k in range(n_main):
        key = tuple([sc.client_group] if k == 1 else slot_groups.get(k, []))
        sets.setdefault(key, []).append(k)
    slot_inst = {}
    for key, slots in sets.items():
        for inst, k in zip(launch(sc.main, sc.subnet, list(key), len(slots)), slots):
            slot_inst[k] = inst
            for g in key:
                if g in by_id:
                    by_id[g]["eni"] = inst["eni"]
    sc.instances = [slot_inst[k] for k in range(n_main)]
    sc.server, sc.client = slot_inst[0], slot_inst[1]
    left = vnics - n_main
    for ten in sc.tenants[1:]:
        n = min(left, per_tenant)
        sc.instances += launch(ten, subnets[ten.account_id], None, n)
        left -= n
    t_api = time.monotonic()
    sc.timings["api_s"] = t_api - t0
    sc.timings["api_calls"] = api.calls
    sc.timings["api_call_s"] = api.seconds
    if wait:
        sc.timings["converge_s"] = bench.wait_applied(timeout=1800)
        sc.timings["running_s"] = wait_running(sc) + sc.timings["converge_s"]
    return sc


def wait_running(sc, timeout=600):
    """Seconds until every instance of the scale reads running."""
    t0 = time.monotonic()
    for ten in sc.tenants:
        ids = [i["id"] for i in sc.instances if i["tenant"] is ten]
        while ids:
            pending = []
            for k in range(0, len(ids), 200):
                r = ten.ec2.describe_instances(InstanceIds=ids[k:k + 200])
                pending += [i["InstanceId"] for res in r["Reservations"] for i in res["Instances"]
                            if i["State"]["Name"] != "running"]
            ids = pending
            if ids:
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError(f"{len(ids)} instances not running after {timeout}s")
                time.sleep(0.2)
    return time.monotonic() - t0


# --------------------------------------------------------------------------
# profiles


def profile_during(fn, path, freq=499, limit=25, percent=1.0, comms=None, groups=None):
    """Run fn under `perf record -a -g`; (fn's value, top symbols as text).
    The text is empty when perf is missing or recorded nothing."""
    if not shutil.which("perf"):
        return fn(), ""
    perf = subprocess.Popen(["perf", "record", "-a", "-g", "-F", str(freq), "-o", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)  # perf attaches to every CPU first
    try:
        value = fn()
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    base = ["perf", "report", "-i", path, "--stdio", "--no-children", "-g", "none"]
    if comms:
        base += ["--comm", ",".join(comms), "--percentage", "relative"]
    p = subprocess.run(base + ["--sort", "comm,dso,sym", "--percent-limit", str(percent)],
                       capture_output=True, text=True)
    keep = [ln.rstrip() for ln in p.stdout.splitlines() if ln.strip() and not ln.startswith("#")]
    text = "\n".join(keep[:limit])
    if groups:
        import re
        p = subprocess.run(base + ["--sort", "sym"], capture_output=True, text=True)
        share = {k: 0.0 for k in groups}
        for ln in p.stdout.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+\[[k.]\]\s+(\S+)", ln)
            if not m:
                continue
            for k, rx in groups.items():
                if re.search(rx, m.group(2)):
                    share[k] += float(m.group(1))
                    break
        text = "share of samples: " + ", ".join(f"{k} {v:.1f}%" for k, v in share.items()) + "\n" + text
    return value, text


# --------------------------------------------------------------------------
# statistics


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return float("nan")
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def alternate(configs, reps):
    """configs: ordered {name: fn() -> value}; runs a b c a b c … reps
    times; {name: [values]}."""
    out = {k: [] for k in configs}
    for _ in range(reps):
        for k, fn in configs.items():
            out[k].append(fn())
    return out


def ratio(a, b):
    return a / b if b else float("nan")


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, int):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


# --------------------------------------------------------------------------
# results


class Report:
    def __init__(self, name, title):
        self.name = name
        self.title = title
        self.info = machine_info()
        self.sections = []   # ("ratios"|"absolutes"|"note", payload)
        self.plots = []

    def machine(self):
        return machine_line()

    def ratios(self, title, columns, rows, note=None):
        self.sections.append(("ratios", {"title": title, "columns": list(columns), "rows": rows, "note": note}))

    def absolutes(self, title, columns, rows, note=None):
        self.sections.append(("absolutes", {"title": title, "columns": list(columns), "rows": rows,
                                            "note": note}))

    def note(self, text):
        self.sections.append(("note", text))

    def bar_plot(self, filename, title, categories, series, ylabel, log=False, ref=None):
        """Grouped bars: categories on x, one bar per series entry
        ({label: [value per category]}); ref draws a horizontal line."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        os.makedirs(RESULTS_DIR, exist_ok=True)
        fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(categories) * max(1, len(series)) / 2), 4))
        width = 0.8 / max(1, len(series))
        for k, (label, values) in enumerate(series.items()):
            xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(categories))]
            ax.bar(xs, [0 if v is None or v != v else v for v in values], width, label=label)
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories, fontsize=8)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        if log:
            ax.set_yscale("log")
        if ref is not None:
            ax.axhline(ref, color="grey", linestyle="--", linewidth=1)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(RESULTS_DIR, filename), dpi=100)
        plt.close(fig)
        self.plots.append(filename)

    @staticmethod
    def _table(t):
        lines = []
        if t["title"]:
            lines.append(f"**{t['title']}**\n")
        lines.append("| " + " | ".join(t["columns"]) + " |")
        lines.append("|" + "|".join("---" for _ in t["columns"]) + "|")
        for row in t["rows"]:
            lines.append("| " + " | ".join(c if isinstance(c, str) else fmt(c) for c in row) + " |")
        if t.get("note"):
            lines.append("\n" + t["note"])
        return "\n".join(lines) + "\n"

    def markdown(self, level=2):
        h = "#" * level
        out = [f"{h} {self.title}\n", f"Machine: {machine_line()}\n"]
        for kind in ("ratios", "absolutes"):
            for k, payload in self.sections:
                if k == kind:
                    out.append(self._table(payload))
        for png in self.plots:
            out.append(f"![{png}]({png})\n")
        notes = [p for k, p in self.sections if k == "note"]
        if notes:
            out.append(f"{h}# Method and findings\n")
            out += [n.strip() + "\n" for n in notes]
        return "\n".join(out)

    def write(self):
        os.makedirs(RESULTS_DIR, exist_ok=True)
        md = os.path.join(RESULTS_DIR, f"{self.name}.md")
        with open(md, "w") as f:
            f.write(self.markdown(level=1))
        with open(os.path.join(RESULTS_DIR, f"{self.name}.json"), "w") as f:
            json.dump({"name": self.name, "title": self.title, "machine": self.info,
                       "sections": self.sections, "plots": self.plots}, f, indent=1, default=str)
        log(f"wrote {os.path.relpath(md, REPO)}")
        return md
