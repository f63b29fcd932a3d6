"""The library's shape: data flows one way, chapter recipes never import each other.

Imports are read with ``ast`` (nothing is executed), so a lazy import inside a function
counts as much as one at the top of a module.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib" / "bothways"


def _module_name(path: Path) -> str:
    parts = path.relative_to(LIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: str | None = None) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved against
    ``package``, by default the package ``path`` belongs to)."""
    if package is None:
        package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}  # `from pkg import module`
    return found


def _py(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


RECIPES = [p for p in _py(LIB / "analyses") if p.name != "__init__.py"]


def test_there_are_recipes_to_check():
    assert {p.stem for p in RECIPES} >= {"asymmetry", "symmetry", "dimensionality_sweep", "goodhart"}


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_chapter_recipes_never_import_each_other(path):
    me = _module_name(path)
    others = {_module_name(p) for p in RECIPES} - {me}
    bad = sorted(m for m in _imports(path) if any(m == o or m.startswith(o + ".") for o in others))
    assert not bad, f"{me} imports another chapter's recipe: {bad}; move what they share into the core"


@pytest.mark.parametrize("path", [p for p in _py(LIB) if "analyses" not in p.parts], ids=lambda p: _module_name(p))
def test_the_core_never_imports_a_recipe(path):
    bad = sorted(m for m in _imports(path) if m.startswith("bothways.analyses"))
    assert not bad, f"{_module_name(path)} imports chapter recipes {bad}: imports must not run upward"


def test_validation_depends_on_nothing_of_the_package():
    path = LIB / "_validation.py"
    assert not [m for m in _imports(path) if m.startswith("bothways")]


def test_the_import_walker_sees_lazy_and_relative_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import numpy as np\n\ndef f():\n    from bothways.analyses import asymmetry\n"
                 "    from . import goodhart\n    from ..zoo import score_zoo\n")
    found = _imports(f, package="bothways.analyses")
    assert {"numpy", "bothways.analyses.asymmetry", "bothways.analyses.goodhart", "bothways.zoo"} <= found


def _top_level_modules() -> set[str]:
    names = {p.stem for p in LIB.glob("*.py") if p.stem != "__init__"}
    names |= {p.parent.name for p in LIB.glob("*/__init__.py")}
    return names


def test_the_readme_map_lists_every_module_and_only_real_ones():
    readme = (LIB.parent / "README.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in readme.splitlines()
            if line.startswith("| `")}
    assert rows == _top_level_modules(), (
        f"lib/README.md's map and lib/bothways differ: missing {sorted(_top_level_modules() - rows)}, "
        f"not in the code {sorted(rows - _top_level_modules())}")


def test_every_public_module_is_reachable_from_the_package():
    import bothways

    public = {m for m in _top_level_modules() if not m.startswith("_")}
    assert public <= set(bothways._SUBMODULES), sorted(public - set(bothways._SUBMODULES))
