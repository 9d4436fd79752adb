#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A XenAPI (xapi) simulator for isolab's tests: standard library only.

Speaks XML-RPC the way xapi does (strings as bare <value>text</value>,
results wrapped in {Status, Value | ErrorDescription}), holds one pool with
two hosts and a handful of VMs (plus templates, a snapshot and the control
domain, which clients must filter out) with their VCPUs_params, storage
(SRs, VDIs, VBDs), host memory, and the calls that clone, provision, start,
stop and destroy VMs (sim_lifecycle.py), and injects faults on demand.

    xenapi_sim.py [--tls-cert C --tls-key K] [--member] [--user U --password P]
                  [--host-memory BYTES] [--guest-ip-delay SECONDS]

prints the port on the first line of stdout once it listens on 127.0.0.1.
With --member it also listens on 127.0.0.2 (same port) as a pool member
that answers every call with HOST_IS_SLAVE [127.0.0.1].

Control calls (no session): sim.fault(kind, count[, arg]), sim.stats(),
sim.reset(). Fault kinds, each for the next `count` requests:
  http500      answer HTTP 500
  malformed    answer a body that is not XML
  truncated    answer a well-formed HTTP reply with the XML cut in half
  slow         sleep arg seconds before answering
  drop         close the connection without answering
  session_invalid  invalidate the caller's session (SESSION_INVALID) once
                   `arg` further session calls have been made (count unused)
  fail         answer Failure [arg] for every call (arg "CODE" or "CODE:param")
  huge         answer a well-formed 17 MiB result (over the client's 16 MiB cap)
  method       arg "METHOD=CODE[:param[|param...]]": the next `count` calls of METHOD
               fail with that XenAPI error, without effect
  session_invalid_on  arg METHOD: the next `count` calls of METHOD find their
               session gone (SESSION_INVALID), as after a coordinator restart
  delay        arg "METHOD=SECONDS": the next `count` calls of METHOD wait
               that long before they take effect (a slow clone, a slow boot)
More control calls: sim.vms() (every VM with its power state, tags, host and
disks), sim.vdis(), sim.config(key, value) with key "guest_ip_delay" (seconds
until a started VM reports its address; -1 = never) or "guest_ip" (the
address every guest reports; "" = one each from 10.71.0.0/16), and
sim.calls() (the methods called, in order of arrival, at most the last 10000).
"""
import argparse
import collections
import copy
import http.server
import socket
import socketserver
import ssl
import sys
import threading
import time
import uuid
import xmlrpc.client
from xml.sax.saxutils import escape

from sim_lifecycle import Lifecycle

LOCK = threading.Lock()


class Failure(Exception):
    def __init__(self, *desc):
        super().__init__(desc)
        self.desc = [str(d) for d in desc]


def marshal(v):
    """xapi's encoding: bare strings, ints as <int> only when they fit."""
    if isinstance(v, bool):
        return "<value><boolean>%d</boolean></value>" % v
    if isinstance(v, int):
        return "<value><int>%d</int></value>" % v
    if isinstance(v, float):
        return "<value><double>%r</double></value>" % v
    if isinstance(v, dict):
        return "<value><struct>%s</struct></value>" % "".join(
            "<member><name>%s</name>%s</member>" % (escape(str(k)), marshal(x))
            for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "<value><array><data>%s</data></array></value>" % "".join(
            marshal(x) for x in v)
    if isinstance(v, xmlrpc.client.DateTime):
        return "<value><dateTime.iso8601>%s</dateTime.iso8601></value>" % v.value
    if v is None:
        return "<value><nil/></value>"
    return "<value>%s</value>" % escape(str(v))


def response(result):
    return ('<?xml version="1.0"?>\n<methodResponse><params><param>%s'
            '</param></params></methodResponse>\n' % marshal(result)).encode()


def public(rec):
    """A record as xapi sends it: without the simulator's own bookkeeping."""
    return {k: v for k, v in rec.items() if not k.startswith("_")}


def ref(kind):
    return "OpaqueRef:%s" % uuid.uuid4()


class Pool(Lifecycle):
    def __init__(self, user, password, host_memory=16 << 30, guest_ip_delay=0.0):
        self.user, self.password = user, password
        self.sessions = {}
        self.faults = {}
        self.stats = {"calls": 0, "logins": 0, "logouts": 0, "connections": 0,
                      "http_requests": 0, "originators": [], "methods": {}}
        self.calls = collections.deque(maxlen=10000)
        self.hosts, self.vms, self.pools = {}, {}, {}
        h1, h2 = ref("host"), ref("host")
        for r, name, addr in ((h1, "xs1", "127.0.0.1"), (h2, "xs2", "127.0.0.2")):
            self.hosts[r] = {
                "uuid": str(uuid.uuid4()), "name_label": name, "address": addr,
                "sched_policy": "credit", "software_version":
                {"xen": "4.17.3-1", "product_brand": "XCP-ng", "product_version": "8.3.0"},
                "cpu_info": {"cpu_count": "8", "vendor": "GenuineIntel"},
                "API_version_major": "2", "API_version_minor": "21",
                "enabled": True, "memory_overhead": "0",
            }
        self.master = h1
        self.pools[ref("pool")] = {"uuid": str(uuid.uuid4()), "name_label": "isolab-pool",
                                   "master": h1}
        self.domid = 0

        def vm(name, state="Running", host=h1, params=None, vcpus=2, **kw):
            r = ref("VM")
            running = state in ("Running", "Paused")
            rec = {"uuid": str(uuid.uuid4()), "name_label": name, "name_description": "",
                   "power_state": state, "is_a_template": False, "is_a_snapshot": False,
                   "is_control_domain": False, "VCPUs_at_startup": str(vcpus),
                   "VCPUs_max": str(vcpus), "VCPUs_params": dict(params or {}),
                   "resident_on": host if running else "OpaqueRef:NULL",
                   "domid": str(self.next_domid()) if running else "-1",
                   "memory_static_max": str(1 << 30), "other_config": {}}
            rec.update(kw)
            self.vms[r] = rec
            return r
        vm("Control domain on host: xs1", params={"weight": "256"}, vcpus=1,
           is_control_domain=True, domid="0")
        self.domid = 0
        vm("victim")
        vm("noisy1", params={"weight": "512", "mask": "0,1"})
        vm("noisy2", params={"cap": "50"}, host=h2)
        vm("halted-vm", state="Halted", vcpus=1)
        vm("caf\u00e9 & <db>", vcpus=4)
        vm("twin")
        vm("twin", state="Halted")
        vm("Debian Bookworm 12", state="Halted", is_a_template=True)
        vm("victim snapshot", state="Halted", is_a_snapshot=True, is_a_template=True)
        self._init_lifecycle(Failure, h1, h2, host_memory, guest_ip_delay)

    def next_domid(self):
        self.domid += 1
        return self.domid

    # -- helpers --
    def _rec(self, table, cls, r):
        if r not in table:
            raise Failure("HANDLE_INVALID", cls, r)
        return table[r]

    def _session(self, s):
        sess = self.sessions.get(s)
        if sess is None:
            raise Failure("SESSION_INVALID", s)
        left = self.faults.get("session_invalid_after")
        if left is not None:
            if left <= 0:
                del self.faults["session_invalid_after"]
                del self.sessions[s]
                raise Failure("SESSION_INVALID", s)
            self.faults["session_invalid_after"] = left - 1
        return sess

    # -- dispatch --
    def call(self, method, params, member):
        """One XenAPI call; the result is a copy, marshalled after the lock is gone."""
        with LOCK:
            return copy.deepcopy(self._dispatch(method, params, member))

    def _dispatch(self, method, params, member):
        self.stats["calls"] += 1
        self.stats["methods"][method] = self.stats["methods"].get(method, 0) + 1
        self.refresh()
        fail = self.faults.get("fail")
        if fail and not method.startswith("session.logout"):
            code, _, param = fail[1].partition(":")
            self._consume("fail")
            raise Failure(code, *([param] if param else []))
        if member:
            raise Failure("HOST_IS_SLAVE", "127.0.0.1")
        if method == "session.login_with_password":
            if len(params) < 2:
                raise Failure("MESSAGE_PARAMETER_COUNT_MISMATCH", method, 2, len(params))
            if params[0] != self.user or params[1] != self.password:
                raise Failure("SESSION_AUTHENTICATION_FAILED", params[0],
                              "Authentication failure")
            s = ref("session")
            self.sessions[s] = {"user": params[0]}
            self.stats["logins"] += 1
            self.stats["originators"].append(params[3] if len(params) > 3 else "")
            return s
        if not params:
            raise Failure("MESSAGE_PARAMETER_COUNT_MISMATCH", method, 1, 0)
        s, args = params[0], list(params[1:])
        self._session(s)
        if self._armed("session_invalid_on", method):
            self.sessions.pop(s, None)
            raise Failure("SESSION_INVALID", s)
        hit = self._armed("method", method)
        if hit:
            code, _, desc = hit.partition(":")
            raise Failure(code, *(desc.split("|") if desc else []))
        if method == "session.logout":
            self.sessions.pop(s, None)
            self.stats["logouts"] += 1
            return ""
        if method == "session.get_this_host":
            return self.master
        cls, _, op = method.partition(".")
        fn = getattr(self, "m_%s_%s" % (cls, op), None)
        if fn is not None:
            return fn(*args) if self._arity(fn, method, args) else None
        table = self.tables().get(cls)
        if table is not None and op == "get_all_records":
            return {r: public(v) for r, v in table.items()}
        if table is not None and op == "get_all":
            return list(table)
        if table is not None and op == "get_record" and len(args) == 1:
            return public(self._rec(table, cls, args[0]))
        if table is not None and op.startswith("get_") and len(args) == 1:
            rec = self._rec(table, cls, args[0])
            if op[4:] in rec:
                return rec[op[4:]]
        raise Failure("MESSAGE_METHOD_UNKNOWN", method)

    def _arity(self, fn, method, args):
        want = fn.__code__.co_argcount - 1
        if len(args) != want:
            raise Failure("MESSAGE_PARAMETER_COUNT_MISMATCH", method, want + 1, len(args) + 1)
        return True

    def _armed(self, kind, method):
        """For per-method faults: the fault's value when armed for method (consumed)."""
        f = self.faults.get(kind)
        if not f:
            return None
        target, _, value = f[1].partition("=")
        if target != method:
            return None
        self._consume(kind)
        return value or True

    def delay_for(self, method):
        with LOCK:
            d = self._armed("delay", method)
        return float(d) if d else 0.0

    def _consume(self, kind):
        n, arg = self.faults[kind]
        if n <= 1:
            del self.faults[kind]
        else:
            self.faults[kind] = (n - 1, arg)

    def take_fault(self, kinds):
        """The first armed transport-level fault among kinds, consumed."""
        with LOCK:
            for k in kinds:
                if k in self.faults:
                    arg = self.faults[k][1]
                    self._consume(k)
                    return k, arg
        return None, None

    def m_VM_get_by_name_label(self, name):
        return [r for r, v in self.vms.items() if v["name_label"] == name]

    def m_VM_get_by_uuid(self, u):
        for r, v in self.vms.items():
            if v["uuid"] == u:
                return r
        raise Failure("UUID_INVALID", "VM", u)

    def m_VM_get_VCPUs_params(self, r):
        return dict(self._rec(self.vms, "VM", r)["VCPUs_params"])

    def _check_map(self, m):
        if not isinstance(m, dict) or not all(isinstance(v, str) for v in m.values()):
            raise Failure("FIELD_TYPE_ERROR", "VCPUs_params")

    def m_VM_set_VCPUs_params(self, r, m):
        self._check_map(m)
        self._rec(self.vms, "VM", r)["VCPUs_params"] = dict(m)
        return ""

    def m_VM_add_to_VCPUs_params(self, r, k, v):
        p = self._rec(self.vms, "VM", r)["VCPUs_params"]
        if k in p:
            raise Failure("MAP_DUPLICATE_KEY", "VM", "VCPUs_params", r, k)
        p[k] = str(v)
        return ""

    def m_VM_remove_from_VCPUs_params(self, r, k):
        self._rec(self.vms, "VM", r)["VCPUs_params"].pop(k, None)
        return ""

    def m_VM_add_to_VCPUs_params_live(self, r, k, v):
        self._rec(self.vms, "VM", r)
        raise Failure("NOT_IMPLEMENTED", "add_to_VCPUs_params_live")

    def m_host_get_sched_policy(self, r):
        return self._rec(self.hosts, "host", r)["sched_policy"]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        # headers and body go out in separate writes: without this, Nagle and
        # the client's delayed ACK add 40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            self.server.pool.stats["connections"] += 1

    def _send(self, code, body, ctype="text/xml"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        pool = self.server.pool
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        try:
            params, method = xmlrpc.client.loads(body.decode("utf-8"))
        except Exception as e:  # a client sent something that is not XML-RPC
            self._send(400, ("bad request: %s\n" % e).encode(), "text/plain")
            return
        if method.startswith("sim."):
            self._send(200, response(self.control(method, params)))
            return
        with LOCK:
            pool.stats["http_requests"] += 1
            pool.calls.append(method)  # on arrival: a delayed call shows while it waits
        kind, arg = pool.take_fault(("drop", "http500", "slow", "malformed", "truncated",
                                     "huge"))
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "http500":
            self._send(500, b"Internal Server Error\n", "text/plain")
            return
        if kind == "slow":
            time.sleep(float(arg or 2))
        time.sleep(pool.delay_for(method))
        member = self.connection.getsockname()[0] == "127.0.0.2"
        try:
            result = {"Status": "Success", "Value": pool.call(method, params, member)}
        except Failure as f:
            result = {"Status": "Failure", "ErrorDescription": f.desc}
        out = response(result)
        if kind == "huge":
            out = response({"Status": "Success", "Value": "x" * (17 << 20)})
        if kind == "malformed":
            out = b"<methodResponse><params><param><value><struct><member>oops</html>"
        elif kind == "truncated":
            out = out[: len(out) // 2]
        self._send(200, out)

    def control(self, method, params):
        pool = self.server.pool
        with LOCK:
            if method == "sim.fault":
                kind, count = params[0], int(params[1])
                arg = params[2] if len(params) > 2 else ""
                if kind == "session_invalid":
                    pool.faults["session_invalid_after"] = int(arg or 0)
                else:
                    pool.faults[kind] = (count, arg)
                return True
            if method == "sim.reset":
                pool.faults.clear()
                return True
            if method == "sim.stats":
                st = dict(pool.stats)
                st["sessions"] = len(pool.sessions)
                st["methods"] = dict(pool.stats["methods"])
                return st
            if method == "sim.vcpus_params":
                return {v["name_label"]: v["VCPUs_params"] for v in pool.vms.values()}
            if method == "sim.vms":
                pool.refresh()
                return pool.summary()
            if method == "sim.vdis":
                return {r: {"name": d["name_label"], "sr": pool.srs[d["SR"]]["name_label"],
                            "vbds": len(d["VBDs"])} for r, d in pool.vdis.items()}
            if method == "sim.calls":
                return list(pool.calls)
            if method == "sim.config":
                if params[0] == "guest_ip_delay":
                    pool.guest_ip_delay = float(params[1])
                elif params[0] == "guest_ip":
                    pool.guest_ip = str(params[1])
                elif params[0] == "host_memory":
                    for hm in pool.host_metrics.values():
                        hm["memory_total"] = str(int(params[1]))
                else:
                    return False
                return True
        return False


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # refused TLS handshakes and dropped clients are part of the tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--member", action="store_true")
    ap.add_argument("--user", default="root")
    ap.add_argument("--password", default="xenroot")
    ap.add_argument("--sched-policy", default="credit")
    ap.add_argument("--host-memory", type=int, default=16 << 30)
    ap.add_argument("--guest-ip-delay", type=float, default=0.0)
    a = ap.parse_args()
    pool = Pool(a.user, a.password, a.host_memory, a.guest_ip_delay)
    for h in pool.hosts.values():
        h["sched_policy"] = a.sched_policy
    servers = [Server(("127.0.0.1", 0), Handler)]
    port = servers[0].server_address[1]
    if a.member:
        servers.append(Server(("127.0.0.2", port), Handler))
    for s in servers:
        s.pool = pool
        if a.tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(a.tls_cert, a.tls_key)
            s.socket = ctx.wrap_socket(s.socket, server_side=True,
                                       do_handshake_on_connect=False)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print(port, flush=True)
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
