"""Teardown (runs after every other e2e test, see conftest): once each
test has deleted what it made, only the shared namespaces are left; after
`bulkhead serve` stops and `bulkhead agent --cleanup` runs, no bulkhead
namespace, link or table is left on the host, and the root namespace is
as the suite found it."""
import os

import dplib
from dplib import INTERNET_NS, PUBLIC_NS


def test_only_the_shared_namespaces_outlive_the_tests(env):
    env.wait_applied()
    assert dplib.bh_netns() == sorted([INTERNET_NS, PUBLIC_NS])
    assert dplib.link_names(PUBLIC_NS) == ["bhgpublic", "lo"], dplib.ns_show(PUBLIC_NS, "link")
    assert dplib.link_names(INTERNET_NS) == ["bhxpublic", "lo"], dplib.ns_show(INTERNET_NS, "link")
    routes = dplib.ns_show(INTERNET_NS, "route").split("\n")
    want = ["198.51.100.0/24 via 169.254.0.1 dev bhxpublic src 203.0.113.1 onlink"]
    assert [r.strip() for r in routes if r.strip()] == want, routes
    ruleset = dplib.nft_ruleset(PUBLIC_NS)
    for leftover in ("nic_", "g_", "bhe"):
        assert leftover not in ruleset, f"{leftover}… left in {PUBLIC_NS}:\n{ruleset}"


def test_stop_and_cleanup_leave_nothing(env):
    report, cleanup = env.stop()
    assert report is None, f"sanitizer report from bulkhead serve/agent:\n{report[-6000:]}"
    assert cleanup.returncode == 0, cleanup.stderr
    assert dplib.bh_netns() == []
    if os.path.isdir("/run/netns"):
        assert not [n for n in os.listdir("/run/netns") if n.startswith("bh-")], os.listdir("/run/netns")
    assert dplib.root_bh_links() == []
    # (other things on the host may change the root namespace meanwhile:
    # only what looks like the suite's or the agent's counts)
    now = dplib.root_snapshot()
    ours = ("bh", "bulkhead", "169.254.0.", "203.0.113.", "198.51.100.", "10.0.", "10.1.", "10.2.")
    for what, before in env.root_baseline.items():
        before_lines = set(before if isinstance(before, list) else before.splitlines())
        after_lines = now[what] if isinstance(now[what], list) else now[what].splitlines()
        new = [line for line in after_lines if line not in before_lines and any(o in line for o in ours)]
        assert not new, f"left in the root namespace's {what}: {new}"
    # a second cleanup finds nothing to do and succeeds
    again = dplib.bhlib.run_bin(["agent", "--cleanup"])
    assert again.returncode == 0 and "deleted" not in again.stderr, again.stderr
