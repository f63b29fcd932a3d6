"""bothways.exercises: friendly checks that never raise on a student's answer."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from bothways.exercises import check_array, check_between, check_choice, check_number, check_sign

# Answers a student might leave in a cell; none of them may raise, whatever the checker.
WEIRD = [None, "abc", "", [1, 2], [[1], [1, 2]], {"a": 1}, object(), float("nan"), float("inf"),
         True, 1 + 2j, np.array([np.nan]), np.ones((2, 3)), print, torch.tensor([1.0, 2.0]),
         np.array(["x", "y"]), (5,), b"0.5"]


def _ran(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") >= 1, "a check must print a message"
    return out


def test_check_number_right_and_wrong(capsys):
    assert check_number(0.5004, 0.5, tol=1e-3) is True
    out = _ran(capsys)
    assert out.startswith("✅") and "0.5" in out
    assert check_number(0.7, 0.5, tol=0.01, hint="the mean of x") is False
    out = _ran(capsys)
    assert out.startswith("❌") and "too high" in out and "Hint: the mean of x" in out
    assert "0.5 " not in out, "a wrong answer must not be told the expected value"
    assert check_number(0.3, 0.5, tol=0.01) is False
    assert "too low" in _ran(capsys)


def test_check_number_tolerances_match_a_direct_comparison(rng):
    for _ in range(200):
        expected, answer = rng.normal(size=2) * 10.0 ** rng.integers(-3, 4)
        tol, rtol = abs(rng.normal()) * 0.1, abs(rng.normal()) * 0.1
        want = abs(answer - expected) <= tol + rtol * abs(expected)
        assert check_number(answer, expected, tol=tol, rtol=rtol) is bool(want)


def test_check_number_accepts_the_usual_numeric_types(capsys):
    for answer in (0.5, np.float32(0.5), np.array(0.5), np.array([0.5]), [0.5], "0.5 ",
                   torch.tensor(0.5), torch.tensor([[0.5]]), 1 / 2):
        assert check_number(answer, np.float64(0.5), tol=1e-6), answer
    out = capsys.readouterr().out
    assert "❌" not in out


@pytest.mark.parametrize("answer", WEIRD, ids=lambda a: type(a).__name__)
def test_no_checker_raises_on_a_strange_answer(answer, capsys):
    results = [check_number(answer, 0.5), check_between(answer, 0, 1), check_sign(answer, -1.0),
               check_array(answer, np.zeros(3)), check_choice(answer, ["forward", "reverse"], "reverse")]
    out = capsys.readouterr().out
    assert all(r is False for r in results), results
    assert out.count("❌") == 5 and "✅" not in out
    assert "Traceback" not in out


def test_messages_explain_the_problem(capsys):
    check_number(None, 1.0)
    assert "No answer yet" in _ran(capsys)
    check_number(True, 1.0)
    assert "yes/no" in _ran(capsys)
    check_number([1, 2], 1.0)
    assert "2 numbers" in _ran(capsys)
    check_number(float("nan"), 1.0)
    assert "nan" in _ran(capsys).lower()
    check_array(np.ones(4), np.ones((2, 2)))
    out = _ran(capsys)
    assert "Shape mismatch" in out and "(4,)" in out and "(2, 2)" in out
    check_choice("sideways", ["forward", "reverse"], "reverse")
    out = _ran(capsys)
    assert "'forward'" in out and "'reverse'" in out


def test_check_between():
    assert check_between(0.4, 0.3, 0.6)
    assert check_between(0.3, 0.3, 0.6) and check_between(0.6, 0.3, 0.6)
    assert not check_between(0.61, 0.3, 0.6)
    assert check_between(10.0, 0.3, None) and check_between(-10.0, None, 0)
    assert not check_between(-0.1, 0.0, None)


def test_check_sign():
    assert check_sign(-0.3, -0.33) and check_sign("negative", -0.2) and check_sign(" Negative ", "-")
    assert not check_sign("positive", -0.2)
    assert check_sign(0.004, "zero", zero_tol=0.01) and not check_sign(0.004, "zero")
    assert check_sign(torch.tensor(2.0), "positive")


def test_check_array_matches_numpy_isclose(rng):
    for _ in range(100):
        expected = rng.normal(size=(3, 4))
        answer = expected + rng.normal(size=(3, 4)) * 10 ** rng.uniform(-8, -1)
        atol = 10 ** rng.uniform(-6, -2)
        assert check_array(answer, expected, atol=atol) is bool(np.allclose(answer, expected, atol=atol, rtol=0))


def test_check_array_types_and_nans(capsys):
    expected = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert check_array([[1, np.nan], [3, 4]], expected)
    assert check_array(torch.tensor([[1.0, float("nan")], [3.0, 4.0]]), expected)
    assert not check_array([[1, 2], [3, 4]], expected)
    assert "NaN" in capsys.readouterr().out.split("\n")[-2]
    assert not check_array([[1, np.nan], [3, 5]], expected)
    assert "1 of 4 entries differ, largest error 1" in capsys.readouterr().out


def test_check_choice():
    options = ["forward", "reverse", "both"]
    assert check_choice("Reverse ", options, "reverse")
    assert not check_choice("both", options, "reverse")
    assert check_choice(2, [1, 2, 3], 2) and check_choice(2.0, [1, 2, 3], 2)
    assert check_choice(True, [True, False], True) and not check_choice(False, [True, False], True)


def test_the_chapters_own_mistakes_do_raise():
    """Bad expected values, tolerances or options are the book's bugs: CI must see them."""
    with pytest.raises(ValueError, match="expected"):
        check_number(0.5, None)
    with pytest.raises(ValueError, match="expected"):
        check_number(0.5, math.nan)
    with pytest.raises(ValueError, match="tol"):
        check_number(0.5, 0.5, tol=-1)
    with pytest.raises(ValueError, match="low"):
        check_between(0.5, 1.0, 0.0)
    with pytest.raises(ValueError, match="sign"):
        check_sign(1.0, "sideways")
    with pytest.raises(TypeError, match="expected"):
        check_array([1], ["a"])
    with pytest.raises(TypeError, match="options"):
        check_choice("a", "ab", "a")
    with pytest.raises(ValueError, match="not one of the options"):
        check_choice("a", ["a", "b"], "c")
