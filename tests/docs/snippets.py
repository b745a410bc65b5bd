#!/usr/bin/env python3
"""The C++ code blocks of README.md and docs/**/*.md, checked and turned into translation units.

Every C++ block (a fence opened with ```cpp, ```c++ or ```cxx) is preceded, on the line just
before the fence, by an HTML comment that says how the block is compiled (docs/snippets/README.md):

    <!-- snippet: program -->       a whole program: compiled alone, as it is
    <!-- snippet: declarations -->  namespace-scope declarations, after the page's context
    <!-- snippet: statements -->    the body of a function returning int, after the page's context
    <!-- snippet: coroutine -->     the body of a coroutine returning asio::awaitable<void>
    <!-- snippet: fragment: <why> --> not compiled, on purpose; the reason is required

A page's context is docs/snippets/<page>.hpp, its path under docs/ (docs/api/storage.md's is
docs/snippets/api/storage.hpp, README.md's docs/snippets/README.hpp): the includes and the names
its blocks use without declaring them, as a reader would have them in their own program. In
`statements` and `coroutine` blocks, leading `#include` lines go to namespace scope. A page's
declarations come first, in page order, then its function bodies. A #line directive before each
block's code makes a compiler's message name the page and line of the Markdown file.

usage:
  snippets.py check <source-dir>
      every C++ block of README.md and docs/**/*.md is marked, with a kind above; prints one line per
      problem (file:line: message) and exits 1 if there is any
  snippets.py list <source-dir>
      the translation units `generate` can write, one per line with the page it comes from
      (`<unit> <page path>`): <page> for a page's declarations, statements and coroutines,
      <page>.<line> for each program, where <page> is the page's path under docs/ without .md
      and with dots for slashes (api.storage, README)
  snippets.py generate <source-dir> <unit> <output.cpp>
      writes one translation unit named as `list` prints it
"""
import os
import re
import sys

FENCE = re.compile(r"^```(cpp|c\+\+|cxx)\s*$")
MARKER = re.compile(r"^<!--\s*snippet:\s*(program|declarations|statements|coroutine|fragment)(?::\s*(.*?))?\s*-->\s*$")
KINDS_WITH_CONTEXT = ("declarations", "statements", "coroutine")


class Block:
    def __init__(self, page, kind, reason, line, code):
        self.page = page          # path relative to the source directory
        self.kind = kind          # a marker's kind, or None when unmarked
        self.reason = reason
        self.line = line          # 1-based line of the first code line
        self.code = code          # list of lines, without newlines


def pages(root):
    found = ["README.md"] if os.path.exists(os.path.join(root, "README.md")) else []
    docs = os.path.join(root, "docs")
    for folder, _, files in sorted(os.walk(docs)):
        rel = os.path.relpath(folder, root)
        found += sorted(os.path.join(rel, f) for f in files if f.endswith(".md"))
    return found


def blocks(root, page, problems):
    with open(os.path.join(root, page), encoding="utf-8") as f:
        lines = f.read().split("\n")
    result = []
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            fence_line = i + 1
            marker = MARKER.match(lines[i - 1]) if i > 0 else None
            kind = marker.group(1) if marker else None
            reason = (marker.group(2) or "").strip() if marker else ""
            if marker is None:
                problems.append(f"{page}:{fence_line}: a C++ block without a marker on the line above; "
                                "add <!-- snippet: program|declarations|statements|coroutine|fragment: why -->")
            elif kind == "fragment" and not reason:
                problems.append(f"{page}:{fence_line}: a fragment says why it is not compiled: "
                                "<!-- snippet: fragment: <why> -->")
            elif kind != "fragment" and reason:
                problems.append(f"{page}:{fence_line}: only a fragment takes a reason")
            code = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                code.append(lines[i])
                i += 1
            if i == len(lines):
                problems.append(f"{page}:{fence_line}: the block is never closed")
            result.append(Block(page, kind, reason, fence_line + 1, code))
        elif lines[i].startswith("```"):
            # another language's block: skipped whole, markers shown in it included
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                i += 1
        elif MARKER.match(lines[i]) and (i + 1 >= len(lines) or not FENCE.match(lines[i + 1])):
            problems.append(f"{page}:{i + 1}: a snippet marker not followed by a C++ block")
        i += 1
    return result


def page_name(page):
    """README.md -> README, docs/api/storage.md -> api/storage"""
    name = os.path.splitext(page)[0]
    return name[len("docs/"):] if name.startswith("docs/") else name


def stem(page):
    return page_name(page).replace("/", ".")


def context_path(root, page):
    return os.path.join(root, "docs", "snippets", page_name(page) + ".hpp")


def check(root):
    problems = []
    counts = {}
    for page in pages(root):
        page_blocks = blocks(root, page, problems)
        for b in page_blocks:
            if b.kind:
                counts[b.kind] = counts.get(b.kind, 0) + 1
        if any(b.kind in KINDS_WITH_CONTEXT for b in page_blocks) and not os.path.exists(context_path(root, page)):
            problems.append(f"{page}: its blocks need a context, docs/snippets/{page_name(page)}.hpp, which is missing")
    for p in problems:
        print(p)
    total = sum(counts.values())
    print(f"{total} C++ blocks: " + ", ".join(f"{counts[k]} {k}" for k in sorted(counts)))
    return 1 if problems else 0


def units(root):
    problems = []
    result = {}
    for page in pages(root):
        page_blocks = blocks(root, page, problems)
        if any(b.kind in KINDS_WITH_CONTEXT for b in page_blocks):
            result[stem(page)] = (page, [b for b in page_blocks if b.kind in KINDS_WITH_CONTEXT])
        for b in page_blocks:
            if b.kind == "program":
                result[f"{stem(page)}.{b.line}"] = (page, [b])
    return result


def line_directive(block, offset, root):
    return f'#line {block.line + offset} "{block.page}"'


def generate(root, unit, output):
    found = units(root)
    if unit not in found:
        sys.exit(f"snippets.py: no translation unit named {unit}")
    page, page_blocks = found[unit]
    out = [f"// Generated by tests/docs/snippets.py from {page}: edit the page, not this file."]
    if page_blocks[0].kind != "program":
        out.append(f"#include \"{os.path.abspath(context_path(root, page))}\"")
    # Namespace-scope blocks first, in page order, so a function body may use a name a later
    # block of the page declares (as a reader's program would have it).
    for b in page_blocks:
        if b.kind in ("program", "declarations"):
            out.append(line_directive(b, 0, root))
            out += b.code
    for n, b in enumerate(page_blocks):
        if b.kind in ("program", "declarations"):
            continue
        # statements and coroutines: leading #include lines at namespace scope
        first = 0
        while first < len(b.code) and (b.code[first].startswith("#include") or not b.code[first].strip()):
            if b.code[first].strip():
                out.append(line_directive(b, first, root))
                out.append(b.code[first])
            first += 1
        # a statements block may end as a main function does: `return srv.run() ? 1 : 0;`
        result = "asio::awaitable<void>" if b.kind == "coroutine" else "int"
        out.append(f"[[maybe_unused]] static {result} polymcp_snippet_{n}() {{")
        out.append(line_directive(b, first, root))
        out += b.code[first:]
        if b.kind == "statements":
            out.append("return 0;")
        out.append("}")
    text = "\n".join(out) + "\n"
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        return check(argv[2])
    if len(argv) >= 3 and argv[1] == "list":
        found = units(argv[2])
        for name in sorted(found):
            print(f"{name} {found[name][0]}")
        return 0
    if len(argv) >= 5 and argv[1] == "generate":
        return generate(argv[2], argv[3], argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
