"""Fail on an import circle inside a Python package (module-level and function-level imports alike).

Usage: ``python scripts/lib/check_imports.py [PACKAGE_DIR]`` (default: ``indico_vc_zoom`` beside ``scripts/``).
Exits 0 when the package's modules import each other without a circle; otherwise prints each circle found
(``a -> b -> a``) and exits 1. Stdlib only; reads the sources with ``ast``, imports nothing.
"""

import ast
import sys
from pathlib import Path


def module_names(package_dir):
    """``{dotted module name: path}`` of every ``.py`` file of the package (``__init__`` is the package)."""
    package_dir = Path(package_dir)
    root = package_dir.name
    names = {}
    for path in sorted(package_dir.rglob('*.py')):
        parts = [root, *path.relative_to(package_dir).with_suffix('').parts]
        if parts[-1] == '__init__':
            parts.pop()
        names['.'.join(parts)] = path
    return names


def _imported(node, module, is_package):
    """The dotted names an import node refers to (``from a import b`` may mean module ``a.b`` or name ``b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        # relative: ``.`` is the current package (the module itself when it is a package's ``__init__``)
        base = module.split('.')
        base = base[:len(base) - node.level + (1 if is_package else 0)]
        origin = '.'.join([*base, node.module] if node.module else base)
    else:
        origin = node.module
    return [origin, *(f'{origin}.{alias.name}' for alias in node.names)]


def import_graph(package_dir):
    """``{module: {modules of the package it imports}}``; an import of ``a.b.c`` also imports ``a`` and ``a.b``."""
    names = module_names(package_dir)
    graph = {}
    for module, path in names.items():
        is_package = path.name == '__init__.py'
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(node, module, is_package):
                parts = target.split('.')
                # importing a submodule runs its parent packages first, but those are no circle of ours
                for i in range(len(parts), 0, -1):
                    candidate = '.'.join(parts[:i])
                    if candidate in names:
                        edges.add(candidate)
                        break
        edges.discard(module)
        # a package's own __init__ is run before any of its modules: not an edge worth reporting
        graph[module] = {e for e in edges if not module.startswith(e + '.')}
    return graph


def find_cycles(graph):
    """The import circles of ``graph``, each as a list ``[a, b, ..., a]``; one per strongly connected group."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(_path_within(graph, group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _path_within(graph, group):
    """One concrete circle through the smallest module of a strongly connected group (breadth-first)."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError('a strongly connected group always has a circle')


def main(argv):
    package_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2] / 'indico_vc_zoom'
    if not (package_dir / '__init__.py').is_file():
        print(f'{package_dir} is not a Python package', file=sys.stderr)
        return 2
    cycles = find_cycles(import_graph(package_dir))
    for cycle in cycles:
        print('import circle: ' + ' -> '.join(cycle))
    if not cycles:
        print(f'no import circle in {package_dir.name}')
    return 1 if cycles else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
