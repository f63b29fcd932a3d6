"""The pre-commit hooks (.pre-commit-config.yaml), run here exactly as pre-commit would.

Each local hook's ``entry`` runs on copies of the files it matches; a hook that fails
or changes a file means the committed notebooks are out of sync or carry outputs.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
HOOKS = [hook for repo in CONFIG["repos"] for hook in repo["hooks"]]
BIN = Path(sys.executable).parent


def _files(pattern: str) -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    listed = done.stdout.split() if done.returncode == 0 else \
        [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return sorted(f for f in listed if re.search(pattern, f) and (ROOT / f).is_file())


def test_hooks_are_local_and_need_no_download():
    assert all(repo["repo"] == "local" for repo in CONFIG["repos"])
    assert {h["id"] for h in HOOKS} == {"jupytext-sync", "nbstripout"}


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_hook_passes_and_changes_nothing(hook, tmp_path):
    files = _files(hook["files"])
    assert files, f"{hook['id']}: no file matches {hook['files']}"
    shutil.copy2(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, tmp_path / f)
    before = {f: (tmp_path / f).read_bytes() for f in files}
    entry = shlex.split(hook["entry"]) + hook.get("args", [])
    entry[0] = str(BIN / Path(entry[0]).name) if entry[0].startswith(".venv/bin/") else entry[0]
    done = subprocess.run([*entry, *files], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{hook['id']} failed:\n{done.stdout}\n{done.stderr}"
    changed = [f for f in files if (tmp_path / f).read_bytes() != before[f]]
    assert not changed, f"{hook['id']} changes {changed}: run `pre-commit run --all-files` and commit"
