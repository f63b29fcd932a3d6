"""The Colab setup cell (scripts/colab_setup_cell.py), run verbatim in a simulated Colab.

The exact cell text runs in a fresh interpreter that cannot see the installed
``bothways`` (``python -S``: no site-packages), once with a fake ``google.colab`` module
on ``sys.path`` and once without. Only ``BOTHWAYS_SOURCE`` is changed: it points at a
``git+file://`` clone of this repository's ``lib/`` (a temporary git repository with
branch ``main``). pip is steered by environment variables only (``PIP_TARGET`` into a
temporary folder, no dependencies, no index, no build isolation), so the test is
offline and fast; Colab itself installs the dependencies and extras the same way.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL = (ROOT / "scripts" / "colab_setup_cell.py").read_text()
SOURCE_LINE = re.compile(r'^BOTHWAYS_SOURCE = "([^"]+)"$', re.M)
PROBE = "\nimport importlib, importlib.util\nimportlib.invalidate_caches()\n" \
        "print('IN_COLAB', IN_COLAB)\nprint('IMPORTABLE', importlib.util.find_spec('bothways') is not None)\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_the_cell_pins_one_branch_the_config_names():
    (source,) = SOURCE_LINE.findall(CELL)
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    match = re.fullmatch(r"git\+(?P<url>https://\S+?)@(?P<branch>[\w./-]+)#subdirectory=lib", source)
    assert match, f"BOTHWAYS_SOURCE should be git+<url>@<branch>#subdirectory=lib, got {source}"
    assert match["url"] == repo["url"].rstrip("/") and match["branch"] == repo["branch"]


@pytest.fixture(scope="module")
def lib_repo(tmp_path_factory):
    """A git repository (branch main) holding a copy of lib/, as GitHub would serve it."""
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "lib", repo / "lib",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "benchmarks"))
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["checkout", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "lib"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    return repo


def _run_cell(tmp_path: Path, source: str, colab: bool, target: Path):
    cell, n = SOURCE_LINE.subn(f'BOTHWAYS_SOURCE = "{source}"', CELL)
    assert n == 1
    fake = tmp_path / "fake_colab"
    (fake / "google" / "colab").mkdir(parents=True, exist_ok=True)
    (fake / "google" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "__init__.py").write_text("# a stand-in for Colab's module\n")
    path = [str(target)] + ([str(fake)] if colab else [])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PYTHONPATH=os.pathsep.join(path), PIP_TARGET=str(target), PIP_NO_DEPS="1", PIP_NO_INDEX="1",
               PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    # -S: this interpreter does not see the venv's site-packages (so not the editable
    # bothways); the cell's `python -m pip` is a normal interpreter with pip and setuptools.
    return subprocess.run([sys.executable, "-S", "-c", cell + PROBE], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=110)


def test_setup_cell_installs_bothways_only_on_colab(lib_repo, tmp_path):
    source = f"git+file://localhost{lib_repo.as_posix()}@main#subdirectory=lib"

    target = tmp_path / "not_colab"
    target.mkdir()
    done = _run_cell(tmp_path, source, colab=False, target=target)
    assert done.returncode == 0, done.stderr
    assert "IN_COLAB False" in done.stdout and "IMPORTABLE False" in done.stdout
    assert list(target.iterdir()) == [], "outside Colab the cell must not install anything"

    target = tmp_path / "colab"
    target.mkdir()
    done = _run_cell(tmp_path, source, colab=True, target=target)
    assert done.returncode == 0, f"the setup cell failed on 'Colab':\n{done.stderr[-3000:]}"
    assert "IN_COLAB True" in done.stdout and "IMPORTABLE True" in done.stdout, done.stdout
    installed = target / "bothways" / "__init__.py"
    assert installed.is_file() and "def __getattr__" in installed.read_text()

    # Run again with an unusable source: bothways is already there, so pip must not run.
    again = _run_cell(tmp_path, "git+file://localhost/nonexistent@main#subdirectory=lib", colab=True, target=target)
    assert again.returncode == 0 and "IMPORTABLE True" in again.stdout, again.stderr[-2000:]
