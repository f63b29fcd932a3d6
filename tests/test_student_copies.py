"""scripts/student_copies.py: solutions out, answer keys sealed, and the copies still run.

A synthetic chapter is copied and executed end to end (nbclient); every real chapter
is checked statically (executing them all here would take too long): no solution and
no answer key may be readable in its copy.
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

from bothways.exercises import unseal

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
from bothways.exercises import check_choice, check_number
x = np.arange(10.0)

# %% [markdown]
# ## Exercises
# ### Exercise 1 (checkable)
# Compute the mean of `x` without numpy; store it in `answer`.

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_MEAN = float(np.mean(x))  # SECRET-KEY

# %%
answer = None  # your answer
check_number(answer, EXPECTED_MEAN, tol=1e-9);

# %% tags=["solution", "hide-cell"]
import math
answer = math.fsum(x) / len(x)  # SECRET-CODE
check_number(answer, EXPECTED_MEAN, tol=1e-9);

# %% [markdown] tags=["solution"]
# ```{admonition} Solution
# :class: dropdown
# SECRET-MARKDOWN: the mean of 0..9 is 4.5.
# ```

# %% [markdown]
# ### Exercise 2
# Which direction is harder?
#
# ```{admonition} Note
# This note stays.
# ```

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_DIRECTION = "reverse" if x.max() > 0 else "forward"  # SECRET-KEY-2

# %%
choice = None
check_choice(choice, ["forward", "reverse"], EXPECTED_DIRECTION);

# %% tags=["solution", "hide-cell"]
choice = "reverse"  # SECRET-CODE
check_choice(choice, ["forward", "reverse"], EXPECTED_DIRECTION);

# %%
print("after the exercises:", answer, choice)

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


def _run(nb, tmp_path) -> str:
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_synthetic_copy_has_no_solution_and_no_readable_key(synthetic):
    _, original, copy, report = synthetic
    nbformat.validate(copy)
    assert (report.solutions, report.keys) == (3, 2)
    text = _text(copy)
    assert "SECRET" not in text and "SECRET" in _text(original)
    assert not [c for c in copy.cells if {"solution", "exercise-key"} & set(c.metadata.get("tags", []))]
    sealed = [c for c in copy.cells if c.metadata.get("tags") == [sc.SEALED]]
    assert len(sealed) == 2 and all("exec(unseal(" in c.source for c in sealed)
    assert "This note stays." in text and "What would change your mind?" in text
    for cell in copy.cells:
        if cell.cell_type == "code":
            _compiles(cell.source)
            assert cell.outputs == [] and cell.execution_count is None
    assert len(copy.cells) == len(original.cells) - 3 + 1  # three solutions out, the note in


def test_synthetic_copy_and_original_execute(synthetic, tmp_path):
    """The original's solutions pass; the copy says 'no answer yet', and its sealed keys still check."""
    _, original, copy, _ = synthetic
    assert _run(original, tmp_path).count("✅") == 2
    out = _run(copy, tmp_path)
    assert "✅" not in out and out.count("No answer yet") == 2, out
    assert "after the exercises: None None" in out
    answered = nbformat.from_dict(copy)
    for cell in answered.cells:  # a student who answers: one right, one wrong
        cell.source = cell.source.replace("answer = None", "answer = 4.5").replace("choice = None", "choice = 'forward'")
    out = _run(answered, tmp_path)
    assert out.count("✅") == 1 and "Not quite" in out, out


def test_a_solution_outside_a_solution_cell_is_an_error():
    nb = jupytext.reads(SYNTHETIC.replace('# %% [markdown] tags=["solution"]', "# %% [markdown]"), fmt="py:percent")
    with pytest.raises(ValueError, match="not tagged 'solution'"):
        sc.student_copy(nb, "leaky")


def test_command_line_writes_copies(synthetic, tmp_path, capsys):
    path = synthetic[0]
    assert sc.main([str(path), "--out", str(tmp_path / "students")]) == 0
    written = nbformat.read(tmp_path / "students" / f"{path.stem}.ipynb", as_version=4)
    nbformat.validate(written)
    assert "jupytext" not in written.metadata and written.metadata["kernelspec"]["name"] == "python3"
    assert "removed 3 solution cell(s), sealed 2 answer key(s)" in capsys.readouterr().out


def _secret_lines(cells) -> list[str]:
    """The lines of solution and key cells that would give something away (not imports or blanks)."""
    lines = []
    for cell in cells:
        if {"solution", "exercise-key"} & set(cell.metadata.get("tags", [])):
            for line in cell.source.splitlines():
                line = line.strip()
                if len(line) > 12 and not re.match(r"(import|from \S+ import|```|:class:)", line):
                    lines.append(line)
    return lines


CHAPTERS = sc.chapter_sources()


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda p: p.stem)
def test_no_student_copy_contains_an_answer(source):
    original = jupytext.read(source)
    copy, report = sc.student_copy(original, source.stem)
    nbformat.validate(copy)
    assert report.keys >= 1 and report.solutions >= 1, (
        f"{source.stem}: an exercise needs an exercise-key cell and a solution (see book/fork.md)")
    text = _text(copy)
    leaked = [line for line in _secret_lines(original.cells) if line in text]
    assert not leaked, f"{source.stem}: the student copy shows solution or key lines {leaked}"
    assert not re.search(r"\{(admonition|dropdown)\}\s+Solution", text), f"{source.stem}: a solution is left"
    keys = {t.id for c in copy.cells if c.metadata.get("tags") == [sc.SEALED]
            for node in ast.walk(ast.parse(unseal(re.search(r'unseal\("([^"]+)"\)', c.source)[1])))
            if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    used = set(re.findall(r"\bcheck_\w+\([^)]*?\b(EXPECTED_\w+)", text, re.S))
    assert used and used <= keys, f"{source.stem}: checks use {used}, the sealed keys define {keys}"
    for cell in copy.cells:
        if cell.cell_type == "code":
            _compiles(cell.source)
