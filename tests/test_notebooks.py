"""Notebook and book hygiene: what CI and the three kinds of readers rely on.

- every table-of-contents entry exists;
- every chapter is a jupytext pair (py:percent source of truth + .ipynb) in sync;
- committed .ipynb files carry no outputs and no papermill-injected cells;
- one ``parameters`` cell with size/seed/device, and the canonical Colab setup cell;
- every figure cell has a caption; every chapter has NBVAL checks.
"""
from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_tool", ROOT / "scripts" / "book.py")
book_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_tool)

CHAPTERS = book_tool.toc_notebooks()
SETUP_CELL = (ROOT / "scripts" / "colab_setup_cell.py").read_text().strip()


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_toc_entries_exist():
    missing = [f for f in book_tool.toc_files()
               if not any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_notebook_source_is_in_the_toc():
    sources = {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("*.py")}
    assert sources - set(CHAPTERS) == set(), "chapter sources missing from _toc.yml"


def test_config_points_at_the_same_repository_as_the_setup_cell():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    source = re.search(r'BOTHWAYS_SOURCE = "([^"]+)"', SETUP_CELL).group(1)
    assert source.startswith(f"git+{url}@"), (source, url)
    assert config["execute"]["execute_notebooks"] == "off"


@pytest.fixture(params=CHAPTERS, ids=lambda s: Path(s).name)
def chapter(request):
    stem = request.param
    py, ipynb = ROOT / f"{stem}.py", ROOT / f"{stem}.ipynb"
    assert py.exists(), f"{py} (the source of truth) is missing"
    assert ipynb.exists(), f"{ipynb} is missing: run `jupytext --sync {py.relative_to(ROOT)}`"
    return stem, jupytext.read(py), nbformat.read(ipynb, as_version=4)


def test_pair_in_sync(chapter):
    stem, source, paired = chapter
    def cells(nb):
        return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", [])),
                 c.metadata.get("mystnb")) for c in nb.cells]
    assert cells(source) == cells(paired), (
        f"{stem}.py and {stem}.ipynb differ: run `jupytext --sync {stem}.py`")


def test_committed_without_outputs(chapter):
    stem, _, paired = chapter
    dirty = [i for i, c in enumerate(_code_cells(paired)) if c.outputs or c.execution_count]
    assert not dirty, f"{stem}.ipynb carries outputs in code cells {dirty}"
    assert "papermill" not in paired.metadata, f"{stem}.ipynb carries papermill metadata"


def test_one_parameters_cell(chapter):
    stem, source, _ = chapter
    tagged = [c for c in source.cells if "parameters" in c.metadata.get("tags", [])]
    injected = [c for c in source.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{stem}: expected one cell tagged 'parameters', found {len(tagged)}"
    assert not injected, f"{stem}: a papermill 'injected-parameters' cell was committed"
    names = {t.id for node in ast.walk(ast.parse(tagged[0].source)) if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    assert {"size", "seed", "device"} <= names, f"{stem}: parameters cell defines {names}"
    assert re.search(r'^size = "ci"', tagged[0].source, re.M), f"{stem}: default size must be 'ci'"


def test_colab_setup_cell(chapter):
    stem, source, _ = chapter
    setup = [c for c in source.cells if c.cell_type == "code" and "BOTHWAYS_SOURCE" in c.source]
    assert len(setup) == 1, f"{stem}: expected one Colab setup cell"
    assert "remove-cell" in setup[0].metadata.get("tags", []), f"{stem}: setup cell must be tagged remove-cell"
    assert setup[0].source.strip() == SETUP_CELL, (
        f"{stem}: the Colab setup cell differs from scripts/colab_setup_cell.py")


def test_figures_have_captions(chapter):
    stem, source, _ = chapter
    uncaptioned = [c.source.splitlines()[0] for c in _code_cells(source)
                   if "plt.show()" in c.source and not c.metadata.get("mystnb", {}).get("figure", {}).get("caption")]
    assert not uncaptioned, f"{stem}: figure cells without a caption: {uncaptioned}"
    assert any("plt.show()" in c.source for c in _code_cells(source)), f"{stem}: no figure"


def test_nbval_checks_present(chapter):
    stem, source, _ = chapter
    checks = [c for c in _code_cells(source) if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert checks, f"{stem}: no '# NBVAL_CHECK_OUTPUT' cell"
