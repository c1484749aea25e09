"""Differential testing: the kernel against the reference evaluator.

For each seed, diffgen builds a random multi-tenant topology through the
EC2 API (overlapping CIDRs and addresses, groups with random rules, peer
groups, internet gateways attached, routed, narrowly routed or detached,
custom route tables, Elastic IPs, auto-assigned public addresses, the
shared public network, stopped instances), every instance and the
simulated internet listen on a fixed set of ports, and thousands of flows
are tried at once from every namespace. `bulkhead reach --batch` judges the
same flows; every flow where the two differ, or where the answer came from
another instance than the one the evaluator names, fails the seed, with a
reproducer shrunk by delta debugging (see tests/e2e/README.md).

BH_DIFF_SEEDS picks the seeds: "1-6" (default, about 80 s under ASan on two
cores), "1,5,9", "1-200", "random:N".
BH_DIFF_REDUCE_SECONDS bounds the shrinking of each disagreement (default
240); BH_DIFF_OUT=DIR keeps each failing seed's report and spec there."""
import json
import os
import random
import time

import pytest

import diffgen
import diffrun

DEFAULT_SEEDS = "1-6"
REDUCE_SECONDS = float(os.environ.get("BH_DIFF_REDUCE_SECONDS", "240"))
REDUCE_MAX = 2        # disagreements shrunk per seed (distinct kinds first)

STATS = []            # one dict per seed run


def seeds():
    text = os.environ.get("BH_DIFF_SEEDS", DEFAULT_SEEDS).strip()
    if text.startswith("random:"):
        r = random.SystemRandom()
        return [r.randrange(1000, 10 ** 6) for _ in range(int(text.split(":", 1)[1]))]
    out = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            out += list(range(int(lo), int(hi) + 1))
        elif part:
            out.append(int(part))
    assert out, f"BH_DIFF_SEEDS={text!r} names no seed"
    return out


class Summary:
    """The run's totals at the end of pytest's report, with or without -s."""

    def pytest_terminal_summary(self, terminalreporter):
        if not STATS:
            return
        tr = terminalreporter
        flows = sum(s["flows"] for s in STATS)
        bad = sum(s["disagreements"] for s in STATS)
        tr.section("differential: kernel vs bulkhead reach")
        for s in STATS:
            tr.write_line(f"seed {s['seed']:>7}: {s['flows']:5d} flows ({s['allow']} allow, {s['deny']} deny), "
                          f"{s['instances']:2d} instances, {s['disagreements']} disagreements "
                          f"({s['flaky']} flaky), {s['seconds']:.1f}s "
                          f"(build {s['build']:.1f}, probe {s['probe']:.1f}, cleanup {s['cleanup']:.1f})")
        tr.write_line(f"differential: {flows} flows over {len(STATS)} seed{'s' if len(STATS) != 1 else ''} "
                      f"({', '.join(str(s['seed']) for s in STATS)}), {bad} disagreements")


@pytest.fixture(scope="module", autouse=True)
def summary(request):
    pm = request.config.pluginmanager
    if not pm.has_plugin("bulkhead-differential"):
        pm.register(Summary(), "bulkhead-differential")
    yield


@pytest.mark.parametrize("seed", seeds())
def test_kernel_agrees_with_reach(env, tmp_path, seed):
    run = diffrun.Seed(env, tmp_path, seed).run()
    allow = run.counts.get("allow", 0)
    deny = run.counts.get("deny", 0)
    flaky = [x for x in run.findings if not x.confirmed]
    STATS.append({"seed": seed, "flows": len(run.flows), "allow": allow, "deny": deny,
                  "instances": sum(1 for i in run.spec["items"] if i["k"] == "inst"),
                  "disagreements": len(run.findings), "flaky": len(flaky), "seconds": run.times["total"],
                  "build": run.times.get("build", 0), "probe": run.times.get("probe", 0),
                  "cleanup": run.times.get("cleanup", 0)})
    if run.findings:
        pytest.fail(failure_report(env, tmp_path, run), pytrace=False)
    # a run that saw only one verdict proved little: the generator must hit and miss rules
    assert len(run.flows) > 200 and allow > 20 and deny > 20, \
        f"seed {seed}: {len(run.flows)} flows, {allow} allowed, {deny} denied: too one-sided to mean anything"
    answered = run.counts.get("kernel pass", 0)
    assert answered >= allow // 2, f"seed {seed}: of {allow} allowed flows only {answered} were answered"


def failure_report(env, tmp_path, run):
    out = [f"seed {run.seed}: {len(run.findings)} of {len(run.flows)} flows disagree "
           f"({sum(1 for x in run.findings if not x.confirmed)} of them flaky: the second probe differed, "
           f"which is a bug too); reproduce with BH_DIFF_SEEDS={run.seed}"]
    for x in run.findings[:40]:
        out.append(x.report(run.seed))
    if len(run.findings) > 40:
        out.append(f"... and {len(run.findings) - 40} more")
    # shrink the first confirmed disagreements of distinct kinds
    picked, kinds = [], set()
    for x in (x for x in run.findings if x.confirmed):
        key = (x.kind(), (x.ev.get("reason") or "")[:40])
        if key not in kinds and len(picked) < REDUCE_MAX:
            kinds.add(key)
            picked.append(x)
    for x in picked:
        t0 = time.monotonic()
        items, fnd, note = diffrun.reduce(env, str(tmp_path), run.spec, x, REDUCE_SECONDS / len(picked))
        out.append(f"\n==== reproducer for: {diffrun.describe_flow(x.flow)}  [{x.why}]\n"
                   f"shrunk from {len(run.spec['items'])} to {len(items)} items in {time.monotonic() - t0:.0f}s: "
                   f"{note}")
        if fnd is not None and fnd is not x:
            out.append("in the shrunk topology:\n" + fnd.report(run.seed))
        out.append("-- as aws CLI calls:\n" + diffgen.render_cli(items))
        out.append("-- the flow: " + json.dumps({k: x.flow[k] for k in ("src", "dst", "proto", "port", "type", "code", "phase")
                                                if k in x.flow}))
        out.append("-- as a diffgen spec (tests/e2e/test_reach_regressions.py builds these):\n"
                   + "\n".join(json.dumps(i) for i in items))
    text = "\n".join(out)
    where = os.environ.get("BH_DIFF_OUT")
    if where:
        os.makedirs(where, exist_ok=True)
        with open(os.path.join(where, f"seed{run.seed}.txt"), "w") as fh:
            fh.write(text + "\n")
        with open(os.path.join(where, f"seed{run.seed}.spec.json"), "w") as fh:
            json.dump(run.spec, fh, indent=1)
    return text
