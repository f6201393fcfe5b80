"""``Sequential``: modules applied one after another, as ``torch.nn.Sequential``.

Introduced in the chapter "A CNN from scratch".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .module import Module

__all__ = ["Sequential"]


class Sequential(Module):
    """Apply modules in order; backward runs them in reverse.

    Children are named ``'0'``, ``'1'``, ... as in PyTorch, so the
    ``state_dict`` keys are ``'0.weight'``, ``'1.running_mean'``, ...

    Parameters
    ----------
    *modules : Module
        The layers, first to last.  A single ``dict`` of ``{name: module}``
        names the children instead (PyTorch's ``OrderedDict`` form).

    Examples
    --------
    >>> from cnnlib.nn import Flatten, ReLU, Sequential
    >>> model = Sequential(ReLU(), Flatten())
    >>> model
    Sequential(
      (0): ReLU()
      (1): Flatten(start_dim=1, end_dim=-1)
    )
    >>> len(model), model[-1]
    (2, Flatten(start_dim=1, end_dim=-1))
    """

    def __init__(self, *modules: Module | dict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, m in items:
            if not isinstance(m, Module):
                raise TypeError(
                    f"Sequential: layer {name} must be a Module, got {type(m).__name__}"
                )
            setattr(self, name, m)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply every child in order.

        Parameters
        ----------
        x : ndarray
            The first child's input, e.g. (N, C, H, W).

        Returns
        -------
        ndarray
            The last child's output.
        """
        for m in self._modules.values():
            x = m(x)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Run every child's backward in reverse order; return dL/dx."""
        for m in reversed(list(self._modules.values())):
            grad_out = m.backward(grad_out)
        return grad_out

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named by its position); return ``self``."""
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential.append: module must be a Module, got {type(module).__name__}"
            )
        setattr(self, str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __getitem__(self, idx: Any) -> Any:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(dict(items[idx]))
        if isinstance(idx, bool) or not isinstance(idx, int | np.integer):
            raise TypeError(
                f"Sequential: index must be an int or a slice, got {type(idx).__name__}"
            )
        n = len(items)
        if not -n <= idx < n:
            raise IndexError(f"Sequential: index {idx} is out of range for {n} layers")
        return items[int(idx)][1]
