#!/usr/bin/python3
"""api_throughput.py - EC2 API requests per second, bulkhead against moto.

Both servers run on this machine and hold the same data: one VPC with the
groups and the 10,000 ingress rules of benchlib.build_scale (200 groups of
about 50 rules, a quarter naming another group as peer), created through
boto3 in each. bulkhead (`bulkhead serve`, the -O2 build, 4 HTTP threads)
runs with its agent, which enforces those rules for 50 instances of the
VPC and reacts to every write; moto (`python3 -m moto.server`, the
mock most AWS tooling is tested against, a Python/Werkzeug server) holds
the groups and rules only.

wrk sends requests signed beforehand with SigV4 (Authorization header,
botocore's signer, as boto3 and the aws CLI send them), replayed from a
pool by bench/wrk_pool.lua, which also counts every answer that is not
HTTP 200. Two workloads:

  describe  DescribeSecurityGroups GroupId.1=<one group> (about 50 rules in
            the answer), cycling over every group; 2 wrk threads, 4
            connections
  write     AuthorizeSecurityGroupIngress then RevokeSecurityGroupIngress of
            the same new rule (tcp, a port and /32 of its own per pair), so
            the data size stays put; each wrk thread works on its own half
            of the groups over one connection, so its pairs reach the server
            in order; 2 threads, 2 connections

Each round runs bulkhead then moto for each workload (alternating), for a
few seconds each; the figures are medians over the rounds. Requests are
signed afresh for every run (valid 15 minutes, the SigV4 clock skew), and
no two requests of a pool are identical where it matters: every write pair
names its own rule. RSS: VmRSS and VmHWM of `bulkhead serve` and of the
agent (/proc) at the end, with 10,000 rules loaded and enforced.

usage: api_throughput.py [--quick] [--rounds N] [--seconds S] [--no-profile]"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
from botocore.config import Config  # noqa: E402

LUA = os.path.join(bl.BENCH_DIR, "wrk_pool.lua")
EC2_VERSION = "2016-11-15"
MOTO_REGION = "us-east-1"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
TARGET_RATIO = 20
TARGET_RSS_MB = 50
WORKLOADS = {"describe": {"threads": 2, "connections": 4}, "write": {"threads": 2, "connections": 2}}
POOL_PER_THREAD = {"describe": 2000, "write": 3000}


# --------------------------------------------------------------------------
# moto


def moto_python():
    """The first python3 on PATH (or $BENCH_MOTO_PYTHON) that imports moto."""
    cands = [os.environ.get("BENCH_MOTO_PYTHON")] if os.environ.get("BENCH_MOTO_PYTHON") else []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "python3")
        if os.access(p, os.X_OK) and p not in cands:
            cands.append(p)
    for p in cands:
        r = subprocess.run([p, "-c", "import moto; print(moto.__version__)"], capture_output=True, text=True)
        if r.returncode == 0:
            return p, r.stdout.strip()
    raise SystemExit("no python3 on PATH imports moto (set BENCH_MOTO_PYTHON): the baseline cannot run")


class Moto:
    def __init__(self, workdir):
        self.python, self.version = moto_python()
        self.port = bl.bhlib.free_port()
        self.log = open(os.path.join(workdir, "moto.log"), "w")
        self.proc = subprocess.Popen([self.python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not bl.bhlib.port_answers("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto.server did not start: {open(self.log.name).read()[-2000:]}")
            time.sleep(0.1)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.akid, self.secret = "AKIAMOTOBENCH0000000", "m" * 40
        self.ec2 = boto3.session.Session().client(
            "ec2", endpoint_url=self.endpoint, region_name=MOTO_REGION, aws_access_key_id=self.akid,
            aws_secret_access_key=self.secret, config=Config(retries={"total_max_attempts": 1}, read_timeout=300))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.log.close()


def copy_to_moto(sc, moto):
    """The main VPC's groups and rules of a Scale, created in moto through
    boto3 (peer groups mapped to moto's ids). Returns (group ids in the
    order of sc.groups, seconds, calls)."""
    t0, calls = time.monotonic(), 0
    ec2 = moto.ec2
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")
    calls += 2
    idmap = {}
    names = [(g["id"], f"bench-g{k:04d}") for k, g in enumerate(sc.groups)] + [(sc.client_group, "bench-client")]
    for gid, name in names:
        idmap[gid] = ec2.create_security_group(VpcId=vpc, GroupName=name, Description="bench")["GroupId"]
        calls += 1
    for g in sc.groups:
        perms = []
        for p in g["rules"]:
            q = dict(p)
            if "UserIdGroupPairs" in q:
                q["UserIdGroupPairs"] = [{"GroupId": idmap[x["GroupId"]]} for x in q["UserIdGroupPairs"]]
            perms.append(q)
        for i in range(0, len(perms), 60):
            ec2.authorize_security_group_ingress(GroupId=idmap[g["id"]], IpPermissions=perms[i:i + 60])
            calls += 1
    return [idmap[g["id"]] for g in sc.groups], time.monotonic() - t0, calls


def count_rules(ec2, group_ids):
    n = 0
    for i in range(0, len(group_ids), 100):
        for g in ec2.describe_security_groups(GroupIds=group_ids[i:i + 100])["SecurityGroups"]:
            n += sum(max(1, len(p.get("IpRanges", [])) + len(p.get("UserIdGroupPairs", [])))
                     for p in g.get("IpPermissions", []))
    return n


# --------------------------------------------------------------------------
# signed request pools


class Target:
    """One server as wrk sees it: endpoint, credentials, region, groups."""

    def __init__(self, name, endpoint, akid, secret, region, groups):
        self.name, self.endpoint, self.region, self.groups = name, endpoint, region, groups
        self.creds = botocore.credentials.Credentials(akid, secret)
        self.host = urllib.parse.urlsplit(endpoint).netloc


def sign(target, params):
    body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    req = botocore.awsrequest.AWSRequest(method="POST", url=target.endpoint + "/", data=body.encode(),
                                         headers={"Content-Type": FORM, "Host": target.host})
    botocore.auth.SigV4Auth(target.creds, "ec2", target.region).add_auth(req)
    headers = {k: v for k, v in req.headers.items()}
    return body, headers


def describe_params(group):
    return {"Action": "DescribeSecurityGroups", "Version": EC2_VERSION, "GroupId.1": group}


def rule_params(action, group, thread, k):
    # one rule of its own per pair: a port and a /32 no generated rule uses
    # (generated ports are 10000-60000; 198.18.0.0/15 is a benchmarking range)
    port = 1024 + (k % 8000)
    addr = f"198.{18 + thread}.{(k // 250) % 250}.{k % 250 + 1}"
    return {"Action": action, "Version": EC2_VERSION, "GroupId": group,
            "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": str(port),
            "IpPermissions.1.ToPort": str(port), "IpPermissions.1.IpRanges.1.CidrIp": addr + "/32"}


def write_pool(target, workload, prefix, threads, per_thread, run=0):
    """Files prefix.0, prefix.1 ... for wrk_pool.lua; seconds spent signing.
    run: the rules of write pools differ from one run to the next."""
    t0 = time.monotonic()
    groups = target.groups
    for t in range(threads):
        lines = []
        if workload == "describe":
            for k in range(per_thread):
                lines.append(sign(target, describe_params(groups[(k * threads + t) % len(groups)])))
        else:
            mine = groups[t::threads]
            for k in range(per_thread // 2):
                g = mine[k % len(mine)]
                n = run * per_thread + k
                lines.append(sign(target, rule_params("AuthorizeSecurityGroupIngress", g, t, n)))
                lines.append(sign(target, rule_params("RevokeSecurityGroupIngress", g, t, n)))
        with open(f"{prefix}.{t}", "w") as f:
            for body, headers in lines:
                f.write("\t".join([body] + [x for kv in headers.items() for x in kv]) + "\n")
    return time.monotonic() - t0


def check_pool(target, prefix):
    """Send the first two lines of thread 0's pool once; both must be 200
    (for writes: authorize then revoke, leaving the data as it was)."""
    import http.client
    with open(f"{prefix}.0") as f:
        lines = [next(f), next(f)]
    for line in lines:
        fields = line.rstrip("\n").split("\t")
        headers = dict(zip(fields[1::2], fields[2::2]))
        host, port = target.host.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        conn.request("POST", "/", body=fields[0].encode(), headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        if r.status != 200:
            raise RuntimeError(f"{target.name}: a pooled request answered {r.status}: {data[:500]!r}")


def revoke_leftovers(ec2, groups):
    """The write workload's rules (198.18.0.0/15) still in the groups: wrk
    stops between an authorize and its revoke. Revoked here; their count."""
    n = 0
    for i in range(0, len(groups), 100):
        for g in ec2.describe_security_groups(GroupIds=groups[i:i + 100])["SecurityGroups"]:
            for p in g.get("IpPermissions", []):
                mine = [r for r in p.get("IpRanges", []) if r["CidrIp"].startswith(("198.18.", "198.19."))]
                if mine:
                    ec2.revoke_security_group_ingress(GroupId=g["GroupId"], IpPermissions=[
                        {"IpProtocol": p["IpProtocol"], "FromPort": p["FromPort"], "ToPort": p["ToPort"],
                         "IpRanges": [{"CidrIp": r["CidrIp"]} for r in mine]}])
                    n += len(mine)
    return n


def fsync_ms(directory, n=100):
    """Median and p90 of fsync after a 4 KiB append in directory, ms: what
    one durable commit waits for at least."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    ts = []
    try:
        for _ in range(n):
            os.write(fd, b"x" * 4096)
            t = time.perf_counter()
            os.fsync(fd)
            ts.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    ts.sort()
    return ts[len(ts) // 2], ts[int(len(ts) * 0.9)]


# --------------------------------------------------------------------------
# processes


def proc_cpu(pid):
    """utime + stime of pid and its children that were waited for, seconds."""
    if not pid:
        return 0.0
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    tck = os.sysconf("SC_CLK_TCK")
    return (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tck


def children(pid):
    try:
        return [int(x) for x in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def api_pid(serve_pid):
    """As root, `bulkhead serve` supervises: the API runs in its one
    unprivileged child, which is what to measure and profile."""
    kids = children(serve_pid)
    if len(kids) != 1:
        raise RuntimeError(f"bulkhead serve (pid {serve_pid}) has children {kids}, expected the API child only")
    return kids[0]


def proc_mem(pid):
    out = {}
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


RUNS = [0]


def run_wrk(target, workload, seconds, workdir, pids):
    cfg = WORKLOADS[workload]
    prefix = os.path.join(workdir, f"pool-{target.name}-{workload}")
    RUNS[0] += 1
    sign_s = write_pool(target, workload, prefix, cfg["threads"], POOL_PER_THREAD[workload], RUNS[0])
    check_pool(target, prefix)
    cpu0 = {k: proc_cpu(p) for k, p in pids.items()}
    argv = ["wrk", "-t", str(cfg["threads"]), "-c", str(cfg["connections"]), "-d", f"{seconds:g}s", "--timeout", "10s",
            "--latency", "-s", LUA, target.endpoint + "/", "--", prefix]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    cpu = {k: proc_cpu(p_) - cpu0[k] for k, p_ in pids.items()}
    m = re.search(r"^WRKJSON (.*)$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({p.returncode}): {p.stdout[-2000:]}{p.stderr[-2000:]}")
    import json
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["non200"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    r["sign_s"] = sign_s
    r["cpu"] = cpu
    r["wrk_text"] = p.stdout
    return r


def profile_serve(pid, target, seconds, workdir, path):
    """perf record -g -p <API process> during one describe run: top symbols."""
    perf = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-o", path, "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        r = run_wrk(target, "describe", seconds, workdir, {})
    finally:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    p = subprocess.run(["perf", "report", "-i", path, "--stdio", "--no-children", "--sort", "dso,sym",
                        "--percent-limit", "1.5", "-g", "none"], capture_output=True, text=True)
    keep = [ln.rstrip() for ln in p.stdout.splitlines() if ln.strip() and not ln.startswith("#")]
    return r, "\n".join(keep[:25])


# --------------------------------------------------------------------------


def median(xs):
    return bl.median(xs)


def tmpfs_dir():
    """A tmpfs directory (fsync costs nothing there), or None."""
    for d in ("/dev/shm", "/run"):
        try:
            if os.statvfs(d) and subprocess.run(["stat", "-f", "-c", "%T", d], capture_output=True,
                                                text=True).stdout.strip() == "tmpfs":
                return tempfile.mkdtemp(prefix="bhbench-api-tmpfs-", dir=d)
        except OSError:
            continue
    return None


def measure(results, targets, pids, ec2s, workloads, rounds, seconds, workdir, label=""):
    """Alternate targets (in their order) for each workload, `rounds` times."""
    for rnd in range(rounds):
        for w in workloads:
            for n in targets:
                r = run_wrk(targets[n], w, seconds, workdir, pids[n])
                if w == "write":
                    r["leftovers"] = revoke_leftovers(ec2s[n], targets[n].groups)
                results.setdefault((w, n), []).append(r)
                bl.log(f"{label}round {rnd + 1} {w:8} {n:14}: {r['rps']:9.1f} req/s, p50 "
                       f"{r['latency_us']['50'] / 1000:.2f} ms, p99 {r['latency_us']['99'] / 1000:.2f} ms, "
                       f"errors {r['errors']} (non-200 {r['non200']}) {r['first_non200'][:200]}")


def setup_bulkhead(b, rules, name="bulkhead"):
    bl.log(f"setup: {name}, 50 vNICs and {rules} rules through the API")
    sc = bl.build_scale(b, 50, rules)
    target = Target(name, b.endpoint, sc.main.akid, sc.main.secret, b.server.region, [g["id"] for g in sc.groups])
    return sc, target


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    seconds = args.seconds or (2 if args.quick else 5)
    rules = 2000 if args.quick else 10000
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: scripts/install-deps.sh bench")
    print(bl.machine_line(), flush=True)
    workdir = tempfile.mkdtemp(prefix="bhbench-api-")
    moto, shm = None, None
    results, diag = {}, {}
    try:
        with bl.Bench("api") as b:
            sc, bh = setup_bulkhead(b, rules)
            bl.log(f"setup: moto ({moto_python()[1]})")
            moto = Moto(workdir)
            moto_groups, moto_s, moto_calls = copy_to_moto(sc, moto)
            bh_rules = count_rules(sc.main.ec2, bh.groups)
            mo_rules = count_rules(moto.ec2, moto_groups)
            if bh_rules != mo_rules:
                raise RuntimeError(f"the two servers hold different data: bulkhead {bh_rules} rules, moto {mo_rules}")
            bl.log(f"both hold {bh_rules} rules in {len(sc.groups)} groups")
            targets = {"bulkhead": bh, "moto": Target("moto", moto.endpoint, moto.akid, moto.secret, MOTO_REGION,
                                                      moto_groups)}
            ec2s = {"bulkhead": sc.main.ec2, "moto": moto.ec2}
            api = api_pid(b.serve_pid)
            pids = {"bulkhead": {"api": api, "agent": b.agent_pid}, "moto": {"moto": moto.proc.pid}}
            mem_idle = {"api": proc_mem(api), "supervisor": proc_mem(b.serve_pid), "agent": proc_mem(b.agent_pid)}
            measure(results, targets, pids, ec2s, WORKLOADS, rounds, seconds, workdir)
            b.wait_applied(timeout=300)
            mem = {"api": proc_mem(api), "supervisor": proc_mem(b.serve_pid), "agent": proc_mem(b.agent_pid)}
            fsync = fsync_ms(b.state_dir)
            profile = None
            if not args.no_profile and shutil.which("perf"):
                profile = profile_serve(api, bh, min(seconds, 4), workdir, os.path.join(workdir, "serve.perf"))
            setup_rows = [["bulkhead", f"{bh_rules} rules in {len(sc.groups)} groups, 50 instances enforcing them",
                           sc.timings["api_calls"], sc.timings["api_s"]],
                          ["moto " + moto.version, f"{mo_rules} rules in {len(sc.groups)} groups (no instances)",
                           moto_calls, moto_s]]
        # diagnostic: the same writes with bulkhead's state on tmpfs, where a
        # commit's fsync costs nothing (moto keeps its state in memory)
        shm = tmpfs_dir()
        if shm:
            with bl.Bench("api-tmpfs", workdir=shm) as b2:
                sc2, bh2 = setup_bulkhead(b2, rules, "bulkhead-tmpfs")
                t2 = {"bulkhead-tmpfs": bh2, "moto": targets["moto"]}
                p2 = {"bulkhead-tmpfs": {"api": api_pid(b2.serve_pid), "agent": b2.agent_pid}, "moto": pids["moto"]}
                measure(diag, t2, p2, {"bulkhead-tmpfs": sc2.main.ec2, "moto": moto.ec2}, ["write"],
                        max(1, rounds - 1), seconds, workdir, label="tmpfs ")
                setup_rows.append(["bulkhead, state on tmpfs", f"{count_rules(sc2.main.ec2, bh2.groups)} rules",
                                   sc2.timings["api_calls"], sc2.timings["api_s"]])
        report(results, diag, mem, mem_idle, setup_rows, fsync, rounds, seconds, profile)
    finally:
        if moto:
            moto.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if shm:
            shutil.rmtree(shm, ignore_errors=True)


def medians(results):
    return {k: {"rps": median([r["rps"] for r in v]),
                "p50": median([r["latency_us"]["50"] for r in v]) / 1000,
                "p90": median([r["latency_us"]["90"] for r in v]) / 1000,
                "p99": median([r["latency_us"]["99"] for r in v]) / 1000,
                "p999": median([r["latency_us"]["99.9"] for r in v]) / 1000,
                "requests": sum(r["requests"] for r in v),
                "errors": sum(r["errors"] for r in v), "non200": sum(r["non200"] for r in v),
                "leftovers": sum(r.get("leftovers", 0) for r in v),
                "cpu": {c: median([r["cpu"].get(c, 0) / (r["duration_us"] / 1e6) for r in v])
                        for c in v[0]["cpu"]}}
            for k, v in results.items()}


def report(results, diag, mem, mem_idle, setup_rows, fsync, rounds, seconds, profile):
    rep = bl.Report("api_throughput", "Benchmark 4: API throughput, bulkhead against moto")
    med, dmed = medians(results), medians(diag)
    rows = []
    for w in WORKLOADS:
        ratio = med[(w, "bulkhead")]["rps"] / med[(w, "moto")]["rps"]
        rows.append([w, ratio, med[(w, "moto")]["p50"] / med[(w, "bulkhead")]["p50"],
                     med[(w, "moto")]["p99"] / med[(w, "bulkhead")]["p99"],
                     "yes" if ratio >= TARGET_RATIO else f"no: {ratio:.1f}x, {TARGET_RATIO / ratio:.1f}x short"])
    if ("write", "bulkhead-tmpfs") in dmed:
        d = dmed[("write", "bulkhead-tmpfs")]
        m = dmed[("write", "moto")]
        ratio = d["rps"] / m["rps"]
        rows.append(["write, bulkhead's state on tmpfs (diagnostic)", ratio, m["p50"] / d["p50"], m["p99"] / d["p99"],
                     "(not a target: no durable commit)"])
    total = sum(mem[k].get("VmHWM", float("nan")) for k in ("api", "supervisor", "agent"))
    rows.append(["RSS peak, serve (supervisor + API) + agent", f"{total:.1f} MB", "", "",
                 "yes" if total <= TARGET_RSS_MB else f"no, by {total - TARGET_RSS_MB:.1f} MB"])
    rep.ratios(f"bulkhead / moto, medians of {rounds} alternating rounds of {seconds:g} s",
               ["workload", "req/s ratio", "p50 latency moto/bulkhead", "p99 latency moto/bulkhead",
                f"target ≥ {TARGET_RATIO}x (RSS ≤ {TARGET_RSS_MB} MB)"], rows)
    allm = list(med.items()) + [(k, v) for k, v in dmed.items()]
    rep.absolutes("requests per second and latency (wrk --latency; ms)",
                  ["workload", "server", "req/s", "p50", "p90", "p99", "p99.9", "requests", "errors (non-200)",
                   "server CPU s per s"],
                  [[w, n, m["rps"], m["p50"], m["p90"], m["p99"], m["p999"], m["requests"],
                    f"{m['errors']} ({m['non200']})",
                    " + ".join(f"{c} {v:.2f}" for c, v in m["cpu"].items())]
                   for (w, n), m in allm],
                  note="Every answer's status is checked by wrk_pool.lua; errors counts non-200 answers plus wrk's "
                       "socket errors and timeouts. CPU: utime+stime of the server process (for bulkhead the API "
                       "process and the agent, which reacts to every write) per second of the run, on 2 cores. "
                       "The tmpfs rows come from a second bulkhead with the same data, measured after the main "
                       "rounds and alternating with moto again.")
    rep.absolutes("resident memory with the data loaded (MB, /proc/PID/status)",
                  ["process", "VmRSS after setup", "VmRSS at the end", "VmHWM (peak)"],
                  [[name, mem_idle[k].get("VmRSS"), mem[k].get("VmRSS"), mem[k].get("VmHWM")]
                   for k, name in (("api", "bulkhead serve: API process (unprivileged child)"),
                                   ("supervisor", "bulkhead serve: supervisor (root parent)"),
                                   ("agent", "bulkhead agent"))])
    rep.absolutes("setup", ["server", "data", "API calls", "seconds"], setup_rows)
    rep.absolutes("the disk under bulkhead's state directory",
                  ["fsync after a 4 KiB append, p50 ms", "p90 ms", "durable commits/s one writer could make"],
                  [[fsync[0], fsync[1], 1000 / fsync[0]]])
    cats = list(WORKLOADS)
    series = {"bulkhead": [med[(w, "bulkhead")]["rps"] for w in cats], "moto": [med[(w, "moto")]["rps"] for w in cats]}
    if ("write", "bulkhead-tmpfs") in dmed:
        series["bulkhead, state on tmpfs"] = [float("nan"), dmed[("write", "bulkhead-tmpfs")]["rps"]]
    rep.bar_plot("api_throughput.png", "requests per second (log), bulkhead vs moto", cats, series, "req/s", log=True)
    rep.note(__doc__.split("\n\n", 1)[1].split("usage:")[0])
    rep.note(FINDINGS)
    if profile:
        r, text = profile
        rep.note(f"Profile of the API process during one describe run ({r['rps']:.0f} req/s under perf; "
                 f"`perf record -g -p <API>`, self time by DSO and symbol):\n\n```\n{text}\n```")
    rep.write()
    print(rep.markdown(), flush=True)


FINDINGS = """\
What limits bulkhead here. A profile of the API process at 10,000 rules
first showed 84 % of its time in `sqlite_sg_rule_list`: the statement
`account_id = :account AND (:filter IS NULL OR group_id = :filter)` made
SQLite walk every rule of the account (and fetch each row) to return one
group's; DescribeSecurityGroups (one call per group listed) and every
Authorize/Revoke (which reads the group's rules) paid it. The store now
uses two statements, the filtered one seeking the `sg_rules_group` index
(src/store/sqlite_groups.c); when that was fixed, describe went from about
290 to about 2,300 requests/s and writes from about 160 to about 700 on
the 2-core development machine. Since then the hot statements come from a
per-connection cache of prepared statements (src/store/sqlite_stmt.c),
Authorize/Revoke ask the store for the one rule that matters instead of
listing the group's, and the XML and audit writers append runs of text
instead of formatting byte by byte: the API's CPU per write pair fell by
about 45 %.

Every request runs inside one transaction on the API process's single
SQLite connection (src/api/dispatch.c). A write's 200 waits until its
commit is on disk (an acknowledged write survives a power loss), but the
connection is not held meanwhile: commits run with `synchronous=NORMAL`
and one waiting thread syncs the WAL for every commit made before its sync
began (group commit, src/store/sqlite_sync.c, docs/store.md). With this
benchmark's two connections, at most two writes share a sync, so writes
are bounded by about twice the disk's sync rate (the fsync table) or by
the CPU, whichever is lower.
moto keeps its state in memory and commits nothing. The tmpfs diagnostic
row measures the same writes with the fsync removed, to separate the disk
from the code; it is not a configuration to run with.

The agent runs throughout (it enforces the 10,000 rules for 50 instances)
and reacts to every write; its CPU is in the table: on 2 cores it competes
with the API process and with wrk itself.
"""


if __name__ == "__main__":
    main()
