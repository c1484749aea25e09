#!/usr/bin/python3
"""diffprobe.py - the differential test's prober: tries many flows at once
from the namespace it runs in, from one thread (non-blocking sockets and a
selector), and prints one JSON line per flow.

usage: diffprobe.py [--timeout S] [--concurrency N] [--ident-base N] < FLOWS

FLOWS: one JSON object per line: {"k": KEY, "proto": "tcp"|"udp"|"icmp",
"dst": ADDR, "port": N} (tcp/udp) or {"type": T, "code": C} (icmp; echo
8/C and timestamp 13/0 are answered by Linux), optional "src": ADDR to
send from (the simulated internet holds a whole /25).

Output, one line per flow in completion order: {"k", "result", "id",
"peer", "ms"} where result is
  pass     TCP handshake completed / UDP answered / ICMP reply from ADDR
  refused  RST or ICMP port unreachable: a packet crossed, nothing listened
  blocked  nothing within the timeout, or a router said unreachable
  error    anything else (with "error")
and id/peer are what the listener (listener.py) answered: who took the
flow and the source address it saw. After a TCP handshake the prober waits
up to --reply-timeout more for that line.

The timeout is above 1 s so a SYN lost to neighbour resolution is sent
again by the kernel (its first retransmission is at 1 s); UDP and ICMP are
resent at a third and two thirds of it."""
import argparse
import errno
import json
import os
import resource
import selectors
import socket
import struct
import sys
import time

from probe import checksum  # the ICMP checksum (this directory is first on sys.path)

UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN)
ICMP_REPLY = {8: 0, 13: 14}   # request type -> reply type
IDENT_SPAN = 16383


def icmp_packet(icmp_type, code, ident, seq):
    body = struct.pack("!III", 0, 0, 0) if icmp_type == 13 else b"bulkhead diffprobe"
    hdr = struct.pack("!BBHHH", icmp_type, code, 0, ident, seq)
    return struct.pack("!BBHHH", icmp_type, code, checksum(hdr + body), ident, seq) + body


class Flow:
    __slots__ = ("spec", "sock", "start", "deadline", "resends", "state", "buf", "ident", "sent")

    def __init__(self, spec):
        self.spec = spec
        self.sock = None
        self.state = "new"
        self.buf = b""
        self.resends = []
        self.ident = None
        self.sent = 0


class Prober:
    def __init__(self, timeout, reply_timeout, concurrency, ident_base=1):
        self.timeout = timeout
        self.reply_timeout = reply_timeout
        self.concurrency = concurrency
        self.sel = selectors.DefaultSelector()
        self.inflight = {}      # id(flow) -> flow
        self.icmp_socks = {}    # src address ("" any) -> raw socket
        self.icmp_waiting = {}  # (peer, ident) -> flow
        self.ident_base = ident_base
        self.next_ident = ident_base
        self.out = sys.stdout

    # ---- results

    def finish(self, f, result, reply=None, error=None):
        if f.state == "done":
            return
        f.state = "done"
        if f.sock is not None:
            try:
                self.sel.unregister(f.sock)
            except (KeyError, ValueError):
                pass
            f.sock.close()
            f.sock = None
        if f.ident is not None:
            self.icmp_waiting.pop((f.spec["dst"], f.ident), None)
        self.inflight.pop(id(f), None)
        rec = {"k": f.spec["k"], "result": result, "ms": int((time.monotonic() - f.start) * 1000)}
        rec["id"] = (reply or {}).get("id")
        rec["peer"] = (reply or {}).get("peer")
        if error:
            rec["error"] = error
        self.out.write(json.dumps(rec) + "\n")

    def os_error(self, f, e):
        if e.errno == errno.ECONNREFUSED:
            self.finish(f, "refused")
        elif e.errno in UNREACHABLE:
            self.finish(f, "blocked", error=os.strerror(e.errno))
        else:
            self.finish(f, "error", error=f"{e.__class__.__name__}: {e}")

    # ---- starting a flow

    def start(self, spec):
        f = Flow(spec)
        f.start = time.monotonic()
        f.deadline = f.start + self.timeout
        self.inflight[id(f)] = f
        try:
            getattr(self, "start_" + spec["proto"])(f)
        except OSError as e:
            self.os_error(f, e)
        except Exception as e:  # a bad line: report it, never stop the batch
            self.finish(f, "error", error=repr(e))

    def start_tcp(self, f):
        s = f.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        if f.spec.get("src"):
            s.bind((f.spec["src"], 0))
        rc = s.connect_ex((f.spec["dst"], int(f.spec["port"])))
        if rc not in (0, errno.EINPROGRESS):
            raise OSError(rc, os.strerror(rc))
        f.state = "connecting"
        self.sel.register(s, selectors.EVENT_WRITE, f)

    def start_udp(self, f):
        s = f.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        if f.spec.get("src"):
            s.bind((f.spec["src"], 0))
        s.connect((f.spec["dst"], int(f.spec["port"])))
        f.state = "waiting"
        f.resends = [f.start + self.timeout / 3, f.start + 2 * self.timeout / 3]
        self.sel.register(s, selectors.EVENT_READ, f)
        self.send_udp(f)

    def send_udp(self, f):
        f.sock.send(b"diffprobe %d" % f.sent)
        f.sent += 1

    def icmp_sock(self, src):
        s = self.icmp_socks.get(src)
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            if src:
                s.bind((src, 0))
            s.setblocking(False)
            self.icmp_socks[src] = s
            self.sel.register(s, selectors.EVENT_READ, None)
        return s

    def start_icmp(self, f):
        if int(f.spec["type"]) not in ICMP_REPLY:
            raise ValueError(f"no reply to expect for ICMP type {f.spec['type']}")
        self.icmp_sock(f.spec.get("src") or "")
        while (f.spec["dst"], self.next_ident) in self.icmp_waiting:
            self.bump_ident()
        f.ident = self.next_ident
        self.bump_ident()
        self.icmp_waiting[(f.spec["dst"], f.ident)] = f
        f.state = "waiting"
        f.resends = [f.start + self.timeout / 3, f.start + 2 * self.timeout / 3]
        self.send_icmp(f)

    def bump_ident(self):
        """Ids stay in [base, base + IDENT_SPAN): runs given other bases
        never meet each other's conntrack entries (30 s for ICMP)."""
        self.next_ident += 1
        if self.next_ident >= self.ident_base + IDENT_SPAN:
            self.next_ident = self.ident_base

    def send_icmp(self, f):
        pkt = icmp_packet(int(f.spec["type"]), int(f.spec["code"]), f.ident, f.sent)
        self.icmp_socks[f.spec.get("src") or ""].sendto(pkt, (f.spec["dst"], 0))
        f.sent += 1

    # ---- events

    def on_event(self, key, mask):
        f = key.data
        if f is None:
            self.on_icmp(key.fileobj)
            return
        try:
            if f.state == "connecting":
                err = f.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                # connected: a packet crossed both ways; now who answered
                f.state = "reading"
                f.deadline = time.monotonic() + self.reply_timeout
                self.sel.modify(f.sock, selectors.EVENT_READ, f)
            elif f.state == "reading":
                chunk = f.sock.recv(4096)
                f.buf += chunk
                if not chunk or b"\n" in f.buf or len(f.buf) > 4096:
                    self.finish(f, "pass", reply=parse_reply(f.buf.split(b"\n")[0]))
            elif f.state == "waiting":  # udp
                data = f.sock.recv(4096)
                self.finish(f, "pass", reply=parse_reply(data))
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as e:
            if f.state == "reading":   # connected; the reply line never came whole
                self.finish(f, "pass", reply=parse_reply(f.buf), error=f"reading: {e}")
            else:
                self.os_error(f, e)

    def on_icmp(self, sock):
        while True:
            try:
                data, peer = sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            ihl = (data[0] & 0x0F) * 4
            if len(data) < ihl + 8:
                continue
            icmp_type, code, _, ident, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            f = self.icmp_waiting.get((peer[0], ident))
            if f is None or ICMP_REPLY[int(f.spec["type"])] != icmp_type:
                continue
            self.finish(f, "pass", reply={"peer": peer[0]})

    def on_time(self, now):
        for f in list(self.inflight.values()):
            if f.state == "done":
                continue
            if now >= f.deadline:
                if f.state == "reading":
                    self.finish(f, "pass", reply=parse_reply(f.buf), error="no reply line")
                else:
                    self.finish(f, "blocked")
                continue
            while f.resends and now >= f.resends[0]:
                f.resends.pop(0)
                try:
                    if f.spec["proto"] == "udp":
                        self.send_udp(f)
                    else:
                        self.send_icmp(f)
                except OSError as e:
                    self.os_error(f, e)
                    break

    def next_wakeup(self, now):
        t = now + 0.2
        for f in self.inflight.values():
            t = min(t, f.deadline, *(f.resends[:1] or [t]))
        return max(0.0, t - now)

    def run(self, specs):
        pending = list(reversed(specs))
        while pending or self.inflight:
            while pending and len(self.inflight) < self.concurrency:
                self.start(pending.pop())
            now = time.monotonic()
            for key, mask in self.sel.select(self.next_wakeup(now)):
                self.on_event(key, mask)
            self.on_time(time.monotonic())
        self.out.flush()


def parse_reply(data):
    try:
        reply = json.loads(data)
        return reply if isinstance(reply, dict) else {"raw": str(reply)[:200]}
    except ValueError:
        return {"raw": data[:200].decode(errors="replace")} if data else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=1.5)
    ap.add_argument("--reply-timeout", type=float, default=3.0)
    ap.add_argument("--concurrency", type=int, default=768)
    ap.add_argument("--ident-base", type=int, default=1, help="first ICMP id (1..49153)")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.concurrency + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    concurrency = min(args.concurrency, want - 64)
    specs = [json.loads(line) for line in sys.stdin if line.strip()]
    if not 1 <= args.ident_base <= 0xFFFF - IDENT_SPAN:
        ap.error("--ident-base: 1..%d" % (0xFFFF - IDENT_SPAN))
    Prober(args.timeout, args.reply_timeout, concurrency, args.ident_base).run(specs)


if __name__ == "__main__":
    main()
