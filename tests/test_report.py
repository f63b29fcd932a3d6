"""bothways.report: verdict words, intervals, and glued findings as a page renders them.

The rendering test executes a small notebook that glues with the helpers (nbclient) and
renders it with myst-nb's docutils writer, the same roles Jupyter Book uses.
"""
from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from scipy import stats

from bothways import report
from bothways.report import PARTLY, REPRODUCES, REVERSED, UNRESOLVED, overall, verdict


@pytest.mark.parametrize("estimate, low, high, sign, null, word", [
    (3.0, 1.0, 5.0, +1, 0.0, REPRODUCES),
    (3.0, 1.0, 5.0, -1, 0.0, REVERSED),
    (-3.0, -5.0, -1.0, -1, 0.0, REPRODUCES),
    (-3.0, -5.0, -1.0, +1, 0.0, REVERSED),
    (0.5, -1.0, 2.0, +1, 0.0, UNRESOLVED),
    (1.0, 0.0, 2.0, +1, 0.0, UNRESOLVED),   # an end point on the null counts as containing it
    (-1.0, -2.0, 0.0, -1, 0.0, UNRESOLVED),
    (0.0, 0.0, 0.0, +1, 0.0, UNRESOLVED),
    (0.7, 0.6, 0.8, +1, 0.5, REPRODUCES),   # a null other than zero
    (0.3, 0.2, 0.45, +1, 0.5, REVERSED),
])
def test_verdict_table(estimate, low, high, sign, null, word):
    assert verdict(estimate, low, high, expected_sign=sign, null=null) == word
    assert verdict(np.float32(estimate), np.array(low), np.float64(high), expected_sign=sign, null=null) == word


def test_verdict_is_the_interval_against_the_null_on_random_intervals(rng):
    for _ in range(500):
        low, high = np.sort(rng.normal(size=2) * 3)
        estimate = rng.uniform(low, high)
        sign = int(rng.choice([-1, 1]))
        if low > 0:
            want = REPRODUCES if sign == 1 else REVERSED
        elif high < 0:
            want = REPRODUCES if sign == -1 else REVERSED
        else:
            want = UNRESOLVED
        assert verdict(estimate, low, high, expected_sign=sign) == want


def test_verdict_rejects_bad_input():
    with pytest.raises(ValueError, match="expected_sign"):
        verdict(1, 0.5, 2, expected_sign=0)
    with pytest.raises(ValueError, match="expected_sign"):
        verdict(1, 0.5, 2, expected_sign=True)
    with pytest.raises(ValueError, match="low"):
        verdict(1, 2, 0.5, expected_sign=1)
    with pytest.raises(ValueError, match="high must be finite"):
        verdict(1, 0.5, math.nan, expected_sign=1)
    with pytest.raises(ValueError, match="estimate must be finite"):
        verdict(math.inf, 0.5, 2, expected_sign=1)
    with pytest.raises(TypeError, match="low"):
        verdict(1, [0.5, 1], 2, expected_sign=1)
    with pytest.raises(ValueError, match="not on the side"):
        verdict(-1, 0.5, 2, expected_sign=1)


def test_verdict_with_a_bootstrap_interval_finds_a_known_effect_and_not_a_null(rng):
    """Percentile intervals of simulated bootstrap means: a 1-SD effect reproduces, zero does not."""
    n = 200
    found = {0.0: [], 1.0: []}
    for effect in found:
        for _ in range(200):
            x = rng.normal(effect, 1.0, n)
            boots = rng.choice(x, size=(300, n)).mean(axis=1)
            found[effect].append(verdict(x.mean(), *report.percentile_interval(boots), expected_sign=+1))
    assert found[1.0].count(REPRODUCES) == 200
    assert 0.88 <= found[0.0].count(UNRESOLVED) / 200 <= 0.99  # ~95 % coverage of the null


def test_overall():
    assert overall([REPRODUCES] * 3) == REPRODUCES
    assert overall([UNRESOLVED, UNRESOLVED]) == UNRESOLVED
    assert overall([REVERSED]) == REVERSED
    assert overall([REPRODUCES, REVERSED]) == PARTLY
    assert overall([UNRESOLVED, REVERSED]) == report.NOT_REPRODUCED
    with pytest.raises(ValueError, match="empty"):
        overall([])
    with pytest.raises(ValueError, match="not verdicts"):
        overall([REPRODUCES, "holds"])
    assert set(report.VERDICTS) == {REPRODUCES, REVERSED, UNRESOLVED, PARTLY, report.NOT_REPRODUCED}


def test_interval_formatting():
    assert report.interval(3.14159, 2.0, 4.25) == "3.1 [2.0, 4.2]"
    assert report.interval(3.14159, 2.0, 4.25, digits=2, unit=" %") == "3.14 % [2.00, 4.25]"
    assert report.interval(-0.04, -1, 1, signed=True, digits=0) == "-0 [-1, +1]"
    with pytest.raises(ValueError, match="low"):
        report.interval(1, 2, 0)
    with pytest.raises(ValueError, match="digits"):
        report.interval(1, 0, 2, digits=-1)
    with pytest.raises(ValueError, match="high must be finite"):
        report.interval(1, 0, math.nan)


def test_percentile_interval_matches_the_normal_quantiles(rng):
    x = rng.normal(2.0, 3.0, 400_000)
    low, high = report.percentile_interval(x, ci=0.9)
    want = stats.norm.ppf([0.05, 0.95], loc=2.0, scale=3.0)
    np.testing.assert_allclose([low, high], want, atol=0.05)
    assert report.percentile_interval([1.0, 3.0], ci=0.5) == (1.5, 2.5)
    with pytest.raises(ValueError, match="NaN"):
        report.percentile_interval([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="1-D"):
        report.percentile_interval(np.ones((3, 3)))
    with pytest.raises(ValueError, match="ci"):
        report.percentile_interval([1.0, 2.0], ci=95)


def test_glue_helpers_outside_a_kernel():
    """They return None (a cell ending in one displays nothing) and record the value."""
    assert report.glue_number("over_t1", np.float64(2.5)) is None
    report.glue_number("over_t2", np.int64(7))
    report.glue_text("over_t3", "is **clear**")
    report.glue_interval("over_t4", 1, 0, 2)
    glued = report.glued()
    assert glued["over_t1"] == 2.5 and type(glued["over_t1"]) is float and type(glued["over_t2"]) is int
    assert glued["over_t3"] == "is **clear**" and glued["over_t4"] == "1.0 [0.0, 2.0]"


@pytest.mark.parametrize("key", ["gap", "over-gap", "over_gap:1", "Over_gap", "_over", 3, "over_"])
def test_glue_keys_must_carry_a_chapter_prefix(key):
    with pytest.raises(ValueError, match="glue key"):
        report.glue_number(key, 1.0)


def test_glue_refuses_what_cannot_be_pasted():
    with pytest.raises(ValueError, match="finite"):
        report.glue_number("over_nan", np.nan)
    with pytest.raises(TypeError, match="yes/no"):
        report.glue_number("over_bool", True)
    with pytest.raises(TypeError, match="one real number"):
        report.glue_number("over_arr", np.ones(3))
    with pytest.raises(TypeError, match="non-empty string"):
        report.glue_text("over_empty", " ")
    with pytest.raises(TypeError, match="non-empty string"):
        report.glue_text("over_num", 3.0)


GLUING = '''# %%
import numpy as np
from bothways import report
report.glue_number("over_x", np.float64(3.14159))
report.glue_number("over_n", np.int64(42))
report.glue_text("over_v", report.verdict(3.1, 2.0, 4.2, expected_sign=+1))
report.glue_text("over_s", "the *asymmetry* **is clear**, isn't it")
report.glue_interval("over_ci", 3.14159, 2.0, 4.25, unit=" %")

# %% [markdown]
# START A {glue:text}`over_x:.2f` B {glue:text}`over_n:d` C {glue:md}`over_v` D {glue:text}`over_v:s`
# E {glue:md}`over_s` F {glue:md}`over_ci` END
'''


def test_glued_findings_render_as_plain_text(tmp_path):
    """The page shows numbers formatted, words without quotes, Markdown rendered, no code output."""
    nb = jupytext.reads(GLUING, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert all(not k.startswith("text/") for o in outputs for k in o.get("data", {})), \
        "glued values must not be displayed in the cell"
    path = tmp_path / "glued.ipynb"
    nbformat.write(nb, path)
    writer = Path(sys.executable).parent / "mystnb-docutils-html5"
    done = subprocess.run([str(writer), "--nb-execution-mode=off", f"--nb-output-folder={tmp_path / 'build'}",
                           str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    body = re.sub(r"\s+", " ", done.stdout)
    text = re.sub(r"<[^>]+>", "", body[body.index("START ") + 6:body.index(" END")])
    assert text == ("A 3.14 B 42 C reproduces D reproduces E the asymmetry is clear, isn’t it "
                    "F 3.1 % [2.0, 4.2]").replace("’", "'"), text
    assert "<strong>is clear</strong>" in body and "<em>asymmetry</em>" in body
