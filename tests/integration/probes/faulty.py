#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Deliberately faulty HTTP servers on loopback, for isolab-probe's tests.

Each mode listens on its own random 127.0.0.1 port:
  ok        200 with a small body, keep-alive
  status5xx 503 with a body, keep-alive
  garbage   answers bytes that are not HTTP, then closes
  truncated promises 1000 body bytes, sends 10, closes
  reset     closes the connection (RST) without answering
  silent    accepts and reads, never answers
  freeze    like ok, but stalls every answer during a 1 s freeze every --period s
  chunked   200 with a chunked body (valid; split across writes), keep-alive
  eofbody   200 without length: the body ends when the server closes (valid)
  delay     like ok, each answer after --delay seconds (a known latency)
  refused   a port bound but not listening: connections are refused
Prints one JSON line {"mode": port, ...} when ready; runs until SIGTERM/SIGINT
(or until stdin closes, with --until-stdin-eof).
"""
import argparse
import json
import signal
import socket
import struct
import sys
import threading
import time

BODY = b"<html><body>isolab faulty ok</body></html>\n"


def read_request(conn):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        buf += chunk
        if len(buf) > 65536:
            return None
    return buf


class Server:
    def __init__(self, mode, args):
        self.mode = mode
        self.args = args
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held = []
        if mode != "refused":
            self.sock.listen(512)
            threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def frozen_until(self):
        period = self.args.period
        t = time.monotonic() - START
        phase = t % period
        # the freeze is the last freeze_s of every period
        if phase >= period - self.args.freeze:
            return START + (t - phase) + period
        return 0

    def serve(self, conn):
        try:
            self.serve_inner(conn)
        except OSError:
            pass
        finally:
            if self.mode != "silent":
                conn.close()

    def serve_inner(self, conn):
        mode = self.mode
        while True:
            req = read_request(conn)
            if req is None:
                return
            if mode in ("ok", "freeze", "delay"):
                if mode == "delay":
                    time.sleep(self.args.delay)
                if mode == "freeze":
                    until = self.frozen_until()
                    if until:
                        time.sleep(max(0.0, until - time.monotonic()))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
            elif mode == "chunked":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"5;ext=1\r\nhello\r\n")
                time.sleep(0.002)
                conn.sendall(b"1A\r\n" + b"x" * 26 + b"\r\n0\r\nX-Trailer: t\r\n\r\n")
            elif mode == "eofbody":
                conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + BODY)
                return
            elif mode == "status5xx":
                msg = b"overloaded\n"
                conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(msg) + msg)
            elif mode == "garbage":
                conn.sendall(b"\x00\x01GARBAGE that is not HTTP at all\r\n\r\n")
                return
            elif mode == "truncated":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
                return
            elif mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            elif mode == "silent":
                self.held.append(conn)
                return


START = time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", default="ok,chunked,eofbody,status5xx,garbage,truncated,reset,silent,refused")
    ap.add_argument("--period", type=float, default=4.0, help="freeze: seconds between freezes")
    ap.add_argument("--freeze", type=float, default=1.0, help="freeze: seconds frozen")
    ap.add_argument("--delay", type=float, default=0.005, help="delay: seconds per answer")
    ap.add_argument("--until-stdin-eof", action="store_true", help="also stop when stdin closes")
    args = ap.parse_args()
    servers = {m: Server(m, args) for m in args.modes.split(",")}
    print(json.dumps({m: s.port for m, s in servers.items()}), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    if args.until_stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()


if __name__ == "__main__":
    main()
