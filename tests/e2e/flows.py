#!/usr/bin/python3
"""flows.py - long-running traffic for the agent restart test, run inside a
namespace through `bulkhead exec`.

usage: flows.py echo ADDR PORT [--interval S] [--seconds N] [--deadline S]
       flows.py udp ADDR PORT [--sport P] [--interval S] [--seconds N]
       flows.py deny [--seconds N] [--timeout S] SPEC...   (SPEC as probe.py)

echo: one TCP connection to listener.py; sends a numbered line every
interval and expects it back. Prints {"connected","sent","received","lost",
"late","max_ms","error"}: lost = never came back (checked after a final
grace period), late = came back after --deadline seconds.

udp: one UDP flow from a fixed source port, a datagram every interval.
Prints {"sent","replies"}.

deny: retries every SPEC (each in its own thread, a new socket each try)
until --seconds pass. Prints {SPEC: {"tries": N, "passed": N, "results":
{result: count}}}: every try of a denied flow must be "blocked".

Both print "started" first, then their JSON line at the end; SIGTERM ends
early with the JSON of what happened so far."""
import argparse
import json
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probe  # noqa: E402

STOP = threading.Event()


def echo(args):
    out = {"connected": False, "sent": 0, "received": 0, "lost": 0, "late": 0, "max_ms": 0,
           "error": None}
    try:
        s = socket.create_connection((args.addr, args.port), timeout=2)
    except OSError as e:
        out["error"] = f"connect: {e}"
        return out
    out["connected"] = True
    s.settimeout(0.05)
    buf = b""
    pending = {}  # seq -> time sent
    greeted = False
    seq = 0
    next_send = time.monotonic()
    end = time.monotonic() + args.seconds
    grace_end = None
    try:
        while True:
            now = time.monotonic()
            if grace_end is None and (now >= end or STOP.is_set()):
                grace_end = now + 3.0
            if grace_end is not None and (not pending or now >= grace_end):
                break
            if grace_end is None and now >= next_send and greeted:
                seq += 1
                s.sendall(b"seq %d\n" % seq)
                pending[seq] = now
                out["sent"] += 1
                next_send = now + args.interval
            wait = 0.05 if grace_end is not None or not greeted else next_send - time.monotonic()
            s.settimeout(min(0.05, max(0.001, wait)))
            try:
                chunk = s.recv(65536)
                if not chunk:
                    out["error"] = "closed by peer"
                    break
                buf += chunk
            except (socket.timeout, TimeoutError):
                continue
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not greeted:
                    greeted = True  # listener.py's hello line
                    continue
                parts = line.split()
                if len(parts) == 2 and parts[0] == b"seq" and int(parts[1]) in pending:
                    dt = time.monotonic() - pending.pop(int(parts[1]))
                    out["received"] += 1
                    out["max_ms"] = max(out["max_ms"], int(dt * 1000))
                    if dt > args.deadline:
                        out["late"] += 1
    except OSError as e:
        out["error"] = str(e)
    finally:
        s.close()
    out["lost"] = out["sent"] - out["received"]
    return out


def udp_stream(args):
    """One UDP flow (fixed source port), a datagram every interval, replies
    read and counted: the same conntrack entry all along."""
    out = {"sent": 0, "replies": 0}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.sport))
    s.setblocking(False)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end and not STOP.is_set():
        try:
            s.sendto(b"udp stream %d" % out["sent"], (args.addr, args.port))
            out["sent"] += 1
        except OSError:
            pass
        try:
            while s.recv(4096):
                out["replies"] += 1
        except OSError:
            pass
        time.sleep(args.interval)
    return out


def deny(args):
    out = {spec: {"tries": 0, "passed": 0, "results": {}} for spec in args.specs}
    lock = threading.Lock()
    end = time.monotonic() + args.seconds

    def loop(spec):
        while time.monotonic() < end and not STOP.is_set():
            r = {}
            probe.run(spec, args.timeout, None, r)
            res = r[spec]["result"]
            with lock:
                o = out[spec]
                o["tries"] += 1
                o["results"][res] = o["results"].get(res, 0) + 1
                if res != "blocked":
                    o["passed"] += 1
            if res != "blocked":
                time.sleep(args.timeout)  # do not spin on a fast answer

    threads = [threading.Thread(target=loop, args=(s,)) for s in args.specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    e = sub.add_parser("echo")
    e.add_argument("addr")
    e.add_argument("port", type=int)
    e.add_argument("--interval", type=float, default=0.02)
    e.add_argument("--seconds", type=float, default=8)
    e.add_argument("--deadline", type=float, default=1.0)
    u = sub.add_parser("udp")
    u.add_argument("addr")
    u.add_argument("port", type=int)
    u.add_argument("--sport", type=int, default=40000)
    u.add_argument("--interval", type=float, default=0.05)
    u.add_argument("--seconds", type=float, default=8)
    d = sub.add_parser("deny")
    d.add_argument("--seconds", type=float, default=8)
    d.add_argument("--timeout", type=float, default=0.3)
    d.add_argument("specs", nargs="+")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    print("started", flush=True)
    out = {"echo": echo, "udp": udp_stream, "deny": deny}[args.mode](args)
    print(json.dumps(out, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
