#!/usr/bin/python3
"""nftlink.py - two helpers that run inside a VPC namespace for the
apply-latency benchmark.

  nftlink.py monitor   print one JSON line per nftables transaction the
                       kernel commits in this namespace: when it arrived,
                       which process made it, and how many objects of each
                       kind it added or deleted (counted from the netlink
                       notifications of group NFNLGRP_NFTABLES, closed by
                       the NEWGEN message each commit ends with). `nft
                       monitor` itself (nftables 1.0.6) crashes on the
                       notifications of interval sets with concatenations,
                       which bulkhead's groups use, hence this.
  nftlink.py apply     the floor: one libnftables context kept open, each
                       line on stdin run as one transaction; answers "ok T0
                       T1" or "error T0 T1 TEXT" (monotonic clock around the
                       call). No process start, no plan: what the kernel
                       and libnftables alone cost for the same change.
"""
import ctypes
import json
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NFNLGRP_NFTABLES = 7
NFNL_SUBSYS_NFTABLES = 10
NLMSG_HDR = struct.Struct("=IHHII")
NLA_HDR = struct.Struct("=HH")

MSG_NAMES = {0: "add_table", 2: "del_table", 3: "add_chain", 5: "del_chain", 6: "add_rule", 8: "del_rule",
             9: "add_set", 11: "del_set", 12: "add_element", 14: "del_element", 18: "add_obj", 20: "del_obj",
             22: "add_flowtable", 24: "del_flowtable"}
NFT_MSG_NEWGEN = 15
NFTA_SET_ELEM_LIST_ELEMENTS = 3
NFTA_GEN_ID, NFTA_GEN_PROC_PID, NFTA_GEN_PROC_NAME = 1, 2, 3


def attrs(buf, off, end):
    while off + 4 <= end:
        ln, typ = NLA_HDR.unpack_from(buf, off)
        if ln < 4:
            return
        yield typ & 0x3FFF, buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def monitor():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTABLES)
    print(json.dumps({"ready": time.monotonic()}), flush=True)
    counts, first = {}, None
    while True:
        try:
            buf = s.recv(1 << 20)
        except OSError as e:  # ENOBUFS: notifications were lost
            print(json.dumps({"t": time.monotonic(), "lost": str(e)}), flush=True)
            counts, first = {}, None
            continue
        now = time.monotonic()
        off = 0
        while off + NLMSG_HDR.size <= len(buf):
            ln, typ, _flags, _seq, _pid = NLMSG_HDR.unpack_from(buf, off)
            if ln < NLMSG_HDR.size:
                break
            end = off + ln
            if typ >> 8 == NFNL_SUBSYS_NFTABLES:
                msg = typ & 0xFF
                body = off + NLMSG_HDR.size + 4  # after struct nfgenmsg
                if first is None:
                    first = now
                if msg == NFT_MSG_NEWGEN:
                    gen = {k: v for k, v in attrs(buf, body, end)}
                    rec = {"t": now, "t_first": first,
                           "gen": struct.unpack("!I", gen[NFTA_GEN_ID][:4])[0] if NFTA_GEN_ID in gen else None,
                           "pid": struct.unpack("!I", gen[NFTA_GEN_PROC_PID][:4])[0]
                           if NFTA_GEN_PROC_PID in gen else None,
                           "proc": gen.get(NFTA_GEN_PROC_NAME, b"").rstrip(b"\0").decode(errors="replace"),
                           "counts": counts, "objects": sum(counts.values())}
                    print(json.dumps(rec), flush=True)
                    counts, first = {}, None
                elif msg in MSG_NAMES:
                    n = 1
                    if msg in (12, 14):
                        n = 0
                        for t, payload in attrs(buf, body, end):
                            if t == NFTA_SET_ELEM_LIST_ELEMENTS:
                                n += sum(1 for _ in attrs(payload, 0, len(payload)))
                    name = MSG_NAMES[msg]
                    counts[name] = counts.get(name, 0) + n
            off += (ln + 3) & ~3


def apply():
    lib = ctypes.CDLL("libnftables.so.1")
    lib.nft_ctx_new.restype = ctypes.c_void_p
    lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
    lib.nft_ctx_buffer_output.argtypes = [ctypes.c_void_p]
    lib.nft_ctx_buffer_error.argtypes = [ctypes.c_void_p]
    lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.nft_ctx_get_error_buffer.argtypes = [ctypes.c_void_p]
    lib.nft_ctx_get_error_buffer.restype = ctypes.c_char_p
    lib.nft_ctx_get_output_buffer.argtypes = [ctypes.c_void_p]
    lib.nft_ctx_get_output_buffer.restype = ctypes.c_char_p
    ctx = lib.nft_ctx_new(0)
    lib.nft_ctx_buffer_output(ctx)
    lib.nft_ctx_buffer_error(ctx)
    print("ready", flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if not cmd:
            continue
        t0 = time.monotonic()
        r = lib.nft_run_cmd_from_buffer(ctx, cmd.encode())
        t1 = time.monotonic()
        err = (lib.nft_ctx_get_error_buffer(ctx) or b"").decode(errors="replace")
        lib.nft_ctx_get_output_buffer(ctx)
        if r == 0:
            print(f"ok {t0:.6f} {t1:.6f}", flush=True)
        else:
            print(f"error {t0:.6f} {t1:.6f} {' '.join(err.split())[:500]}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["monitor"]:
        monitor()
    elif sys.argv[1:] == ["apply"]:
        apply()
    else:
        sys.exit(__doc__)
