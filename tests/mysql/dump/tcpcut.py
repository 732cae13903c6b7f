#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that can cut every connection through it, to test server faults.

  tcpcut.py LISTEN_PORT_FILE TARGET_PORT
Writes the port it listens on to LISTEN_PORT_FILE. SIGUSR1 cuts every open connection at once
(RST, as a dropped NAT or a failover does); SIGUSR2 toggles refusing new connections.
"""
import os
import signal
import socket
import struct
import sys
import threading

port_file, target = sys.argv[1], int(sys.argv[2])
lock = threading.Lock()
open_socks = set()
refusing = False


def cut_all(*_):
    with lock:
        socks = list(open_socks)
        open_socks.clear()
    for s in socks:
        try:
            # linger 0: close sends RST, so the client sees the connection lost, not a clean EOF
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # shutdown wakes the pump blocked in recv on it; only then does close free the fd
            s.shutdown(socket.SHUT_RDWR)
            s.close()
        except OSError:
            pass


def toggle_refuse(*_):
    global refusing
    refusing = not refusing


def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


signal.signal(signal.SIGUSR1, cut_all)
signal.signal(signal.SIGUSR2, toggle_refuse)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
tmp = port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(tmp, port_file)
while True:
    try:
        c, _ = ls.accept()
    except InterruptedError:
        continue
    if refusing:
        c.close()
        continue
    try:
        u = socket.create_connection(("127.0.0.1", target))
    except OSError:
        c.close()
        continue
    with lock:
        open_socks.update((c, u))
    threading.Thread(target=pump, args=(c, u), daemon=True).start()
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
