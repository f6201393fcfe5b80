"""``Parameter`` and ``Module``: the object layer that mirrors ``torch.nn.Module``.

A module owns parameters (trainable arrays with a ``.grad``), buffers
(arrays it updates itself, such as BatchNorm's running statistics) and child
modules.  Unlike PyTorch there is no autograd: every module writes its own
``backward``.  The contract is

* ``forward(x)`` returns the output and caches what ``backward`` needs (one
  cache per call, replaced by the next call, never appended to);
* ``backward(grad_out)`` returns dL/dx and *adds* dL/dp into ``p.grad`` for
  every parameter ``p`` with ``requires_grad`` (so ``zero_grad`` comes first,
  as in PyTorch).

Names follow PyTorch, so ``state_dict`` keys are PyTorch's keys and a
PyTorch checkpoint converted to NumPy arrays loads unchanged.  Introduced in
the chapter "A CNN from scratch".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

__all__ = ["IncompatibleKeys", "Module", "Parameter"]


class Parameter:
    """A trainable array: ``data``, its gradient ``grad`` and ``requires_grad``.

    Parameters
    ----------
    data : ndarray
        The values, any shape.  A floating dtype is kept; integers are
        promoted to float64.
    requires_grad : bool, default True
        When False, modules do not accumulate a gradient into ``grad`` and
        optimisers leave the parameter alone (this is how a layer is frozen).

    Attributes
    ----------
    grad : ndarray or None
        dL/d(data), same shape and dtype as ``data``; None until a backward
        pass writes it (and again after ``zero_grad()``).

    Examples
    --------
    >>> import numpy as np
    >>> p = Parameter(np.zeros((2, 3), dtype=np.float32))
    >>> p
    Parameter(shape=(2, 3), dtype=float32, requires_grad=True)
    >>> p.grad is None
    True
    """

    def __init__(self, data: np.ndarray, requires_grad: bool = True) -> None:
        arr = np.array(data, copy=True)
        if arr.dtype.kind in "iub":
            arr = arr.astype(np.float64)
        if arr.dtype.kind != "f":
            raise TypeError(f"Parameter: data must be a real array, got dtype {arr.dtype}")
        self.data: np.ndarray = arr
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of ``data``."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The dtype of ``data``."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """The number of values in ``data``."""
        return int(self.data.size)

    def accumulate_grad(self, grad: np.ndarray) -> None:
        """Add ``grad`` into ``self.grad`` (creating it), unless frozen.

        ``grad`` must have the shape of ``data``; it is cast to ``data``'s
        dtype so that a float32 parameter keeps a float32 gradient.
        """
        if not self.requires_grad:
            return
        if grad.shape != self.data.shape:
            raise ValueError(
                f"Parameter.accumulate_grad: grad has shape {tuple(grad.shape)} but the "
                f"parameter has shape {tuple(self.data.shape)}"
            )
        if self.grad is None:
            self.grad = np.array(grad, dtype=self.data.dtype, copy=True)
        else:
            self.grad += grad

    def __repr__(self) -> str:
        return (
            f"Parameter(shape={tuple(self.data.shape)}, dtype={self.data.dtype}, "
            f"requires_grad={self.requires_grad})"
        )


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match (PyTorch's name)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model; mirrors ``torch.nn.Module``.

    Subclasses call ``super().__init__()`` first, then assign
    :class:`Parameter` objects, child modules and buffers
    (:meth:`register_buffer`) as attributes; they are found by name, in the
    order they were assigned, as in PyTorch.  Subclasses implement
    :meth:`forward` and :meth:`backward`.

    Examples
    --------
    >>> import numpy as np
    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.weight = Parameter(np.ones(1))
    ...     def forward(self, x):
    ...         self._x = x
    ...         return self.weight.data * x
    ...     def backward(self, grad_out):
    ...         self.weight.accumulate_grad(np.array([np.sum(grad_out * self._x)]))
    ...         return grad_out * self.weight.data
    >>> m = Scale()
    >>> m(np.array([2.0, 3.0]))
    array([2., 3.])
    >>> m.backward(np.ones(2))
    array([1., 1.])
    >>> m.weight.grad
    array([5.])
    >>> list(m.state_dict())
    ['weight']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ attributes
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        buffers = self.__dict__["_buffers"]
        modules = self.__dict__["_modules"]
        # As in PyTorch, re-assigning a parameter or a child keeps its place:
        # only the *other* stores are cleared, so a Sequential whose layer is
        # replaced still runs its layers (and lists its state_dict) in order.
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} to "
                    f"parameter '{name}' (a Parameter or None is required)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} to "
                    f"child module '{name}' (a Module or None is required)"
                )
            modules[name] = None
        elif name in buffers:
            buffers[name] = None if value is None else np.asarray(value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when ordinary lookup fails: parameters, buffers, children.
        for store in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(store)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if not self._forget(name):
            object.__delattr__(self, name)

    def _forget(self, name: str, keep: str | None = None) -> bool:
        found = False
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep and name in self.__dict__[store]:
                del self.__dict__[store][name]
                found = True
        if name in self.__dict__:
            object.__delattr__(self, name)
            found = True
        return found

    def register_buffer(self, name: str, value: np.ndarray | None) -> None:
        """Add a buffer: an array saved in ``state_dict`` but not trained.

        Parameters
        ----------
        name : str
            The attribute name (``running_mean``, say).
        value : ndarray or None
            Its initial value; None registers a name with no array yet.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(
                f"register_buffer: name must be a non-empty str without '.', got {name!r}"
            )
        self._forget(name)
        self.__dict__["_buffers"][name] = None if value is None else np.asarray(value)

    # ------------------------------------------------------------------ forward/backward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the output and cache what :meth:`backward` needs."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx from dL/d(output); add dL/dp into each parameter's grad."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def _cached(self, fn: str) -> Any:
        """The cache that the last forward stored, or a clear error."""
        cache = self.__dict__.get("_cache")
        if cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.{fn}: call forward() before backward() "
                "(there is no cached input)"
            )
        return cache

    # ------------------------------------------------------------------ traversal
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, child)`` for the direct children, in order."""
        for name, m in self._modules.items():
            if m is not None:
                yield name, m

    def children(self) -> Iterator[Module]:
        """Yield the direct children, in order."""
        for _, m in self.named_children():
            yield m

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for this module (name ``''``) and all below it."""
        seen: set[int] = set()

        def walk(mod: Module, pre: str) -> Iterator[tuple[str, Module]]:
            if id(mod) in seen:
                return
            seen.add(id(mod))
            yield pre, mod
            for name, child in mod.named_children():
                yield from walk(child, f"{pre}.{name}" if pre else name)

        yield from walk(self, prefix)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every module below it."""
        for _, m in self.named_modules():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> list[tuple[str, Parameter]]:
        """Return ``[(name, parameter), ...]`` with PyTorch's dotted names.

        Parameters
        ----------
        prefix : str, default ''
            Prepended (with a dot) to every name.
        recurse : bool, default True
            Include the parameters of children (their names get the child's
            name as a prefix: ``'0.weight'``).

        Returns
        -------
        list of (str, Parameter)
            Each parameter once, in registration order.  (PyTorch returns a
            generator; a list can be iterated twice.)
        """
        out: list[tuple[str, Parameter]] = []
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, mod in mods:
            for name, p in mod._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                out.append((f"{mod_name}.{name}" if mod_name else name, p))
        return out

    def parameters(self, recurse: bool = True) -> list[Parameter]:
        """Return every :class:`Parameter` (each once), in registration order."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> list[tuple[str, np.ndarray]]:
        """Return ``[(name, array), ...]`` for the buffers, with dotted names."""
        out: list[tuple[str, np.ndarray]] = []
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, mod in mods:
            for name, b in mod._buffers.items():
                if b is not None:
                    out.append((f"{mod_name}.{name}" if mod_name else name, b))
        return out

    def buffers(self, recurse: bool = True) -> list[np.ndarray]:
        """Return every buffer array, in registration order."""
        return [b for _, b in self.named_buffers(recurse=recurse)]

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every child; return ``self``."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__} {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``); return ``self``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (to None, as PyTorch does by default)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (False freezes); return ``self``."""
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    def to(self, dtype: Any) -> Module:
        """Cast every parameter, gradient and floating buffer to ``dtype``; return ``self``.

        ``model.to(np.float64)`` is how the tests run finite-difference
        checks; ``double()`` and ``float()`` are the PyTorch shorthands.
        """
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"to: dtype must be a floating dtype, got {dt}")
        for m in self.modules():
            for p in m._parameters.values():
                if p is None:
                    continue
                p.data = p.data.astype(dt)
                if p.grad is not None:
                    p.grad = p.grad.astype(dt)
            for name, b in list(m._buffers.items()):
                if b is not None and b.dtype.kind == "f":
                    m._buffers[name] = b.astype(dt)
        return self

    def double(self) -> Module:
        """Cast to float64 (see :meth:`to`)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast to float32 (see :meth:`to`)."""
        return self.to(np.float32)

    # ------------------------------------------------------------------ state
    def _state_entries(self) -> list[tuple[str, Module, str, str]]:
        """``(key, owner, kind, attr)`` per state_dict entry, in PyTorch's order.

        PyTorch saves a module's own parameters, then its own buffers, then
        recurses into the children.
        """
        entries: list[tuple[str, Module, str, str]] = []
        for mod_name, mod in self.named_modules():
            pre = f"{mod_name}." if mod_name else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    entries.append((pre + name, mod, "param", name))
            for name, b in mod._buffers.items():
                if b is not None:
                    entries.append((pre + name, mod, "buffer", name))
        return entries

    def state_dict(self) -> dict[str, np.ndarray]:
        """Return ``{key: array}`` of every parameter and buffer, PyTorch's keys.

        Returns
        -------
        dict of str to ndarray
            Copies, so the dict is a snapshot that later training does not
            change (PyTorch's shares memory; ``copy.deepcopy`` is the PyTorch
            habit this saves).  Keys like ``'0.weight'``,
            ``'1.running_mean'``, ``'1.num_batches_tracked'``.
        """
        out: dict[str, np.ndarray] = {}
        for key, mod, kind, attr in self._state_entries():
            arr = mod._parameters[attr].data if kind == "param" else mod._buffers[attr]
            out[key] = np.array(arr, copy=True)
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters and buffers.

        Parameters
        ----------
        state_dict : dict of str to array-like
            Keys as :meth:`state_dict` makes them (PyTorch's keys).  Values
            are converted with ``numpy.asarray`` (a PyTorch tensor's
            ``.numpy()`` works) and cast to each entry's current dtype.
        strict : bool, default True
            When True, a missing or unexpected key is an error.  A shape
            mismatch is always an error.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``, empty lists when all matched.

        Raises
        ------
        TypeError
            If ``state_dict`` is not a mapping.
        ValueError
            Naming every missing, unexpected (when ``strict``) or misshaped key.
        """
        fn = f"load_state_dict({type(self).__name__})"
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"{fn}: state_dict must be a dict, got {type(state_dict).__name__}")
        entries = self._state_entries()
        expected = {key for key, *_ in entries}
        missing = [key for key, *_ in entries if key not in state_dict]
        unexpected = [key for key in state_dict if key not in expected]
        problems: list[str] = []
        values: dict[str, np.ndarray] = {}
        for key, mod, kind, attr in entries:
            if key not in state_dict:
                continue
            current = mod._parameters[attr].data if kind == "param" else mod._buffers[attr]
            value = np.asarray(state_dict[key])
            if value.shape != current.shape:
                problems.append(
                    f"size mismatch for '{key}': the state_dict has shape {tuple(value.shape)}, "
                    f"the model has shape {tuple(current.shape)}"
                )
                continue
            if current.dtype.kind == "f" and value.dtype.kind not in "fiub":
                problems.append(f"'{key}' must be a real array, got dtype {value.dtype}")
                continue
            values[key] = value.astype(current.dtype, copy=True)
        if strict and missing:
            problems.insert(0, "missing key(s): " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.insert(
                1 if strict and missing else 0,
                "unexpected key(s): " + ", ".join(repr(k) for k in unexpected),
            )
        if problems:
            raise ValueError(f"{fn}: " + "; ".join(problems))
        for key, mod, kind, attr in entries:
            if key in values:
                if kind == "param":
                    mod._parameters[attr].data = values[key]
                else:
                    mod._buffers[attr] = values[key]
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (PyTorch's hook)."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}("]
        if extra:
            lines.append("  " + extra)
        for name, child in children:
            child_lines = repr(child).split("\n")
            lines.append(f"  ({name}): " + child_lines[0])
            lines.extend("  " + line for line in child_lines[1:])
        lines.append(")")
        return "\n".join(lines)
