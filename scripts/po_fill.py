#!/usr/bin/env python3
"""Developer tool for the zh_Hans catalogues.

    scripts/po_fill.py list FILE.po            print the msgids still untranslated, one per line
    scripts/po_fill.py fill FILE.po TSV        fill msgstr from 'msgid<TAB>msgstr' lines (existing ones kept)

Catalogues are made with --no-wrap, so every msgid sits on one line.
"""

import re
import sys

ENTRY = re.compile(r'^msgid "(.*)"\nmsgstr "(.*)"$', re.M)
PLURAL = re.compile(r'^msgid "(.*)"\nmsgid_plural "(.*)"\nmsgstr\[0\] "(.*)"$', re.M)


def untranslated(text):
    ids = [m.group(1) for m in ENTRY.finditer(text) if m.group(1) and not m.group(2)]
    ids += [m.group(1) for m in PLURAL.finditer(text) if not m.group(3)]
    return ids


def fill(text, table):
    def entry(m):
        if m.group(1) and not m.group(2) and m.group(1) in table:
            return f'msgid "{m.group(1)}"\nmsgstr "{table[m.group(1)]}"'
        return m.group(0)

    def plural(m):
        if not m.group(3) and m.group(1) in table:
            return f'msgid "{m.group(1)}"\nmsgid_plural "{m.group(2)}"\nmsgstr[0] "{table[m.group(1)]}"'
        return m.group(0)

    text = text.replace("#, fuzzy\n", "", 1) if text.startswith("# SOME") else text
    text = re.sub(r'"Plural-Forms: [^"]*"', r'"Plural-Forms: nplurals=1; plural=0;\\n"', text)
    return PLURAL.sub(plural, ENTRY.sub(entry, text))


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if cmd == "list":
        print("\n".join(untranslated(text)))
        return
    table = {}
    with open(sys.argv[3], encoding="utf-8") as f:
        for line in f:
            if "\t" in line:
                k, v = line.rstrip("\n").split("\t", 1)
                table[k] = v
    with open(path, "w", encoding="utf-8") as f:
        f.write(fill(text, table))
    left = untranslated(fill(text, table))
    print(f"{path}: {len(left)} untranslated", file=sys.stderr)


if __name__ == "__main__":
    main()
