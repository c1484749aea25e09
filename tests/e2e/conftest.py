"""Fixtures of the data-plane suite: one `bulkhead serve --agent` for the
whole session (the agent holds a host-wide lock, so there is one), a `dp`
per test that cleans up what the test made, and the session's end: serve
stopped, `bulkhead agent --cleanup`, nothing bh- left on the host.

Root only: without root every test is skipped, with the reason."""
import collections
import os

import pytest

import dplib
from dplib import bhlib

NOT_ROOT = os.geteuid() != 0
SKIP_REASON = "the data-plane tests make network namespaces, veths and nftables: run them as root"


def pytest_collection_modifyitems(session, config, items):
    here = os.path.dirname(os.path.abspath(__file__))
    mine = [i for i in items if str(i.fspath).startswith(here)]
    if NOT_ROOT:
        for item in mine:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
    # the teardown checks run after every other test of the suite
    last = [i for i in mine if os.path.basename(str(i.fspath)) == "test_teardown.py"]
    items[:] = [i for i in items if i not in last] + last


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    if NOT_ROOT:
        pytest.skip(SKIP_REASON)
    e = dplib.Env(tmp_path_factory.mktemp("e2e")).start()
    yield e
    if e.server.alive():  # test_teardown did not run (a subset of the suite)
        report, p = e.stop()
        problems = []
        if report:
            problems.append(f"sanitizer report from bulkhead serve/agent:\n{report[-6000:]}")
        if p.returncode != 0:
            problems.append(f"bulkhead agent --cleanup exited {p.returncode}: {p.stderr[-2000:]}")
        left = dplib.bh_netns() + dplib.root_bh_links()
        if left:
            problems.append(f"left on the host after cleanup: {left}")
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def dp(env, tmp_path):
    d = dplib.DP(env, tmp_path)
    yield d
    d.cleanup()


@pytest.fixture(scope="module")
def module_dp(env, tmp_path_factory):
    """A DP shared by the tests of one module (one setup, several checks)."""
    d = dplib.DP(env, tmp_path_factory.mktemp("mod"))
    yield d
    d.cleanup()


def pytest_sessionfinish(session, exitstatus):
    if bhlib.SANITIZER_FINDINGS:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    if dplib.FLOW_LOG:
        per_test = collections.OrderedDict()
        for f in dplib.FLOW_LOG:
            c = per_test.setdefault(f["test"], collections.Counter())
            ok = f["observed"] == f["expected"]
            c["passed" if f["observed"] == "pass" else "blocked" if f["observed"] == "blocked" else "other"] += 1
            c["wrong"] += not ok
        tr.section("data-plane flows (passed / blocked / wrong)")
        for test, c in per_test.items():
            tr.write_line(f"{c['passed']:4d} passed {c['blocked']:4d} blocked {c['wrong']:3d} wrong  {test}")
        if os.environ.get("BULKHEAD_E2E_FLOWS"):
            for f in dplib.FLOW_LOG:
                mark = "  " if f["observed"] == f["expected"] else "!!"
                tr.write_line(f"{mark} {f['src']:>14} -> {f['dst']:<18} {f['spec']:<26} "
                              f"{f['observed']:<8} (expected {f['expected']})  {f['test']}")
    if bhlib.SANITIZER_FINDINGS:
        tr.section("sanitizer reports (the session fails)", red=True)
        for what, text in bhlib.SANITIZER_FINDINGS:
            tr.write_line(f"--- {what}")
            for line in text.splitlines()[:80]:
                tr.write_line(line)
