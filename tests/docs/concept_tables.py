#!/usr/bin/env python3
"""The requirement tables of the concept pages (docs/api/*.md) match their headers.

A policy kind's requirement tables live in the docstrings of its concepts header
(include/polymcp/<area>/concepts.hpp). Its page in the API reference shows them too: the page
names the header on a line of its own,

    <!-- requirements: include/polymcp/storage/concepts.hpp -->

and every table of that header's `///` comments must appear in the page, in the same order and
word for word. A table is a run of lines that start with `|`.

usage: concept_tables.py <source-dir>
    prints each page whose tables differ from its header's, with the first differing row, and
    exits 1 if there is any; pages without the marker are not concept pages and are skipped
"""
import os
import re
import sys

MARKER = re.compile(r"^<!--\s*requirements:\s*(\S+)\s*-->\s*$")


def tables(lines):
    """Each run of table rows, as a list of rows."""
    found, current = [], []
    for line in lines:
        if line.startswith("|"):
            current.append(line.rstrip())
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def header_tables(path):
    with open(path, encoding="utf-8") as f:
        comments = [l.strip()[4:] if l.strip().startswith("/// ") else "" for l in f]
    return tables(comments)


def main(root):
    problems = 0
    checked = 0
    api = os.path.join(root, "docs", "api")
    for name in sorted(os.listdir(api)):
        if not name.endswith(".md"):
            continue
        page = os.path.join("docs", "api", name)
        with open(os.path.join(root, page), encoding="utf-8") as f:
            lines = f.read().split("\n")
        marks = [MARKER.match(l) for l in lines]
        marks = [m.group(1) for m in marks if m]
        if not marks:
            continue
        checked += 1
        want = [t for h in marks for t in header_tables(os.path.join(root, h))]
        have = tables(lines)
        if not want:
            print(f"{page}: {', '.join(marks)} has no requirement table")
            problems += 1
            continue
        # the header's tables, in order, among the page's (which may have more: models, ...)
        i = 0
        for t in have:
            if i < len(want) and t == want[i]:
                i += 1
        if i < len(want):
            missing = want[i]
            close = [t for t in have if t[0] == missing[0]]
            detail = ""
            if close:
                diff = [r for r in missing if r not in close[0]]
                detail = f"; first row that differs: {diff[0] if diff else '(rows in another order)'}"
            print(f"{page}: table {i + 1} of {', '.join(marks)} is not on the page as the header has it{detail}")
            problems += 1
    print(f"{checked} concept pages checked")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
