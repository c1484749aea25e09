"""Fixtures of the API suite: one bulkhead server per test module (on a free
loopback port, in a temporary state directory), a fresh tenant per test,
and the sanitizer watch that fails the session when any bulkhead child
printed an ASan, LSan or UBSan report."""
import os

import pytest

import bhlib


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = bhlib.Server(tmp_path_factory.mktemp("srv") / "state").start()
    yield srv
    report = srv.stop()
    if report:
        pytest.fail(f"sanitizer report from bulkhead serve:\n{report[-6000:]}", pytrace=False)


@pytest.fixture
def make_tenant(server):
    """make_tenant() -> a new account with its own key and ec2 client."""
    return server.new_tenant


@pytest.fixture
def tenant(server):
    return server.new_tenant()


@pytest.fixture
def ec2(tenant):
    return tenant.ec2


@pytest.fixture
def vpc(ec2):
    """A fresh 10.0.0.0/16 VPC of the test's tenant."""
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def aws_cli_env(tmp_path):
    """Environment for the aws CLI: no user config, no retries, no pager."""
    cfg = tmp_path / "aws-config"
    cred = tmp_path / "aws-credentials"
    cfg.write_text("")
    cred.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_CONFIG_FILE": str(cfg),
        "AWS_SHARED_CREDENTIALS_FILE": str(cred),
        "AWS_PAGER": "",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_RETRY_MODE": "standard",
        "AWS_EC2_METADATA_DISABLED": "true",
        "HOME": str(tmp_path),
    })
    return env


def pytest_sessionfinish(session, exitstatus):
    if bhlib.SANITIZER_FINDINGS:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not bhlib.SANITIZER_FINDINGS:
        return
    tr = terminalreporter
    tr.section("sanitizer reports (the session fails)", red=True)
    for what, text in bhlib.SANITIZER_FINDINGS:
        tr.write_line(f"--- {what}")
        for line in text.splitlines()[:80]:
            tr.write_line(line)
