"""The shape of the code: no import circles between clirbench's modules, thin commands (no
module of clirbench/cli/ over 150 lines), and the Streamlit app beside the CLI, not on it.
The layers themselves are import-linter's contracts (tests/test_layers.py)."""

import ast
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parent.parent


def import_cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph("clirbench", cache_dir=None)
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert import_cycles(graph) == [["a.x", "a.y"]]


def test_commands_are_thin():
    modules = sorted((REPO / "clirbench" / "cli").glob("*.py"))
    assert len(modules) >= 11  # __init__, __main__, render and one per command
    sizes = {p.name: len(p.read_text().splitlines()) for p in modules}
    assert all(lines <= 150 for lines in sizes.values()), sizes


def test_the_app_imports_neither_the_cli_nor_training():
    tree = ast.parse((REPO / "leaderboard" / "app.py").read_text())
    names = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    ours = {n for n in names if n.startswith("clirbench")}
    assert ours and not {n for n in ours if n.startswith(("clirbench.cli", "clirbench.train"))}, ours
