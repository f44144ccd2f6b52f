#!/usr/bin/env python3
"""Checks that every target's dependencies in Package.swift equal the modules its sources import.

Reads Package.swift as text (targets are written one `.target(`/`.executableTarget(`/`.testTarget(`
call each, with `name:`, optional `dependencies: [...]` and optional `path:`), collects the
`import X` lines of each target's Swift files, and prints one line per mismatch. Exit 1 on any.
System-library targets and Foundation/Glibc/Testing/XCTest/Dispatch are not compared.
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


def imports(folder):
    found = set()
    for source in folder.rglob("*.swift"):
        for line in source.read_text(errors="replace").splitlines():
            match = re.match(r"^\s*(?:@_exported\s+|@testable\s+|@preconcurrency\s+)*import\s+(?:struct\s+|class\s+|enum\s+|func\s+)?(\w+)", line)
            if match:
                found.add(match.group(1))
    return found - PLATFORM


def main():
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
