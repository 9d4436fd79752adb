# SPDX-License-Identifier: MIT
"""What the QEMU labs (tests/xenlab, tests/cgroup2) share: the host check,
the image build and its cache, the per-boot scratch directory and its
retries, the QEMU command line, booting a machine under QEMU with a hard
deadline, reading its serial console and taking the test's output and exit
status from console markers, the per-boot initramfs overlay that carries
host binaries with the libraries they need, and the ad-hoc command line.

QEMU runs in a cpu cgroup of its own at the default weight (removed after
the boot) and the host's CPU use is sampled every second (Result.host_cpu):
on a shared host whose other sessions' autogroups are reniced to 19 (weight
15), a QEMU left in its own autogroup weighs the same 15 as one compile, so
one compile halved the emulated machine's speed; the guest cannot see that
(TCG has no steal time: Xen charges the lost time to the running domain).

The guest prints, on the serial console (TAG is the lab's, e.g. XENLAB):
    @@TAG:READY@@                  the machine is up (boot deadline met)
    @@TAG:BEGIN@@ ... @@TAG:END rc=N@@   the test's output and status
    @@TAG:FAIL why@@               (before READY) this boot is lost
"""
import argparse
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def in_ci():
    return os.environ.get("CI") == "true"


def cannot_run(lab, msg):
    """The lab cannot run here: a failure in CI, a skip elsewhere."""
    if in_ci():
        print("%s: FAIL (CI=true, the lab must run): %s" % (lab, msg), file=sys.stderr)
        sys.exit(1)
    print("%s: SKIP: %s" % (lab, msg), file=sys.stderr)
    sys.exit(SKIP)


def check_host(lab, qemu, tools, hint=""):
    """QEMU (qemu: its path or None), root, and each of tools on PATH; else
    cannot_run (hint follows the name of a missing tool)."""
    if not qemu:
        cannot_run(lab, "qemu-system-x86_64 not found (apt-get install qemu-system-x86)")
    if os.geteuid() != 0:
        cannot_run(lab, "needs root (debootstrap and device nodes for the image)")
    for t in tools:
        if not shutil.which(t):
            cannot_run(lab, t + " not found" + hint)


def cache_dir(env_var, build, ci_name, default):
    """Where the image is cached: env_var when set; else in CI (which builds
    the image from scratch) ci_name inside the build tree; else default."""
    if in_ci() and build and env_var not in os.environ:
        return os.path.join(build, ci_name)
    return os.environ.get(env_var, default)


def build_image(lab, script, cache, what, log):
    """Runs the lab's build-image.sh on cache (it reuses what is there); its
    last line on stdout is the image directory. Returns (directory, seconds)."""
    t0 = time.monotonic()
    p = subprocess.run([script, cache], stdout=subprocess.PIPE, text=True, check=False)
    if p.returncode != 0 or not p.stdout.strip():
        cannot_run(lab, "building %s failed (see messages above; "
                   "is the Debian mirror reachable?)" % what)
    img = p.stdout.strip().splitlines()[-1]
    secs = time.monotonic() - t0
    log("image %s ready after %.0f s" % (img, secs))
    return img, secs


def qemu_cmd(qemu, mem, cpus):
    """The labs' QEMU command line before the kernel: TCG on every host CPU
    model feature, no network, no display or monitor, the serial console on
    stdout, no reboot (a guest that panics ends the boot)."""
    return [qemu, "-accel", "tcg,thread=multi", "-cpu", "max",
            "-m", str(mem), "-smp", str(cpus), "-nic", "none",
            "-display", "none", "-monitor", "none", "-no-reboot",
            "-serial", "stdio"]


def boot_retrying(work, name, keep, log, overlay, attempt, retries, up, never,
                  no_retry=None):
    """The boots of one command in a scratch directory of its own under work
    (removed afterwards unless keep): initrd = overlay(bdir) once, then
    attempt(bdir, initrd, i) until a boot comes up, at most 1 + retries
    times. Returns attempt's Result with its attempts set. A boot that did
    not come up is logged ("did not " + up) and retried, unless no_retry(e)
    gives a message: then BootError(message) at once. After the last,
    BootError(never + " after N boots: ...")."""
    os.makedirs(work, exist_ok=True)
    bdir = tempfile.mkdtemp(prefix=name + "-", dir=work)
    try:
        initrd = overlay(bdir)
        last = None
        for i in range(1 + retries):
            try:
                res = attempt(bdir, initrd, i)
                res.attempts = i + 1
                return res
            except BootNotReady as e:
                msg = no_retry(e) if no_retry else None
                if msg:
                    raise BootError(msg)
                last = e
                log("boot attempt %d did not %s: %s" % (i + 1, up, e))
        raise BootError("%s after %d boots: %s" % (never, 1 + retries, last))
    finally:
        if not keep:
            shutil.rmtree(bdir, ignore_errors=True)
        else:
            log("kept " + bdir)


def adhoc_main(argv, description, make, log, timeout=300, add_args=None, run_args=None):
    """A lab's command line for ad-hoc runs: [--timeout S] [--image-only]
    [the lab's own options, add_args(parser)] SCRIPT|-. make() gives the lab
    (image() and run(script, timeout=, **run_args(options))). Returns the
    exit status: the script's, 1 when the machine failed."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--timeout", type=int, default=timeout)
    ap.add_argument("--image-only", action="store_true")
    if add_args:
        add_args(ap)
    ap.add_argument("script", nargs="?")
    a = ap.parse_args(argv)
    lab = make()
    if a.image_only:
        print(lab.image())
        return 0
    if not a.script:
        ap.error("SCRIPT required")
    if a.script == "-":
        body = sys.stdin.read()
    else:
        with open(a.script) as f:
            body = f.read()
    try:
        res = lab.run(body, timeout=a.timeout, **(run_args(a) if run_args else {}))
    except BootError as e:
        log(str(e))
        return 1
    print(res.output)
    log("rc=%d boot=%.0fs total=%.0fs" % (res.rc, res.boot_s, res.total_s))
    return res.rc


class BootError(Exception):
    """The machine hung or crashed after it was up, or the harness was stopped."""


class BootNotReady(Exception):
    """This boot never came up: worth another attempt."""


class Result:
    def __init__(self, rc, output, console, boot_s, total_s, attempts):
        self.rc = rc
        self.output = output
        self.console = console
        self.boot_s = boot_s
        self.total_s = total_s
        self.attempts = attempts
        self.host_cpu = []  # boot(): (wall time, QEMU cores, other cores) per second
        self.cpu_group = None  # boot(): the cpu cgroup QEMU ran in, if any
        self.ready_wall = None  # boot(): the host's wall clock when READY was read

    def lines(self):
        return self.output.splitlines()

    def tagged(self, tag):
        """Lines 'TAG rest' of the output, as the rests."""
        out = []
        for ln in self.lines():
            if ln.startswith(tag + " "):
                out.append(ln[len(tag) + 1:])
        return out

    def keyed(self, tag):
        """Lines 'TAG KEY VALUE...' of the output as {KEY: VALUE} (the last wins)."""
        out = {}
        for rest in self.tagged(tag):
            k, _, v = rest.partition(" ")
            out[k] = v.strip()
        return out


def ldd(path):
    """Libraries (absolute paths, loader included) a host binary needs."""
    try:
        out = subprocess.run(["ldd", path], capture_output=True, text=True,
                             check=False).stdout
    except OSError:
        return []
    libs = []
    for ln in out.splitlines():
        m = re.search(r"=>\s+(/\S+)", ln) or re.match(r"\s+(/\S+)\s+\(", ln)
        if m:
            libs.append(m.group(1))
    return libs


def copy_into(src, root, dest):
    """Copies host file src (symlinks followed) to dest inside root."""
    d = os.path.join(root, dest.lstrip("/"))
    os.makedirs(os.path.dirname(d), exist_ok=True)
    shutil.copy2(os.path.realpath(src), d)


def copy_with_libs(src, root, dest, have=frozenset(), merged_usr=True):
    """Copies binary src to dest inside root, with each library it needs that
    the image lacks (have: the image's paths). With merged_usr (a bookworm
    root, like the host) a library is compared and copied by its real
    directory; without (a busybox root) by the path ldd names."""
    copy_into(src, root, dest)
    for lib in ldd(src):
        if merged_usr:
            lib = os.path.join(os.path.realpath(os.path.dirname(lib)), os.path.basename(lib))
        if lib not in have:
            copy_into(lib, root, lib)


def pack(root, out_path, mode="wb"):
    """Appends (mode "ab") or writes root as a newc cpio archive."""
    files = subprocess.run("find . | LC_ALL=C sort", shell=True, cwd=root,
                           capture_output=True, check=True).stdout
    with open(out_path, mode) as out:
        subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                       input=files, stdout=out, check=True)


def cpio_files(cpio_path):
    """The paths ("/usr/bin/x") in an image's cpio, listed once and cached beside it."""
    lst = cpio_path + ".files"
    if not os.path.exists(lst):
        with open(cpio_path, "rb") as f:
            out = subprocess.run(["cpio", "-t", "--quiet"], stdin=f,
                                 capture_output=True, check=True).stdout
        tmp = lst + ".tmp"
        with open(tmp, "wb") as f:
            f.write(out)
        os.replace(tmp, lst)
    with open(lst) as f:
        return set("/" + ln.strip().lstrip("./") for ln in f)


def on_signal(signum, frame):
    # meson's timeout sends SIGTERM: unwind so that QEMU is stopped.
    raise BootError("interrupted by signal %d" % signum)


def install_signal_handlers():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


CPU_GROUP_PREFIX = "qemulab-"


def _cpu_group_root():
    """Where a cpu cgroup can be made: the v1 cpu hierarchy, or v2's root when
    its cpu controller is enabled for children; None otherwise."""
    if os.path.isfile("/sys/fs/cgroup/cpu/cpu.shares"):
        return "/sys/fs/cgroup/cpu"
    try:
        with open("/sys/fs/cgroup/cgroup.subtree_control") as f:
            if "cpu" in f.read().split():
                return "/sys/fs/cgroup"
    except OSError:
        pass
    return None


def _make_cpu_group(log):
    """A cpu cgroup for this harness's QEMU (default weight), or None when the
    host has none to give (not root, no cpu controller): then QEMU runs where
    the harness runs, as before, and the log says so."""
    root = _cpu_group_root()
    if root is None or os.geteuid() != 0:
        if log:
            log("no cpu cgroup for QEMU here: it shares its session's CPU weight")
        return None
    for n in os.listdir(root):  # empty ones a killed harness left (QEMU died with it)
        pid = n[len(CPU_GROUP_PREFIX):]
        if n.startswith(CPU_GROUP_PREFIX) and pid.isdigit() and \
                not os.path.exists("/proc/" + pid):
            try:
                os.rmdir(os.path.join(root, n))
            except OSError:
                pass
    path = os.path.join(root, CPU_GROUP_PREFIX + str(os.getpid()))
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        if log:
            log("cannot make the cpu cgroup %s (%s): QEMU shares its session's weight"
                % (path, e))
        return None
    return path


def _remove_cpu_group(path):
    for _ in range(20):  # the reaped QEMU leaves it at once; a moment for the kernel
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)


def _qemu_child(group):
    """In QEMU's child before exec: into its cpu cgroup (before any thread
    exists), and SIGKILL when the harness dies."""
    def setup():
        if group:
            try:
                with open(os.path.join(group, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            except OSError:
                pass
        _die_with_parent()
    return setup


class _HostCpu:
    """The host's CPU use every second: QEMU's (its process, all threads) and
    everything else's, in cores."""

    def __init__(self, pid):
        self.pid = pid
        self.tck = os.sysconf("SC_CLK_TCK")
        self.samples = []  # (wall time mid-interval, QEMU cores, other cores)
        self.last = self._read()

    def _read(self):
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:]]
            with open("/proc/%d/stat" % self.pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
            return (time.time(), time.monotonic(), sum(v) - v[3] - v[4],
                    int(st[11]) + int(st[12]))
        except (OSError, ValueError, IndexError):
            return None

    def poll(self):
        if self.last is None or time.monotonic() - self.last[1] < 1.0:
            return
        cur = self._read()
        if cur is None:
            return
        dt = cur[1] - self.last[1]
        qemu = (cur[3] - self.last[3]) / self.tck / dt
        busy = (cur[2] - self.last[2]) / self.tck / dt
        self.samples.append(((cur[0] + self.last[0]) / 2, qemu, max(0.0, busy - qemu)))
        self.last = cur


def host_cpu_between(samples, t0, t1):
    """Mean (QEMU cores, other cores) of the host samples inside wall-clock
    [t0, t1], or None."""
    inside = [s for s in samples if t0 <= s[0] <= t1]
    if not inside:
        return None
    return (sum(s[1] for s in inside) / len(inside), sum(s[2] for s in inside) / len(inside))


# A probe window in which the host's other processes (QEMU's own excluded) used this many
# cores or more is one the host disturbed: TCG has no steal time, so the guest looks slower
# and busier (the Xen lab: ~0.45-0.6 cores beside QEMU's ~1.3 raised the victim's CPU share
# at the same load from 62-75 % to ~87 %; undisturbed windows had <= 0.1).
HOST_BUSY_CORES = 0.25


def calm_mean(rows, value, other):
    """The mean of value(row) over the rows the host left alone (other(row), the host's other
    cores in the row's window, below HOST_BUSY_CORES), when at least 2 are; else over every
    row with a value. Returns (mean or None, which rounds: "rounds 1,3 of 3")."""
    xs = [x for x in rows if value(x) is not None]
    calm = [x for x in xs if other(x) is not None and other(x) < HOST_BUSY_CORES]
    use = calm if len(calm) >= 2 else xs
    if not use:
        return None, "no rounds"
    return (sum(value(x) for x in use) / len(use),
            "rounds %s of %d%s" % (",".join(str(x.get("round")) for x in use), len(xs),
                                   "" if use is calm else " (fewer than 2 undisturbed: all)"))


def boot(cmd, serial_path, tag, ready_timeout, timeout, fatal=(), clean=None, log=None):
    """Runs QEMU (cmd) and follows its serial console on stdout.

    ready_timeout bounds the time to @@TAG:READY@@, timeout the time from
    there to @@TAG:END@@. Returns a Result with the output between BEGIN and
    END (filtered by clean). Raises BootNotReady when the machine never came
    up (FAIL marker, crash, exit or deadline before READY) and BootError when
    it hung or crashed after. A line containing one of fatal ends the boot
    at once. QEMU runs in its own process group and dies with the harness."""
    t0 = time.monotonic()
    group = _make_cpu_group(log)
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_qemu_child(group))
    except OSError:
        if group:
            _remove_cpu_group(group)
        raise
    host = _HostCpu(proc.pid)
    console = []
    buf = b""
    ready_at = ready_wall = None
    begin = None
    deadline = t0 + ready_timeout
    end_re = re.compile(r"@@%s:END rc=(\d+)@@" % re.escape(tag))
    try:
        with open(serial_path, "wb") as slog:
            while True:
                if time.monotonic() > deadline:
                    tail = "\n".join(console[-40:])
                    if ready_at is None:
                        raise BootNotReady("no READY after %d s; console:\n%s"
                                           % (ready_timeout, tail))
                    raise BootError("command timed out after %d s; console tail:\n%s"
                                    % (timeout, tail))
                r, _, _ = select.select([proc.stdout], [], [], 1.0)
                host.poll()
                if not r:
                    if proc.poll() is not None:
                        break
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                slog.write(chunk)
                slog.flush()
                buf += chunk
                *complete, buf = buf.split(b"\n")
                for raw in complete:
                    ln = raw.decode("utf-8", "replace").rstrip("\r")
                    console.append(ln)
                    if "@@%s:READY@@" % tag in ln and ready_at is None:
                        ready_at = time.monotonic()
                        ready_wall = time.time()
                        deadline = ready_at + timeout
                        if log:
                            log("machine ready %.0f s after start" % (ready_at - t0))
                    elif "@@%s:BEGIN@@" % tag in ln and begin is None:
                        begin = len(console)
                    elif "@@%s:FAIL" % tag in ln and ready_at is None:
                        raise BootNotReady(ln + "\n" + "\n".join(console[-30:]))
                    elif any(f in ln for f in fatal):
                        # let the crash dump reach the console, then stop
                        _drain(proc, console, slog, 3.0)
                        tail = "\n".join(console[-40:])
                        if ready_at is None:
                            raise BootNotReady("crashed while booting:\n" + tail)
                        raise BootError("the machine crashed:\n" + tail)
                    m = end_re.search(ln)
                    if m and begin is not None:
                        out = console[begin:-1]
                        if clean:
                            out = clean(out)
                        res = Result(int(m.group(1)), "\n".join(out), console,
                                     ready_at - t0, time.monotonic() - t0, 1)
                        res.host_cpu = host.samples
                        res.cpu_group = group
                        res.ready_wall = ready_wall
                        return res
        tail = "\n".join(console[-40:])
        if ready_at is None:
            raise BootNotReady("QEMU exited (status %s) before READY; console:\n%s"
                               % (proc.poll(), tail))
        raise BootError("the machine stopped before the command finished "
                        "(QEMU status %s); console tail:\n%s" % (proc.poll(), tail))
    finally:
        _stop(proc)
        if group:
            _remove_cpu_group(group)


def _die_with_parent():
    """In QEMU's child: SIGKILL when the harness dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _drain(proc, console, slog, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([proc.stdout], [], [], 0.2)
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            return
        slog.write(chunk)
        console.extend(chunk.decode("utf-8", "replace").splitlines())


def _stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
