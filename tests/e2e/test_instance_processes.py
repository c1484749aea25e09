"""What runs inside an instance (started with `bulkhead exec`) lives as
long as the instance runs, as on a VM: stopping the instance ends it, and
so does terminating it; processes of other instances carry on."""
import signal
import subprocess

WAIT = 10  # seconds: the agent settles the state, then the process is gone


def exited(proc):
    """The process's fate, once it is over: its return code (a negative
    signal number when a signal ended it)."""
    try:
        code = proc.popen.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{proc.what} in {proc.where} (pid {proc.pid}) still runs") from None
    if code >= 0:
        _, err = proc.stop()
        raise AssertionError(f"{proc.what} in {proc.where} exited {code}: {err.decode(errors='replace')}")
    return code


def sleeper(dp, inst):
    """A process that runs in inst until something ends it."""
    return dp.start(inst.id, ["sh", "-c", "echo started; exec sleep 600"], "sleep", ready="started")


def test_stop_and_terminate_end_the_instance_processes(dp):
    t = dp.tenant("procs")
    vpc, [sub] = dp.vpc(t)
    g = dp.group(t, vpc, "plain")
    a, b = dp.launch(t, sub, [g], count=2, name="p")

    sleeper_a = sleeper(dp, a)
    sleeper_b = sleeper(dp, b)
    t.ec2.stop_instances(InstanceIds=[a.id])
    dp.wait_state(t, [a.id], "stopped")
    assert exited(sleeper_a) == -signal.SIGKILL
    assert sleeper_b.popen.poll() is None, "a process of another instance was ended"

    t.ec2.start_instances(InstanceIds=[a.id])
    dp.wait_state(t, [a.id], "running")
    sleeper_a = sleeper(dp, a)
    t.ec2.terminate_instances(InstanceIds=[a.id])
    dp.wait_state(t, [a.id], "terminated")
    assert exited(sleeper_a) == -signal.SIGKILL
    assert sleeper_b.popen.poll() is None, "a process of another instance was ended"

    t.ec2.terminate_instances(InstanceIds=[b.id])
    dp.wait_state(t, [b.id], "terminated")
    assert exited(sleeper_b) == -signal.SIGKILL
