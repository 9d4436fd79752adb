#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fails when C files depend on each other in a cycle.

A .c file depends on another when it names a function or variable the other
defines with external linkage (found by reading the definitions at the start
of a line), so a cycle through a shared private header counts as well as one
through the files' own headers. Headers are checked too: no header may
include itself through other headers.

Usage: check-deps.py DIR...   (exit 0 clean, 1 with every cycle listed)
"""
import os
import re
import sys

# "int foo(" / "const struct x *foo(" at column 0, not a prototype (no ';' before '{')
FUNC_DEF = re.compile(r"^(?!static\b)(?!extern\b)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(")
# "const struct exec_ops exec_local_ops = {" and "const struct backend_ops *const backend_table[] ="
VAR_DEF = re.compile(r"^(?!static\b)(?!extern\b)(?:const\s+)?(?:struct|enum|unsigned|int|char|bool)"
                     r"[\w \t\*]*?\b([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*=")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
IDENT = re.compile(r"[A-Za-z_]\w*")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')


def strip(text):
    return STRING.sub('""', COMMENT.sub(" ", text))


def definitions(text):
    """Names defined with external linkage: functions (with a body) and variables."""
    names = set()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = FUNC_DEF.match(line)
        if m and not line.startswith(("typedef", "return", "else")):
            # a definition has its body before the next ';' (a prototype ends in ';')
            rest = "\n".join(lines[i:i + 8])
            brace, semi = rest.find("{"), rest.find(";")
            if brace != -1 and (semi == -1 or brace < semi):
                names.add(m.group(1))
            continue
        m = VAR_DEF.match(line)
        if m:
            names.add(m.group(1))
    return names


def sccs(graph):
    """Tarjan's strongly connected components (iterative enough for our sizes)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def why(graph_why, comp):
    """One line per edge inside a cycle: a.c -> b.c (names)."""
    lines = []
    for a in comp:
        for b in comp:
            if a != b and (a, b) in graph_why:
                names = sorted(graph_why[(a, b)])
                lines.append("  %s -> %s (%s%s)" % (a, b, ", ".join(names[:4]),
                                                   ", ..." if len(names) > 4 else ""))
    return lines


def main(dirs):
    cfiles, hfiles = [], []
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                p = os.path.normpath(os.path.join(root, f))
                if f.endswith(".c"):
                    cfiles.append(p)
                elif f.endswith(".h"):
                    hfiles.append(p)
    text = {}
    for p in cfiles + hfiles:
        with open(p, encoding="utf-8", errors="replace") as f:
            text[p] = f.read()

    owner = {}
    for p in cfiles:
        for name in definitions(strip(text[p])):
            owner.setdefault(name, set()).add(p)
    graph, graph_why = {p: set() for p in cfiles}, {}
    for p in cfiles:
        for name in set(IDENT.findall(strip(text[p]))):
            for q in owner.get(name, ()):
                if q != p:
                    graph[p].add(q)
                    graph_why.setdefault((p, q), set()).add(name)

    bad = 0
    for comp in sccs(graph):
        if len(comp) > 1:
            bad += 1
            print("cycle between %s:" % ", ".join(comp))
            print("\n".join(why(graph_why, comp)))

    # headers: resolve "x.h" against the including file's directory, then every dir given
    hgraph = {}
    for p in hfiles:
        hgraph[p] = set()
        for inc in INCLUDE.findall(text[p]):
            for base in [os.path.dirname(p)] + list(dirs):
                cand = os.path.normpath(os.path.join(base, inc))
                if cand in text:
                    hgraph[p].add(cand)
                    break
    for comp in sccs(hgraph):
        if len(comp) > 1:
            bad += 1
            print("header include cycle: %s" % " <-> ".join(comp))
    if bad:
        print("%d cycle(s): split the shared part into a lower file both can use" % bad)
        return 1
    print("no cycles among %d .c and %d .h files" % (len(cfiles), len(hfiles)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.stderr.write("usage: check-deps.py DIR...\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
