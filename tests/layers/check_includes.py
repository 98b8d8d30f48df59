#!/usr/bin/env python3
"""Checks that every `#include "folder/…"` under src/ stays in its layer or below.

Usage: check_includes.py SRC_DIR folder:allowed,allowed … (the rules come from CMake's
vigil_layer() table, so the table is written once). Exit 1 and one line per violation.
"""
import os
import re
import sys

src = sys.argv[1]
rules = {}
for arg in sys.argv[2:]:
    folder, allowed = arg.split(":", 1)
    rules[folder] = set(allowed.split(","))

include = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/')
bad = []
for folder in sorted(os.listdir(src)):
    path = os.path.join(src, folder)
    if not os.path.isdir(path):
        continue
    if folder not in rules:
        bad.append(f"src/{folder}/ is in no layer (add it to a vigil_layer() in CMakeLists.txt)")
        continue
    for name in sorted(os.listdir(path)):
        with open(os.path.join(path, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = include.match(line)
                if m and m.group(1) not in rules[folder]:
                    bad.append(f"src/{folder}/{name}:{n}: includes {m.group(1)}/, a layer above {folder}/")
for b in bad:
    print(b)
print(f"{len(rules)} folders checked, {len(bad)} upward includes")
sys.exit(1 if bad else 0)
