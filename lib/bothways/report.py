"""Findings from the run: verdict words, intervals, and glue into a chapter's Markdown.

A chapter never types a number or a verdict into its prose and never prints a finding
from a code cell. It computes them, glues them (myst-nb's ``glue``), and its
"What we found" Markdown pastes them::

    from bothways import report
    d, lo, hi = 41.3, 35.0, 47.9               # forward − reverse EV and its 95 % CI
    report.glue_number("over_gap", d)          # Markdown: {glue:text}`over_gap:.1f`
    report.glue_interval("over_gap_ci", d, lo, hi, unit=" points")
    report.glue_text("over_verdict", report.verdict(d, lo, hi, expected_sign=+1))
    # Markdown: "The asymmetry {glue:md}`over_verdict`: forward exceeds reverse by
    #            {glue:md}`over_gap_ci`."

Rendering (myst-nb 1.4, Jupyter Book 1.0.4; checked by ``tests/test_report.py``):

- numbers: ``{glue:text}`key:.1f``` (any format spec ending in its type character);
  :func:`glue_number` stores a plain ``int``/``float`` so that the format applies
  (a glued ``numpy.float64`` shows as ``np.float64(…)`` and cannot be formatted);
- words and sentences: ``{glue:md}`key``` renders the glued Markdown inline, as text
  (``**bold**`` and ``*italics*`` work; roles such as ``{cite}`` do not);
  ``{glue:text}`key``` shows the same words as plain text, and is the form that works
  from another page: ``{glue:text}`../notebooks/00_overview.ipynb::over_verdict:s```.
  (The bare ``{glue}`key``` role would show a string in quotes: do not use it.)

Keys start with the chapter's slug and an underscore (``over_``, ``asym_``, ``sym_``,
``dim_``, ``good_``, ``grid_``, ``beh_``) so that they never collide across pages; no
colon (myst-nb reads what follows a colon as the format).

The ``glue_*`` helpers return ``None``, so a cell that ends with one shows nothing on
the page. Outside a build (Colab, a plain Jupyter, the tests) they work the same;
where myst-nb is not installed (Colab) they store nothing in the notebook. Every value
glued in this interpreter is also kept in :func:`glued` (a reader on Colab can look
at ``report.glued()``).

Verdicts (:func:`verdict`) are decided by a confidence interval alone: a claim
**reproduces** when the interval excludes the null value on the side the paper
claims, **is reversed** when it excludes it on the other side, and **is not
resolved** when it contains it. :func:`overall` combines several verdicts (one per
network, say) into one.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable

import numpy as np

__all__ = ["REPRODUCES", "REVERSED", "UNRESOLVED", "PARTLY", "NOT_REPRODUCED", "VERDICTS",
           "verdict", "overall", "interval", "percentile_interval",
           "glue_number", "glue_text", "glue_interval", "glued"]

#: The interval excludes the null on the side the paper claims.
REPRODUCES = "reproduces"
#: The interval excludes the null on the other side.
REVERSED = "is reversed"
#: The interval contains the null value.
UNRESOLVED = "is not resolved"
#: (:func:`overall`) some of the verdicts reproduce, not all.
PARTLY = "partly reproduces"
#: (:func:`overall`) none reproduces, and they are not all reversed or all unresolved.
NOT_REPRODUCED = "does not reproduce"
#: Every word :func:`verdict` and :func:`overall` can return. Each reads after the name
#: of the claim: "the asymmetry reproduces", "the asymmetry is not resolved".
VERDICTS = (REPRODUCES, REVERSED, UNRESOLVED, PARTLY, NOT_REPRODUCED)

KEY = re.compile(r"^[a-z][a-z0-9]*_[A-Za-z0-9_]+$")
_GLUED: dict[str, object] = {}


def _real(name: str, x) -> float:
    """``x`` as a finite float, or a ``ValueError``/``TypeError`` naming ``name``."""
    if isinstance(x, (bool, np.bool_)) or isinstance(x, str):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    try:
        value = float(np.asarray(x).reshape(()))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be one real number, got {x!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def verdict(estimate, low, high, *, expected_sign: int, null: float = 0.0) -> str:
    """The verdict word for a claimed effect, from its estimate and confidence interval.

    Parameters
    ----------
    estimate : the effect as measured, e.g. a paired difference (forward − reverse EV).
    low, high : its confidence interval (``low <= high``), e.g. a bootstrap percentile
        interval (:func:`percentile_interval`).
    expected_sign : ``+1`` if the paper claims the effect is above ``null``, ``-1`` if
        below.
    null : the value that means "no effect" (default 0).

    Returns
    -------
    ``"reproduces"`` (``REPRODUCES``) when the interval lies strictly on the claimed side
    of ``null``, ``"is reversed"`` (``REVERSED``) when it lies strictly on the other
    side, ``"is not resolved"`` (``UNRESOLVED``) when it contains ``null`` (an end point
    equal to ``null`` counts as containing it).

    Raises
    ------
    ValueError: a NaN or infinite argument, ``low > high``, an ``expected_sign`` other
    than ±1, or an estimate on the other side of ``null`` than an interval that
    excludes it (the three numbers do not belong together).

    Examples
    --------
    >>> verdict(3.1, 2.0, 4.2, expected_sign=+1)
    'reproduces'
    >>> verdict(-3.1, -4.2, -2.0, expected_sign=+1)
    'is reversed'
    >>> verdict(0.4, -1.0, 1.8, expected_sign=+1)
    'is not resolved'
    >>> verdict(0.3, 0.15, 0.45, expected_sign=-1, null=0.5)
    'reproduces'
    """
    estimate, low, high, null = (_real(n, v) for n, v in
                                 (("estimate", estimate), ("low", low), ("high", high), ("null", null)))
    if expected_sign not in (1, -1) or isinstance(expected_sign, bool):
        raise ValueError(f"expected_sign must be +1 or -1, got {expected_sign!r}")
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    if low > null:
        side = 1
    elif high < null:
        side = -1
    else:
        return UNRESOLVED
    if (estimate - null) * side <= 0:
        raise ValueError(f"estimate {estimate} is not on the side of null={null} where its interval "
                         f"[{low}, {high}] lies")
    return REPRODUCES if side == expected_sign else REVERSED


def overall(verdicts: Iterable[str]) -> str:
    """One verdict for several (one per network, per animal, ...).

    All alike: that verdict. Otherwise ``"partly reproduces"`` (``PARTLY``) when at least
    one reproduces, else ``"does not reproduce"`` (``NOT_REPRODUCED``).

    >>> overall(["reproduces", "reproduces"])
    'reproduces'
    >>> overall(["reproduces", "is not resolved"])
    'partly reproduces'
    >>> overall(["is reversed", "is not resolved"])
    'does not reproduce'
    """
    words = list(verdicts)
    if not words:
        raise ValueError("verdicts is empty")
    unknown = sorted(set(words) - {REPRODUCES, REVERSED, UNRESOLVED})
    if unknown:
        raise ValueError(f"not verdicts of bothways.report.verdict: {unknown}")
    if len(set(words)) == 1:
        return words[0]
    return PARTLY if REPRODUCES in words else NOT_REPRODUCED


def interval(estimate, low, high, *, digits: int = 1, unit: str = "", signed: bool = False) -> str:
    """``"x [lo, hi]"``: an estimate and its interval, for prose.

    ``unit`` follows the estimate (``unit=" %"`` gives ``"3.1 % [2.0, 4.2]"``);
    ``signed`` writes a ``+`` before positive numbers (for differences).

    >>> interval(3.14159, 2.0, 4.25)
    '3.1 [2.0, 4.2]'
    >>> interval(3.1, -0.5, 6, unit=" points", signed=True)
    '+3.1 points [-0.5, +6.0]'
    """
    if not (isinstance(digits, numbers.Integral) and 0 <= digits <= 10):
        raise ValueError(f"digits must be an integer from 0 to 10, got {digits!r}")
    values = [_real(n, v) for n, v in (("estimate", estimate), ("low", low), ("high", high))]
    if values[1] > values[2]:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    x, lo, hi = (format(v, f"{'+' if signed else ''}.{int(digits)}f") for v in values)
    return f"{x}{unit} [{lo}, {hi}]"


def percentile_interval(samples, ci: float = 0.95) -> tuple[float, float]:
    """The central ``ci`` percentile interval of bootstrap (or permutation) samples.

    ``samples``: a 1-D array-like; NaN samples are an error (a bootstrap that produced
    NaN has a problem to fix, not to hide).

    >>> percentile_interval(range(101), ci=0.5)
    (25.0, 75.0)
    """
    x = np.asarray(samples, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"samples must be a 1-D array of at least 2 values, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"samples has {int((~np.isfinite(x)).sum())} NaN/inf value(s) of {x.size}")
    ci = _real("ci", ci)
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    from bothways.stats import percentile_interval as _interval  # the one implementation

    return _interval(x, level=ci)


class _Prose:
    """Words for a page: Markdown for ``{glue:md}``, plain text for ``{glue:text}``."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:  # text/plain: myst-nb strips the quotes of a str literal
        return repr(self.text)


def _check_key(key) -> str:
    if not isinstance(key, str) or not KEY.match(key):
        raise ValueError(f"glue key {key!r} must be the chapter's slug, an underscore and a name of "
                         "letters, digits and underscores (e.g. 'over_gap'); no colon")
    return key


def _glue(key: str, value):
    _GLUED[key] = value
    try:
        from myst_nb import glue
    except ImportError:  # Colab: the page is not built there, so nothing to store
        return
    glue(key, value, display=False)


def glue_number(key: str, value) -> None:
    """Glue one number under ``key``; paste it with ``{glue:text}`key:.1f```.

    ``value``: a Python or numpy number, or a 0-d/1-element array. Integers stay
    integers. NaN and inf are refused (``ValueError``): a finding that is not a number
    must be handled in the chapter, not pasted as "nan".
    """
    _check_key(key)
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{key}: {value!r} is a yes/no value; glue words with glue_text")
    if isinstance(value, numbers.Integral) or (isinstance(value, np.ndarray) and value.dtype.kind in "iu"):
        number = int(np.asarray(value).reshape(()))
    else:
        try:
            number = _real(key, value)
        except TypeError:
            raise TypeError(f"{key}: glue_number needs one real number, got {value!r}") from None
    _glue(key, number)


def glue_text(key: str, text: str) -> None:
    """Glue words or a sentence (Markdown) under ``key``.

    Paste it with ``{glue:md}`key``` (rendered Markdown) or ``{glue:text}`key```.
    """
    _check_key(key)
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"{key}: glue_text needs a non-empty string, got {text!r}")
    _glue(key, _Prose(text))


def glue_interval(key: str, estimate, low, high, *, digits: int = 1, unit: str = "",
                  signed: bool = False) -> None:
    """Glue ``interval(estimate, low, high, ...)`` under ``key``, as words."""
    glue_text(key, interval(estimate, low, high, digits=digits, unit=unit, signed=signed))


def glued() -> dict:
    """Every key glued in this interpreter so far, with its value (text or number)."""
    return {k: (v.text if isinstance(v, _Prose) else v) for k, v in _GLUED.items()}
