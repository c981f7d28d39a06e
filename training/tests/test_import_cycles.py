"""No import circles inside oneflow_train (issue 19 item 5), counting imports inside functions too: a lazy import
hides a circle from Python at load time, not from a reader who must understand both modules together."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "oneflow_train"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The package modules `path` imports (absolute or relative, at any depth in the file)."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            root = ".".join([*base, node.module] if node.module else base)
            names = [f"{root}.{a.name}" for a in node.names] + [root]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != me:
                found.add(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = "open"
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == "open":
                found.append([*stack[stack.index(n):], n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def package_graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(f) for f in files}
    # a package's __init__ importing its own submodules is how packages are built, not a circle between modules
    return {module_name(f): {m for m in imports_of(f, known) if not module_name(f).startswith(m + ".")} for f in files}


def test_cycle_finder_sees_two_and_three_module_circles():
    assert cycles({"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"e"}, "e": {"c"}}) == [["a", "b", "a"], ["c", "d", "e", "c"]]


def test_oneflow_train_has_no_import_circles():
    graph = package_graph()
    assert len(graph) > 50 and "oneflow_train.data.dataset" in graph["oneflow_train.teacher_data"]
    assert [" -> ".join(c) for c in cycles(graph)] == []
