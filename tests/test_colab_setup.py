"""The Colab setup cell (``scripts/book.py colab_setup_source``): one guarded ``%pip install``.

The repository is named in one place, ``_config.yml``; every chapter holds the same
cell (``tests/test_notebooks.py``). Here: the requirement it installs is the library
of that repository, and the cell runs pip on Colab only — anywhere else it would
replace the editable ``bothways`` of ``make book`` with the one on GitHub.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import jupytext
import yaml
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_tool", ROOT / "scripts" / "book.py")
book_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_tool)
CELL = book_tool.colab_setup_source()


class FakeShell:
    """Stands in for ``get_ipython()``: its ``str`` is what Colab's shell says (or not)."""

    def __init__(self, colab: bool):
        self.name = "<google.colab._shell.Shell object>" if colab else "<ipykernel.zmqshell.ZMQInteractiveShell object>"
        self.magics = []

    def __str__(self):
        return self.name

    def run_line_magic(self, name, line):
        self.magics.append((name, line))


def _run(colab: bool):
    shell = FakeShell(colab)
    exec(TransformerManager().transform_cell(CELL), {"get_ipython": lambda: shell})
    return shell.magics


def test_the_cell_installs_the_library_of_the_configured_repository():
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    ((magic, line),) = _run(colab=True)
    assert magic == "pip"
    args = shlex.split(line)
    assert args[:2] == ["install", "-q"] and len(args) == 3
    req = Requirement(args[2])
    assert req.name == "bothways" and req.extras == {"all"}
    assert req.url == f"git+{repo['url'].rstrip('/')}@{repo['branch']}#subdirectory=lib"
    assert (ROOT / "lib" / "pyproject.toml").is_file() and "all = " in (ROOT / "lib" / "pyproject.toml").read_text()


def test_the_cell_does_nothing_outside_colab():
    assert _run(colab=False) == []


def test_the_cell_is_one_visible_pip_line():
    assert len(re.findall(r"%pip install", CELL)) == 1 and len(CELL.splitlines()) == 3
    assert book_tool.COLAB_TAGS == ["hide-output"]


def test_the_cell_survives_the_jupytext_round_trip():
    """In the .py source jupytext comments the magic out; reading it back restores it."""
    nb = jupytext.reads("# %%\n1\n", fmt="py:percent")
    nb.cells[0].source = CELL
    text = jupytext.writes(nb, fmt="py:percent")
    assert "    # %pip install" in text
    assert jupytext.reads(text, fmt="py:percent").cells[0].source == CELL
