#!/usr/bin/env python3
"""Checks that every target's dependencies in Package.swift equal the modules its sources import.

Reads Package.swift as text (targets are written one `.target(`/`.executableTarget(`/`.testTarget(`
call each, with `name:`, optional `dependencies: [...]` and optional `path:`), collects the
`import X` lines of each target's Swift files, and prints one line per mismatch. Exit 1 on any.
System-library targets and Foundation/Glibc/Testing/XCTest/Dispatch are not compared.
With `--fix`, rewrites each mismatching target's `dependencies:` list as its imports (Swift modules
sorted, then C modules sorted; `ArgumentParser` as its product) and exits 0.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLATFORM = {"Foundation", "FoundationEssentials", "Glibc", "Dispatch", "Testing", "XCTest", "Darwin", "Synchronization"}
PRODUCTS = {"ArgumentParser": "ArgumentParser"}


def targets(text):
    pattern = re.compile(r"\.(target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*\"([^\"]+)\"")
    matches = list(pattern.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end():end]
        kind, name = match.group(1), match.group(2)
        dependencies = set()
        dep = re.search(r"dependencies:\s*\[(.*?)\]\s*(,|\))", body, re.S)
        if dep:
            listed = dep.group(1)
            dependencies |= set(re.findall(r"\.product\(name:\s*\"([^\"]+)\"", listed))
            listed = re.sub(r"\.product\([^)]*\)", "", listed)
            dependencies |= set(re.findall(r"\"([^\"]+)\"", listed))
        path = re.search(r"path:\s*\"([^\"]+)\"", body)
        default = ("Tests/" if kind == "testTarget" else "Sources/") + name
        yield kind, name, dependencies, ROOT / (path.group(1) if path else default)


def public_headers():
    """Header file name → the C target whose include/ folder holds it."""
    owners = {}
    for header in (ROOT / "Sources").glob("*/include/*.h"):
        owners[header.name] = header.parent.parent.name
    return owners


def imports(folder):
    """Swift modules a target's Swift files import, and C targets whose public headers its C files include."""
    found = set()
    for source in folder.rglob("*.swift"):
        for line in source.read_text(errors="replace").splitlines():
            match = re.match(r"^\s*(?:@_exported\s+|@testable\s+|@preconcurrency\s+)*import\s+(?:struct\s+|class\s+|enum\s+|func\s+)?(\w+)", line)
            if match:
                found.add(match.group(1))
    owners = public_headers()
    for source in list(folder.rglob("*.c")) + list(folder.rglob("*.h")):
        for line in source.read_text(errors="replace").splitlines():
            match = re.match(r'^\s*#\s*include\s+"([^"/]+\.h)"', line)
            if match and owners.get(match.group(1), folder.name) != folder.name:
                found.add(owners[match.group(1)])
    return found - PLATFORM


def is_c_module(name):
    return re.match(r"^C[A-Z]", name) is not None


def listing(used):
    swift = sorted(n for n in used if not is_c_module(n) and n not in PRODUCTS)
    c = sorted(n for n in used if is_c_module(n))
    items = [f'.product(name: "{n}", package: "swift-argument-parser")' for n in sorted(used & set(PRODUCTS))]
    return "[" + ", ".join(items + [f'"{n}"' for n in swift + c]) + "]"


def fix(text):
    """Returns Package.swift's text with every target's dependencies set to its imports."""
    for kind, name, dependencies, folder in list(targets(text)):
        if kind == "systemLibrary":
            continue
        used = imports(folder) - {name}
        if used == {d for d in dependencies if d}:
            continue
        head = re.compile(r"(\.%s\(\s*name:\s*\"%s\")" % (kind, re.escape(name)))
        match = head.search(text)
        after = text[match.end():]
        dep = re.match(r"(\s*,\s*dependencies:\s*)\[(?:[^\[\]]|\[[^\]]*\])*\]", after)
        if dep:
            replacement = dep.group(1) + listing(used)
            text = text[:match.end()] + replacement + after[dep.end():]
        elif used:
            text = text[:match.end()] + ", dependencies: " + listing(used) + after
    return text


def main():
    text = (ROOT / "Package.swift").read_text()
    if "--fix" in sys.argv[1:]:
        (ROOT / "Package.swift").write_text(fix(text))
        text = (ROOT / "Package.swift").read_text()
    problems = []
    for kind, name, dependencies, folder in targets(text):
        if kind == "systemLibrary":
            continue
        used = imports(folder)
        dependencies = {d for d in dependencies if d}
        for missing in sorted(used - dependencies - {name}):
            problems.append(f"{name}: imports {missing} but Package.swift does not list it")
        for unused in sorted(dependencies - used):
            problems.append(f"{name}: Package.swift lists {unused} but no source imports it")
    for problem in problems:
        print(problem)
    print(f"dependencies: {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
