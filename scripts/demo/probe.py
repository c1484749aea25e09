# probe.py - one TCP connection attempt for the demo: prints what became of
# it, always exiting 0 so the caller can tell a verdict from a failure to run.
#   pass     the handshake completed
#   block    no answer within the timeout, or the network said unreachable
#            (the firewall drops silently; a missing route answers ICMP)
#   refused  a RST: the packet got through but nothing listens there, which
#            is neither verdict and means the demo itself is wrong
import socket
import sys

host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    socket.create_connection((host, port), timeout=timeout).close()
    print("pass")
except ConnectionRefusedError:
    print("refused")
except OSError:
    print("block")
except KeyboardInterrupt:  # Ctrl-C of the demo: no traceback
    sys.exit(130)
