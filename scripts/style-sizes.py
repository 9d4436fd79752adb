#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""STYLE.md's size rules over the C sources: files <= 800 lines, functions <= ~100.

Usage: style-sizes.py [--max-file N] [--max-func N] [ROOT]
Lists every .c/.h over the file limit and every function over the function
limit (kernel style: a function body opens and closes with a brace in column 0).
Exit 1 when a file is over the limit, 0 otherwise (long functions are listed,
not failed: "~100" is a guide). build*/ and hidden folders are skipped.
"""
import argparse
import os
import re
import sys

NAME = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(')


def functions(lines):
    """(name, first line, number of lines) of each function definition."""
    out = []
    start = None
    for i, line in enumerate(lines):
        if line.startswith('{') and start is None:
            # the signature: back to the line that holds the name and '('
            j = i - 1
            while j >= 0 and '(' not in lines[j]:
                j -= 1
            m = NAME.search(lines[j]) if j >= 0 else None
            start = (m.group(1) if m else '?', j + 1 if j >= 0 else i + 1)
        elif line.startswith('}') and start is not None:
            out.append((start[0], start[1], i + 1 - start[1] + 1))
            start = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--max-file', type=int, default=800)
    ap.add_argument('--max-func', type=int, default=100)
    ap.add_argument('root', nargs='?', default='.')
    a = ap.parse_args()
    long_files, long_funcs = [], []
    for d, dirs, files in os.walk(a.root):
        dirs[:] = sorted(x for x in dirs if not x.startswith('.') and not x.startswith('build'))
        for f in sorted(files):
            if not f.endswith(('.c', '.h')):
                continue
            p = os.path.relpath(os.path.join(d, f), a.root)
            with open(os.path.join(d, f), encoding='utf-8', errors='replace') as fh:
                lines = fh.read().split('\n')
            n = len(lines) - (lines[-1] == '')
            if n > a.max_file:
                long_files.append((n, p))
            for name, first, size in functions(lines):
                if size > a.max_func:
                    long_funcs.append((size, p, first, name))
    for n, p in sorted(long_files, reverse=True):
        print(f'file {p}: {n} lines (> {a.max_file})')
    for size, p, first, name in sorted(long_funcs, reverse=True):
        print(f'function {p}:{first} {name}(): {size} lines (> {a.max_func})')
    print(f'{len(long_files)} file(s) over {a.max_file} lines, '
          f'{len(long_funcs)} function(s) over {a.max_func} lines')
    return 1 if long_files else 0


if __name__ == '__main__':
    sys.exit(main())
