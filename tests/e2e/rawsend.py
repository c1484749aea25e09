#!/usr/bin/python3
"""rawsend.py - send IPv4 datagrams of any protocol and payload length
(down to none) from the namespace it runs in, for the short-header test.

usage: rawsend.py DST PROTO:LEN...

Each datagram goes out three times, 50 ms apart (the first may wait for
neighbour resolution); its payload is LEN bytes of 0xb5, so a capture tells
the datagrams apart by protocol and length. Prints one JSON line: the
[PROTO, LEN] pairs sent."""
import json
import socket
import sys
import time


def main():
    dst, specs = sys.argv[1], sys.argv[2:]
    sent = []
    for _ in range(3):
        for spec in specs:
            proto, length = (int(x) for x in spec.split(":"))
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
            try:
                s.sendto(b"\xb5" * length, (dst, 0))
            finally:
                s.close()
            if [proto, length] not in sent:
                sent.append([proto, length])
        time.sleep(0.05)
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
