"""The package's shape, checked: layers import only downward, there are no
import circles (not even through imports inside functions), no module is over
400 lines, benches import nothing from tests/, and docs/ARCHITECTURE.md draws
every module that exists. See docs/ARCHITECTURE.md for why the layers are
what they are."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "neurocache_ui"
MAX_LINES = 400

# What each layer may import (besides itself). The app module and the CLI wire
# everything together and are the only ones allowed to see every layer.
ALLOWED: dict[str, set[str]] = {
    "settings": set(),
    "domain": set(),
    "store": {"domain", "settings"},
    "infra": {"domain", "settings"},
    "services": {"domain", "store", "infra", "settings"},
    "api": {"services", "domain", "settings"},
    "web": {"services", "domain", "settings"},
    "cli": {"services", "domain", "store", "settings"},
    "neurocache_ui": {"api", "web", "services", "domain", "settings"},
}
ORDER = ["settings", "domain", "store", "infra", "services", "api", "web", "cli", "neurocache_ui"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "neurocache_ui"


def _target(name: str) -> str:
    """The module an import refers to: `from a.b import c` is a.b.c when c is a module."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str) -> set[str]:
    """Every project module `module` imports, at any depth of the code (inside
    functions and TYPE_CHECKING blocks too: a circle held apart by a late
    import is still a circle)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {_target(n) for n in names if n.split(".")[0] == "neurocache_ui"}
    return {m for m in found if m in MODULES and m != module and not module.startswith(m + ".")} - {"neurocache_ui"}


GRAPH = {module: imports_of(module) for module in MODULES}


def test_layers_import_only_what_they_may() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in sorted(targets)
        if layer_of(target) != layer_of(module) and layer_of(target) not in ALLOWED[layer_of(module)]
    ]
    assert wrong == []


def test_there_are_no_import_circles() -> None:
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                circles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_every_module_imports_in_layer_order_without_pulling_in_a_higher_layer() -> None:
    """In a fresh interpreter, import the layers bottom-up; importing a module
    must not load any module of a layer it may not use."""
    ordered = sorted(MODULES, key=lambda m: (ORDER.index(layer_of(m)), m))
    script = f"""
import importlib, json, sys
report = []
for name in {ordered!r}:
    before = set(sys.modules)
    importlib.import_module(name)
    report.append([name, sorted(m for m in set(sys.modules) - before if m.startswith("neurocache_ui"))])
print(json.dumps(report))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    wrong = []
    for name, loaded in json.loads(done.stdout.strip().splitlines()[-1]):
        allowed = ALLOWED[layer_of(name)] | {layer_of(name)}
        wrong += [f"{name} loaded {m}" for m in loaded if m in MODULES and m != "neurocache_ui" and layer_of(m) not in allowed]
    assert wrong == []


def test_no_module_is_over_400_lines() -> None:
    sizes = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    assert {module: size for module, size in sizes.items() if size > MAX_LINES} == {}


def test_benches_import_nothing_from_tests() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "bench").rglob("*.py"))
        if re.search(r"^\s*(from|import)\s+tests\b", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def test_the_architecture_drawing_names_every_module() -> None:
    """docs/ARCHITECTURE.md's layout block names each module under its folder
    (a line starting with `folder/`, continued by indented lines); a module
    added, moved or removed without the drawing fails here."""
    drawing = (ROOT / "docs" / "ARCHITECTURE.md").read_text().split("<!-- layout -->")[1]
    drawn: set[str] = set()
    folder: str | None = None
    for line in drawing.splitlines():
        first = line.split()[0] if line.split() else ""
        if first.endswith("/"):
            # neurocache_ui/ itself, one of its (indented) folders, or a folder outside it
            folder = "" if first == "neurocache_ui/" else first if line.startswith(" ") else None
        if folder is not None:
            drawn |= {folder + name for name in re.findall(r"\b([a-z_]+\.py)\b", line)}
    actual = {str(path.relative_to(PACKAGE)) for path in MODULES.values() if path.name != "__init__.py"}
    assert sorted(actual - drawn) == [] and sorted(drawn - actual) == []
