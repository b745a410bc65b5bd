#!/usr/bin/env python3
"""Checks that polymcp's headers include only downward, as docs/architecture.md says.

Usage: check_layers.py <include dir> <architecture.md>

The layer table of docs/architecture.md (rows "| <n> | `area`, `area` | ... |")
gives each area under include/polymcp/ its layer. A header of area A may include:
- any header of A;
- a public header of an area on a lower layer (never one under another
  area's detail/ or impl/, which are private to their area).
Headers directly under include/polymcp/ (the composed server, umbrella headers
and src.hpp, which compiles every area's impl/) stand above every layer.
Every area must appear in the table, and every area in the table must exist.
Private names follow the same rule as private headers: a file of area A may
not name `B_detail::` or `B::detail::` for another area B.
Exit status 0 when all holds; 1 with one line per violation otherwise.
"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*<polymcp/([^>]+)>')
ROW = re.compile(r'^\|\s*(\d+)\s*\|([^|]*)\|')
AREA = re.compile(r'`([a-z_]+)`')
PRIVATE = re.compile(r'\b([a-z_]+?)(?:_detail|::detail)::')


def read_layers(doc):
    layers = {}
    with open(doc, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line)
            if not m:
                continue
            for area in AREA.findall(m.group(2)):
                layers[area] = int(m.group(1))
    return layers


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    root = os.path.join(argv[1], "polymcp")
    layers = read_layers(argv[2])
    if not layers:
        print(f"{argv[2]}: no layer table (rows '| <n> | `area` | ... |')")
        return 1
    errors = []
    areas = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    for area in areas:
        if area not in layers:
            errors.append(f"include/polymcp/{area}/: the area is not in the layer table of {argv[2]}")
    for area in sorted(set(layers) - set(areas)):
        errors.append(f"{argv[2]}: the layer table names `{area}`, which is not a folder of include/polymcp/")
    headers = includes = 0
    for dirpath, dirnames, files in os.walk(root):
        dirnames.sort()
        for name in sorted(files):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            parts = rel.split(os.sep)
            if len(parts) == 1:
                continue  # the composed server, umbrellas and src.hpp stand above every layer
            area = parts[0]
            if area not in layers:
                continue
            headers += 1
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    for owner in PRIVATE.findall(line.split("//")[0]):
                        owner = owner.split("::")[-1]
                        if owner in layers and owner != area:
                            errors.append(f"include/polymcp/{rel}:{number}: uses private names of `{owner}` "
                                          f"({owner}_detail or {owner}::detail)")
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    includes += 1
                    target = m.group(1)
                    tparts = target.split("/")
                    where = f"include/polymcp/{rel}:{number}: <polymcp/{target}>"
                    if len(tparts) == 1:
                        errors.append(f"{where}: a header of an area includes a top-level header")
                        continue
                    tarea = tparts[0]
                    if tarea == area:
                        continue
                    if "detail" in tparts[1:-1] or "impl" in tparts[1:-1]:
                        errors.append(f"{where}: another area's detail/ or impl/ is private to `{tarea}`")
                    elif tarea not in layers:
                        errors.append(f"{where}: `{tarea}` is not in the layer table")
                    elif layers[tarea] >= layers[area]:
                        errors.append(f"{where}: `{area}` (layer {layers[area]}) may not include `{tarea}` "
                                      f"(layer {layers[tarea]}): includes point down only")
    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} layering violation(s) in {headers} headers")
        return 1
    order = {}
    for area, n in layers.items():
        order.setdefault(n, []).append(area)
    print(f"layers hold: {headers} headers, {includes} polymcp includes, all pointing down")
    for n in sorted(order):
        print(f"  {n}: {', '.join(sorted(order[n]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
