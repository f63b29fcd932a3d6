"""Friendly answer checks for the book's exercises.

Every ``check_*`` helper prints one line — ``✅`` and what was right, or ``❌`` and a
hint — and returns ``True`` or ``False``. Nothing about the student's ``answer`` ever
raises: ``None`` (not answered yet), a string, a list, a tensor, NaN or an array of the
wrong shape each get a message that explains what was expected, so a student running a
chapter top to bottom in Colab is never stopped by an exercise. (The arguments the
*chapter* passes — ``expected``, ``tol``, ``options`` — are validated and do raise
``ValueError``/``TypeError``: they are the book's bugs, and CI executes every chapter.)
A wrong answer is told "too high"/"too low", never the expected value.

The exercise convention (``book/fork.md``; ``scripts/student_copies.py`` relies on it):

- the expected value is computed from the run (never typed in) in a cell tagged
  ``remove-cell`` and ``exercise-key``, named ``EXPECTED_<WHAT>``::

      # %% tags=["remove-cell", "exercise-key"]
      EXPECTED_PR = participation_ratio(X)

- the student's cell passes that name, never the expression::

      my_answer = None  # your answer: the participation ratio of X
      check_number(my_answer, EXPECTED_PR, tol=0.01, hint="(Σλ)² / Σλ² of the eigenvalues");

- a code solution is a cell tagged ``solution`` and ``hide-cell`` (collapsed with its
  output, which would show the value), assigning only the names the student's cell
  already has; a Markdown solution is a cell tagged ``solution`` holding an
  ``{admonition} Solution`` block with ``:class: dropdown``; an open question has no
  solution;
- student copies drop the ``solution`` cells and *seal* the ``exercise-key`` cells
  (:func:`seal`, :func:`unseal`): the key still runs, the answer is not readable.
"""
from __future__ import annotations

import base64
import math
import numbers
import zlib
from collections.abc import Sequence

import numpy as np

__all__ = ["check_number", "check_between", "check_sign", "check_array", "check_choice", "seal", "unseal"]

_OK, _NO = "✅", "❌"


def _say(ok: bool, message: str, hint: str | None = None) -> bool:
    line = f"{_OK if ok else _NO} {message[:1].upper()}{message[1:]}"
    if not ok and hint:
        line += f"\n   Hint: {hint}"
    print(line)
    return ok


def _fmt(x) -> str:
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _describe(answer) -> str:
    text = repr(answer)
    return text if len(text) <= 60 else text[:57] + "..."


def _to_array(x):
    """Plain numpy from numpy, torch, pandas, lists or scalars; ``None`` if impossible."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch.Tensor without importing torch
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except Exception:  # ragged lists and the like
        return None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        return None
    return arr


def _to_float(x):
    """``(value, problem)``: a real number from the student's answer, or why not."""
    if x is None:
        return None, "no answer yet: replace `None` with your answer"
    if isinstance(x, (bool, np.bool_)):
        return None, f"you gave {x!r}, a yes/no value; this question asks for a number"
    if isinstance(x, str):
        try:
            return float(x), None
        except ValueError:
            return None, f"you gave the text {_describe(x)}; this question asks for a number"
    arr = _to_array(x)
    if arr is None:
        return None, f"you gave {_describe(x)} ({type(x).__name__}); this question asks for one number"
    if arr.size != 1:
        return None, f"you gave {arr.size} numbers (shape {arr.shape}); this question asks for one number"
    value = arr.reshape(()).item()
    if isinstance(value, complex):
        return None, f"you gave a complex number {value}; this question asks for a real number"
    value = float(value)
    if not math.isfinite(value):
        return None, f"your answer is {value}: check for a division by zero or a NaN in your data"
    return value, None


def _expected_float(name: str, x) -> float:
    value, problem = _to_float(x)
    if problem is not None:
        raise ValueError(f"the chapter passed an unusable {name} ({problem.split(';')[0]}): {x!r}")
    return value


def _check_tol(name: str, tol) -> float:
    tol = float(tol)
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {tol}")
    return tol


def check_number(answer, expected, tol: float = 1e-6, hint: str | None = None, rtol: float = 0.0) -> bool:
    """Is ``answer`` a number within ``tol + rtol·|expected|`` of ``expected``?

    ``answer``: anything the student typed (a number, a 1-element array or tensor, a
    numeric string). ``expected``: the value the chapter computed. On a wrong answer the
    message says whether it is too high or too low (never the expected value).
    Returns ``True`` if correct; prints a message either way; never raises on ``answer``.
    """
    expected = _expected_float("expected", expected)
    allowed = _check_tol("tol", tol) + _check_tol("rtol", rtol) * abs(expected)
    value, problem = _to_float(answer)
    if problem:
        return _say(False, problem, hint)
    if abs(value - expected) <= allowed:
        return _say(True, f"Correct: {_fmt(value)} (expected {_fmt(expected)} ± {allowed:.2g}).")
    side = "too high" if value > expected else "too low"
    return _say(False, f"Not quite: {_fmt(value)} is {side} (allowed error ± {allowed:.2g}).", hint)


def check_between(answer, low, high, hint: str | None = None) -> bool:
    """Is ``answer`` a number with ``low <= answer <= high``? (``None`` bounds are open.)

    For questions whose answer is a range (e.g. "a correlation between 0.3 and 0.6").
    Returns ``True`` if inside; never raises on ``answer``.
    """
    low = -math.inf if low is None else _expected_float("low", low)
    high = math.inf if high is None else _expected_float("high", high)
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    value, problem = _to_float(answer)
    if problem:
        return _say(False, problem, hint)
    if low <= value <= high:
        where = (f"at least {_fmt(low)}" if math.isinf(high) else f"at most {_fmt(high)}" if math.isinf(low)
                 else f"between {_fmt(low)} and {_fmt(high)}")
        return _say(True, f"Correct: {_fmt(value)} is {where}.")
    side = "too high" if value > high else "too low"
    return _say(False, f"Not quite: {_fmt(value)} is {side} for this question.", hint)


_SIGN_WORDS = {"positive": 1, "+": 1, "negative": -1, "-": -1, "zero": 0}


def check_sign(answer, expected, hint: str | None = None, zero_tol: float = 0.0) -> bool:
    """Does ``answer`` have the sign of ``expected``?

    ``expected``: a number (its sign is used: a computed correlation, slope, …) or one
    of ``"positive"``, ``"negative"``, ``"zero"``. ``answer``: a number, or the words
    ``"positive"``/``"negative"``/``"zero"`` (also ``"+"``/``"-"``). Values with
    ``|x| <= zero_tol`` count as zero. Returns ``True`` if the signs agree; never raises
    on ``answer``.
    """
    zero_tol = _check_tol("zero_tol", zero_tol)

    def sign_of(x, who):
        if isinstance(x, str) and x.strip().lower() in _SIGN_WORDS:
            return _SIGN_WORDS[x.strip().lower()], None
        value, problem = _to_float(x)
        if problem:
            if who == "answer" and isinstance(x, str):
                problem = f"you gave the text {_describe(x)}; answer with a number or 'positive'/'negative'/'zero'"
            return None, problem
        return (0 if abs(value) <= zero_tol else int(np.sign(value))), None

    want, problem = sign_of(expected, "expected")
    if problem:
        raise ValueError(f"the chapter passed an unusable expected sign: {expected!r}")
    got, problem = sign_of(answer, "answer")
    if problem:
        return _say(False, problem, hint)
    names = {1: "positive", -1: "negative", 0: "zero"}
    if got == want:
        return _say(True, f"Correct: the sign is {names[want]}.")
    return _say(False, f"Not quite: your answer is {names[got]}.", hint)


def check_array(answer, expected, atol: float = 1e-6, hint: str | None = None, rtol: float = 0.0) -> bool:
    """Does ``answer`` match the array ``expected`` (same shape, ``|a - e| <= atol + rtol·|e|``)?

    ``answer`` may be a list, numpy array, pandas object or torch tensor; NaNs must sit
    where ``expected`` has them. The message names a shape mismatch, or how many entries
    are off and the largest error. Returns ``True`` if it matches; never raises on ``answer``.
    """
    exp = _to_array(expected)
    if exp is None:
        raise TypeError(f"the chapter passed a non-numeric expected array: {_describe(expected)}")
    exp = exp.astype(float)
    atol, rtol = _check_tol("atol", atol), _check_tol("rtol", rtol)
    if answer is None:
        return _say(False, "No answer yet: replace `None` with your array", hint)
    got = None if isinstance(answer, str) else _to_array(answer)
    if got is None:
        return _say(False, f"You gave {_describe(answer)} ({type(answer).__name__}); this question asks for "
                           f"an array of shape {exp.shape}", hint)
    if np.iscomplexobj(got):
        return _say(False, "Your array is complex; this question asks for real numbers", hint)
    got = got.astype(float)
    if got.shape != exp.shape:
        extra = " (same number of entries: reshape or transpose?)" if got.size == exp.size else ""
        return _say(False, f"Shape mismatch: yours is {got.shape}, expected {exp.shape}{extra}", hint)
    close = np.isclose(got, exp, atol=atol, rtol=rtol, equal_nan=True)
    if close.all():
        return _say(True, f"Correct: all {exp.size} entries match (± {atol:.2g}).")
    n_bad = int((~close).sum())
    finite = np.isfinite(got) & np.isfinite(exp)
    worst = float(np.max(np.abs(got - exp)[finite & ~close])) if (finite & ~close).any() else float("nan")
    detail = f", largest error {worst:.3g}" if math.isfinite(worst) else " (NaN where a number was expected, or vice versa)"
    return _say(False, f"Not quite: {n_bad} of {exp.size} entries differ{detail}.", hint)


def _norm(option):
    return option.strip().casefold() if isinstance(option, str) else option


def check_choice(answer, options: Sequence, correct, hint: str | None = None) -> bool:
    """Is ``answer`` the ``correct`` one of ``options`` (a multiple-choice question)?

    Strings are compared ignoring case and surrounding spaces. An answer that is not
    one of the options gets the list of options back. Returns ``True`` if correct;
    never raises on ``answer``.
    """
    if isinstance(options, str) or not isinstance(options, Sequence) or len(options) < 2:
        raise TypeError(f"options must be a list of at least two choices, got {options!r}")
    normed = [_norm(o) for o in options]
    if _norm(correct) not in normed:
        raise ValueError(f"correct ({correct!r}) is not one of the options {list(options)!r}")
    listing = ", ".join(repr(o) for o in options)
    if answer is None:
        return _say(False, f"No answer yet: set `answer` to one of {listing}", hint)
    try:
        key = _norm(answer)
        chosen = key in normed
    except Exception:  # unhashable or uncomparable answers
        chosen = False
    if not chosen and isinstance(answer, numbers.Number) and not isinstance(answer, bool):
        chosen = any(isinstance(o, numbers.Number) and not isinstance(o, bool) and o == answer for o in options)
    if not chosen:
        return _say(False, f"{_describe(answer)} is not one of the options: choose one of {listing}", hint)
    if key == _norm(correct):
        return _say(True, f"Correct: {correct!r}.")
    return _say(False, f"Not quite: {_describe(answer)} is not the best choice.", hint)


def seal(source: str) -> str:
    """``source`` compressed and base64-encoded: unreadable at a glance, undone by :func:`unseal`.

    Student copies hold an answer key as ``exec(unseal("..."))``. Not encryption:
    anyone can ``print(unseal(...))``; the aim is only that the answer is not visible.

    >>> unseal(seal("EXPECTED = 2 + 2"))
    'EXPECTED = 2 + 2'
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a string, got {type(source).__name__}")
    return base64.b64encode(zlib.compress(source.encode("utf-8"), 9)).decode("ascii")


def unseal(sealed: str) -> str:
    """The source that :func:`seal` encoded (``ValueError`` if ``sealed`` is not one)."""
    try:
        return zlib.decompress(base64.b64decode(sealed, validate=True)).decode("utf-8")
    except (ValueError, TypeError, zlib.error) as err:
        raise ValueError(f"not a sealed answer key ({err}): {str(sealed)[:40]!r}") from None
