"""Finite-difference gradient checks.

A backward pass is a claim: "this is how the loss changes when each input
moves".  Central differences test the claim directly: nudge one input by
``+eps`` and ``-eps``, recompute, and divide.  The checks use the scalar loss
``L = sum(f(x) * g)`` for a fixed random ``g``, so every output element's
gradient is exercised at once.  Introduced in the chapter *Backpropagation
through convolution*; every backward pass in the tests goes through here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .nn.module import no_grad

__all__ = ["numerical_gradient", "relative_error", "GradCheckResult", "gradcheck"]


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
    grad_out: np.ndarray | None = None, eps: float = 1e-6,
) -> np.ndarray:
    """Gradient of ``L = sum(f(x) * grad_out)`` with respect to ``x``, by central differences.

    .. math:: \\frac{\\partial L}{\\partial x_i} \\approx
              \\frac{L(x + \\varepsilon e_i) - L(x - \\varepsilon e_i)}{2 \\varepsilon}

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to an array (any shape).
    x : ndarray, float64, any shape
        The point at which to differentiate.  It is nudged in place, one
        element at a time, so ``f`` may read it through another name (a
        layer's weight, say); any view works, transposed or strided.  It is
        restored afterwards, also when ``f`` raises.
    grad_out : ndarray, shape of ``f(x)``, optional
        The upstream gradient; ones if omitted (then ``L = sum(f(x))``).
    eps : float
        Step size.  ``1e-6`` balances truncation error (``~eps**2``) against
        float64 round-off (``~1e-16 / eps``).

    Returns
    -------
    ndarray, float64, shape of ``x``

    Raises
    ------
    TypeError
        If ``x`` is not float64: in float32 round-off swamps the difference.
    ValueError
        If ``x`` is read-only.

    Notes
    -----
    ``f`` runs under :class:`cnnlib.no_grad`: the many forward passes keep
    no caches, so a module can be checked before or after its own backward.

    Examples
    --------
    >>> np.round(numerical_gradient(lambda v: v**2, np.array([1.0, -3.0])), 6)
    array([ 2., -6.])
    """
    fn = "numerical_gradient"
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            f"{fn}: x must be a float64 ndarray (float32 round-off of ~1e-7 would swamp "
            f"a step of {eps}), got {getattr(x, 'dtype', type(x).__name__)}"
        )
    if not x.flags.writeable:
        raise ValueError(
            f"{fn}: x must be writeable (it is nudged in place, so that f sees the change), "
            "got a read-only array"
        )
    # f runs only to be measured: no module keeps a cache for a backward pass.
    with no_grad():
        if grad_out is None:
            grad_out = np.ones_like(f(x))
        grad = np.zeros(x.shape, dtype=np.float64)
        # Nudge x itself, element by element, through its own indices: x may be a
        # non-contiguous view (x.T, x[:, ::2]) of the array f reads, and a flat
        # reshape of such a view would be a copy that f never sees.
        for index in np.ndindex(x.shape):
            saved = x[index]
            try:
                x[index] = saved + eps
                plus = np.sum(f(x) * grad_out)
                x[index] = saved - eps
                minus = np.sum(f(x) * grad_out)
            finally:
                x[index] = saved             # restored even if f raises
            grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``max |a - n| / max(|a| + |n|)`` over all elements: 0 means identical.

    Scale-free, so one threshold works for large and small gradients; about
    ``1e-8`` or less means a correct float64 backward pass, ``1e-2`` means a bug.

    Examples
    --------
    >>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(
            f"relative_error: analytic has shape {a.shape} but numeric has shape {n.shape}"
        )
    scale = np.max(np.abs(a) + np.abs(n), initial=0.0)
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a - n)) / scale)


@dataclass(frozen=True)
class GradCheckResult:
    """The outcome for one input: its name, the relative error and the verdict."""

    name: str
    error: float
    passed: bool

    def __str__(self) -> str:
        verdict = "ok" if self.passed else "MISMATCH"
        return f"{self.name:>8}: relative error {self.error:.1e}  {verdict}"


def gradcheck(
    forward: Callable[..., np.ndarray],
    backward: Callable[..., Sequence[np.ndarray]],
    inputs: Mapping[str, np.ndarray],
    *, seed: int = 0, eps: float = 1e-6, tol: float = 1e-6,
) -> list[GradCheckResult]:
    """Compare an analytic backward pass with central differences, input by input.

    Parameters
    ----------
    forward : callable
        ``forward(**inputs) -> out``.
    backward : callable
        ``backward(grad_out, **inputs) -> grads``, one gradient per input, in
        the order of ``inputs``.
    inputs : mapping of name to float64 ndarray
        The point at which to check.
    seed : int
        Seeds the random upstream gradient ``grad_out``.
    eps, tol : float
        Finite-difference step and the largest relative error that passes.

    Returns
    -------
    list of GradCheckResult
        One per input, in order; ``all(r.passed for r in results)`` is the verdict.

    Examples
    --------
    >>> from cnnlib import relu, relu_backward
    >>> x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    >>> [r.passed for r in gradcheck(relu, lambda g, x: (relu_backward(g, x),), {"x": x})]
    [True]
    """
    names = list(inputs)
    arrays = {k: np.array(v, dtype=np.float64) for k, v in inputs.items()}
    out = forward(**arrays)
    grad_out = np.random.default_rng(seed).standard_normal(np.shape(out))
    analytic = backward(grad_out, **arrays)
    if len(analytic) != len(names):
        raise ValueError(
            f"gradcheck: backward returned {len(analytic)} gradients for {len(names)} inputs "
            f"{names}"
        )
    results = []
    for name, grad in zip(names, analytic, strict=True):
        def f(value: np.ndarray, name: str = name) -> np.ndarray:
            return forward(**{**arrays, name: value})

        numeric = numerical_gradient(f, arrays[name], grad_out, eps)
        err = relative_error(grad, numeric)
        results.append(GradCheckResult(name, err, err <= tol))
    return results
