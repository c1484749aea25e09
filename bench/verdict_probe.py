#!/usr/bin/python3
"""verdict_probe.py - watch one flow's verdict change, at 1 ms resolution.

  verdict_probe.py echo PORT          (in the receiver's namespace) answer every UDP datagram
  verdict_probe.py probe ADDR PORT    (in the sender's namespace) driven by lines on stdin

The prober sends one UDP datagram to ADDR:PORT every millisecond, each from
a new source port (ports cycle through 1024-65535 so no probe meets the
conntrack entry of an earlier one: a revoked rule must stop *new* flows,
and established ones are allowed to go on, as in EC2). A probe "passes"
when its echo comes back within ANSWER_MS, and is "blocked" otherwise.

Commands (one line each; answers are one line on stdout):
  watch FROM TIMEOUT_MS   probe until RUN probes in a row show FROM
                          ("pass" or "block"), answer "ready T" (T: the
                          monotonic clock), then keep probing until RUN in
                          a row show the other verdict: "changed T N",
                          T the send time of the first of them, N the
                          probes sent; or "timeout N" after TIMEOUT_MS.
  quit
Clock: time.monotonic() (CLOCK_MONOTONIC), the same in every namespace."""
import os
import selectors
import socket
import struct
import sys
import time

INTERVAL = 0.001   # seconds between probes
ANSWER_MS = 20     # an echo later than this counts as blocked
RUN = 3            # probes in a row that settle a verdict
PORTS = (1024, 65535)


def echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    print("ready", flush=True)
    while True:
        data, addr = s.recvfrom(64)
        s.sendto(data, addr)


class Prober:
    def __init__(self, addr, port):
        self.dst = (addr, port)
        self.sel = selectors.DefaultSelector()
        self.next_port = PORTS[0] + os.getpid() % (PORTS[1] - PORTS[0])
        self.seq = 0
        self.open = {}   # seq -> (socket, send time)

    def _port(self):
        while True:
            p = self.next_port
            self.next_port = PORTS[0] if p >= PORTS[1] else p + 1
            if p != self.dst[1]:
                return p

    def send(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        for _ in range(50):
            try:
                s.bind(("0.0.0.0", self._port()))
                break
            except OSError:
                continue
        self.seq += 1
        t = time.monotonic()
        try:
            s.sendto(struct.pack("!Q", self.seq), self.dst)
        except OSError:
            pass  # no route or refused locally: the probe counts as blocked
        self.open[self.seq] = (s, t)
        self.sel.register(s, selectors.EVENT_READ, self.seq)

    def _close(self, seq):
        s, _ = self.open.pop(seq)
        self.sel.unregister(s)
        s.close()

    def poll(self, timeout):
        """Resolved probes as [(seq, send time, passed)], in any order."""
        out = []
        for key, _ in self.sel.select(max(0.0, timeout)):
            seq = key.data
            with_answer = False
            try:
                data = key.fileobj.recv(64)
                with_answer = len(data) == 8 and struct.unpack("!Q", data)[0] == seq
            except OSError:
                pass  # ICMP error: not an answer
            out.append((seq, self.open[seq][1], with_answer))
            self._close(seq)
        now = time.monotonic()
        for seq, (_, t) in list(self.open.items()):
            if now - t > ANSWER_MS / 1000:
                out.append((seq, t, False))
                self._close(seq)
        return out

    def watch(self, want_from, timeout_ms):
        """See the module's doc: 'ready' then 'changed' or 'timeout'."""
        results = {}       # seq -> (send time, passed)
        settled = self.seq + 1  # the next probe whose verdict is judged, in order
        phase = "from"
        run_verdict, run_len, run_first = None, 0, None
        deadline = time.monotonic() + timeout_ms / 1000
        next_send = time.monotonic()
        sent = 0
        while True:
            now = time.monotonic()
            if now >= next_send:
                self.send()
                sent += 1
                next_send += INTERVAL
                if next_send < now:
                    next_send = now + INTERVAL
            for seq, t, passed in self.poll(next_send - time.monotonic()):
                results[seq] = (t, passed)
            while settled in results:
                t, passed = results.pop(settled)
                verdict = "pass" if passed else "block"
                if verdict == run_verdict:
                    run_len += 1
                else:
                    run_verdict, run_len, run_first = verdict, 1, t
                settled += 1
                if phase == "from" and run_verdict == want_from and run_len >= RUN:
                    print(f"ready {time.monotonic():.6f}", flush=True)
                    phase = "to"
                    deadline = time.monotonic() + timeout_ms / 1000
                elif phase == "to" and run_verdict != want_from and run_len >= RUN:
                    self.drain()
                    print(f"changed {run_first:.6f} {sent}", flush=True)
                    return
            if time.monotonic() > deadline:
                self.drain()
                print(f"timeout {sent}", flush=True)
                return

    def drain(self):
        for seq in list(self.open):
            self._close(seq)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "echo":
        echo(int(sys.argv[2]))
        return
    if len(sys.argv) != 4 or sys.argv[1] != "probe":
        sys.exit(__doc__)
    prober = Prober(sys.argv[2], int(sys.argv[3]))
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            return
        if words[0] == "watch" and len(words) == 3 and words[1] in ("pass", "block"):
            prober.watch(words[1], float(words[2]))
        else:
            print(f"error unknown command {line.strip()!r}", flush=True)


if __name__ == "__main__":
    main()
