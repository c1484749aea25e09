#!/usr/bin/python3
"""listener.py - the e2e suite's server, run once per instance (or in the
simulated internet) through `bulkhead exec`: accepts TCP and answers UDP on
many ports from one thread.

usage: listener.py [--id ID] [--bind ADDR] [--log FILE] PORT...

TCP: on accept, sends one JSON line {"id","proto","port","peer"} (the peer
as this side sees it, so a test can tell NAT apart), then echoes whatever
it receives. UDP: answers every datagram with the same JSON (plus "echo").
Prints "ready" on stdout once every port is bound. With --log, appends one
JSON line per accepted connection or datagram (what reached this side).
Runs until SIGTERM/SIGINT."""
import argparse
import json
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--id", default=socket.gethostname())
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--log")
    ap.add_argument("ports", nargs="+", type=int)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log = open(args.log, "a", buffering=1) if args.log else None
    sel = selectors.DefaultSelector()

    for port in sorted(set(args.ports)):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((args.bind, port))
        t.listen(256)
        t.setblocking(False)
        sel.register(t, selectors.EVENT_READ, ("accept", port))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.bind((args.bind, port))
        u.setblocking(False)
        sel.register(u, selectors.EVENT_READ, ("udp", port))

    def hello(proto, port, peer):
        msg = {"id": args.id, "proto": proto, "port": port, "peer": peer}
        if log:
            log.write(json.dumps(dict(msg, t=time.time())) + "\n")
        return msg

    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            kind, port = key.data
            sock = key.fileobj
            try:
                if kind == "accept":
                    conn, peer = sock.accept()
                    conn.setblocking(False)
                    msg = hello("tcp", port, peer[0])
                    conn.sendall((json.dumps(msg) + "\n").encode())
                    sel.register(conn, selectors.EVENT_READ, ("conn", port))
                elif kind == "udp":
                    data, peer = sock.recvfrom(2048)
                    msg = hello("udp", port, peer[0])
                    msg["echo"] = data[:64].decode(errors="replace")
                    sock.sendto(json.dumps(msg).encode(), peer)
                else:
                    data = sock.recv(65536)
                    if not data:
                        sel.unregister(sock)
                        sock.close()
                    else:
                        sock.sendall(data)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                if kind == "conn":
                    try:
                        sel.unregister(sock)
                    except (KeyError, ValueError):
                        pass
                    sock.close()


if __name__ == "__main__":
    main()
