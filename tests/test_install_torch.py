"""scripts/install_torch.py: the CPU build where an index offers it, nothing (and fast) otherwise.

The reachable case is played with a local index: an HTTP server on localhost serving
a PEP 503 page for a tiny stand-in ``torch-<pin>+cpu`` wheel made here.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import os
import subprocess
import sys
import threading
import time
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("install_torch", ROOT / "scripts" / "install_torch.py")
it = importlib.util.module_from_spec(spec)
spec.loader.exec_module(it)
PIN = it.pinned_torch()


def _no_pip(monkeypatch):
    calls = []
    monkeypatch.setattr(it.subprocess, "run", lambda *a, **k: calls.append(a) or subprocess.CompletedProcess(a, 0))
    return calls


def test_the_pin_is_the_one_of_requirements_txt():
    assert "torch==" + PIN in (ROOT / "requirements.txt").read_text().splitlines()


def test_an_unreachable_index_costs_at_most_the_probe(monkeypatch, capsys):
    calls = _no_pip(monkeypatch)
    monkeypatch.setattr(it, "installed_torch", lambda: None)
    monkeypatch.setattr(it.shutil, "which", lambda name: None)
    for index in ("http://127.0.0.1:9/simple", "https://bothways-no-such-host.invalid/whl/cpu"):
        start = time.perf_counter()
        assert it.main(["--index", index]) == 0
        assert time.perf_counter() - start < it.PROBE_SECONDS + 1
    assert calls == [] and "is not reachable" in capsys.readouterr().out


def test_nothing_to_do_with_a_gpu_or_with_torch_installed(monkeypatch, capsys):
    calls = _no_pip(monkeypatch)
    monkeypatch.setattr(it, "installed_torch", lambda: None)
    monkeypatch.setattr(it.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    assert it.main(["--index", "http://127.0.0.1:9/simple"]) == 0
    monkeypatch.setattr(it, "installed_torch", lambda: PIN + "+cpu")
    assert it.main([]) == 0
    out = capsys.readouterr().out
    assert calls == [] and "NVIDIA GPU" in out and "is installed" in out


def _fake_wheel(folder: Path) -> Path:
    name = f"torch-{PIN}+cpu-py3-none-any.whl"
    dist = f"torch-{PIN}+cpu.dist-info"
    files = {"torch/__init__.py": f"__version__ = '{PIN}+cpu'\n",
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: torch\nVersion: {PIN}+cpu\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(t.encode()).digest()).rstrip(b'=').decode()},"
              f"{len(t.encode())}" for p, t in files.items()] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(folder / name, "w") as z:
        for p, t in files.items():
            z.writestr(p, t)
    return folder / name


@pytest.fixture
def local_index(tmp_path):
    root = tmp_path / "index"
    (root / "simple" / "torch").mkdir(parents=True)
    wheel = _fake_wheel(root / "simple" / "torch")
    (root / "simple" / "torch" / "index.html").write_text(f"<a href='{wheel.name}'>{wheel.name}</a>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    server.shutdown()


def test_a_reachable_index_installs_the_cpu_build(local_index, tmp_path, monkeypatch):
    monkeypatch.setattr(it.shutil, "which", lambda name: None)
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # only the local index: no machine-wide wheels
    target = tmp_path / "target"
    assert it.main(["--index", local_index, "--target", str(target)]) == 0
    assert (target / "torch" / "__init__.py").read_text() == f"__version__ = '{PIN}+cpu'\n"
    # and a pin without the local label accepts it (what requirements.txt then sees)
    done = subprocess.run([sys.executable, "-c", "from packaging.specifiers import SpecifierSet; "
                           f"print(SpecifierSet('=={PIN}').contains('{PIN}+cpu'))"], capture_output=True, text=True)
    assert done.stdout.strip() == "True"
