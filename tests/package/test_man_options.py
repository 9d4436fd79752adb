#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The manual pages and the option tables cannot drift apart.

For every tool, the long options its getopt table holds (the hidden
--list-options) are exactly the options its page defines (lines of the scdoc
source starting with "*-"): per subcommand for isolab(1), per kind for
isolab-bomb(1). isolab-scenario(5) defines exactly the keys the parser names
when it meets an unknown one in [global], [vm] and [phase]. And the built
pages render without a warning from man(1), as lintian checks them.
"""
import os
import re
import subprocess
import sys
import tempfile

SRC = os.environ["ISOLAB_SOURCE_ROOT"]
MAN = os.path.join(SRC, "doc", "man")
BUILT_MAN = os.environ.get("ISOLAB_BUILT_MAN", "")
TOOLS = {
    "isolab": os.environ.get("ISOLAB_BIN"),
    "isolab-bomb": os.environ.get("ISOLAB_BOMB"),
    "isolab-probe": os.environ.get("ISOLAB_PROBE"),
    "isolab-victim": os.environ.get("ISOLAB_VICTIM"),
}
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def lines_of(*argv):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    out = [l.strip() for l in r.stdout.splitlines() if l.strip()]
    return out


def table(*argv):
    """A tool's --list-options as a set of '--name'."""
    opts = lines_of(*argv)
    bad = [o for o in opts if not re.fullmatch(r"--[a-z0-9][a-z0-9-]*", o)]
    if bad:
        fail("%s: not one long option per line: %r" % (" ".join(argv), bad))
    return set(opts)


def sections(text, level):
    """{heading: body} for the headings of one level ('#' or '##')."""
    out, name, body = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^(#+) (.*)$", line)
        if m and len(m.group(1)) <= len(level):
            if name is not None:
                out[name] = "\n".join(body)
            name, body = (m.group(2).strip(), []) if m.group(1) == level else (None, [])
            continue
        if name is not None:
            body.append(line)
    if name is not None:
        out[name] = "\n".join(body)
    return out


def defined(text):
    """Options a page section defines: '--name' on lines starting with '*-'."""
    opts = set()
    for line in text.splitlines():
        if line.startswith("*-"):
            opts |= set(re.findall(r"--[a-z0-9][a-z0-9-]*", line))
    return opts


def compare(what, table_opts, page_opts, source="the option table"):
    missing = sorted(table_opts - page_opts)
    extra = sorted(page_opts - table_opts)
    if missing:
        fail("%s: in %s, not in the manual page: %s" % (what, source, " ".join(missing)))
    if extra:
        fail("%s: in the manual page, not in %s: %s" % (what, source, " ".join(extra)))
    if not table_opts:
        fail("%s: nothing in %s" % (what, source))
    if not missing and not extra and table_opts:
        print("ok: %s: %d, the same in both" % (what, len(table_opts)))


def page(name):
    with open(os.path.join(MAN, name + ".scd")) as f:
        return f.read()


def check_isolab(isolab):
    text = page("isolab.1")
    cmds = lines_of(isolab, "--list-commands")
    subs = sections(sections(text, "#")["COMMANDS"], "##")
    by_cmd = {h.split()[1].split("|")[0]: body for h, body in subs.items() if h.startswith("isolab ")}
    backend = defined(sections(text, "#")["BACKEND OPTIONS"])
    if set(cmds) != set(by_cmd):
        fail("isolab(1): commands %s, page sections %s" % (sorted(cmds), sorted(by_cmd)))
    for cmd in cmds:
        body = by_cmd.get(cmd, "")
        opts = defined(body)
        if "Takes the *BACKEND OPTIONS*" in body:
            opts |= backend
        compare("isolab %s" % cmd, table(isolab, cmd, "--list-options"), opts)


def check_bomb(bomb):
    text = page("isolab-bomb.1")
    top = sections(text, "#")
    common = defined(top["OPTIONS"])
    compare("isolab-bomb (common options)", table(bomb, "--list-options"), common)
    kinds = lines_of(bomb, "--list-kinds")
    per_kind = sections(top["KIND OPTIONS"], "##")
    listed = set(re.findall(r"^\*([a-z-]+)\*$", top["KINDS"], re.M))
    if set(kinds) != set(per_kind) or set(kinds) != listed:
        fail("isolab-bomb(1): kinds %s, KINDS lists %s, KIND OPTIONS has %s"
             % (sorted(kinds), sorted(listed), sorted(per_kind)))
    for kind in kinds:
        own = table(bomb, "--list-options", kind) - common
        compare("isolab-bomb %s" % kind, own, defined(per_kind.get(kind, "")))


def check_single(name, exe):
    compare(name, table(exe, "--list-options"), defined(page(name + ".1")))


def scenario_keys(isolab):
    """The keys the parser expects in [global], [vm] and [phase], from its errors."""
    body = {
        "global": "[global]\nno_such_key = 1\n",
        "vm": "[vm web]\nno_such_key = 1\n",
        "phase": "[vm web]\nrole = victim\n[vm c]\nrole = probe\n[probe]\nkind = http\n"
                 "[phase p]\nno_such_key = 1\n",
    }
    keys = {}
    with tempfile.TemporaryDirectory(prefix="isolab-man-") as d:
        for sect, text in body.items():
            path = os.path.join(d, sect + ".ini")
            with open(path, "w") as f:
                f.write(text)
            r = subprocess.run([isolab, "check", path], capture_output=True, text=True,
                               timeout=30)
            m = re.search(r"unknown key 'no_such_key' in \[%s[^]]*\] \(expected ([^)]*)\)" % sect,
                          r.stderr)
            if r.returncode != 2 or not m:
                fail("[%s]: no list of expected keys in: %r" % (sect, r.stderr))
                continue
            keys[sect] = {k.strip() for k in m.group(1).split(",")}
    return keys


def check_scenario(isolab):
    text = page("isolab-scenario.5")
    subs = sections(sections(text, "#")["SECTIONS"], "##")
    heads = {h.strip("[]").split()[0]: body for h, body in subs.items()}
    for sect, keys in scenario_keys(isolab).items():
        doc = set()
        for line in heads.get(sect, "").splitlines():
            m = re.match(r"^\*([a-z0-9_.]+)\*(?:_([A-Z]+)_)?$", line)
            if m:
                doc.add(m.group(1) + (m.group(2) or ""))
        compare("isolab-scenario(5) [%s] keys" % sect, keys, doc, "the parser's list")
    if set(heads) != {"global", "vm", "group", "probe", "bomb", "phase"}:
        fail("isolab-scenario(5): sections %s" % sorted(heads))


def check_rendering():
    if not BUILT_MAN or not os.path.isdir(BUILT_MAN):
        print("note: no built pages (scdoc missing): rendering not checked")
        return
    pages = sorted(p for p in os.listdir(BUILT_MAN) if re.fullmatch(r"[a-z-]+\.[15]", p))
    for p in pages:
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                            os.path.join(BUILT_MAN, p)], capture_output=True, text=True,
                           env=env, timeout=60)
        if r.returncode != 0 or r.stderr.strip():
            fail("%s: man reports: %s" % (p, r.stderr.strip() or "exit %d" % r.returncode))
        else:
            print("ok: %s renders without warnings" % p)


def main():
    if TOOLS["isolab"]:
        check_isolab(TOOLS["isolab"])
        check_scenario(TOOLS["isolab"])
    if TOOLS["isolab-bomb"]:
        check_bomb(TOOLS["isolab-bomb"])
    for name in ("isolab-probe", "isolab-victim"):
        if TOOLS[name]:
            check_single(name, TOOLS[name])
    check_rendering()
    if failures:
        print("%d mismatches between the manual pages and the tools" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
