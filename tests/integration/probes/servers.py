# SPDX-License-Identifier: MIT
"""Real servers on loopback for the probe's integration tests and benchmark:
isolab-victim, nginx, PostgreSQL and the faulty servers. Each start_* returns
an object with .url/.port and .stop(); everything lives in a temp dir that
stop() removes. Processes are stopped by their own pid, never by name."""
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PG_BIN = "/usr/lib/postgresql/15/bin"


def build_root():
    return os.environ.get("ISOLAB_BUILD_ROOT", os.path.join(HERE, "..", "..", "..", "build"))


def probe_bin():
    return os.environ.get("ISOLAB_PROBE", os.path.join(build_root(), "probes", "isolab-probe"))


def victim_bin():
    return os.environ.get("ISOLAB_VICTIM", os.path.join(build_root(), "probes", "isolab-victim"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen on %d in %.0f s" % (port, timeout))


def stop_proc(proc, grace=5.0):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Server:
    def __init__(self, proc, port, tmp, path="/"):
        self.proc = proc
        self.port = port
        self.tmp = tmp
        self.url = "http://127.0.0.1:%d%s" % (port, path)

    def stop(self):
        stop_proc(self.proc)
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def start_victim(pages=2000, threads=2, db=None, extra=()):
    port = free_port()
    args = [victim_bin(), "--listen", "127.0.0.1:%d" % port, "--pages", str(pages),
            "--threads", str(threads), "--quiet"] + (["--db", db] if db else []) + list(extra)
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
    except Exception:
        stop_proc(proc)
        raise
    return Server(proc, port, None)


NGINX_CONF = """daemon off;
worker_processes %(workers)d;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/error.log warn;
%(user)s
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(tmp)s/body;
    proxy_temp_path %(tmp)s/proxy;
    fastcgi_temp_path %(tmp)s/fastcgi;
    uwsgi_temp_path %(tmp)s/uwsgi;
    scgi_temp_path %(tmp)s/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:%(port)d;
        root %(tmp)s/www;
        location / { }
    }
}
"""


def start_nginx(workers=1, page_bytes=612):
    """nginx as our own process (daemon off) with a temp prefix, serving /index.html."""
    tmp = tempfile.mkdtemp(prefix="isolab-nginx-")
    os.chmod(tmp, 0o755)
    os.mkdir(os.path.join(tmp, "www"))
    os.chmod(os.path.join(tmp, "www"), 0o755)
    body = ("<html><body>" + "x" * max(0, page_bytes - 28) + "</body></html>\n")[:page_bytes]
    with open(os.path.join(tmp, "www", "index.html"), "w") as f:
        f.write(body)
    os.chmod(os.path.join(tmp, "www", "index.html"), 0o644)
    port = free_port()
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"tmp": tmp, "port": port, "workers": workers, "user": user})
    proc = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "error.log")],
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_port(port, proc)
    except Exception:
        stop_proc(proc)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    srv = Server(proc, port, tmp, "/index.html")
    srv.page_bytes = len(body)
    return srv


class Postgres:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="isolab-pg-")
        self.proc = None
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: the postgres (or nobody) user owns the dir
            for name in ("postgres", "nobody"):
                try:
                    self.user = pwd.getpwnam(name)
                    break
                except KeyError:
                    pass
            os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")
        os.mkdir(self.data, 0o700)
        if self.user:
            os.chown(self.data, self.user.pw_uid, self.user.pw_gid)
            os.chown(self.tmp, self.user.pw_uid, self.user.pw_gid)
        try:
            self._run([PG_BIN + "/initdb", "-D", self.data, "-U", "isolab", "-A", "trust",
                       "--no-sync", "-E", "UTF8", "--locale=C"], timeout=60)
            log = open(os.path.join(self.tmp, "pg.log"), "w")
            self.proc = subprocess.Popen(
                self._cmd([PG_BIN + "/postgres", "-D", self.data, "-p", str(self.port),
                           "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + self.tmp,
                           "-c", "fsync=off", "-c", "synchronous_commit=off",
                           "-c", "full_page_writes=off", "-c", "max_connections=50",
                           "-c", "shared_buffers=32MB"]),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
            log.close()
            wait_port(self.port, self.proc, timeout=30)
            self.conninfo = "host=127.0.0.1 port=%d user=isolab dbname=postgres" % self.port
            self.wait_ready()
        except Exception:
            self.stop()
            raise

    def _cmd(self, argv):
        if self.user:
            return ["setpriv", "--reuid", str(self.user.pw_uid), "--regid", str(self.user.pw_gid),
                    "--clear-groups", "--"] + argv
        return argv

    def _run(self, argv, timeout=30, input=None):
        return subprocess.run(self._cmd(argv), check=True, timeout=timeout, input=input,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              cwd=self.tmp)

    def wait_ready(self):
        deadline = time.monotonic() + 30
        while True:
            r = subprocess.run([PG_BIN + "/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("postgres not ready")
            time.sleep(0.1)

    def psql(self, sql):
        return self._run([PG_BIN + "/psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "isolab",
                          "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-f", "-"], input=sql)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # SIGINT: PostgreSQL's "fast" shutdown
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


class Faulty:
    """faulty.py in its own process; .ports maps each mode to its port."""

    def __init__(self, modes=None, period=4.0, freeze=1.0, delay=0.005):
        args = ["/usr/bin/python3", os.path.join(HERE, "faulty.py"), "--until-stdin-eof",
                "--period", str(period), "--freeze", str(freeze), "--delay", str(delay)]
        if modes:
            args += ["--modes", ",".join(modes)]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            stop_proc(self.proc)
            raise RuntimeError("faulty.py did not start")
        self.ports = json.loads(line)

    def url(self, mode, path="/"):
        return "http://127.0.0.1:%d%s" % (self.ports[mode], path)

    def stop(self):
        if self.proc.stdin:
            self.proc.stdin.close()
        stop_proc(self.proc)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def engine_args(args):
    """ISOLAB_PROBE_ENGINE=curl|native runs every http test with that engine."""
    engine = os.environ.get("ISOLAB_PROBE_ENGINE")
    if engine and args and args[0] == "http":
        return list(args) + ["--engine", engine]
    return list(args)


def run_probe(args, timeout=60, env=None):
    """Runs isolab-probe with --json; returns (exit code, parsed JSON or None, stderr, seconds)."""
    t0 = time.monotonic()
    r = subprocess.run([probe_bin()] + engine_args(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    took = time.monotonic() - t0
    doc = None
    if r.stdout.strip():
        doc = json.loads(r.stdout)
    return r.returncode, doc, r.stderr, took
