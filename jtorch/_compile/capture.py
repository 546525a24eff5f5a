"""Finding a function's state by watching it run: which pre-existing tensor boxes it reads, which it creates.

While a :class:`Capture` is active, every read of a tensor's array and every new tensor is reported to it.
A box read during the run that existed before the run and is not already an input is *state*: in an eager
(recording) run it is noted, in a traced run it aborts the trace with :class:`NewState` so the caller can lift
it into an input and trace again. Library code that keeps Python-side state consults the active capture:
optimizers read their numeric hyperparameters through :func:`hyperparameter` (traced inputs, so a scheduler's
new lr needs no recompile) and schedulers run their Python bookkeeping through :func:`run_on_host` (once per
call, outside the compiled program).
"""
from __future__ import annotations

import contextlib
import weakref
from typing import Any, Callable

from .. import _tensor


class NewState(BaseException):
    """A traced run read state that is not an input yet (a BaseException, so no ``except Exception`` eats it)."""


class Capture:
    """What one run of a function touched."""

    def __init__(self, lifted: dict, tracing: bool, scalar_inputs: dict | None = None, axis_env: tuple = ()):
        self.lifted = lifted                # id -> Tensor whose array is an input (state and arguments)
        self.tracing = tracing
        self.scalar_inputs = scalar_inputs or {}  # (id(container), key) -> traced value
        self.created: dict = {}             # id -> weakref of each tensor created during the run
        self.discovered: dict = {}          # id -> pre-existing Tensor read but not lifted
        self.scalar_slots: dict = {}        # (id(container), key) -> (container, key) read as hyperparameters
        self.host_calls: list = []          # (before_program, fn, args, kwargs) deferred by run_on_host
        self.backward_ran = False
        self.optimizer_stepped = False
        self.axis_env = axis_env            # (name, size) of the mesh axes a traced run may reduce over
        self.placement = None               # the device layout declared through note_placement

    def on_read(self, t) -> None:
        key = id(t)
        if key in self.lifted or key in self.created:
            return
        self.discovered[key] = t
        if self.tracing:
            raise NewState

    def on_create(self, t) -> None:
        self.created[id(t)] = weakref.ref(t)

    def alive_created(self) -> list:
        return [t for t in (ref() for ref in self.created.values()) if t is not None]


_active: Capture | None = None


def active() -> Capture | None:
    """The capture of the run in progress, if any."""
    return _active


def is_tracing() -> bool:
    return _active is not None and _active.tracing


@contextlib.contextmanager
def capturing(cap: Capture):
    """Report tensor reads and creations to ``cap`` for the duration of the block."""
    global _active
    saved = (_active, _tensor._read_hook, _tensor._init_hook)
    _active, _tensor._read_hook, _tensor._init_hook = cap, cap.on_read, cap.on_create
    try:
        yield cap
    finally:
        _active, _tensor._read_hook, _tensor._init_hook = saved


@contextlib.contextmanager
def paused():
    """Stop reporting (the compile machinery's own reads of boxes)."""
    global _active
    saved = (_active, _tensor._read_hook, _tensor._init_hook)
    _active, _tensor._read_hook, _tensor._init_hook = None, None, None
    try:
        yield
    finally:
        _active, _tensor._read_hook, _tensor._init_hook = saved


def hyperparameter(container: dict, key: str):
    """``container[key]`` as the value an update rule computes with: a Python float eagerly, a traced input
    while compiling (so editing it between calls takes effect without a recompile). Tensors pass through."""
    value = container[key]
    cap = _active
    if cap is None or isinstance(value, (_tensor.Tensor, tuple, list)):
        return _as_float(value)
    slot = (id(container), key)
    cap.scalar_slots.setdefault(slot, (container, key))
    if not cap.tracing:
        return _as_float(value)
    if slot not in cap.scalar_inputs:
        raise NewState
    return cap.scalar_inputs[slot]


def _as_float(value):
    """A Python float (weakly typed, so it takes the parameters' dtype), a tensor's array, or a tuple of them."""
    if isinstance(value, _tensor.Tensor):
        return value._value
    if isinstance(value, (tuple, list)):
        return tuple(_as_float(v) for v in value)
    return float(value)


def run_on_host(fn: Callable, *args: Any, **kwargs: Any) -> None:
    """Run Python bookkeeping ``fn(*args, **kwargs)`` now, or, inside a compiled function, once per call of the
    compiled program: before it when no optimizer stepped earlier in the function, after it otherwise."""
    cap = _active
    if cap is None or not cap.tracing:
        fn(*args, **kwargs)
        return
    cap.host_calls.append((not cap.optimizer_stepped, fn, args, kwargs))


def note_placement(placement) -> None:
    """Code that runs SPMD (``nn.DataParallel``, ``DistributedDataParallel``) declares how a compiled program
    containing it is laid out over devices. ``placement.axis_env`` lists the ``(name, size)`` mesh axes its
    traced code reduces over (``lax.psum``); ``placement.jit(fn, donate_argnums, input_ids)`` compiles the
    program's function, returning a callable that takes and returns arrays as they live in this process
    (``input_ids`` holds ``id`` of each input box, ``None`` for hyperparameters). A traced run that meets a
    placement whose axes it was not started with re-traces with them."""
    cap = _active
    if cap is None:
        return
    if cap.placement is not None and cap.placement != placement:
        raise NotImplementedError("jtorch.compile: a compiled function can run over only one device layout; this "
                                  "one uses two (e.g. two DataParallel modules over different devices, or "
                                  "DataParallel with DistributedDataParallel)")
    cap.placement = placement
    if cap.tracing and not set(placement.axis_env) <= set(cap.axis_env):
        raise NewState


def note_backward() -> None:
    if _active is not None:
        _active.backward_ran = True


def note_optimizer_step() -> None:
    if _active is not None:
        _active.optimizer_stepped = True
