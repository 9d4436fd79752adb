#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cgroup2 lab harness: Debian 12 with systemd as PID 1 on a pure cgroup v2
hierarchy, booted under QEMU (TCG), with this build's isolab tools inside.

    g = Guest()                      # paths from the environment (meson)
    res = g.run(script, timeout=600)
    res.rc, res.output, res.tagged("CHECK")

run() builds (or reuses) the image with build-image.sh, appends a per-boot
cpio archive (the systemd unit that runs the test, boot.sh, lab-lib.sh, the
test's script as /lab/cmd.sh, the isolab binaries laid out as in the build
tree under /opt/isolab/build with the libraries the image lacks -- ASan's
runtime included --, and the integration tests under /opt/isolab/src), boots
with a fresh ext4 scratch disk (mounted on /var/tmp, where the disk bomb
writes) and returns the command's output and status between the console
markers boot.sh prints. A boot that never comes up is retried (boot only).

Environment:
  CI=true           no skips: a lab that cannot run is a failure; the image
                    is built from scratch in <build>/cgroup2-cache
  CG2_CACHE         image cache (default tests/cgroup2/cache, git-ignored)
  CG2_WORK          per-boot scratch (default tests/cgroup2/work)
  CG2_KEEP=1        keep each boot's directory (serial log, overlay)
  CG2_READY_TIMEOUT seconds from QEMU's start to systemd's multi-user.target (300)
  ISOLAB, ISOLAB_BOMB, ISOLAB_PROBE, ISOLAB_VICTIM, ISOLAB_LOCAL_REAL
                    binaries to copy in (meson sets them)
"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "qemu"))
import qemuboot  # noqa: E402
from qemuboot import BootError  # noqa: E402,F401 (tests catch guest.BootError)

TAG = "CG2"
BOOT_RETRIES = 2
READY_TIMEOUT = int(os.environ.get("CG2_READY_TIMEOUT", "300"))
FATAL = ("Kernel panic", "Initramfs unpacking failed", "Freezing execution",
         "Failed to execute /sbin/init")
KERNEL_ARGS = ("console=ttyS0 rdinit=/sbin/init systemd.unified_cgroup_hierarchy=1 "
               "panic=-1 quiet loglevel=3 systemd.show_status=error "
               "systemd.journald.forward_to_console=0")
# variable -> where a build tree has it (when meson does not say)
BINARIES = {"ISOLAB": "controller/isolab", "ISOLAB_BOMB": "bombs/isolab-bomb",
            "ISOLAB_PROBE": "probes/isolab-probe", "ISOLAB_VICTIM": "probes/isolab-victim",
            "ISOLAB_LOCAL_REAL": "tests/integration/local/test-local-real"}
# The integration tests that run inside unchanged (relative to the source root).
TEST_SOURCES = ("tests/integration/controller/common.py",
                "tests/integration/controller/test_run_quick.py",
                "tests/integration/controller/test_kill_restore.py")
GUEST_BUILD = "/opt/isolab/build"
GUEST_SRC = "/opt/isolab/src"
# Units a lab machine never needs: the serial getty would fight boot.sh for
# the console; timers would wake up in the middle of a measurement.
MASK = ("serial-getty@ttyS0.service", "getty@tty1.service", "apt-daily.timer",
        "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "e2scrub_all.timer",
        "fstrim.timer", "systemd-tmpfiles-clean.timer")


def cannot_run(msg):
    qemuboot.cannot_run("cgroup2", msg)


def log(msg):
    print("cgroup2: " + msg, file=sys.stderr, flush=True)


class Guest:
    def __init__(self):
        qemuboot.install_signal_handlers()
        self.src = os.environ.get("ISOLAB_SOURCE_ROOT", os.path.join(HERE, "..", ".."))
        self.build = os.environ.get("ISOLAB_BUILD_ROOT")
        self.cache = qemuboot.cache_dir("CG2_CACHE", self.build, "cgroup2-cache",
                                        os.path.join(HERE, "cache"))
        self.work = os.environ.get("CG2_WORK", os.path.join(HERE, "work"))
        self.bins = {}
        for env, rel in BINARIES.items():
            p = os.environ.get(env) or (self.build and os.path.join(self.build, rel))
            if p and os.access(p, os.X_OK):
                self.bins[env] = p
        self.img = None
        self.qemu = shutil.which("qemu-system-x86_64")

    def check_host(self):
        qemuboot.check_host("cgroup2", self.qemu,
                            ("debootstrap", "cpio", "dpkg-deb", "apt-get", "mkfs.ext4"),
                            " (scripts/install-deps.sh --test)")
        missing = [b for b in BINARIES if b not in self.bins]
        if missing:
            cannot_run("binaries not built or not given: " + ", ".join(missing))

    def image(self):
        if self.img:
            return self.img
        self.check_host()
        self.img, self.image_s = qemuboot.build_image(
            "cgroup2", os.path.join(HERE, "build-image.sh"), self.cache, "the image", log)
        return self.img

    def _guest_path(self, host_path):
        """Where a build-tree binary goes: the same place under GUEST_BUILD, so
        that isolab finds its tools (../bombs, ../probes) and the tests theirs."""
        rel = os.path.relpath(os.path.realpath(host_path), os.path.realpath(self.build))
        if rel.startswith(".."):
            rel = os.path.basename(host_path)
        return os.path.join(GUEST_BUILD, rel)

    def _overlay(self, bdir, script, env):
        have = qemuboot.cpio_files(os.path.join(self.img, "root.cpio"))
        ov = os.path.join(bdir, "ov")
        lab = os.path.join(ov, "lab")
        os.makedirs(lab)
        for name, dest in (("boot.sh", "boot.sh"), ("lab-lib.sh", "lib.sh")):
            shutil.copy2(os.path.join(HERE, name), os.path.join(lab, dest))
        with open(os.path.join(lab, "cmd.sh"), "w") as f:
            f.write(script)
        os.chmod(os.path.join(lab, "cmd.sh"), 0o755)
        # what boot.sh and the tests read: where the tools are
        paths = {e: self._guest_path(p) for e, p in self.bins.items()}
        paths.update(env or {})
        with open(os.path.join(lab, "env"), "w") as f:
            for k, v in sorted(paths.items()):
                f.write("%s=%s\n" % (k, v))
        for e, p in self.bins.items():
            qemuboot.copy_with_libs(p, ov, paths[e], have)
        for rel in TEST_SOURCES:
            qemuboot.copy_into(os.path.join(self.src, rel), ov,
                               os.path.join(GUEST_SRC, rel))
        # systemd: boot.sh runs as a service once multi-user.target is reached
        sd = os.path.join(ov, "etc", "systemd", "system")
        os.makedirs(os.path.join(sd, "multi-user.target.wants"))
        shutil.copy2(os.path.join(HERE, "cg2-lab.service"), sd)
        os.symlink("/etc/systemd/system/cg2-lab.service",
                   os.path.join(sd, "multi-user.target.wants", "cg2-lab.service"))
        os.symlink("/lib/systemd/system/multi-user.target",
                   os.path.join(sd, "default.target"))
        for unit in MASK:
            os.symlink("/dev/null", os.path.join(sd, unit))
        initrd = os.path.join(bdir, "initrd.cpio")
        shutil.copyfile(os.path.join(self.img, "root.cpio"), initrd)
        qemuboot.pack(ov, initrd, "ab")
        return initrd

    def _disk(self, bdir, mb):
        """A fresh ext4 scratch disk (sparse file): the guest's /var/tmp."""
        path = os.path.join(bdir, "scratch.img")
        with open(path, "wb") as f:
            f.truncate(mb << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "scratch", "-E",
                        "lazy_itable_init=0,lazy_journal_init=0", path],
                       check=True, stdout=subprocess.DEVNULL)
        return path

    def run(self, script, timeout=600, name="cg2", cpus=2, mem=2560, disk_mb=2048,
            disk_opts="", env=None):
        """Boots the guest and runs SCRIPT (bash) as root in a systemd service.

        timeout bounds the command once systemd is up; the boot itself has
        READY_TIMEOUT. disk_opts are extra QEMU -drive options for the
        scratch disk (e.g. "throttling.bps-total=..."). env: extra variables
        for the script. Returns a qemuboot.Result; raises BootError when the
        machine hangs or crashes, with the console's last lines."""
        img = self.image()

        def attempt(bdir, initrd, i):
            disk = self._disk(bdir, disk_mb)
            drive = "file=%s,if=virtio,format=raw,cache=unsafe" % disk
            if disk_opts:
                drive += "," + disk_opts
            cmd = qemuboot.qemu_cmd(self.qemu, mem, cpus) + [
                "-drive", drive, "-kernel", os.path.join(img, "vmlinuz"),
                "-initrd", initrd, "-append", KERNEL_ARGS]
            serial = os.path.join(bdir, "serial-%d.log" % i)
            return qemuboot.boot(cmd, serial, TAG, READY_TIMEOUT, timeout, fatal=FATAL,
                                 log=log)

        def no_retry(e):
            # boot.sh's own checks (the scratch disk): a retry ends the same
            if str(e).startswith("@@%s:FAIL" % TAG):
                return "the guest came up broken: %s" % e
            return None

        return qemuboot.boot_retrying(self.work, name, os.environ.get("CG2_KEEP") == "1", log,
                                      lambda bdir: self._overlay(bdir, script, env), attempt,
                                      BOOT_RETRIES, "come up", "the guest never came up",
                                      no_retry)


def main(argv):
    """guest.py [--timeout S] SCRIPT|-  : ad-hoc runs; --image-only builds the image."""
    def add_args(ap):
        ap.add_argument("--disk-opts", default="",
                        help="extra -drive options for the scratch disk")

    return qemuboot.adhoc_main(argv, "boot the cgroup2 guest and run a script", Guest, log,
                               timeout=600, add_args=add_args,
                               run_args=lambda a: {"disk_opts": a.disk_opts})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
