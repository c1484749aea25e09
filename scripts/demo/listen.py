# listen.py - a tiny TCP service for the demo: accept on ADDR:PORT for each
# PORT given, close at once, forever. Runs inside an instance or bh-internet
# (`bulkhead exec … -- /usr/bin/python3 listen.py ADDR PORT…`); prints
# "ready" once every port is bound, so the demo probes only a live listener.
import selectors
import socket
import sys

addr, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
sel = selectors.DefaultSelector()
for port in ports:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        try:
            conn, _ = key.fileobj.accept()
            conn.close()
        except OSError:
            pass
