"""Argument checking shared by every public function.

Each helper raises ``TypeError`` for a value of the wrong kind and
``ValueError`` for a value of the right kind but the wrong size, and every
message starts with the public function's name, then names the argument,
what was expected and what was given.  The chapters rely on these messages:
a slider dragged to an impossible setting shows one of them.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_array",
    "check_ndim",
    "int_pair",
    "positive_int",
    "result_dtype",
]


def as_array(x: object, name: str, fn: str) -> np.ndarray:
    """Return ``x`` as a real-valued ndarray, keeping a floating dtype.

    Integer and boolean inputs (the worked examples use small integers) are
    promoted to float64 so that the arithmetic is exact and the result has
    the same floating dtype that PyTorch would refuse to guess.

    Raises
    ------
    TypeError
        If ``x`` is not an ndarray (or a nested list of numbers), or has a
        complex, string or object dtype.
    """
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, list | tuple):
        try:
            arr = np.asarray(x)
        except ValueError as err:  # ragged nested lists
            raise TypeError(f"{fn}: {name} must be an array, got a ragged sequence") from err
    else:
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(x).__name__}")
    if arr.dtype.kind in "f":
        return arr
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise TypeError(f"{fn}: {name} must have a real numeric dtype, got dtype {arr.dtype}")


def check_ndim(x: np.ndarray, ndim: int, name: str, fn: str, layout: str) -> None:
    """Raise ``ValueError`` unless ``x.ndim == ndim``; ``layout`` names the axes."""
    if x.ndim != ndim:
        raise ValueError(
            f"{fn}: {name} must be {ndim}-D with shape {layout}, got {x.ndim}-D array "
            f"with shape {tuple(x.shape)}"
        )


def result_dtype(*arrays: np.ndarray | None) -> np.dtype:
    """The floating dtype of a result computed from ``arrays`` (None ignored)."""
    return np.result_type(*[a.dtype for a in arrays if a is not None])


def positive_int(value: object, name: str, fn: str, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: {name} must be an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if value < minimum:
        kind = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{fn}: {name} must be {kind}, got {value}")
    return value


def int_pair(value: object, name: str, fn: str, minimum: int = 1) -> tuple[int, int]:
    """Return ``(h, w)`` from an int or a pair of ints, each ``>= minimum``.

    This is PyTorch's ``_pair``: ``stride=2`` means ``(2, 2)``.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        v = positive_int(value, name, fn, minimum)
        return (v, v)
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        items = list(value)
        if len(items) != 2:
            raise ValueError(
                f"{fn}: {name} must be an int or a pair (h, w), got {len(items)} values {value!r}"
            )
        h = positive_int(items[0], f"{name}[0]", fn, minimum)
        w = positive_int(items[1], f"{name}[1]", fn, minimum)
        return (h, w)
    raise TypeError(
        f"{fn}: {name} must be an int or a pair (h, w) of ints, got {type(value).__name__} "
        f"{value!r}"
    )
