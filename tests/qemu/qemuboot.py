# SPDX-License-Identifier: MIT
"""What the QEMU labs (tests/xenlab, tests/cgroup2) share: boot a machine
under QEMU with a hard deadline, read its serial console, and take the
test's output and exit status from console markers; and build the per-boot
initramfs overlay that carries host binaries with the libraries they need.

The guest prints, on the serial console (TAG is the lab's, e.g. XENLAB):
    @@TAG:READY@@                  the machine is up (boot deadline met)
    @@TAG:BEGIN@@ ... @@TAG:END rc=N@@   the test's output and status
    @@TAG:FAIL why@@               (before READY) this boot is lost
"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
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

    def lines(self):
        return self.output.splitlines()

    def tagged(self, tag):
        """Lines 'TAG rest' of the output, as the rests."""
        out = []
        for ln in self.lines():
            if ln.startswith(tag + " "):
                out.append(ln[len(tag) + 1:])
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


def boot(cmd, serial_path, tag, ready_timeout, timeout, fatal=(), clean=None, log=None):
    """Runs QEMU (cmd) and follows its serial console on stdout.

    ready_timeout bounds the time to @@TAG:READY@@, timeout the time from
    there to @@TAG:END@@. Returns a Result with the output between BEGIN and
    END (filtered by clean). Raises BootNotReady when the machine never came
    up (FAIL marker, crash, exit or deadline before READY) and BootError when
    it hung or crashed after. A line containing one of fatal ends the boot
    at once. QEMU runs in its own process group and dies with the harness."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=_die_with_parent)
    console = []
    buf = b""
    ready_at = None
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
                        return Result(int(m.group(1)), "\n".join(out), console,
                                      ready_at - t0, time.monotonic() - t0, 1)
        tail = "\n".join(console[-40:])
        if ready_at is None:
            raise BootNotReady("QEMU exited (status %s) before READY; console:\n%s"
                               % (proc.poll(), tail))
        raise BootError("the machine stopped before the command finished "
                        "(QEMU status %s); console tail:\n%s" % (proc.poll(), tail))
    finally:
        _stop(proc)


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
