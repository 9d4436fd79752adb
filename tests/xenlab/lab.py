#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""xenlab boot harness: a real Xen 4.17 under QEMU (TCG), driven from tests.

    lab = Lab()                     # paths from the environment (meson)
    res = lab.run(script, timeout=300)
    res.rc, res.output, res.lines()

run() builds (or reuses) the image with build-image.sh, appends a per-boot
cpio archive (the test's script as /lab/cmd.sh, the isolab binaries and
the libraries they need, the domU image with the binaries), boots Xen with
a hard timeout, reads the serial console and returns the command's output
and exit status, taken between the console markers dom0-init.sh prints.
A boot that never reaches the toolstack is retried (boot only); a hang or
crash after that fails with the console's last lines.

Environment:
  CI=true            no skips: a lab that cannot run is a failure
  XENLAB_CACHE       image cache directory (default: tests/xenlab/cache,
                     in CI a fresh directory in the build tree)
  XENLAB_WORK        per-boot scratch (default: tests/xenlab/work)
  ISOLAB, ISOLAB_BOMB, ISOLAB_PROBE, ISOLAB_VICTIM   binaries to copy in
  XENLAB_KEEP=1      keep the per-boot directory (serial log, overlay)
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "qemu"))
import qemuboot  # noqa: E402

LabError = qemuboot.BootError

BOOT_RETRIES = 2  # extra attempts when the toolstack never came up
READY_TIMEOUT = int(os.environ.get("XENLAB_READY_TIMEOUT", "420"))

XEN_ARGS = ("smap=0 smep=0 console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
            "dom0_max_vcpus=1 dom0_vcpus_pin noreboot loglvl=warning guest_loglvl=warning")
DOM0_ARGS = "console=hvc0 earlyprintk=xen rdinit=/init quiet loglevel=3"

# Console lines that mean this boot is lost: fail it at once instead of
# waiting for the timeout.
FATAL = ("Kernel panic", "Hardware Dom0 crashed", "Initramfs unpacking failed",
         "Panic on CPU")
# Tools the guests get (the controller stays in dom0).
DOMU_BINARIES = ("isolab-bomb", "isolab-victim")
# where the guests keep them, behind /usr/bin wrappers with these ASan options
DOMU_TOOL_DIR = "/usr/libexec/xenlab"
DOMU_ASAN_OPTIONS = "quarantine_size_mb=16:malloc_context_size=10"

BINARIES = (("ISOLAB", "isolab"), ("ISOLAB_BOMB", "isolab-bomb"),
            ("ISOLAB_PROBE", "isolab-probe"), ("ISOLAB_VICTIM", "isolab-victim"))


DOMU_HOST_TOOLS = ("setsid", "dash")


def cannot_run(msg):
    """The lab cannot run here: a failure in CI, a skip elsewhere."""
    qemuboot.cannot_run("xenlab", msg)


def log(msg):
    print("xenlab: " + msg, file=sys.stderr, flush=True)


class Lab:
    def __init__(self):
        qemuboot.install_signal_handlers()
        src = os.environ.get("ISOLAB_SOURCE_ROOT")
        build = os.environ.get("ISOLAB_BUILD_ROOT")
        self.cache = qemuboot.cache_dir("XENLAB_CACHE", build, "xenlab-cache",
                                        os.path.join(HERE, "cache"))
        self.work = os.environ.get("XENLAB_WORK", os.path.join(HERE, "work"))
        self.bins = {}
        for env, name in BINARIES:
            p = os.environ.get(env)
            if p and os.path.isfile(p) and os.access(p, os.X_OK):
                self.bins[name] = p
            elif build and os.path.isfile(os.path.join(build, _default_rel(name))):
                self.bins[name] = os.path.join(build, _default_rel(name))
        self.img = None
        self.qemu = shutil.which("qemu-system-x86_64")
        del src

    # ---- preconditions and image ----
    def check_host(self):
        qemuboot.check_host("xenlab", self.qemu, ("debootstrap", "cpio", "dpkg-deb", "apt-get"))

    def image(self):
        if self.img:
            return self.img
        self.check_host()
        self.img, _ = qemuboot.build_image("xenlab", os.path.join(HERE, "build-image.sh"),
                                           self.cache, "the lab image", log)
        return self.img

    def need(self, *names):
        missing = [n for n in names if n not in self.bins]
        if missing:
            return missing
        return []

    # ---- per-boot overlay ----
    def _dom0_files(self):
        return qemuboot.cpio_files(os.path.join(self.img, "dom0.cpio"))

    def _overlay(self, bdir, script, files):
        dom0_files = self._dom0_files()
        ov = os.path.join(bdir, "ov")
        du = os.path.join(bdir, "du")
        os.makedirs(os.path.join(ov, "lab"))
        os.makedirs(os.path.join(du, "lab"))
        with open(os.path.join(ov, "lab", "cmd.sh"), "w") as f:
            f.write(script)
        os.chmod(os.path.join(ov, "lab", "cmd.sh"), 0o755)
        shutil.copy2(os.path.join(HERE, "lab-lib.sh"), os.path.join(ov, "lab", "lib.sh"))
        # The init scripts ride in the overlay (a later cpio entry wins), so
        # editing them does not invalidate the cached image.
        shutil.copy2(os.path.join(HERE, "dom0-init.sh"), os.path.join(ov, "init"))
        shutil.copy2(os.path.join(HERE, "vif-lab.sh"), os.path.join(ov, "lab", "vif-lab"))
        shutil.copy2(os.path.join(HERE, "domu-init.sh"), os.path.join(du, "init"))
        for name, body in files.items():
            dest = os.path.join(ov, "lab", name)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                f.write(body)
            os.chmod(dest, 0o755)
        # Guest workloads run by domu-init.sh's lab.run=NAME.
        for name in os.listdir(HERE):
            if name.startswith("domu-run-") and name.endswith(".sh"):
                shutil.copy2(os.path.join(HERE, name),
                             os.path.join(du, "lab", name[len("domu-run-"):]))
        for name, path in self.bins.items():
            qemuboot.copy_with_libs(path, ov, "/usr/local/bin/" + name, dom0_files)
            if name in DOMU_BINARIES:
                # The tool itself in a directory of its own (its name, hence its
                # process name, unchanged) behind a wrapper on PATH that sets what
                # dom0-init.sh sets for dom0: ssh sessions (dropbear) pass no
                # environment, and an ASan build's default 256 MB quarantine grew a
                # victim to ~340 MB RSS after 30 k requests (measured on the host;
                # the run test makes about that many): in a 512 MB guest, the likely
                # end of the victim, and so of the run, in CI's partial run.
                qemuboot.copy_with_libs(path, du, DOMU_TOOL_DIR + "/" + name,
                                        merged_usr=False)
                wrapper = os.path.join(du, "usr", "bin", name)
                os.makedirs(os.path.dirname(wrapper), exist_ok=True)
                with open(wrapper, "w") as f:
                    f.write("#!/bin/sh\nexport ASAN_OPTIONS=%s\nexec %s/%s \"$@\"\n"
                            % (DOMU_ASAN_OPTIONS, DOMU_TOOL_DIR, name))
                os.chmod(wrapper, 0o755)
        # util-linux's setsid: the ssh executor runs `setsid -w`, which
        # busybox's setsid lacks.
        for tool in DOMU_HOST_TOOLS:
            path = shutil.which(tool)
            if path:
                qemuboot.copy_with_libs(path, du, "/usr/bin/" + tool, merged_usr=False)
        # root's login shell in the guests is dash: busybox's ash prefers its
        # own applets (a busybox setsid without -w) over PATH.
        os.makedirs(os.path.join(du, "etc"), exist_ok=True)
        with open(os.path.join(du, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/usr/bin/dash\n")
        with open(os.path.join(du, "etc", "shells"), "w") as f:
            f.write("/bin/sh\n/usr/bin/dash\n")
        # The guests' image: base + this overlay, as one concatenated cpio.
        domu = os.path.join(ov, "lab", "domu.cpio")
        shutil.copyfile(os.path.join(self.img, "domu.cpio"), domu)
        qemuboot.pack(du, domu, "ab")
        initrd = os.path.join(bdir, "initrd.cpio")
        shutil.copyfile(os.path.join(self.img, "dom0.cpio"), initrd)
        qemuboot.pack(ov, initrd, "ab")
        return initrd

    # ---- boot ----
    def run(self, script, timeout=300, sched="credit2", cpus=3, mem=3072, files=None,
            name="lab"):
        """Boots Xen, runs SCRIPT (sh) in dom0 after the toolstack is up.

        timeout bounds the command once the toolstack is ready; the boot
        itself has READY_TIMEOUT. Returns a Result; raises LabError when
        the machine hangs or crashes, with the console's last lines."""
        img = self.image()
        return qemuboot.boot_retrying(
            self.work, name, os.environ.get("XENLAB_KEEP") == "1", log,
            lambda bdir: self._overlay(bdir, script, files or {}),
            lambda bdir, initrd, i: self._boot(img, initrd, bdir, timeout, sched, cpus, mem, i),
            BOOT_RETRIES, "reach the toolstack", "Xen never reached a working toolstack")

    def _boot(self, img, initrd, bdir, timeout, sched, cpus, mem, attempt):
        xen_args = XEN_ARGS + " sched=" + sched
        cmd = qemuboot.qemu_cmd(self.qemu, mem, cpus) + [
            "-kernel", os.path.join(img, "xen.elf"), "-append", xen_args,
            "-initrd", "%s %s,%s" % (os.path.join(img, "vmlinuz"), DOM0_ARGS, initrd)]
        serial_path = os.path.join(bdir, "serial-%d.log" % attempt)
        return qemuboot.boot(cmd, serial_path, "XENLAB", READY_TIMEOUT, timeout,
                             fatal=FATAL, clean=_clean, log=log)

def _clean(lines):
    """Drops the hypervisor's own messages that interleave on the console."""
    return [ln for ln in lines if not ln.startswith("(XEN)")]


def _default_rel(name):
    return {"isolab": "controller/isolab", "isolab-bomb": "bombs/isolab-bomb",
            "isolab-probe": "probes/isolab-probe",
            "isolab-victim": "probes/isolab-victim"}[name]


def main(argv):
    """lab.py [--timeout S] [--sched credit|credit2] SCRIPT|-  : ad-hoc runs."""
    def add_args(ap):
        ap.add_argument("--sched", default="credit2", choices=("credit", "credit2"))

    return qemuboot.adhoc_main(argv, "boot the xenlab and run a dom0 script", Lab, log,
                               timeout=300, add_args=add_args,
                               run_args=lambda a: {"sched": a.sched})

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
