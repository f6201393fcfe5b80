"""``Parameter`` and ``Module``: the object layer that mirrors ``torch.nn.Module``.

A module owns parameters (trainable arrays with a ``.grad``), buffers
(arrays it updates itself, such as BatchNorm's running statistics) and child
modules.  Unlike PyTorch there is no autograd: every module writes its own
``backward``.  The contract is

* ``forward(x)`` returns the output and keeps what ``backward`` will need
  with ``self.save_for_backward(...)``;
* ``backward(grad_out)`` reads it back with ``self.saved_tensors``, returns
  dL/dx and *adds* dL/dp into ``p.grad`` for every parameter ``p`` with
  ``requires_grad`` (so ``zero_grad`` comes first, as in PyTorch).

**One cache per call.**  Every call ``module(x)`` keeps its own record, and
every ``backward`` consumes one, last in first out.  So a module may be used
twice in one forward pass -- the same ``ReLU`` after two convolutions, or one
``Conv2d`` applied twice (weight sharing) -- and the two backward calls, made
in the reverse order, each get the right input; the shared weight's gradient
is the sum of both, as in PyTorch.  (An earlier design kept one cache that the
next call replaced; it gave silently wrong gradients for exactly these cases.)

A call made from outside any module opens a *graph*: the record of one forward
pass.  Each ``backward`` belongs to one graph, and cnnlib refuses, with a
``RuntimeError``, whatever it cannot match for certain:

* ``backward`` with no forward, or a second ``backward`` through the same
  forward (PyTorch: "Trying to backward through the graph a second time");
* a ``backward`` when two forward passes of the module are waiting and
  nothing says which one ``grad_out`` belongs to.  A gradient made by a
  cnnlib loss (``CrossEntropyLoss.backward()``) or by another module's
  ``backward`` does say: it remembers the forward pass that produced the
  array it differentiates, so ``model.backward(criterion.backward())`` finds
  its forward pass even if a validation batch ran in between; so does
  ``backward(grad_out, output=out)``, naming the output ``grad_out``
  differentiates (PyTorch's ``out.backward(grad_out)``).  Forward passes
  you will not backpropagate belong under ``with cnnlib.no_grad():``, which
  keeps nothing (``evaluate`` and ``predict`` do this);
* a ``grad_out`` whose shape is not the shape of that call's output.

A module keeps the records of at most ``MAX_PENDING_GRAPHS`` forward passes
waiting for a backward; older ones are freed (so inference without
``no_grad`` cannot fill the memory) and leave a marker that turns a later
ambiguous ``backward`` into an error, never into a wrong answer.

Names follow PyTorch, so ``state_dict`` keys are PyTorch's keys and a
PyTorch checkpoint converted to NumPy arrays loads unchanged.  Introduced in
the chapter "A CNN from scratch".
"""

from __future__ import annotations

import contextlib
import functools
import numbers
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from .._validate import as_array

__all__ = [
    "MAX_PENDING_GRAPHS",
    "IncompatibleKeys",
    "Module",
    "Parameter",
    "is_grad_enabled",
    "no_grad",
]

#: How many forward passes (graphs) one module keeps waiting for a backward.
MAX_PENDING_GRAPHS = 4


# ---------------------------------------------------------------------------
# Bookkeeping of forward calls: one record per call, graphs, no_grad
# ---------------------------------------------------------------------------


class _Call:
    """One forward call of one module, waiting for its backward."""

    __slots__ = ("graph", "input_graph", "out_shape", "saved")

    def __init__(self, graph: int, input_graph: int | None) -> None:
        self.graph = graph                    # the forward pass this call belongs to
        self.input_graph = input_graph        # the pass that produced its input, if known
        self.out_shape: tuple[int, ...] | None = None
        self.saved: tuple[Any, ...] = ()


_FREED = -1
_MARKER = _Call(_FREED, None)                 # "older calls of this module were freed"


class _GradState:
    """Process-wide state: grad mode, call nesting and the graph counter."""

    def __init__(self) -> None:
        self.enabled = True                   # False under no_grad
        self.depth = 0                        # nesting of Module.__call__
        self.graph = 0                        # the graph of the outermost call in progress
        self.counter = 0
        self.backward_graph: int | None = None   # the graph the running backward belongs to
        # id(array) -> (weak reference, graph): which forward pass an array belongs to
        self.tags: dict[int, tuple[weakref.ref, int]] = {}
        # graph -> weak reference to its output, while that output lives
        self.outputs: dict[int, weakref.ref] = {}


_STATE = _GradState()


def _tag(arr: object, graph: int | None) -> None:
    """Remember that ``arr`` belongs to forward pass ``graph`` (while ``arr`` lives)."""
    if graph is None or not isinstance(arr, np.ndarray):
        return
    key = id(arr)
    tags = _STATE.tags

    def forget(ref: weakref.ref, key: int = key) -> None:
        if key in tags and tags[key][0] is ref:
            del tags[key]

    tags[key] = (weakref.ref(arr, forget), graph)


def _watch_output(arr: np.ndarray, graph: int) -> None:
    """Note that ``graph``'s output lives, until ``arr`` is garbage-collected."""
    outputs = _STATE.outputs

    def forget(ref: weakref.ref, graph: int = graph) -> None:
        if outputs.get(graph) is ref:
            del outputs[graph]

    outputs[graph] = weakref.ref(arr, forget)


def _graph_of(arr: object) -> int | None:
    """The forward pass ``arr`` was tagged with, or None."""
    entry = _STATE.tags.get(id(arr))
    if entry is None or entry[0]() is not arr:
        return None
    return entry[1]


def is_grad_enabled() -> bool:
    """True unless inside :class:`no_grad` (``torch.is_grad_enabled``)."""
    return _STATE.enabled


class no_grad(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """Run forward passes that keep nothing for a backward, as ``torch.no_grad``.

    Inside ``with cnnlib.no_grad():`` (or in a function decorated with
    ``@cnnlib.no_grad()``) no module records its call, so inference uses no
    memory for caches and leaves no forward pass waiting for a backward.
    BatchNorm in training mode still updates its running statistics, as in
    PyTorch.  Introduced in the chapter "A CNN from scratch".

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib import nn
    >>> act = nn.ReLU()
    >>> with no_grad():
    ...     y = act(np.array([-1.0, 2.0]))
    >>> y, is_grad_enabled()
    (array([0., 2.]), True)
    >>> act.backward(np.ones(2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: ReLU.backward: call forward() before backward() (a forward under no_grad() ...)
    """

    def __init__(self) -> None:
        self._previous: list[bool] = []

    def __enter__(self) -> no_grad:
        self._previous.append(_STATE.enabled)
        _STATE.enabled = False
        return self

    def __exit__(self, *exc: object) -> None:
        _STATE.enabled = self._previous.pop()


def _as_grad(grad_out: object, fn: str) -> np.ndarray:
    if isinstance(grad_out, numbers.Real) and not isinstance(grad_out, bool):
        return np.asarray(float(grad_out))
    return as_array(grad_out, "grad_out", fn)


def _tracked_backward(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``backward`` so that it consumes one recorded call."""

    @functools.wraps(backward)
    def wrapper(self: Module, grad_out: Any, *args: Any, output: Any = None,
                **kwargs: Any) -> Any:
        d = self.__dict__
        if d["_running"]:                     # super().backward(...) inside a backward
            return backward(self, grad_out, *args, **kwargs)
        fn = f"{type(self).__name__}.backward"
        tagged = _graph_of(grad_out)
        if output is not None:                # "grad_out differentiates this output"
            tagged = _graph_of(output)
            if tagged is None:
                raise ValueError(
                    f"{fn}: output must be the array a forward call of a module returned "
                    "(outside no_grad), got an array no forward pass produced"
                )
        grad_out = _as_grad(grad_out, fn)
        st = _STATE
        outer = st.backward_graph is None
        graph = self._resolve_graph(tagged, fn) if outer else st.backward_graph
        calls = d["_calls"]
        index = next((i for i in range(len(calls) - 1, -1, -1) if calls[i].graph == graph),
                     None)
        if index is None:
            raise RuntimeError(self._no_call_message(graph, fn))
        call = calls[index]
        if call.out_shape is not None and tuple(grad_out.shape) != call.out_shape:
            raise ValueError(
                f"{fn}: grad_out must have the shape of the output of the forward call it "
                f"belongs to, {call.out_shape}, got {tuple(grad_out.shape)}"
            )
        del calls[index]
        d["_running"].append(call)
        if outer:
            st.backward_graph = graph
        try:
            result = backward(self, grad_out, *args, **kwargs)
        except BaseException:
            calls.insert(index, call)         # not consumed: the backward did not finish
            raise
        finally:
            d["_running"].pop()
            if outer:
                st.backward_graph = None
        d["_done"].append(graph)
        if outer:
            _tag(result, call.input_graph)
        return result

    return wrapper


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
    :meth:`forward`, which keeps what it needs with
    :meth:`save_for_backward`, and :meth:`backward`, which reads it back from
    :attr:`saved_tensors`.  Calling the module (``m(x)``) records the call;
    each ``backward`` consumes one recorded call, the latest first (see the
    module's docstring for the rules).

    Examples
    --------
    >>> import numpy as np
    >>> class Scale(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.weight = Parameter(np.ones(1))
    ...     def forward(self, x):
    ...         self.save_for_backward(x)
    ...         return self.weight.data * x
    ...     def backward(self, grad_out):
    ...         (x,) = self.saved_tensors
    ...         self.weight.accumulate_grad(np.array([np.sum(grad_out * x)]))
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
    >>> m.backward(np.ones(2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: Scale.backward: backward already ran ...; call the module again first
    """

    training: bool
    #: Buffers that ``load_state_dict`` may find missing (BatchNorm's count).
    _optional_buffers: tuple[str, ...] = ()
    #: False for a module whose backward may be repeated (a loss: it has no
    #: parameters); such a module keeps only its last call and records nothing.
    _records_calls: bool = True

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)
        self._reset_calls()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("backward")
        if own is not None and cls._records_calls and not hasattr(own, "__wrapped__"):
            cls.backward = _tracked_backward(own)

    def _reset_calls(self) -> None:
        d = self.__dict__
        d["_calls"] = []            # recorded forward calls waiting for their backward
        d["_running"] = []          # the calls whose backward is running now
        d["_forwarding"] = []       # the calls whose forward is running now
        d["_done"] = deque(maxlen=16)      # graphs whose backward ran lately (for messages)
        d["_freed"] = deque(maxlen=16)     # graphs freed lately (for messages)

    def __getstate__(self) -> dict[str, Any]:
        # A copy (copy.deepcopy, pickle) starts with no forward call waiting.
        state = self.__dict__.copy()
        state["_calls"], state["_running"], state["_forwarding"] = [], [], []
        state["_done"], state["_freed"] = deque(maxlen=16), deque(maxlen=16)
        return state

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
        """Compute the output; keep what :meth:`backward` needs with :meth:`save_for_backward`."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Return dL/dx from dL/d(output); add dL/dp into each parameter's grad."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        st = _STATE
        if not st.enabled or not self._records_calls:
            return self.forward(*args, **kwargs)
        outer = st.depth == 0
        if outer:                                   # a new forward pass: a new graph
            st.counter += 1
            st.graph = st.counter
            call = _Call(st.graph, _graph_of(args[0]) if args else None)
        else:
            call = _Call(st.graph, st.graph)
        self._record(call)
        forwarding = self.__dict__["_forwarding"]
        forwarding.append(call)
        st.depth += 1
        try:
            out = self.forward(*args, **kwargs)
        except BaseException:
            self._discard(call)
            raise
        finally:
            st.depth -= 1
            forwarding.pop()
        if isinstance(out, np.ndarray):
            call.out_shape = tuple(out.shape)
            if outer:
                _tag(out, call.graph)
                _watch_output(out, call.graph)
        return out

    def save_for_backward(self, *values: Any) -> None:
        """Keep ``values`` (arrays, shapes, ...) for this call's :meth:`backward`.

        Called inside :meth:`forward`.  Each call of the module keeps its
        own values; under :class:`no_grad` nothing is kept.
        """
        st = _STATE
        if not st.enabled:
            return
        forwarding = self.__dict__["_forwarding"]
        if forwarding:
            forwarding[-1].saved = values
            return
        # forward() called directly rather than through module(x): record the call now
        if st.depth == 0:
            st.counter += 1
            st.graph = st.counter
        call = _Call(st.graph, st.graph if st.depth else None)
        call.saved = values
        self._record(call)

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What :meth:`save_for_backward` kept for the call whose backward is running."""
        running = self.__dict__["_running"]
        if not running:
            raise RuntimeError(
                f"{type(self).__name__}.saved_tensors: only available inside backward()"
            )
        return running[-1].saved

    def _record(self, call: _Call) -> None:
        """Add a call; beyond MAX_PENDING_GRAPHS graphs, free one (leaving a marker).

        The graph freed is the oldest one whose output nobody holds any more
        (a stray inference call), else the oldest one.
        """
        calls = self.__dict__["_calls"]
        graphs = list(dict.fromkeys(c.graph for c in calls if c.graph != _FREED))
        if call.graph not in graphs and len(graphs) >= MAX_PENDING_GRAPHS:
            live = _STATE.outputs
            victim = next((g for g in graphs if g not in live), graphs[0])
            calls[:] = [_MARKER] + [c for c in calls if c.graph not in (victim, _FREED)]
            self.__dict__["_freed"].append(victim)
        calls.append(call)

    def _discard(self, call: _Call) -> None:
        calls = self.__dict__["_calls"]
        for i in range(len(calls) - 1, -1, -1):
            if calls[i] is call:
                del calls[i]
                return

    def _resolve_graph(self, tagged: int | None, fn: str) -> int:
        """The forward pass an outermost ``backward(grad_out)`` belongs to, or an error."""
        calls = self.__dict__["_calls"]
        if tagged is not None:
            return tagged          # the gradient says which pass; absent calls raise later
        graphs = list(dict.fromkeys(c.graph for c in calls if c.graph != _FREED))
        freed = any(c.graph == _FREED for c in calls)
        if len(graphs) == 1 and not freed:
            return graphs[0]
        if not graphs and not freed:
            raise RuntimeError(self._no_call_message(None, fn))
        for m in self.modules():                    # start afresh after the error
            m._reset_calls()
        waiting = (f"{len(graphs)} forward passes" if not freed else
                   "forward passes (some of them freed)")
        raise RuntimeError(
            f"{fn}: {waiting} of this module are waiting for a backward and grad_out does "
            "not say which one it belongs to.  Run forward passes you will not "
            "backpropagate under `with cnnlib.no_grad():` (evaluate() and predict() do), "
            "get grad_out from the loss (criterion.backward()), which remembers its forward "
            "pass, or name the output it differentiates: backward(grad_out, output=out).  "
            "The waiting calls have been discarded: run the forward pass again, then "
            "backward."
        )

    def _no_call_message(self, graph: int | None, fn: str) -> str:
        d = self.__dict__
        done = graph in d["_done"] if graph is not None else bool(d["_done"])
        freed = graph is not None and (graph in d["_freed"] or (
            any(c.graph == _FREED for c in d["_calls"]) and graph < min(
                (c.graph for c in d["_calls"] if c.graph != _FREED), default=graph + 1)))
        if not done and freed:
            return (
                f"{fn}: the forward call this gradient belongs to was freed: more than "
                f"{MAX_PENDING_GRAPHS} later forward passes ran before its backward.  Run "
                "forward passes you will not backpropagate under `with cnnlib.no_grad():`"
            )
        if done:
            return (
                f"{fn}: backward already ran through this module's forward call (PyTorch: "
                '"Trying to backward through the graph a second time"); call the module '
                "again first"
            )
        if graph is not None and self.__dict__["_calls"]:
            return (
                f"{fn}: grad_out belongs to a forward pass this module took no part in "
                "(or whose backward already ran); call backward on the module whose output "
                "it differentiates"
            )
        return (
            f"{fn}: call forward() before backward() (a forward under no_grad() keeps "
            "nothing for backward)"
        )

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
        recurses into the children.  A module used in two places (a shared
        layer) is listed under both names, as PyTorch's ``state_dict`` does.
        """
        entries: list[tuple[str, Module, str, str]] = []

        def walk(mod: Module, pre: str, path: tuple[int, ...]) -> None:
            for name, p in mod._parameters.items():
                if p is not None:
                    entries.append((pre + name, mod, "param", name))
            for name, b in mod._buffers.items():
                if b is not None:
                    entries.append((pre + name, mod, "buffer", name))
            for name, child in mod.named_children():
                if id(child) not in path:                # never loop through a cycle
                    walk(child, f"{pre}{name}.", (*path, id(child)))

        walk(self, "", (id(self),))
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
            mismatch is always an error.  As in PyTorch, a BatchNorm's
            ``num_batches_tracked`` may be missing (old checkpoints: the
            module keeps its count) and a 0-d entry may come with shape (1,).

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
        # Checkpoints from before PyTorch 0.4.1 (and plain {k: v.numpy()} dicts
        # that lost the version metadata) have no num_batches_tracked: PyTorch's
        # BatchNorm then keeps its own count, and so does cnnlib.
        optional = {key for key, mod, kind, attr in entries
                    if kind == "buffer" and attr in mod._optional_buffers}
        missing = [key for key, *_ in entries if key not in state_dict and key not in optional]
        unexpected = [key for key in state_dict if key not in expected]
        problems: list[str] = []
        values: dict[str, np.ndarray] = {}
        for key, mod, kind, attr in entries:
            if key not in state_dict:
                continue
            current = mod._parameters[attr].data if kind == "param" else mod._buffers[attr]
            value = np.asarray(state_dict[key])
            if current.ndim == 0 and value.shape == (1,):
                value = value.reshape(())       # PyTorch accepts (1,) for a 0-d entry
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
