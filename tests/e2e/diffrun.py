"""diffrun - one differential run: build a diffgen spec through the API,
start a listener in every instance and in the simulated internet, try the
spec's flows from every source namespace at once (diffprobe.py), ask
`bulkhead reach --batch` about the same flows, and compare. On a
disagreement: probe it again (a timing glitch and a real difference are
both reported), then shrink the spec while the disagreement stays
(delta debugging, within a time budget) and render the reproducer.

Verdicts: the kernel allows a flow when diffprobe says pass or refused (a
packet crossed and an answer came back), denies it when blocked. An
allowed TCP/UDP flow must also be answered by the instance the evaluator
names (dst.instance), or by the internet when the evaluator says external:
a packet delivered to the wrong tenant is the worst outcome."""
import collections
import json
import os
import secrets
import subprocess
import threading
import time

import jmespath

import diffgen
import dplib
from dplib import E2E_DIR, INTERNET_NS, PY, bhlib

PROBE = os.path.join(E2E_DIR, "diffprobe.py")
LISTENER = os.path.join(E2E_DIR, "listener.py")
PROBE_TIMEOUT = 1.5
REPROBE_TIMEOUT = 3.0


class BuildError(AssertionError):
    pass


class Built:
    """A spec made real: ids by item name, instances, the calls made."""

    def __init__(self, dp, items):
        self.dp = dp
        self.items = items
        self.ids = {"ami": dp.env.image_id}
        self.tenants = {}
        self.insts = {}       # name -> {"id","tenant","private","public","netns","stopped"}
        self.addrs = {}       # "eipN"/"iN" -> public address
        self.log = []         # (tenant, op, params as sent)

    # ---- the API

    def resolve(self, v):
        if isinstance(v, str) and v.startswith("$"):
            return self.ids[v[1:]]
        if isinstance(v, str) and v.startswith("@"):
            return self.address(v[1:]) + "/32"
        if isinstance(v, list):
            return [self.resolve(x) for x in v]
        if isinstance(v, dict):
            return {k: self.resolve(x) for k, x in v.items()}
        return v

    def address(self, name):
        if name not in self.addrs:
            inst = next(i for i in self.items if i["n"] == name)
            d = self.dp.describe(self.tenants[inst["t"]], [self.ids[name]])[0]
            self.addrs[name] = d["PublicIpAddress"]
        return self.addrs[name]

    def call(self, tenant, op, params, out):
        sent = self.resolve(params)
        self.log.append((tenant, op, sent))
        try:
            resp = getattr(self.tenants[tenant].ec2, op)(**sent)
        except Exception as e:
            raise BuildError(f"{tenant} {op}({sent}) failed: {e}") from None
        if out:
            var, query = out
            self.ids[var] = jmespath.search(query, resp)
            if self.ids[var] is None:
                raise BuildError(f"{tenant} {op}({sent}): nothing at {query} in {resp}")
            if op == "allocate_address":
                self.addrs[var] = resp["PublicIp"]
        return resp

    def build(self):
        """Phase 1: everything, listeners started once the instances run,
        then the first stops."""
        stops = []
        for it in self.items:
            if diffgen.phase(it) != 1:
                continue
            if it["k"] == "tenant":
                self.tenants[it["n"]] = self.dp.tenant(f"diff-{it['n']}-{secrets.token_hex(3)}")
                continue
            if it["k"] == "stop":
                stops.append(it)
                continue
            for op, params, out in diffgen.calls(it):
                self.call(it["t"], op, params, out)
            if it["k"] == "inst":
                self.insts[it["n"]] = {"id": self.ids[it["n"]], "tenant": it["t"], "state": "running",
                                       "netns": dplib.instance_netns(self.ids[it["n"]]),
                                       "public": None, "public_seen": None}
        self.settle(list(self.insts))
        self.start_listeners()
        self.apply(stops)
        return self

    @property
    def has_phase2(self):
        return any(diffgen.phase(it) == 2 for it in self.items)

    def build_phase2(self):
        self.apply([it for it in self.items if diffgen.phase(it) == 2])
        return self

    def apply(self, items):
        """Make the calls of `items` in order, wait for the instance states
        they ask for and for the agent."""
        want = {"stop": "stopped", "start": "running", "terminate": "terminated"}
        for it in items:
            for op, params, out in diffgen.calls(it):
                self.call(it["t"], op, params, out)
            if it["k"] in want:
                self.insts[it["inst"]]["state"] = want[it["k"]]
        self.settle(list(self.insts))
        # stopping an instance kills what runs in it, as powering a VM off would
        started = [it["inst"] for it in items if it["k"] == "start"]
        if started:
            self.start_listeners(started)
        self.dp.wait_applied()

    def settle(self, names):
        """Wait until the instances are in the state asked for, then read
        their addresses (a public address last seen is kept: a flow to it
        after it moved or went away must be denied or follow it)."""
        by_state = collections.defaultdict(list)
        for n in names:
            i = self.insts[n]
            by_state[(i["tenant"], i["state"])].append(i["id"])
        for (t, state), ids in by_state.items():
            self.dp.wait_state(self.tenants[t], ids, state)
            if state == "terminated":
                continue
            for d in self.dp.describe(self.tenants[t], ids):
                i = next(x for x in self.insts.values() if x["id"] == d["InstanceId"])
                i["private"] = d.get("PrivateIpAddress")
                i["public"] = d.get("PublicIpAddress")
                i["public_seen"] = i["public"] or i["public_seen"]

    def start_listeners(self, names=None):
        """One listener per instance (its id as its name) and one per
        internet host the flows name, all started at once."""
        procs = []
        ports = [str(p) for p in diffgen.PORTS]
        for n, i in self.insts.items():
            if i["state"] != "running" or (names is not None and n not in names):
                continue
            argv = [PY, LISTENER, "--id", i["id"]] + ports
            procs.append(self.dp.start(i["id"], argv, f"listener of {i['id']}"))
        # one per internet host: a UDP answer must leave from the address asked
        for addr in diffgen.INTERNET_DSTS:
            what = f"listener of internet {addr}"
            if not any(p.what == what for p in self.dp.procs):
                procs.append(self.dp.start("internet", [PY, LISTENER, "--id", "internet", "--bind", addr] + ports,
                                           what))
        for p in procs:
            line = p.popen.stdout.readline()
            if b"ready" not in line:
                p.stop()
                raise BuildError(f"{p.what} did not start: {line!r} {p.popen.stderr.read()[-2000:]!r}")

    # ---- flows

    def concrete(self, flow):
        """A symbolic flow with addresses and ids, or None when it has no
        meaning here (an instance without a public address, or gone)."""
        src, dst = flow["src"], flow["dst"]
        c = dict(flow)
        if src.startswith("inet:"):
            c.update(src_addr=src[5:], netns=INTERNET_NS, reach_from=src[5:])
        elif src in self.insts and self.insts[src]["state"] != "terminated":
            c.update(src_addr=None, netns=self.insts[src]["netns"], reach_from=self.insts[src]["id"])
        else:
            return None
        if dst.startswith("addr:"):
            c["dst_addr"] = dst[5:]
        else:
            name, which = dst.split(".")
            if name not in self.insts:
                return None
            c["dst_addr"] = self.insts[name][which] or self.insts[name].get(which + "_seen")
            if not c["dst_addr"]:
                return None
        if src in self.insts and self.insts[src]["state"] != "running" and \
                c["dst_addr"] in (self.insts[src]["private"], self.insts[src]["public"]):
            return None   # a stopped instance talking to itself: nothing leaves it either way
        return c


# --------------------------------------------------------------------------
# the kernel's verdicts and the evaluator's


def probe(flows, timeout=PROBE_TIMEOUT, slot=0):
    """Run diffprobe once per source namespace, all at once; results in
    the order of flows: {"result","id","peer","ms"}. Runs a few seconds
    apart take different slots (0..3): their ICMP ids differ, so a probe
    never rides on the conntrack entry an earlier one left."""
    by_ns = collections.defaultdict(list)
    for k, f in enumerate(flows):
        spec = {"k": k, "proto": f["proto"], "dst": f["dst_addr"]}
        if f["proto"] == "icmp":
            spec.update(type=f["type"], code=f["code"])
        else:
            spec["port"] = f["port"]
        if f.get("src_addr"):
            spec["src"] = f["src_addr"]
        by_ns[f["netns"]].append(spec)
    results = [None] * len(flows)
    errors = []

    def one(ns, specs):
        argv = ["ip", "netns", "exec", ns, PY, PROBE, "--timeout", str(timeout),
                "--ident-base", str(1 + 16383 * (slot % 4))]
        try:
            p = subprocess.run(argv, input="".join(json.dumps(s) + "\n" for s in specs), capture_output=True,
                               text=True, timeout=60 + 3 * timeout * (1 + len(specs) // 500))
        except subprocess.TimeoutExpired:
            errors.append(f"diffprobe in {ns} did not finish")
            return
        if p.returncode != 0:
            errors.append(f"diffprobe in {ns} exited {p.returncode}: {p.stderr[-2000:]}")
            return
        for line in p.stdout.splitlines():
            r = json.loads(line)
            results[r["k"]] = r

    threads = [threading.Thread(target=one, args=item) for item in by_ns.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise AssertionError("\n".join(errors))
    missing = [flows[k] for k, r in enumerate(results) if r is None]
    if missing:
        raise AssertionError(f"diffprobe reported nothing for {len(missing)} flows, e.g. {missing[:3]}")
    return results


def reach_line(f):
    what = f"{f['type']}/{f['code']}" if f["proto"] == "icmp" else str(f["port"])
    return f"{f['reach_from']} {f['dst_addr']} {f['proto']} {what}"


def reach(state_dir, flows):
    """`bulkhead reach --batch` over the flows; its answers in order."""
    text = "".join(reach_line(f) + "\n" for f in flows)
    argv = [bhlib.bulkhead_bin(), "reach", "--state-dir", state_dir, "--batch"]
    p = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=300, env=bhlib.child_env())
    bhlib.note_sanitizer("bulkhead reach --batch", p.stderr)
    out = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    bad = [o for o in out if "error" in o]
    if p.returncode not in (0, 2) or len(out) != len(flows) or bad or p.returncode == 2:
        raise AssertionError(f"bulkhead reach --batch exited {p.returncode} with {len(out)} answers for "
                             f"{len(flows)} flows; bad lines: {bad[:5]}\nstderr: {p.stderr[-3000:]}\n"
                             f"input (head): {text[:1500]}")
    return out


def kernel_verdict(res):
    return {"pass": "allow", "refused": "allow", "blocked": "deny"}.get(res["result"], "error")


def expected_answerer(ev):
    dst = ev.get("dst") or {}
    if dst.get("external"):
        return "internet"
    return dst.get("instance")


def judge(flow, res, ev):
    """None when kernel and evaluator agree, else what differs."""
    kv, ev_v = kernel_verdict(res), ev.get("verdict")
    if kv != ev_v:
        return f"kernel {kv} ({res['result']}), evaluator {ev_v}"
    if kv == "allow" and res["result"] == "pass" and flow["proto"] in ("tcp", "udp"):
        want = expected_answerer(ev)
        if res.get("id") != want:
            return f"answered by {res.get('id')}, evaluator says delivered to {want}"
    return None


def describe_flow(f, built=None):
    what = f"{f['type']}/{f['code']}" if f["proto"] == "icmp" else str(f["port"])
    src = f["src"] if f["src"].startswith("inet:") else f"{f['src']} ({f['reach_from']})"
    when = " [after phase 2]" if f.get("phase") == 2 else ""
    return f"{src} -> {f['dst']} ({f['dst_addr']}) {f['proto']} {what}{when}"


# --------------------------------------------------------------------------
# one seed


class Finding:
    def __init__(self, flow, res, ev, why):
        self.flow, self.res, self.ev, self.why = flow, res, ev, why
        self.again = None        # the second probe's result
        self.reduced = None      # the smallest spec that still disagrees, when found
        self.reduced_note = ""

    @property
    def confirmed(self):
        return self.again is not None and kernel_verdict(self.again) == kernel_verdict(self.res) \
            and self.again.get("id") == self.res.get("id")

    def kind(self):
        return (kernel_verdict(self.res), self.ev.get("verdict"), self.why.startswith("answered by"))

    def report(self, seed):
        f, ev = self.flow, self.ev
        lines = [f"seed {seed}: {describe_flow(f)}",
                 f"  {self.why}",
                 f"  kernel: {self.res['result']} (answered by {self.res.get('id')}, peer seen "
                 f"{self.res.get('peer')}, {self.res.get('ms')} ms"
                 + (f", {self.res['error']}" if self.res.get("error") else "") + ")",
                 "  again:  " + (f"{self.again['result']} (answered by {self.again.get('id')}) -> "
                                  + ("confirmed" if self.confirmed else "FLAKY: the kernel changed its mind")
                                  if self.again else "not probed again"),
                 f"  evaluator: {ev.get('verdict')}: {ev.get('reason')}",
                 f"    src {json.dumps(ev.get('src'))} dst {json.dumps(ev.get('dst'))}"]
        for step in ev.get("path") or []:
            lines.append(f"    {'ok ' if step.get('ok') else 'NO '} {step.get('step'):<12} {step.get('detail')}")
        lines.append(f"  reach: bulkhead reach --state-dir STATE --batch <<< '{reach_line(f)}'")
        return "\n".join(lines)


class Seed:
    """Generate, build, probe, evaluate, compare one seed."""

    def __init__(self, env, tmp, seed, spec=None):
        self.env = env
        self.tmp = str(tmp)
        self.seed = seed
        self.spec = spec or diffgen.generate(seed)
        self.flows = []
        self.findings = []
        self.times = {}
        self.counts = collections.Counter()

    def run(self, keep=False):
        t0 = time.monotonic()
        dp = dplib.DP(self.env, os.path.join(self.tmp, f"seed{self.seed}"))
        os.makedirs(dp.tmp, exist_ok=True)
        try:
            built = Built(dp, self.spec["items"]).build()
            self.times["build"] = time.monotonic() - t0
            symbolic = diffgen.make_flows(self.spec)
            self.round(built, symbolic, 1)
            if built.has_phase2:
                t1 = time.monotonic()
                built.build_phase2()
                self.times["build"] += time.monotonic() - t1
                self.round(built, symbolic, 2)
        finally:
            t3 = time.monotonic()
            dp.cleanup()
            self.times["cleanup"] = time.monotonic() - t3
            self.times["total"] = time.monotonic() - t0
        return self


    def round(self, built, symbolic, phase):
        """Probe and judge every flow that means something now; probe the
        disagreeing ones again before anything changes."""
        flows = [f for f in (built.concrete(f) for f in symbolic) if f is not None]
        for f in flows:
            f["phase"] = phase
        t1 = time.monotonic()
        results = probe(flows, slot=2 * (phase - 1))
        self.times["probe"] = self.times.get("probe", 0) + time.monotonic() - t1
        t2 = time.monotonic()
        evs = reach(self.env.state_dir, flows)
        self.times["reach"] = self.times.get("reach", 0) + time.monotonic() - t2
        found = []
        for f, res, ev in zip(flows, results, evs):
            self.counts[ev.get("verdict")] += 1
            self.counts["kernel " + res["result"]] += 1
            why = judge(f, res, ev)
            if why:
                found.append(Finding(f, res, ev, why))
        if found:
            again = probe([x.flow for x in found], timeout=REPROBE_TIMEOUT, slot=2 * (phase - 1) + 1)
            for x, res in zip(found, again):
                x.again = res
        self.flows += flows
        self.findings += found


# --------------------------------------------------------------------------
# shrinking a disagreement


def trial(env, tmp, items, flow, kind, seed):
    """Build `items`, try `flow`: does the same kind of disagreement show?"""
    dp = dplib.DP(env, os.path.join(tmp, f"trial-{secrets.token_hex(3)}"))
    os.makedirs(dp.tmp, exist_ok=True)
    try:
        built = Built(dp, items).build()
        if flow.get("phase", 1) == 2:
            built.build_phase2()
        c = built.concrete(flow)
        if c is None:
            return False, None
        c["phase"] = flow.get("phase", 1)
        res = probe([c], timeout=REPROBE_TIMEOUT)[0]
        ev = reach(env.state_dir, [c])[0]
        why = judge(c, res, ev)
        if not why:
            return False, None
        return Finding(c, res, ev, why).kind() == kind, Finding(c, res, ev, why)
    except BuildError:
        return False, None
    finally:
        dp.cleanup()


def reduce(env, tmp, spec, finding, budget):
    """Delta debugging over the spec's items (complements first, then one
    by one) until the budget runs out. Returns (items, finding, note)."""
    deadline = time.monotonic() + budget
    f = finding.flow
    items = [i for i in spec["items"] if diffgen.phase(i) <= f.get("phase", 1)]
    ends = [f["src"]] if not f["src"].startswith("inet:") else []
    if not f["dst"].startswith("addr:"):
        ends.append(f["dst"].split(".")[0])
    must = diffgen.required(items, ends)
    kind = finding.kind()
    cache = {}
    best = (list(items), finding)
    tried = 0

    def test(names):
        nonlocal tried, best
        key = frozenset(names)
        if key in cache:
            return cache[key]
        if time.monotonic() > deadline:
            raise TimeoutError
        sub = diffgen.closure(items, set(names) | must)
        tried += 1
        ok, fnd = trial(env, tmp, sub, f, kind, spec["seed"])
        cache[key] = ok
        if ok and len(sub) < len(best[0]):
            best = (sub, fnd)
        return ok

    rest = [i["n"] for i in items if i["n"] not in must]
    try:
        # big steps first: the tenants, then the VPCs, of the two ends
        ten = {i["t"] for i in items if i["n"] in must}
        vpcs = {i["n"] for i in items if i["n"] in must and i["k"] == "vpc"}
        for keep in ([n for n in rest if _item(items, n)["t"] in ten],
                     [n for n in rest if _item(items, n)["t"] in ten and _in_vpcs(items, n, vpcs)]):
            if len(keep) < len(rest) and test(keep):
                rest = keep
        n = 2
        while len(rest) >= 1:
            chunks = [rest[i::n] for i in range(n)] if n <= len(rest) else [[x] for x in rest]
            for c in chunks:
                comp = [x for x in rest if x not in c]
                if test(comp):
                    rest = comp
                    n = max(n - 1, 2)
                    break
            else:
                if n >= len(rest):
                    break
                n = min(len(rest), 2 * n)
        note = f"minimal (every single item is needed), {tried} trials"
    except TimeoutError:
        note = f"time budget of {budget:.0f}s spent after {tried} trials: smaller may exist"
    return best[0], best[1], note


def _item(items, name):
    return next(i for i in items if i["n"] == name)


def _in_vpcs(items, name, vpcs):
    """Does the item belong to one of the VPCs (or to no VPC at all)?"""
    by = {i["n"]: i for i in items}
    seen, todo = set(), [name]
    while todo:
        n = todo.pop()
        if n in seen or n not in by:
            continue
        seen.add(n)
        if by[n]["k"] == "vpc":
            if n not in vpcs:
                return False
        todo += by[n]["deps"]
    return True


# --------------------------------------------------------------------------
# explicit cases (test_reach_regressions.py)


def check_cases(env, tmp, items, cases):
    """Build `items`; for each (flow, verdict, answerer) with answerer an
    item name, "internet" or None, probe the flow and ask the evaluator.
    Returns a list of problems (empty when both sides say `verdict` and,
    for an allowed TCP/UDP flow, the answerer is the one expected)."""
    dp = dplib.DP(env, os.path.join(str(tmp), f"case-{secrets.token_hex(3)}"))
    os.makedirs(dp.tmp, exist_ok=True)
    problems = []
    try:
        built = Built(dp, items).build()
        flows = []
        for flow, _, _ in cases:
            c = built.concrete(flow)
            assert c is not None, f"{flow} means nothing in this topology"
            flows.append(c)
        results = probe(flows, timeout=REPROBE_TIMEOUT)
        evs = reach(env.state_dir, flows)
        for (flow, verdict, answerer), c, res, ev in zip(cases, flows, results, evs):
            want = built.insts[answerer]["id"] if answerer in built.insts else answerer
            line = describe_flow(c)
            if kernel_verdict(res) != verdict:
                problems.append(f"{line}: kernel {res['result']} (answered by {res.get('id')}), expected {verdict}")
            elif verdict == "allow" and c["proto"] != "icmp" and res.get("id") != want:
                problems.append(f"{line}: the kernel delivered to {res.get('id')}, expected {want}")
            if ev.get("verdict") != verdict:
                problems.append(f"{line}: evaluator {ev.get('verdict')} ({ev.get('reason')}), expected {verdict}")
            elif verdict == "allow" and expected_answerer(ev) != want:
                problems.append(f"{line}: evaluator delivers to {expected_answerer(ev)}, expected {want}")
    finally:
        dp.cleanup()
    return problems
