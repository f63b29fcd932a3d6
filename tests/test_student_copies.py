"""scripts/student_copies.py: solutions out, everything else in, and the copies still run.

A synthetic chapter is copied and executed end to end (nbclient); every real chapter
is checked statically (executing them all here would take too long).
"""
from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("student_copies", ROOT / "scripts" / "student_copies.py")
sc = importlib.util.module_from_spec(spec)
sys.modules["student_copies"] = sc  # dataclasses look their module up there
spec.loader.exec_module(sc)

SYNTHETIC = '''# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A synthetic chapter
# The claim, in one sentence.

# %% tags=["parameters"]
size = "ci"
seed = 0
device = None

# %%
import numpy as np
from bothways.exercises import check_number, check_choice
x = np.arange(10.0)

# %% [markdown]
# ## Exercises
# ### Exercise 1 (checkable)
# Compute the mean of `x` without numpy; store it in `answer`.

# %%
answer = None  # your answer
check_number(answer, float(np.mean(x)), tol=1e-9)

# %% tags=["solution", "hide-input"]
import math
def mean_of(values):
    return math.fsum(values) / len(values)  # SECRET-CODE
answer = mean_of(x)
total, count = float(x.sum()), len(x)
check_number(answer, float(np.mean(x)), tol=1e-9)

# %% [markdown] tags=["solution"]
# ```{admonition} Solution
# :class: dropdown
# SECRET-MARKDOWN-1: the mean of 0..9 is 4.5.
# ```

# %% [markdown]
# ### Exercise 2
# Which direction is harder?
#
# ````{admonition} Solution
# :class: dropdown
# SECRET-MARKDOWN-2
# ```python
# print("nested code fence")
# ```
# ````
#
# ```{admonition} Note
# This note stays.
# ```

# %%
choice = None
check_choice(choice, ["forward", "reverse"], "reverse")

# %% tags=["solution", "hide-cell"]
choice = "reverse"  # SECRET-CODE
check_choice(choice, ["forward", "reverse"], "reverse")

# %% [markdown]
# :::{dropdown} Solution (why)
# SECRET-MARKDOWN-3
# :::

# %%
print("after the exercises:", answer, choice, mean_of(x))

# %% [markdown]
# ### Exercise 3 (open)
# What would change your mind?
'''


def _compiles(source: str) -> None:
    compile(TransformerManager().transform_cell(source), "<cell>", "exec")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    path = tmp_path_factory.mktemp("chapter") / "99_synthetic.py"
    path.write_text(SYNTHETIC)
    original = jupytext.read(path)
    copy, report = sc.student_copy(original, path.stem)
    return path, original, copy, report


def _text(nb):
    return "\n".join(c.source for c in nb.cells)


def test_stub_code_keeps_imports_checks_and_names():
    source = ("import math\nfrom numpy import mean as m\ndef f(a, b=2, *c, d, **e):\n    return a  # SECRET\n"
              "x, (y, z) = 1, (2, 3)\nw: int = 4\nw += 1\nfor i in range(3):\n    pass\n"
              "bothways.exercises.check_number(x, 1)\ncheck_sign(y, 1)\nprint('SECRET')\n")
    stub = sc.stub_code(source)
    _compiles(stub)
    assert "SECRET" not in stub and stub.startswith("# YOUR ANSWER HERE")
    tree = ast.parse(stub)
    assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets}
    assert assigned == {"x", "y", "z", "w"}
    assert "import math" in stub and "from numpy import mean as m" in stub
    assert "def f(a, b=2, *c, d, **e):" in stub and "return None" in stub
    assert "bothways.exercises.check_number(x, 1)" in stub and "check_sign(y, 1)" in stub
    assert sc.stub_code("%time answer = 3") == f"{sc.STUB_HEADER}\nanswer = None"


def test_strip_markdown_solutions_only_touches_solutions():
    text = ("Before.\n\n```{admonition} Solution\n:class: dropdown\nSECRET\n```\n\n"
            "```{admonition} Note\nkept\n```\n\n:::{dropdown} Solution 2\nSECRET\n:::\nAfter.")
    stripped, n = sc.strip_markdown_solutions(text)
    assert n == 2 and "SECRET" not in stripped
    assert stripped.count(sc.REMOVED) == 2
    assert "Before." in stripped and "After." in stripped and "{admonition} Note\nkept" in stripped
    assert sc.strip_markdown_solutions("no solution here") == ("no solution here", 0)


def test_synthetic_copy_is_valid_and_has_no_solution_left(synthetic):
    _, original, copy, report = synthetic
    nbformat.validate(copy)
    assert (report.code_solutions, report.markdown_solutions) == (2, 3)
    text = _text(copy)
    assert "SECRET" not in text and "SECRET" in _text(original)
    assert not [c for c in copy.cells if "solution" in c.metadata.get("tags", [])]
    assert text.count(sc.REMOVED) == 3
    assert "This note stays." in text and "What would change your mind?" in text
    for cell in copy.cells:
        if cell.cell_type == "code":
            _compiles(cell.source)
            assert cell.outputs == [] and cell.execution_count is None
    assert len(copy.cells) == len(original.cells) + 1  # the student-copy note


def test_synthetic_copy_and_original_execute(synthetic, tmp_path):
    """Both run top to bottom; the solutions pass their checks, the stubs say 'no answer yet'."""
    path, original, copy, _ = synthetic
    outputs = {}
    for name, nb in (("original", original), ("student", copy)):
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
        outputs[name] = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert outputs["original"].count("✅") == 2, outputs["original"]
    assert "✅" not in outputs["student"] and outputs["student"].count("No answer yet") == 4, outputs["student"]
    assert "after the exercises: None None None" in outputs["student"]


def test_command_line_writes_copies(synthetic, tmp_path, capsys):
    path = synthetic[0]
    assert sc.main([str(path), "--out", str(tmp_path / "students")]) == 0
    written = nbformat.read(tmp_path / "students" / f"{path.stem}.ipynb", as_version=4)
    nbformat.validate(written)
    assert "jupytext" not in written.metadata and written.metadata["kernelspec"]["name"] == "python3"
    assert "removed 2 code and 3 markdown" in capsys.readouterr().out


CHAPTERS = sc.chapter_sources()


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_real_chapter_student_copy(source):
    original = jupytext.read(source)
    copy, report = sc.student_copy(original, source.stem)
    nbformat.validate(copy)
    assert report.code_solutions + report.markdown_solutions >= 1, (
        f"{source.stem}: no solution found: tag solution cells `solution` (see book/fork.md)")
    text = _text(copy)
    assert not re.search(r"\{(admonition|dropdown)\}\s+Solution", text), f"{source.stem}: a solution is left"
    assert not [c for c in copy.cells if "solution" in c.metadata.get("tags", [])]
    assert re.search(r"\bcheck_\w+\(", text), f"{source.stem}: no bothways.exercises check_* call"
    imports = [ln for c in original.cells if c.cell_type == "code" for ln in c.source.splitlines()
               if re.match(r"(import|from \S+ import) ", ln)]
    missing = [ln for ln in imports if ln not in text]
    assert not missing, f"{source.stem}: the student copy lost imports {missing}"
    for cell in copy.cells:
        if cell.cell_type == "code":
            _compiles(cell.source)
