"""Tests of the ``bothways`` command line (bothways.cli)."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bothways import cli
from bothways.sweep import Store, inputs


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(inputs, "_LOADED", {})


@pytest.fixture
def npz(tmp_path):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(40, 16, 16, 3), dtype=np.uint8)
    trials = images.reshape(40, -1)[:, :5, None] / 64.0 + rng.normal(size=(40, 5, 4))
    path = tmp_path / "mine.npz"
    np.savez(path, images=images, trials=trials)
    return path


FAST = ["--n-splits", "2", "--n-boot", "10", "--n-folds", "4", "--max-units", "20", "--quiet"]


def score(capsys, *args):
    code = cli.main(["score", *FAST, *args])  # later flags win
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("command", ["score", "sweep", "report", "layers"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([command, "--help"])
    assert e.value.code == 0 and "usage: bothways" in capsys.readouterr().out


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "bothways"
    assert exe.is_file(), "pip install -e ./lib should install the bothways console script"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "score" in out.stdout and "report" in out.stdout


def test_score_prints_both_directions_and_resumes(npz, tmp_path, capsys):
    out_dir = tmp_path / "results"
    code, out, _ = score(capsys, "--model", "pixels", "--data", f"npz:{npz}", "--out", str(out_dir))
    assert code == 0
    assert "2 cells: 2 computed, 0 from the store, 0 failed" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("model"))
    assert "forward" in header and "reverse" in header and "reverse (matched)" in header
    row = next(line for line in out.splitlines() if line.strip().startswith("pixels"))
    assert row.count("[") == 2  # forward and reverse, each with its CI
    assert len(Store(out_dir).keys()) == 2

    code, out, _ = score(capsys, "--model", "pixels", "--data", f"npz:{npz}", "--out", str(out_dir))
    assert code == 0 and "2 cells: 0 computed, 2 from the store" in out

    key = Store(out_dir).keys()[0]
    Store(out_dir).path(key).unlink()
    code, out, _ = score(capsys, "--model", "pixels", "--data", f"npz:{npz}", "--out", str(out_dir))
    assert code == 0 and "2 cells: 1 computed, 1 from the store" in out


def test_report_prints_table_and_writes_figure(npz, tmp_path, capsys):
    out_dir = tmp_path / "results"
    score(capsys, "--model", "pixels", "--model", "random-projection", "--data", f"npz:{npz}",
          "--method", "default", "--method", "muzellec_kar", "--out", str(out_dir))
    assert cli.main(["report", str(out_dir), "--csv", str(tmp_path / "t.csv")]) == 0
    out = capsys.readouterr().out
    assert "pixels" in out and "random-projection" in out and "muzellec_kar" in out
    fig = out_dir / "report.png"
    assert fig.is_file() and fig.stat().st_size > 10_000
    assert (tmp_path / "t.csv").read_text().count("\n") == 9  # header + 2 models x 2 methods x 2 directions


@pytest.mark.parametrize("args, error", [
    (["--model", "alexnet"], "UnknownModelError: unknown model 'alexnet'"),
    (["--model", "pixels", "--layers", "conv9"], "UnknownLayerError: model 'pixels' has no layer 'conv9'"),
    (["--model", "pixels", "--data", "npz:/no/such/file.npz"], "DataError"),
    (["--model", "pixels", "--data", "mri:1"], "DataError: unknown data 'mri:1'"),
    (["--model", "pixels", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1"],
     "SchedulerError: cannot reach the Dask scheduler"),
])
def test_bad_input_is_a_named_error(args, error, npz, tmp_path, capsys):
    if "--data" not in args:
        args = [*args, "--data", f"npz:{npz}"]
    code, out, err = score(capsys, *args, "--out", str(tmp_path / "r"))
    assert code == 2 and error in err, err
    assert not (tmp_path / "r" / "cells").exists() or not any((tmp_path / "r" / "cells").iterdir())


def test_mismatched_stimuli_and_unreadable_file(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "bad.npz", images=rng.integers(0, 256, (30, 8, 8, 3), dtype=np.uint8),
             trials=rng.normal(size=(31, 4, 3)))
    code, _, err = score(capsys, "--model", "pixels", "--data", f"npz:{tmp_path / 'bad.npz'}")
    assert code == 2 and "30 images for 31 stimuli" in err
    (tmp_path / "broken.npz").write_bytes(b"\x00" * 100)
    code, _, err = score(capsys, "--model", "pixels", "--data", f"npz:{tmp_path / 'broken.npz'}")
    assert code == 2 and "cannot read" in err and "broken.npz" in err


def test_failed_cells_exit_1_and_are_listed(npz, tmp_path, capsys):
    code, out, err = score(capsys, "--model", "pixels", "--data", f"npz:{npz}", "--n-folds", "100",
                           "--out", str(tmp_path / "r"))
    assert code == 1 and "2 cell(s) failed" in err and "more folds (100) than stimuli (40)" in err


def test_sweep_file_and_own_network(npz, tmp_path, capsys):
    net = tmp_path / "mynet.py"
    net.write_text(textwrap.dedent("""
        from torch import nn
        from bothways.models import Preprocess

        def build():
            net = nn.Sequential(nn.AvgPool2d(4), nn.Flatten())
            return net, Preprocess(16)
        """))
    cfg = tmp_path / "grid.yaml"
    cfg.write_text(textwrap.dedent(f"""
        models: ["{net}:build", pixels]
        layers: {{"{net}:build": ["1"], pixels: auto}}
        data: ["npz:{npz}"]
        directions: [forward]
        seeds: [0, 1]
        options: {{n_splits: 2, n_boot: 10, n_folds: 4}}
        store: grid-results
        """))
    assert cli.main(["sweep", str(cfg), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "4 cells: 4 computed" in out and "mynet.py:build" in out
    assert len(Store(tmp_path / "grid-results").keys()) == 4
    assert cli.main(["sweep", str(cfg), "--quiet"]) == 0
    assert "4 cells: 0 computed, 4 from the store" in capsys.readouterr().out
    assert cli.main(["layers", f"{net}:build"]) == 0
    assert "candidate layers (--layers auto): 0, 1" in capsys.readouterr().out


def test_report_on_a_folder_that_is_no_store(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "is not a result store" in capsys.readouterr().err


@pytest.mark.data
def test_score_on_the_v4_session(tmp_path, capsys):
    from bothways.data.files import data_dirs

    if not any((p / "cowley2023_v4").is_dir() for p in data_dirs()):
        pytest.skip("real data not found (../shared/data or BOTHWAYS_DATA)")
    code, out, _ = score(capsys, "--model", "pixels", "--data", "v4:210325", "--n-stimuli", "120",
                         "--out", str(tmp_path / "r"))
    assert code == 0 and "v4:210325[n=120,seed=0]" in out and "2 cells: 2 computed" in out
