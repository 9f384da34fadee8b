"""Swaps one "## " section into docs/benchmarks.md (appends it when missing), keeping the others,
so each benchmark script can refresh its own section.

usage: replace_section.py FILE SECTION_TEXT
"""
import os
import re
import sys

path, section = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
heading = section.splitlines()[0]
start = text.find(heading + "\n")
if start < 0:
    text = text.rstrip("\n") + "\n\n" + section
else:
    following = re.search(r"^## ", text[start + len(heading):], re.M)
    end = start + len(heading) + following.start() if following else len(text)
    text = text[:start] + section + ("\n" + text[end:] if following else "")
open(path, "w").write(text)
