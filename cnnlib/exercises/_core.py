"""Self-checking exercises: the reader's answer against a recomputed one, with hints.

A chapter's exercise ends with a cell such as ``check("conv-ex-2", answer)``.
The checker never stores the solution: it *recomputes* it with cnnlib when
asked, and it knows the usual wrong answers -- each also recomputed, the way
the mistake would make it (padding counted on one side only, the ``+ 1``
forgotten) -- so it can say which mistake the reader probably made.

Four verdicts: ``right``; ``close`` (within a looser tolerance: rounding, or
float32 round-off); ``wrong`` with the hint for a recognised mistake, or the
exercise's general hint; ``missing`` while the answer is still ``None``.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Exercise", "Feedback", "Mistake", "check", "exercise", "exercises", "register"]


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer, recomputed the way the mistake makes it, and its hint."""

    value: Callable[[], object]
    hint: str


@dataclass(frozen=True)
class Exercise:
    """One self-checking exercise.

    Attributes
    ----------
    key : str
        The exercise's label in the chapter, e.g. ``'conv-ex-2'``; a part
        of a multi-part exercise adds a letter: ``'conv-ex-2b'``.
    question : str
        One line saying what to give, shown when the answer is missing.
    answer : callable () -> object
        Recomputes the right answer with cnnlib: a number, an array, a tuple
        of numbers, or (for ``kind='function'``) a reference function.
    kind : {'number', 'array', 'function'}
        How the reader's answer is compared.
    hint : str
        Shown for a wrong answer that matches none of ``mistakes``.
    mistakes : tuple of Mistake
        Recognised wrong answers and what each one probably means.
    rtol, atol : float
        Tolerance of a right answer.
    close_rtol : float
        A wrong answer within this relative tolerance is "close".
    probes : callable () -> list of tuple, optional
        For ``kind='function'``: the argument tuples both functions are
        called with.
    """

    key: str
    question: str
    answer: Callable[[], object]
    kind: str = "number"
    hint: str = "Look again at the section this exercise comes from."
    mistakes: tuple[Mistake, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    close_rtol: float = 0.02
    probes: Callable[[], list[tuple]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("number", "array", "function"):
            raise ValueError(f"Exercise: kind must be 'number', 'array' or 'function', "
                             f"got {self.kind!r}")
        if self.kind == "function" and self.probes is None:
            raise ValueError(f"Exercise {self.key}: kind='function' needs probes")


@dataclass(frozen=True)
class Feedback:
    """The checker's verdict on one answer; shows itself in a notebook."""

    key: str
    verdict: str
    message: str
    details: tuple[str, ...] = field(default=())

    @property
    def correct(self) -> bool:
        return self.verdict == "right"

    _SYMBOL = {"right": "✓ Right", "close": "≈ Close", "wrong": "✗ Not yet",
               "missing": "… No answer yet"}
    _COLOUR = {"right": "#1a7f37", "close": "#9a6700", "wrong": "#cf222e", "missing": "#57606a"}

    def __repr__(self) -> str:
        lines = [f"{self._SYMBOL[self.verdict]} ({self.key}): {self.message}", *self.details]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = self._COLOUR[self.verdict]
        details = "".join(f"<br>{html.escape(d)}" for d in self.details)
        return (f'<div class="cnnlib-check cnnlib-check-{self.verdict}" role="status" '
                f'style="border-left:4px solid {colour};padding:0.3em 0.8em">'
                f'<strong style="color:{colour}">{html.escape(self._SYMBOL[self.verdict])}</strong>'
                f" ({html.escape(self.key)}): {html.escape(self.message)}{details}</div>")


_REGISTRY: dict[str, Exercise] = {}


def register(*items: Exercise) -> None:
    """Add exercises to the registry (each chapter's module calls this once)."""
    for item in items:
        if item.key in _REGISTRY:
            raise ValueError(f"register: exercise {item.key!r} is registered twice")
        _REGISTRY[item.key] = item


def exercises(prefix: str = "") -> list[str]:
    """The registered exercise keys, optionally those starting with ``prefix``."""
    return sorted(k for k in _REGISTRY if k.startswith(prefix))


def exercise(key: str) -> Exercise:
    """The registered exercise ``key``; a clear error for an unknown one."""
    try:
        return _REGISTRY[key]
    except KeyError:
        near = [k for k in _REGISTRY if k.split("-")[0] == key.split("-")[0]]
        raise KeyError(f"check: no exercise {key!r}; this chapter's are {sorted(near)}") from None


def _as_numeric(value: object) -> np.ndarray | None:
    if isinstance(value, bool | str | bytes):
        return None
    if isinstance(value, numbers.Number):
        return np.asarray(value, dtype=float)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def _matches(given: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> bool:
    return given.shape == expected.shape and bool(
        np.all(np.isfinite(given) == np.isfinite(expected))
        and np.allclose(given, expected, rtol=rtol, atol=atol, equal_nan=True))


def _compare(item: Exercise, given: object) -> Feedback:
    expected = _as_numeric(item.answer())
    value = _as_numeric(given)
    if value is None:
        return Feedback(item.key, "wrong",
                        f"expected a {item.kind}, got {type(given).__name__} {given!r}")
    if value.shape != expected.shape:
        shape = "a single number" if expected.ndim == 0 else f"shape {expected.shape}"
        got = "a single number" if value.ndim == 0 else f"shape {value.shape}"
        return Feedback(item.key, "wrong", f"the answer has {shape}; yours has {got}.")
    if _matches(value, expected, item.rtol, item.atol):
        return Feedback(item.key, "right", "that is the answer.")
    for mistake in item.mistakes:
        wrong = _as_numeric(mistake.value())
        if wrong is not None and _matches(value, wrong, item.rtol, item.atol):
            return Feedback(item.key, "wrong", mistake.hint)
    if _matches(value, expected, item.close_rtol, item.atol):
        return Feedback(item.key, "close", "nearly: check your rounding or precision.")
    return Feedback(item.key, "wrong", item.hint)


def _compare_function(item: Exercise, given: object) -> Feedback:
    if not callable(given):
        return Feedback(item.key, "wrong", f"expected a function, got {type(given).__name__}")
    reference = item.answer()
    for args in item.probes():
        try:
            got = given(*args)
        except Exception as err:  # the reader's code: report, never crash the check
            return Feedback(item.key, "wrong", f"your function raised {type(err).__name__}: {err}",
                            (f"called with {_describe(args)}",))
        want = reference(*args)
        got_arr, want_arr = _as_numeric(got), _as_numeric(want)
        if got_arr is None or not _matches(got_arr, want_arr, item.rtol, item.atol):
            shape = ("" if got_arr is None
                     else f" (shape {got_arr.shape}, expected {want_arr.shape})")
            return Feedback(item.key, "wrong", item.hint,
                            (f"differs for {_describe(args)}{shape}",))
    return Feedback(item.key, "right", f"it agrees with cnnlib on {len(item.probes())} inputs.")


def _describe(args: Sequence[object]) -> str:
    parts = [f"array of shape {a.shape}" if isinstance(a, np.ndarray) else repr(a) for a in args]
    return "(" + ", ".join(parts) + ")"


def check(key: str, answer: object) -> Feedback:
    """Check the reader's ``answer`` to exercise ``key``.

    Parameters
    ----------
    key : str
        The exercise's label, e.g. ``'conv-ex-2a'``.
    answer : number, array, tuple, function or None
        ``None`` means "not answered yet".

    Returns
    -------
    Feedback
        Shown as a coloured line in a notebook; ``.correct`` is a bool.

    Examples
    --------
    >>> check("conv-ex-2a", 24)
    ✓ Right (conv-ex-2a): that is the answer.
    >>> check("conv-ex-2b", 13)
    ✗ Not yet (conv-ex-2b): Padding is added on both sides: 2p, not p.
    """
    item = exercise(key)
    if answer is None:
        return Feedback(key, "missing", item.question)
    if item.kind == "function":
        return _compare_function(item, answer)
    return _compare(item, answer)
