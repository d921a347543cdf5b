"""The package keeps its shape: small modules, no import cycles, project imports at the top of a module,
registration through entry points only, nothing taken from tests/, nothing of it hidden by .gitignore."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

import pytest

from test_project import ROOT, imported_modules

PACKAGE_DIR = ROOT / "src" / "mountner"
MAX_LINES = 400


def package_files() -> List[Path]:
    return sorted(p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def import_graph() -> Dict[str, Set[str]]:
    return {relative(path): imported_modules(path, ROOT) - {relative(path)} for path in package_files()}


def find_cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One import cycle as [a, b, ..., a], or [] where there is none (depth-first search, three colours)."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == 1:
                return stack[stack.index(child):] + [child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return []


def imported_names(node: ast.AST) -> List[str]:
    """The modules an import statement names; none for any other node."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [node.module or ""] if isinstance(node, ast.ImportFrom) else []


def project_imports_inside_functions(path: Path) -> List[str]:
    tree = ast.parse(path.read_text(encoding="utf8"))
    found = []
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                found += [f"{relative(path)}:{node.lineno} {name}" for name in imported_names(node) if name.split(".")[0] == "mountner"]
    return found


def test_no_module_is_over_the_line_limit():
    files = package_files() + sorted((ROOT / "tests").rglob("*.py"))
    long = [f"{relative(p)}: {n} lines" for p in files if (n := len(p.read_text(encoding='utf8').splitlines())) > MAX_LINES]
    assert not long, f"split these (at most {MAX_LINES} lines a module):\n" + "\n".join(long)


def test_no_import_cycle_between_package_modules():
    assert find_cycle(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_project_modules_are_imported_at_the_top():
    inside = [hit for path in package_files() for hit in project_imports_inside_functions(path)]
    assert not inside, "move these imports to the top of their module:\n" + "\n".join(inside)


def test_no_has_factory_guard_and_nothing_from_tests():
    for path in package_files():
        text = path.read_text(encoding="utf8")
        assert "has_factory" not in text, relative(path)
        tree = ast.parse(text)
        for node in ast.walk(tree):
            names = imported_names(node)
            assert not any(n.split(".")[0] in ("tests", "conftest") or n.startswith("test_") for n in names), f"{relative(path)}:{node.lineno}"


def test_spacy_finds_the_components_without_importing_mountner():
    """Entry points register every name that configs/config.cfg uses: a process that never imports
    mountner builds the whole pipeline from the config."""
    code = (
        "import sys, spacy\n"
        "from spacy.util import load_config, load_model_from_config\n"
        f"config = load_config({str(ROOT / 'configs' / 'config.cfg')!r}, interpolate=True)\n"
        "config['components']['transformer']['model']['name'] = 'absent-encoder'\n"
        "nlp = load_model_from_config(config, auto_fill=True, validate=True)\n"
        "resolved = spacy.util.registry.resolve(config['training'])\n"
        "print(nlp.pipe_names, 'mountner' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("]")[0].count("mountner") == 2  # mountner_gazetteer and mountner


def test_nothing_in_the_package_is_ignored_by_git():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    paths = [relative(p) for p in package_files()]
    result = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "", "these package files would not be committed:\n" + result.stdout


def test_every_folder_of_modules_is_a_regular_package():
    """An __init__.py in each: a folder without one is a namespace package, which wheels and tools may drop."""
    folders = {p.parent for p in package_files()}
    assert not [relative(f) for f in folders if not (f / "__init__.py").exists()]
