"""Which app imports which, read from the source with `ast`: `python -m core.layers` prints every edge between the
project's apps (imports run at module load, and deferred ones inside functions), the pairs that import each other
and any cycle. tests/test_layering.py holds the rule: no cycle, and the ground floor imports no app."""

import ast
from collections import Counter
from pathlib import Path

def project_apps(base: Path) -> list[str]:
    return sorted(p.parent.name for p in base.glob("*/apps.py"))


def _imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node, node.module


def _top_level_nodes(tree) -> set[int]:
    """Import statements that run when the module is imported (not inside a function)."""
    ids = set()

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)) and not in_function:
                ids.add(id(child))
            visit(child, inside)

    visit(tree, False)
    return ids


def app_imports(base: Path, *, include_management: bool = True):
    """{(importer, imported): {"module": n, "deferred": n}} over the apps' own code (no migrations or tests)."""
    apps = project_apps(base)
    edges: dict[tuple[str, str], Counter] = {}
    for app in apps:
        for path in (base / app).rglob("*.py"):
            parts = set(path.relative_to(base / app).parts[:-1])
            if "migrations" in parts or "tests" in parts or (not include_management and "management" in parts):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            top = _top_level_nodes(tree)
            for node, module in _imported_modules(tree):
                target = module.split(".")[0]
                if target in apps and target != app:
                    kind = "module" if id(node) in top else "deferred"
                    edges.setdefault((app, target), Counter())[kind] += 1
    return apps, edges


def cycles(apps, edges) -> list[list[str]]:
    """Strongly connected groups of two or more apps (Tarjan)."""
    graph = {a: sorted({b for (x, b) in edges if x == a}) for a in apps}
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in apps:
        if v not in index:
            strong(v)
    return out


if __name__ == "__main__":
    import sys
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    apps, edges = app_imports(base)
    for (a, b), c in sorted(edges.items()):
        print(f"{a:14} -> {b:14} module {c['module']:3}  deferred {c['deferred']:3}")
    pairs = sorted({tuple(sorted(k)) for k in edges if (k[1], k[0]) in edges})
    print(f"apps {len(apps)}, edges {len(edges)}, pairs importing each other {len(pairs)}: {pairs}")
    print(f"deferred imports between apps: {sum(c['deferred'] for c in edges.values())}")
    print(f"cycles: {cycles(apps, edges)}")
