"""Fail when a module of src/ grows over 450 lines or a function over 60.

Small modules and short functions are a rule of the project (CONTRIBUTING.md):
this keeps it.  Generated migrations are exempt.
"""

from __future__ import annotations

import ast
import pathlib
import sys

MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60
ROOT = pathlib.Path(__file__).resolve().parent.parent / "src" / "scolarite"


def problems() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        shown = path.relative_to(ROOT.parent.parent)
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{shown}: {lines} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    limit = f"at most {MAX_FUNCTION_LINES}"
                    found.append(f"{shown}:{node.lineno}: {node.name}() is {length} lines ({limit})")
    return found


if __name__ == "__main__":
    listed = problems()
    for line in listed:
        print(line)
    sys.exit(1 if listed else 0)
