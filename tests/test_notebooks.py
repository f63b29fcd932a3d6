"""Notebook and book hygiene: what CI and the three kinds of readers rely on.

- every table-of-contents entry exists; every chapter is a jupytext pair in sync;
- committed .ipynb files carry no outputs and no papermill-injected cells;
- one ``parameters`` cell with size/seed/device, and the canonical Colab setup cell;
- every figure cell has a caption;
- claims that can fail (``book/fork.md``, "Findings, controls and exercises"): an
  asserted ``controls`` cell, "What we found" in Markdown with glued values and no
  printed findings, glue keys with the chapter's prefix, and exercises whose expected
  value sits in a hidden ``exercise-key`` cell.

Chapters that an open issue is converting are marked ``xfail(strict=True)`` for the
rules they do not meet yet: the mark turns red the moment the chapter complies, and
must then be removed (see ``PENDING``).
"""
from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from bothways import report

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_tool", ROOT / "scripts" / "book.py")
book_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_tool)

CHAPTERS = book_tool.toc_notebooks()
#: Rules a chapter does not meet yet, and the issue that converts it.
PENDING = {
}
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`(?:[^`:]+::)?(?P<key>[A-Za-z0-9_]+)")
FINDING_WORDS = re.compile("|".join(re.escape(w) for w in report.VERDICTS + ("does not reproduce", "partly")))


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _tags(cell) -> set:
    return set(cell.metadata.get("tags", []))


def _chapters_for(rule):
    """CHAPTERS, with a strict xfail on those PENDING lists for ``rule``."""
    params = []
    for stem in CHAPTERS:
        pending = PENDING.get(Path(stem).name, ())
        marks = [pytest.mark.xfail(strict=True, reason=f"converted by issue {pending[-1]}")] if rule in pending else []
        params.append(pytest.param(stem, marks=marks, id=Path(stem).name))
    return params


def _load(stem):
    py, ipynb = ROOT / f"{stem}.py", ROOT / f"{stem}.ipynb"
    assert py.exists(), f"{py} (the source of truth) is missing"
    assert ipynb.exists(), f"{ipynb} is missing: run `jupytext --sync {py.relative_to(ROOT)}`"
    return stem, jupytext.read(py), nbformat.read(ipynb, as_version=4)


@pytest.fixture(params=CHAPTERS, ids=lambda s: Path(s).name)
def chapter(request):
    return _load(request.param)


def test_toc_entries_exist():
    missing = [f for f in book_tool.toc_files()
               if not any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb", ".rst"))]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_notebook_source_is_in_the_toc():
    sources = {f"notebooks/{p.stem}" for p in (ROOT / "notebooks").glob("*.py")}
    assert sources - set(CHAPTERS) == set(), "chapter sources missing from _toc.yml"


def test_pending_lists_only_chapters_of_the_book():
    assert set(PENDING) <= {Path(s).name for s in CHAPTERS}


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
    tagged = [c for c in source.cells if "parameters" in _tags(c)]
    injected = [c for c in source.cells if "injected-parameters" in _tags(c)]
    assert len(tagged) == 1, f"{stem}: expected one cell tagged 'parameters', found {len(tagged)}"
    assert not injected, f"{stem}: a papermill 'injected-parameters' cell was committed"
    names = {t.id for node in ast.walk(ast.parse(tagged[0].source)) if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    assert {"size", "seed", "device"} <= names, f"{stem}: parameters cell defines {names}"
    assert re.search(r'^size = "ci"', tagged[0].source, re.M), f"{stem}: default size must be 'ci'"
    book_tool.set_parameters(source, size="full")  # what `book.py execute --size full` does
    assert re.search(r'^size = "full"  # ', tagged[0].source, re.M), tagged[0].source


def test_colab_setup_cell(chapter):
    stem, source, _ = chapter
    setup = [c for c in source.cells if book_tool.is_colab_setup(c)]
    assert len(setup) == 1, f"{stem}: expected one Colab setup cell"
    assert setup[0].source == book_tool.colab_setup_source(), (
        f"{stem}: the Colab setup cell differs from the canonical one: run `python scripts/book.py colab-cell --fix`")
    assert sorted(_tags(setup[0])) == book_tool.COLAB_TAGS, f"{stem}: setup cell tags {sorted(_tags(setup[0]))}"
    assert source.cells.index(setup[0]) == 2, f"{stem}: the setup cell comes right after the parameters"


def test_figures_have_captions(chapter):
    stem, source, _ = chapter
    uncaptioned = [c.source.splitlines()[0] for c in _code_cells(source)
                   if "plt.show()" in c.source and not c.metadata.get("mystnb", {}).get("figure", {}).get("caption")]
    assert not uncaptioned, f"{stem}: figure cells without a caption: {uncaptioned}"
    assert any("plt.show()" in c.source for c in _code_cells(source)), f"{stem}: no figure"


def test_no_nbval_cells(chapter):
    """``make check`` no longer compares a build with itself: nothing may rely on it."""
    stem, source, _ = chapter
    assert not [c for c in _code_cells(source) if "NBVAL" in c.source], f"{stem}: a # NBVAL cell is left"


def test_exercises_hide_their_answers(chapter):
    """Every check_* outside a solution takes an EXPECTED_* name that a hidden exercise-key cell defines."""
    stem, source, _ = chapter
    keys = {}
    for i, cell in enumerate(_code_cells(source)):
        tags = _tags(cell)
        if "exercise-key" in tags:
            assert "remove-cell" in tags, f"{stem}: an exercise-key cell must also be tagged remove-cell"
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Assign):
                    keys.update({t.id: i for t in node.targets if isinstance(t, ast.Name)})
        if "solution" in tags:
            assert "hide-cell" in tags or "remove-cell" in tags, (
                f"{stem}: a code solution must be tagged hide-cell (its output would show the answer)")
    calls = 0
    for i, cell in enumerate(_code_cells(source)):
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: no check calls there
            continue
        for node in ast.walk(tree):
            func = getattr(node, "func", None)
            name = getattr(func, "attr", None) or getattr(func, "id", "")
            if not (isinstance(node, ast.Call) and name.startswith("check_")):
                continue
            calls += 1
            expected = node.args[2] if name == "check_choice" and len(node.args) > 2 else \
                node.args[1] if len(node.args) > 1 else None
            assert isinstance(expected, ast.Name) and expected.id.startswith("EXPECTED_"), (
                f"{stem}: `{ast.unparse(node)[:80]}` must pass an EXPECTED_* name, never the expression")
            assert keys.get(expected.id, i) < i, f"{stem}: {expected.id} is not defined by an earlier exercise-key cell"
    assert calls, f"{stem}: no checkable exercise (bothways.exercises.check_*)"
    for cell in source.cells:
        if cell.cell_type == "markdown" and re.search(r"\{(admonition|dropdown)\}\s+Solution", cell.source):
            assert "solution" in _tags(cell), f"{stem}: a Markdown solution must be a cell tagged solution"


def _section(nb, title: str):
    """The cells from the ``## <title>`` heading to the next level-2 heading.

    Markdown cells are cut at their level-2 headings, so a section may start or end
    inside a cell; the pieces come back as Markdown cells.
    """
    pieces = []  # (heading or None, cell)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            pieces.append((None, cell))
            continue
        for chunk in re.split(r"(?m)^(?=## )", cell.source):
            heading = re.match(r"## (.+)", chunk)
            pieces.append((heading[1].strip() if heading else None, nbformat.v4.new_markdown_cell(chunk)))
    cells, inside = [], False
    for heading, cell in pieces:
        if heading is not None:
            if inside:
                break
            inside = heading == title
        if inside:
            cells.append(cell)
    return cells


@pytest.mark.parametrize("stem", _chapters_for("controls"))
def test_controls_are_asserted(stem):
    """A cell tagged ``controls`` (input hidden) ends in plain asserts with messages: positive and negative."""
    _, source, _ = _load(stem)
    controls = [c for c in _code_cells(source) if "controls" in _tags(c)]
    assert controls, f"{stem}: no cell tagged 'controls'"
    asserts = []
    for cell in controls:
        assert _tags(cell) & {"hide-input", "remove-input"}, f"{stem}: tag the controls cell hide-input or remove-input"
        asserts += [n for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.Assert)]
    assert len(asserts) >= 2, f"{stem}: a positive and a negative control need at least two asserts"
    assert all(a.msg is not None for a in asserts), f"{stem}: every control assert needs a message saying what failed"
    text = " ".join(c.source for c in controls).lower()
    assert "positive" in text and "negative" in text, f"{stem}: say which assert is the positive and which the negative control"


@pytest.mark.parametrize("stem", _chapters_for("findings"))
def test_findings_are_glued_markdown(stem):
    """'What we found' is Markdown with glued values (keys with the chapter's prefix), never printed."""
    _, source, _ = _load(stem)
    found = _section(source, "What we found")
    assert found, f"{stem}: no '## What we found' section"
    code = [c.source.splitlines()[0] for c in found if c.cell_type == "code"]
    assert not code, f"{stem}: 'What we found' must be Markdown only, it has code cells {code}"
    pasted = {m["key"] for c in found for m in GLUE_ROLE.finditer(c.source)}
    assert pasted, f"{stem}: 'What we found' pastes no glued value"
    text = "\n".join(c.source for c in _code_cells(source))
    glued = set(re.findall(r"glue_(?:number|text|interval)\(\s*f?[\"']([\w{}]+)", text)) | \
        set(re.findall(r"\bglue\(\s*[\"'](\w+)", text))
    prefixes = {k.split("_")[0] for k in glued | pasted}
    assert len(prefixes) == 1, f"{stem}: glue keys must share one chapter prefix, found {sorted(prefixes)}"
    printed = [ln.strip() for c in _code_cells(source) for ln in c.source.splitlines()
               if re.search(r"\bprint\(\s*f?[\"']", ln) and FINDING_WORDS.search(ln)]
    assert not printed, f"{stem}: findings printed by code instead of glued into the prose: {printed}"


def test_glue_prefixes_differ_between_chapters():
    prefixes = {}
    for stem in CHAPTERS:
        text = (ROOT / f"{stem}.py").read_text()
        for key in GLUE_ROLE.findall(text):
            prefixes.setdefault(key.split("_")[0], set()).add(Path(stem).name)
    shared = {p: sorted(s) for p, s in prefixes.items() if len(s) > 1}
    assert not shared, f"glue key prefixes used by several chapters: {shared}"
