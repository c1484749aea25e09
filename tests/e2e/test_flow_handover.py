"""Connection tracking when an address changes hands while no agent runs:
the agent that starts next has no memory of the NAT bindings it left in
place, so its first pass judges the conntrack table itself against the
plan. A UDP stream to an Elastic IP moved meanwhile follows the address,
and an established TCP flow through a binding that did not move loses
nothing (only what changed hands is forgotten)."""
import json
import os
import signal
import time

from dplib import E2E_DIR, PY

SECONDS = 8
OPEN = [{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 7004, "ToPort": 7004, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def test_address_moved_while_no_agent_runs(dp):
    env = dp.env
    t = dp.tenant("handover")
    vpc, [sub] = dp.vpc(t)
    g = dp.group(t, vpc, "open", ingress=OPEN)
    a, b, c = dp.launch(t, sub, [g], count=3, name="ho")
    dp.internet_gateway(t, vpc)
    eip, eip_c = dp.elastic_ip(t, a), dp.elastic_ip(t, c)
    for inst in (a, b, c):
        dp.listen(inst.id, [53, 7004], ident=inst.name)
    dp.wait_applied()
    flows = os.path.join(E2E_DIR, "flows.py")
    dp.start("internet", [PY, flows, "udp", eip, "53", "--seconds", "30"], "udp stream", ready="started")
    echo = dp.start("internet", [PY, flows, "echo", eip_c, "7004", "--seconds", str(SECONDS)], "echo",
                    ready="started")
    time.sleep(0.7)
    assert [e for e in dp.listener_log(a.name) if e["proto"] == "udp"], "the stream never reached a"

    # the agent stopped, so it cannot see the move; then killed: serve
    # starts another one, which knows nothing of the binding before
    old = env.agent_pid()
    assert old, "no agent child under bulkhead serve"
    os.kill(old, signal.SIGSTOP)
    try:
        alloc = t.ec2.describe_addresses(PublicIps=[eip])["Addresses"][0]["AllocationId"]
        t.ec2.associate_address(AllocationId=alloc, InstanceId=b.id, AllowReassociation=True)
    finally:
        os.kill(old, signal.SIGKILL)
    env.wait_new_agent(old)
    dp.wait_applied()

    got = dp.expect("internet", [("udp", eip, 53, True)], wait=False)
    assert got[f"udp:{eip}:53"]["reply"]["id"] == b.name
    before = len(dp.listener_log(a.name))
    time.sleep(1.5)
    after_move = len(dp.listener_log(a.name)) - before
    assert after_move == 0, (f"{after_move} datagrams for {eip} still went to {a.id} ({a.ip}) after the "
                             f"address moved to {b.id} while no agent ran (the restarted agent kept the "
                             f"stale NAT binding in conntrack)")

    out = json.loads(echo.popen.communicate(timeout=SECONDS + 20)[0].decode().splitlines()[-1])
    assert out["connected"] and out["error"] is None, out
    assert out["sent"] > SECONDS * 10, f"the echo loop to {eip_c} hardly ran: {out}"
    assert out["lost"] == 0 and out["late"] == 0, f"the flow to {eip_c}, whose binding stayed, suffered: {out}"
