"""Live changes, each observed with packets once the agent reports the
store's revision applied (bounded wait, APPLY_TIMEOUT): authorizing a rule
opens the flow, revoking closes new connections (an established one
carries on, as in EC2), changing an instance's groups takes effect, and
membership of a peer group (launch, ModifyInstanceAttribute, terminate)
is what lets an instance in."""
import json
import os

import pytest

from dplib import E2E_DIR, PY, nft_ruleset

PORTS = [7000, 7001, 7002]


def tcp(port):
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}


@pytest.fixture
def net(dp):
    t = dp.tenant("live")
    vpc, [sub] = dp.vpc(t)
    srv_g = dp.group(t, vpc, "server")
    cli_g = dp.group(t, vpc, "client")
    plain = dp.group(t, vpc, "plain")
    [srv] = dp.launch(t, sub, [srv_g], name="srv", wait=False)
    [cli] = dp.launch(t, sub, [cli_g], name="cli", wait=False)
    [other] = dp.launch(t, sub, [plain], name="other", wait=False)
    dp.wait_state(t, [srv.id, cli.id, other.id], "running")
    for inst in (srv, cli, other):
        dp.listen(inst.id, PORTS, ident=inst.name)
    return dict(dp=dp, t=t, vpc=vpc, sub=sub, srv_g=srv_g, cli_g=cli_g, plain=plain, srv=srv, cli=cli,
                other=other)


def test_authorize_opens_revoke_closes_new_connections(net):
    dp, ec2, srv, cli, other = net["dp"], net["t"].ec2, net["srv"], net["cli"], net["other"]
    dp.expect(cli, [("tcp", srv, 7000, False), ("udp", srv, 7000, False)])

    perm = dict(tcp(7000), UserIdGroupPairs=[{"GroupId": net["cli_g"]}])
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[perm])
    dp.expect(cli, [("tcp", srv, 7000, True), ("tcp", srv, 7001, False), ("udp", srv, 7000, False)])
    dp.expect(other, [("tcp", srv, 7000, False)], wait=False)

    # a CIDR rule, for one address
    cidr = dict(tcp(7001), IpRanges=[{"CidrIp": f"{other.ip}/32"}])
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[cidr])
    dp.expect(other, [("tcp", srv, 7001, True), ("tcp", srv, 7000, False)])
    dp.expect(cli, [("tcp", srv, 7001, False), ("tcp", srv, 7000, True)], wait=False)

    # an established connection outlives the revoke; new ones do not pass
    echo = dp.start(cli.id, [PY, os.path.join(E2E_DIR, "flows.py"), "echo", srv.ip, "7000", "--seconds", "3",
                             "--interval", "0.05"], "echo 7000", ready="started")
    ec2.revoke_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[perm])
    dp.expect(cli, [("tcp", srv, 7000, False)])
    ec2.revoke_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[cidr])
    dp.expect(other, [("tcp", srv, 7001, False)])
    out, err = echo.popen.communicate(timeout=15)
    res = json.loads(out.decode().splitlines()[-1])
    assert res["connected"] and res["error"] is None and res["sent"] > 20 and res["lost"] == 0, res


def test_revoke_egress_closes(net):
    dp, ec2, srv, cli = net["dp"], net["t"].ec2, net["srv"], net["cli"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        dict(tcp(7000), IpRanges=[{"CidrIp": "10.0.0.0/16"}])])
    dp.expect(cli, [("tcp", srv, 7000, True)])
    ec2.revoke_security_group_egress(GroupId=net["cli_g"], IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    dp.expect(cli, [("tcp", srv, 7000, False)])
    ec2.authorize_security_group_egress(GroupId=net["cli_g"], IpPermissions=[
        dict(tcp(7000), UserIdGroupPairs=[{"GroupId": net["srv_g"]}])])
    dp.expect(cli, [("tcp", srv, 7000, True)])


def test_modify_instance_groups(net):
    dp, ec2, srv, cli, other = net["dp"], net["t"].ec2, net["srv"], net["cli"], net["other"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        dict(tcp(7002), UserIdGroupPairs=[{"GroupId": net["cli_g"]}])])
    # other (group plain) has no ingress: cli cannot reach it
    dp.expect(cli, [("tcp", other, 7002, False), ("tcp", srv, 7002, True)])
    # other takes the server group: now it lets clients in on 7002
    ec2.modify_instance_attribute(InstanceId=other.id, Groups=[net["srv_g"]])
    dp.expect(cli, [("tcp", other, 7002, True), ("tcp", other, 7001, False)])
    # and back to plain
    ec2.modify_instance_attribute(InstanceId=other.id, Groups=[net["plain"]])
    dp.expect(cli, [("tcp", other, 7002, False), ("tcp", srv, 7002, True)])
    # cli leaves the client group: the server no longer lets it in
    ec2.modify_instance_attribute(InstanceId=cli.id, Groups=[net["plain"]])
    dp.expect(cli, [("tcp", srv, 7002, False)])


def test_peer_group_membership(net):
    dp, t, ec2, srv, cli, other = net["dp"], net["t"], net["t"].ec2, net["srv"], net["cli"], net["other"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        dict(tcp(7000), UserIdGroupPairs=[{"GroupId": net["cli_g"]}])])
    dp.expect(other, [("tcp", srv, 7000, False)])
    # a new member of the peer group is let in as soon as it runs
    [late] = dp.launch(t, net["sub"], [net["cli_g"]], name="late")
    dp.expect(late, [("tcp", srv, 7000, True), ("tcp", srv, 7001, False)])
    # an existing instance joins the peer group (keeping its own)
    ec2.modify_instance_attribute(InstanceId=other.id, Groups=[net["plain"], net["cli_g"]])
    dp.expect(other, [("tcp", srv, 7000, True)])
    dp.expect(cli, [("tcp", srv, 7000, True)], wait=False)
    # a terminated member's address, reused by an outsider, is not let in
    ip = late.ip
    ec2.terminate_instances(InstanceIds=[late.id])
    dp.wait_state(t, [late.id], "terminated")
    [reuse] = dp.launch(t, net["sub"], [net["plain"]], ip=ip, name="reuse")
    assert reuse.ip == ip
    dp.expect(reuse, [("tcp", srv, 7000, False)])


def test_stop_and_start(net):
    """Stopped: no traffic to or from the instance; started again: back."""
    dp, t, ec2, srv, cli = net["dp"], net["t"], net["t"].ec2, net["srv"], net["cli"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        dict(tcp(7000), UserIdGroupPairs=[{"GroupId": net["cli_g"]}])])
    dp.expect(cli, [("tcp", srv, 7000, True), ("icmp", srv, 0, False)])
    ec2.stop_instances(InstanceIds=[srv.id])
    dp.wait_state(t, [srv.id], "stopped")
    dp.expect(cli, [("tcp", srv, 7000, False), ("udp", srv, 7000, False)])
    ec2.start_instances(InstanceIds=[srv.id])
    dp.wait_state(t, [srv.id], "running")
    [d] = dp.describe(t, [srv.id])
    assert d["PrivateIpAddress"] == srv.ip
    # anti-spoofing is back with the link
    l2 = nft_ruleset(srv.router_netns)
    assert f"nic_{srv.eni.split('-', 1)[1]} {{" in l2 and f"ip saddr {srv.ip} accept" in l2, l2
    dp.stop_procs()  # the listeners of before the stop
    dp.listen(srv.id, PORTS, ident="srv-again")
    got = dp.expect(cli, [("tcp", srv, 7000, True), ("tcp", srv, 7001, False)])
    assert got[f"tcp:{srv.ip}:7000"]["reply"]["id"] == "srv-again"


def test_modify_network_interface_groups(net):
    """The same through the interface: ModifyNetworkInterfaceAttribute."""
    dp, ec2, srv, cli, other = net["dp"], net["t"].ec2, net["srv"], net["cli"], net["other"]
    ec2.authorize_security_group_ingress(GroupId=net["srv_g"], IpPermissions=[
        dict(tcp(7001), UserIdGroupPairs=[{"GroupId": net["cli_g"]}])])
    dp.expect(cli, [("tcp", other, 7001, False)])
    ec2.modify_network_interface_attribute(NetworkInterfaceId=other.eni, Groups=[net["srv_g"]])
    dp.expect(cli, [("tcp", other, 7001, True)])
    ec2.modify_network_interface_attribute(NetworkInterfaceId=cli.eni, Groups=[net["plain"]])
    dp.expect(cli, [("tcp", other, 7001, False), ("tcp", srv, 7001, False)])
