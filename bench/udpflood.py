#!/usr/bin/python3
"""udpflood.py - one-way UDP as fast as one process can send, for the
data-plane benchmark. Run inside an instance namespace.

usage: udpflood.py ADDR PORT [--seconds S] [--size BYTES] [--procs N]

The receiver never answers, so conntrack never sees a reply and every
datagram stays in state "new": each one is judged by the whole rule set,
as the first packet of every connection is. Prints {"sent": N, "seconds": S}.
Each process uses its own source port (its own conntrack entry) and is
named "bhudpflood" (its comm), so a profile can be limited to it."""
import argparse
import contextlib
import ctypes
import json
import multiprocessing
import socket
import time


def name_process(name):
    """The process's comm, so a profile can be cut down to this sender."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, ctypes.c_char_p(name.encode()), 0, 0, 0)  # PR_SET_NAME


def blast(addr, port, seconds, size, q):
    name_process("bhudpflood")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    payload = b"x" * size
    send = s.send
    sent = 0
    end = time.monotonic() + seconds
    while True:
        for _ in range(256):
            try:
                send(payload)
                sent += 1
            except OSError:  # ENOBUFS under pressure: a send that did not happen
                pass
        if time.monotonic() >= end:
            break
    q.put(sent)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--procs", type=int, default=1)
    args = ap.parse_args()
    q = multiprocessing.Queue()
    t0 = time.monotonic()
    ps = [multiprocessing.Process(target=blast, args=(args.addr, args.port, args.seconds, args.size, q))
          for _ in range(args.procs)]
    for p in ps:
        p.start()
    sent = sum(q.get() for _ in ps)
    for p in ps:
        p.join()
    print(json.dumps({"sent": sent, "seconds": time.monotonic() - t0}))


if __name__ == "__main__":
    main()
