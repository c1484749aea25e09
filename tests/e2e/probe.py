#!/usr/bin/python3
"""probe.py - try a batch of flows in parallel from the namespace it runs in
(one `bulkhead exec` per batch) and print the outcome of each as JSON.

usage: probe.py [--timeout S] [--bind ADDR] SPEC...
       SPEC = tcp:ADDR:PORT | udp:ADDR:PORT | icmp:ADDR:0 (echo request)

Prints {SPEC: {"result": R, "reply": {...} or null, "ms": N}} where R is
  pass     TCP handshake completed / UDP answered: the flow crossed both ways
  blocked  no answer within the timeout (or no route): dropped somewhere
  refused  RST or ICMP port unreachable: a packet crossed, nothing listened
  error    anything else (with "error")
"""
import argparse
import errno
import json
import random
import socket
import struct
import threading
import time

# no route, or an ICMP unreachable from a router: the flow did not get through
UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH)


def probe_tcp(addr, port, timeout, bind):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if bind:
            s.bind((bind, 0))
        s.settimeout(timeout)
        start = time.monotonic()
        try:
            s.connect((addr, port))
        except (socket.timeout, TimeoutError):
            return {"result": "blocked"}
        except ConnectionRefusedError:
            return {"result": "refused"}
        except OSError as e:
            if e.errno in UNREACHABLE:
                return {"result": "blocked", "error": str(e)}
            return {"result": "error", "error": str(e)}
        reply = None
        s.settimeout(max(0.2, timeout - (time.monotonic() - start)))
        try:
            line = b""
            while not line.endswith(b"\n") and len(line) < 4096:
                chunk = s.recv(4096)
                if not chunk:
                    break
                line += chunk
            reply = json.loads(line) if line.strip() else None
        except (OSError, ValueError):
            reply = None
        return {"result": "pass", "reply": reply}
    finally:
        s.close()


def probe_udp(addr, port, timeout, bind):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if bind:
            s.bind((bind, 0))
        s.connect((addr, port))
        deadline = time.monotonic() + timeout
        # a second datagram covers one lost to neighbour resolution
        resend = time.monotonic() + timeout / 3
        sent = 0
        while True:
            now = time.monotonic()
            if sent == 0 or (sent == 1 and now >= resend):
                try:
                    s.send(b"probe %d" % sent)
                except ConnectionRefusedError:
                    return {"result": "refused"}
                sent += 1
            left = deadline - now
            if left <= 0:
                return {"result": "blocked"}
            s.settimeout(min(left, max(0.01, resend - now)) if sent == 1 else left)
            try:
                data = s.recv(4096)
            except (socket.timeout, TimeoutError):
                continue
            except ConnectionRefusedError:
                return {"result": "refused"}
            try:
                reply = json.loads(data)
            except ValueError:
                reply = {"raw": data[:200].decode(errors="replace")}
            return {"result": "pass", "reply": reply}
    except OSError as e:
        if e.errno in UNREACHABLE:
            return {"result": "blocked", "error": str(e)}
        return {"result": "error", "error": str(e)}
    finally:
        s.close()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def probe_icmp(addr, _port, timeout, bind):
    """ICMP echo (raw socket: root). pass = an echo reply from addr."""
    ident = random.randrange(1, 0xFFFF)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        if bind:
            s.bind((bind, 0))
        deadline = time.monotonic() + timeout
        resend = time.monotonic() + timeout / 3
        sent = 0
        while True:
            now = time.monotonic()
            if sent == 0 or (sent == 1 and now >= resend):
                body = b"bulkhead probe"
                hdr = struct.pack("!BBHHH", 8, 0, 0, ident, sent)
                pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + body), ident, sent) + body
                s.sendto(pkt, (addr, 0))
                sent += 1
            left = deadline - now
            if left <= 0:
                return {"result": "blocked"}
            s.settimeout(min(left, max(0.01, resend - now)) if sent == 1 else left)
            try:
                data, peer = s.recvfrom(4096)
            except (socket.timeout, TimeoutError):
                continue
            ihl = (data[0] & 0x0F) * 4
            icmp_type, _, _, rid = struct.unpack("!BBHH", data[ihl:ihl + 6])
            if icmp_type == 0 and rid == ident and peer[0] == addr:
                return {"result": "pass", "reply": {"peer": peer[0]}}
    except OSError as e:
        if e.errno in UNREACHABLE:
            return {"result": "blocked", "error": str(e)}
        return {"result": "error", "error": str(e)}
    finally:
        s.close()


def run(spec, timeout, bind, out):
    start = time.monotonic()
    try:
        proto, addr, port = spec.split(":")
        fn = {"tcp": probe_tcp, "udp": probe_udp, "icmp": probe_icmp}[proto]
        res = fn(addr, int(port), timeout, bind)
    except Exception as e:  # report, never crash the batch
        res = {"result": "error", "error": repr(e)}
    res.setdefault("reply", None)
    res["ms"] = int((time.monotonic() - start) * 1000)
    out[spec] = res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--bind")
    ap.add_argument("specs", nargs="+")
    args = ap.parse_args()
    out = {}
    threads = [threading.Thread(target=run, args=(s, args.timeout, args.bind, out))
               for s in dict.fromkeys(args.specs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
