"""Make student copies of the chapters: the same notebooks without solutions or answer keys.

    python scripts/student_copies.py                      # every chapter in _toc.yml -> notebooks/student/
    python scripts/student_copies.py notebooks/01_x.py --out /tmp/students

A copy is made by cell tags alone (the convention of ``book/fork.md``):

- every cell tagged ``solution`` (code or Markdown) is removed;
- every cell tagged ``exercise-key`` (the hidden cell that computes an exercise's
  ``EXPECTED_*`` value) is *sealed*: its source is stored compressed and base64-encoded
  and run with ``exec(unseal(...))``, so the copy still computes the expected value from
  the student's own run and the ``check_*`` calls still work, while the answer is not
  readable in the notebook (encoded, not encrypted: ``print(unseal(...))`` shows it);
- outputs are cleared and a note is added under the title; everything else is kept.

A Markdown solution must be a cell of its own: a Solution admonition or dropdown in
an untagged cell is an error (it would be copied). Copies are ``.ipynb`` files
(``notebooks/student/`` is git-ignored).
"""
from __future__ import annotations

import argparse
import copy
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from bothways.exercises import seal

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "student"
SOLUTION, KEY, SEALED = "solution", "exercise-key", "exercise-key-sealed"
#: A Solution admonition or dropdown (any fence) in Markdown.
SOLUTION_BLOCK = re.compile(r"^(`{3,}|:{3,})\{(?:admonition|dropdown)\}[ \t]+Solution\b", re.MULTILINE)
NOTE = ("> **Student copy**: the solutions were removed. Replace each `None` marked \"your answer\" "
        "and run the cell: its `check_*` line tells you whether you are right. (The cells "
        "marked *answer key* compute the expected values from your run without showing them.)")


@dataclass(frozen=True)
class CopyReport:
    """What was taken out of one notebook."""

    name: str
    solutions: int
    keys: int


def sealed_cell(source: str) -> str:
    """The student-copy source of an ``exercise-key`` cell (see the module docstring)."""
    return ("# Answer key (sealed): computes the expected value from your run without showing it.\n"
            "from bothways.exercises import unseal\n\n"
            f'exec(unseal("{seal(source)}"))')


def student_copy(nb: nbformat.NotebookNode, name: str = "notebook") -> tuple[nbformat.NotebookNode, CopyReport]:
    """A copy of ``nb`` without solutions, with sealed answer keys and no outputs."""
    nb = copy.deepcopy(nb)
    cells, n_solutions, n_keys = [], 0, 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if SOLUTION in tags:
            n_solutions += 1
            continue
        if cell.cell_type == "markdown" and SOLUTION_BLOCK.search(cell.source):
            raise ValueError(f"{name}: a Solution block in a Markdown cell not tagged 'solution' "
                             f"(it would stay in the student copy): {cell.source[:80]!r}")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if KEY in tags:
                if cell.source.lstrip().startswith(("%", "!")):
                    raise ValueError(f"{name}: an exercise-key cell must be plain Python")
                cell.source = sealed_cell(cell.source)
                cell.metadata["tags"] = [SEALED]
                n_keys += 1
        cells.append(cell)
    nb.cells = cells
    if nb.cells:
        nb.cells.insert(1, nbformat.v4.new_markdown_cell(NOTE))
    nbformat.validate(nb)
    return nb, CopyReport(name, n_solutions, n_keys)


def _read(path: Path) -> nbformat.NotebookNode:
    nb = jupytext.read(path)
    nb.metadata.pop("jupytext", None)  # a copy, not a pair of the chapter's source
    return nb


def write_student_copies(paths: list[Path], out_dir: Path = OUT) -> list[CopyReport]:
    """Write ``<out_dir>/<stem>.ipynb`` for every notebook (``.py`` percent or ``.ipynb``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    for path in paths:
        nb, report = student_copy(_read(path), path.stem)
        nbformat.write(nb, out_dir / f"{path.stem}.ipynb")
        reports.append(report)
    return reports


def chapter_sources() -> list[Path]:
    """The source (``.py``) of every chapter in ``_toc.yml`` that exists."""
    spec = importlib.util.spec_from_file_location("book_tool", ROOT / "scripts" / "book.py")
    book_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(book_tool)
    return [ROOT / f"{s}.py" for s in book_tool.toc_notebooks() if (ROOT / f"{s}.py").exists()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter in _toc.yml")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    paths = args.notebooks or chapter_sources()
    for report in write_student_copies(paths, args.out):
        print(f"[student] {report.name}: removed {report.solutions} solution cell(s), "
              f"sealed {report.keys} answer key(s)")
    print(f"[student] {len(paths)} copies in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
