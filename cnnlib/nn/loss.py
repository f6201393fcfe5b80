"""``CrossEntropyLoss``: softmax cross-entropy from raw class scores.

Introduced in the chapter "A CNN from scratch".
"""

from __future__ import annotations

import numpy as np

from .functional import _REDUCTIONS, cross_entropy, cross_entropy_backward
from .module import Module, _graph_of, _tag, is_grad_enabled

__all__ = ["CrossEntropyLoss"]


class CrossEntropyLoss(Module):
    """Mean of ``-log softmax(logits)[n, target[n]]``, as ``torch.nn.CrossEntropyLoss``.

    Goes through a stable log-softmax, so logits of 1e4 give a finite loss
    and gradient.  ``backward()`` returns dL/dlogits,
    ``(softmax(logits) - one_hot(target)) / N``.

    A loss is where backward starts and it has no parameters, so unlike
    other modules it keeps only its last call (none under ``no_grad``) and
    ``backward()`` may be repeated: it gives the same gradient again.  That
    gradient remembers which forward pass produced the logits, so
    ``model.backward(criterion.backward())`` goes through that pass even if
    the model ran on other data in between.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Examples
    --------
    >>> import numpy as np
    >>> criterion = CrossEntropyLoss()
    >>> logits = np.array([[0.0, 0.0], [0.0, 0.0]])
    >>> round(criterion(logits, np.array([0, 1])), 4)          # log 2
    0.6931
    >>> criterion.backward()
    array([[-0.25,  0.25],
           [ 0.25, -0.25]])
    """

    _records_calls = False

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"CrossEntropyLoss: reduction must be one of {_REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction
        self._cache: tuple[np.ndarray, np.ndarray, int | None] | None = None

    def forward(self, input: np.ndarray, target: np.ndarray) -> float | np.ndarray:  # noqa: A002
        """The loss of logits ``input`` (N, C) against class indices ``target`` (N,).

        Returns a float (an ``(N,)`` array for ``reduction='none'``).
        """
        loss = cross_entropy(input, target, self.reduction)
        if is_grad_enabled():
            self._cache = (input, target, _graph_of(input))
        return loss

    def backward(self, grad_out: float | np.ndarray = 1.0) -> np.ndarray:
        """dL/dlogits, shape (N, C); ``grad_out`` is dL/d(loss), 1 by default."""
        if self._cache is None:
            raise RuntimeError(
                "CrossEntropyLoss.backward: call forward() before backward() (a forward "
                "under no_grad() keeps nothing for backward)"
            )
        logits, target, graph = self._cache
        grad = cross_entropy_backward(logits, target, grad_out, self.reduction)
        _tag(grad, graph)           # dL/dlogits belongs to the pass that made the logits
        return grad

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"
