"""Make student copies of the chapters: the same notebooks with the solutions taken out.

    python scripts/student_copies.py                      # every chapter in _toc.yml -> notebooks/student/
    python scripts/student_copies.py notebooks/01_x.py --out /tmp/students

The solution convention (also in ``book/fork.md`` and ``bothways.exercises``):

- a code cell tagged ``solution`` (with ``hide-input`` or ``hide-cell`` for the website)
  becomes a stub: ``# YOUR ANSWER HERE``, its imports, every name it assigns set to
  ``None`` (every function it defines returning ``None``), and its
  ``bothways.exercises.check_*`` calls, so that the copy still runs top to bottom and
  each check says "no answer yet";
- a markdown cell tagged ``solution`` becomes "*(Solution removed in the student
  copy.)*"; an ``{admonition} Solution`` / ``{dropdown} Solution`` block found in any
  other markdown cell is replaced by the same sentence;
- everything else is kept; outputs are cleared. Copies are ``.ipynb`` files
  (``notebooks/student/`` is git-ignored).
"""
from __future__ import annotations

import argparse
import ast
import copy
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "student"
REMOVED = "*(Solution removed in the student copy.)*"
STUB_HEADER = "# YOUR ANSWER HERE (the solution was removed in the student copy)"
HIDING_TAGS = {"solution", "hide-input", "hide-cell", "hide-output", "remove-input", "remove-output"}
# ```{admonition} Solution ... ``` or :::{dropdown} Solution ... ::: (any fence length)
SOLUTION_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?:admonition|dropdown)\}[ \t]+Solution\b.*?^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class CopyReport:
    """What was removed from one notebook."""

    name: str
    code_solutions: int
    markdown_solutions: int


def _is_check_call(node: ast.stmt) -> bool:
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name.startswith("check_")


def _assigned_names(node: ast.stmt) -> list[str]:
    targets = {ast.Assign: lambda n: n.targets, ast.AnnAssign: lambda n: [n.target],
               ast.AugAssign: lambda n: [n.target]}.get(type(node), lambda n: [])(node)
    names = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def stub_code(source: str) -> str:
    """The student stub of a solution code cell (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics and the like: keep nothing but the header
        return f"{STUB_HEADER}\nanswer = None"
    keep_imports, names, defs, checks = [], [], [], []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            keep_imports.append(ast.get_source_segment(source, node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs.append(f"def {node.name}({ast.unparse(node.args)}):\n    # YOUR CODE HERE\n    return None")
        elif _is_check_call(node):
            checks.append(ast.get_source_segment(source, node))
        else:
            names += [n for n in _assigned_names(node) if n not in names]
    lines = [STUB_HEADER, *keep_imports, *defs, *(f"{n} = None" for n in names), *checks]
    return "\n".join(lines)


def strip_markdown_solutions(text: str) -> tuple[str, int]:
    """Replace every Solution admonition/dropdown block in markdown; return the text and the count."""
    return SOLUTION_BLOCK.subn(REMOVED, text)


def student_copy(nb: nbformat.NotebookNode, name: str = "notebook") -> tuple[nbformat.NotebookNode, CopyReport]:
    """A copy of ``nb`` with the solutions removed and the outputs cleared."""
    nb = copy.deepcopy(nb)
    n_code = n_md = 0
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if "solution" in tags:
                cell.source = stub_code(cell.source)
                cell.metadata["tags"] = [t for t in tags if t not in HIDING_TAGS] + ["student-stub"]
                n_code += 1
        elif cell.cell_type == "markdown":
            if "solution" in tags:
                cell.source = REMOVED
                cell.metadata["tags"] = [t for t in tags if t != "solution"]
                n_md += 1
            else:
                cell.source, n = strip_markdown_solutions(cell.source)
                n_md += n
    if nb.cells:
        note = nbformat.v4.new_markdown_cell(
            "> **Student copy**: the solutions were removed. Cells marked `# YOUR ANSWER HERE` "
            "are yours to fill in; the `check_*` lines tell you whether your answer is right.")
        nb.cells.insert(1, note)
    nbformat.validate(nb)
    return nb, CopyReport(name, n_code, n_md)


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
        print(f"[student] {report.name}: removed {report.code_solutions} code and "
              f"{report.markdown_solutions} markdown solution(s)")
    print(f"[student] {len(paths)} copies in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
