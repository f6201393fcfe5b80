"""One seed for everything random in cnnlib: initialisation, shuffling, dropout.

PyTorch keeps a global random generator that ``torch.manual_seed`` resets;
cnnlib does the same with a :class:`numpy.random.Generator`.  Layers draw
their initial weights from it, :class:`cnnlib.nn.Dropout` draws its masks from
it and :class:`cnnlib.train.DataLoader` shuffles with it unless it was given a
seed of its own.  So::

    cnnlib.manual_seed(0)
    model = build_model()          # same weights every run
    history = fit(model, ...)      # same shuffles, same dropout masks

gives the same numbers on every run.  Introduced in the chapter
"A CNN from scratch".
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["default_generator", "manual_seed"]

_generator: np.random.Generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reset cnnlib's global random generator, as ``torch.manual_seed`` does.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    numpy.random.Generator
        The freshly seeded global generator (the one :func:`default_generator`
        returns from now on).

    Examples
    --------
    >>> from cnnlib.random import manual_seed
    >>> a = manual_seed(3).random()
    >>> b = manual_seed(3).random()
    >>> a == b
    True
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be >= 0, got {seed}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """Return cnnlib's global random generator (reset by :func:`manual_seed`).

    Returns
    -------
    numpy.random.Generator
        The generator that initialisation, dropout and unseeded shuffles use.

    Examples
    --------
    >>> from cnnlib.random import default_generator, manual_seed
    >>> _ = manual_seed(0)
    >>> default_generator() is default_generator()
    True
    """
    return _generator
