"""Recurrent layers: RNN, LSTM, GRU and their single-step cells.

A whole multi-layer, possibly bidirectional, recurrent layer is one pure JAX function run through ``apply``:
the input projections of all time steps are one matmul per layer and direction, and the time loop is a
``lax.scan``, so the forward is one compiled program and the backward its vjp.
"""
from __future__ import annotations

import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops._dispatch import apply
from ..._ops.creation import empty
from ..._ops.random import _gen
from ..._tensor import Tensor
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _take_rows, _host_ints, _packed_rows, _padded_rows
from .linear import _factory
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


# ---------------------------------------------------------------------- the JAX computation
def _step(mode: str, gi, state: tuple, w_hh, b_hh, w_hr) -> tuple:
    """One time step from the input's gate pre-activations ``gi`` (B, gates * H): the new state."""
    h = state[0]
    gh = h @ w_hh.T
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "GRU":
        i_r, i_z, i_n = jnp.split(gi, 3, axis=-1)
        h_r, h_z, h_n = jnp.split(gh, 3, axis=-1)
        r, z = jax.nn.sigmoid(i_r + h_r), jax.nn.sigmoid(i_z + h_z)
        n = jnp.tanh(i_n + r * h_n)
        return ((1 - z) * n + z * h,)
    g = gi + gh
    if mode == "LSTM":
        i, f, c_hat, o = jnp.split(g, 4, axis=-1)
        c = jax.nn.sigmoid(f) * state[1] + jax.nn.sigmoid(i) * jnp.tanh(c_hat)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h if w_hr is None else h @ w_hr.T, c)
    return (jnp.tanh(g) if mode == "RNN_TANH" else jax.nn.relu(g),)


def _input_gates(x, w_ih, b_ih):
    gi = x @ w_ih.T
    return gi if b_ih is None else gi + b_ih


def _scan(mode: str, gi, state: tuple, w_hh, b_hh, w_hr, mask, reverse: bool):
    """Run one direction of one layer over time: (outputs (T, B, H_out), final state)."""
    def body(carry, xs):
        g, m = xs
        new = _step(mode, g, carry, w_hh, b_hh, w_hr)
        if m is not None:  # a finished sequence keeps its state
            new = tuple(jnp.where(m, n, c) for n, c in zip(new, carry))
        return new, new[0]
    final, out = lax.scan(body, state, (gi, mask), reverse=reverse)
    return out, final


def _rnn(x, hx, cx, key, pad_rows, pack_rows, *weights, mode, num_layers, directions, bias, proj, batch_first,
         batched, dropout):
    """The whole recurrent layer. ``x`` is (T, B, F) (or (B, T, F), or (T, F) unbatched), or packed data
    (N, F) when ``pad_rows`` (T, B) and ``pack_rows`` (N,) are given. Returns (output, h_n[, c_n])."""
    per = 2 + 2 * bias + proj
    w_hh0 = weights[1]
    hidden = w_hh0.shape[0] // _GATES[mode]
    packed = pad_rows is not None
    if packed:
        mask = (pad_rows < x.shape[0])[..., None]
        x = _take_rows(x, pad_rows, lead=1, fill=0)
    else:
        mask = None
        if not batched:
            x = x[:, None]
        elif batch_first:
            x = jnp.swapaxes(x, 0, 1)
    batch = x.shape[1]
    if hx is None:
        hx = jnp.zeros((num_layers * directions, batch, w_hh0.shape[1]), x.dtype)
    elif not batched:
        hx = hx[:, None]
    if mode == "LSTM":
        if cx is None:
            cx = jnp.zeros((num_layers * directions, batch, hidden), x.dtype)
        elif not batched:
            cx = cx[:, None]
    keys = jax.random.split(key, num_layers - 1) if dropout > 0 else None
    finals = []
    for layer in range(num_layers):
        outs = []
        for d in range(directions):
            k = layer * directions + d
            w_ih, w_hh, *rest = weights[k * per:(k + 1) * per]
            b_ih, b_hh = (rest[0], rest[1]) if bias else (None, None)
            w_hr = rest[-1] if proj else None
            state = (hx[k],) if mode != "LSTM" else (hx[k], cx[k])
            out, final = _scan(mode, _input_gates(x, w_ih, b_ih), state, w_hh, b_hh, w_hr, mask, reverse=d == 1)
            outs.append(out)
            finals.append(final)
        x = outs[0] if directions == 1 else jnp.concatenate(outs, axis=-1)
        if keys is not None and layer < num_layers - 1:
            keep = jax.random.bernoulli(keys[layer], 1.0 - dropout, x.shape)
            x = x * (keep.astype(x.dtype) / (1.0 - dropout)) if dropout < 1 else jnp.zeros_like(x)
    if packed:
        x = _take_rows(x, pack_rows, lead=2, fill=None)
    elif not batched:
        x = x[:, 0]
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    states = tuple(jnp.stack([f[i] for f in finals]) for i in range(len(finals[0])))
    if not batched:
        states = tuple(s[:, 0] for s in states)
    return (x,) + states


def _cell(x, hx, cx, w_ih, w_hh, b_ih, b_hh, *, mode, batched):
    """One step of a cell on x (B, F) or (F,): the new h, or (h, c) for an LSTM cell."""
    if not batched:
        x = x[None]
        hx = None if hx is None else hx[None]
        cx = None if cx is None else cx[None]
    hidden = w_hh.shape[1]
    zeros = jnp.zeros((x.shape[0], hidden), x.dtype)
    state = (zeros if hx is None else hx,) + ((zeros if cx is None else cx,) if mode == "LSTM" else ())
    new = _step(mode, _input_gates(x, w_ih, b_ih), state, w_hh, b_hh, None)
    if not batched:
        new = tuple(s[0] for s in new)
    return new if mode == "LSTM" else new[0]


# ---------------------------------------------------------------------- modules
def _check_size(size: list, expected: tuple, msg: str) -> None:
    if tuple(size) != tuple(expected):
        raise RuntimeError(msg.format(tuple(expected), list(size)))


def _permute(states: tuple, permutation: Tensor | None) -> tuple:
    if permutation is None:
        return states
    return tuple(s.index_select(1, permutation) for s in states)


class RNNBase(Module):
    """Shared construction, checks and forward of RNN, LSTM and GRU; ``mode`` is one of "RNN_TANH",
    "RNN_RELU", "LSTM", "GRU"."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout = float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
            if kind is int and value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        kw = _factory(device, dtype)
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size if proj_size > 0 else hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else out_size * directions
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes.items():
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Nothing to do: the weights are never copied into one flat buffer."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def check_input(self, input: Tensor, batch_sizes: Tensor | None) -> None:
        self._check_input(input, 2 if batch_sizes is not None else 3, input.dim())

    def _check_input(self, input: Tensor, expected_dim: int, dim: int) -> None:
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                             f"Convert input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        if dim != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {dim}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def _expected_size(self, mini_batch: int, cell: bool) -> tuple[int, int, int]:
        size = self.hidden_size if cell or self.proj_size == 0 else self.proj_size
        return (self.num_layers * (2 if self.bidirectional else 1), mini_batch, size)

    def _mini_batch(self, input: Tensor, batch_sizes: Tensor | None) -> int:
        if batch_sizes is not None:
            return int(_host_ints(batch_sizes)[0])
        return input.size(0) if self.batch_first else input.size(1)

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Tensor | None) -> tuple[int, int, int]:
        """(layers * directions, batch, H_out) for a batched (or packed) ``input``."""
        return self._expected_size(self._mini_batch(input, batch_sizes), cell=False)

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple[int, int, int],
                          msg: str = "Expected hidden size {}, got {}") -> None:
        _check_size(list(hx.size()), expected_hidden_size, msg)

    def check_forward_args(self, input: Tensor, hidden, batch_sizes: Tensor | None) -> None:
        """PyTorch's checks of a batched (or packed) input and its hidden state (a tuple for LSTM)."""
        self.check_input(input, batch_sizes)
        if self.mode != "LSTM":
            self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))
            return
        mini_batch = self._mini_batch(input, batch_sizes)
        for i, h in enumerate(hidden):
            self.check_hidden_size(h, self._expected_size(mini_batch, cell=i == 1),
                                   f"Expected hidden[{i}] size {{}}, got {{}}")

    def permute_hidden(self, hx, permutation: Tensor | None):
        """``hx`` (or each of an LSTM's (h, c)) reordered along the batch by ``permutation``."""
        if self.mode == "LSTM":
            return _permute(tuple(hx), permutation)
        return _permute((hx,), permutation)[0]

    def extra_repr(self) -> str:
        defaults = (("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0),
                    ("bidirectional", False))
        return f"{self.input_size}, {self.hidden_size}" + "".join(
            f", {name}={getattr(self, name)}" for name, default in defaults if getattr(self, name) != default)

    def _run(self, input, states: tuple | None):
        """Checks and the recurrence; ``states`` is (h0,) or (h0, c0) as given, or None.
        Returns (output, final states tuple), or (PackedSequence, states) for packed input."""
        lstm = self.mode == "LSTM"
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        packed = isinstance(input, PackedSequence)
        if packed:
            input, batch_sizes, sorted_indices, unsorted_indices = input
            sizes = _host_ints(batch_sizes)
            mini_batch, batched = int(sizes[0]), True
            if states is not None:
                states = _permute(states, sorted_indices)
        else:
            batch_sizes = sorted_indices = unsorted_indices = None
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                                 f"{' tensor' if name == 'RNN' else ''} instead")
            batched = input.dim() == 3
            if states is not None and any(s.dim() != (3 if batched else 2) for s in states):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                if lstm:
                    dims = ", ".join(f"{s.dim()}-D" for s in states)
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {3 if batched else 2}-D but "
                                       f"got ({dims}) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {3 if batched else 2}-D but got "
                                   f"{states[0].dim()}-D tensor")
            mini_batch = 1 if not batched else input.size(0) if self.batch_first else input.size(1)
        self._check_input(input, 2 if packed else 3, input.dim() + (not batched))
        if states is not None:
            for i, s in enumerate(states):
                size = list(s.shape) if batched else [s.shape[0], 1, *s.shape[1:]]
                what = f"hidden[{i}] size" if lstm else "hidden size"
                _check_size(size, self._expected_size(mini_batch, cell=i == 1), f"Expected {what} {{}}, got {{}}")
        steps = input.shape[0] if packed or not (batched and self.batch_first) else input.shape[1]
        if not packed and steps == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        dropout = self.dropout if self.training and self.num_layers > 1 else 0.0
        key = _gen(None).next_key() if dropout > 0 else None
        rows = (_padded_rows(sizes), _packed_rows(sizes, len(sizes), mini_batch, np.arange(mini_batch))) \
            if packed else (None, None)
        hx, cx = (None, None) if states is None else (states[0], states[1] if lstm else None)
        out = apply(_rnn, input, hx, cx, key, *(None if r is None else r.astype(np.int32) for r in rows),
                    *self._flat_weights,
                    static=(("mode", self.mode), ("num_layers", self.num_layers),
                            ("directions", 2 if self.bidirectional else 1), ("bias", bool(self.bias)),
                            ("proj", self.proj_size > 0), ("batch_first", bool(self.batch_first)),
                            ("batched", batched), ("dropout", dropout)))
        output, finals = out[0], out[1:]
        if packed:
            return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), \
                _permute(finals, unsorted_indices)
        return output, finals


class RNN(RNNBase):
    """Elman RNN, h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or ReLU).

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, device=None, dtype=None). Input (L, N, H_in) (or (N, L, H_in), or
    (L, H_in) unbatched, or a PackedSequence), h0 (D * num_layers, N, H_out); returns (output, h_n).
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, (h,) = self._run(input, None if hx is None else (hx,))
        return output, h


class GRU(RNNBase):
    """Gated recurrent unit: r, z = sigmoid(...), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h. Same arguments (without nonlinearity), shapes and outputs as :class:`RNN`."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, (h,) = self._run(input, None if hx is None else (hx,))
        return output, h


class LSTM(RNNBase):
    """Long short-term memory, optionally with a projection of h (``proj_size``).

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None). Input as for :class:`RNN`, hx = (h0, c0)
    with h0 (D * num_layers, N, H_out) and c0 (D * num_layers, N, H_cell); returns (output, (h_n, c_n)).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Tensor | None) -> tuple[int, int, int]:
        """(layers * directions, batch, hidden_size) for a batched (or packed) ``input``."""
        return self._expected_size(self._mini_batch(input, batch_sizes), cell=True)

    def forward(self, input, hx: tuple[Tensor, Tensor] | None = None):
        output, states = self._run(input, None if hx is None else tuple(hx))
        return output, states


class RNNCellBase(Module):
    """Shared parameters of the cells: weight_ih (chunks * H, F), weight_hh (chunks * H, H), biases."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        kw = _factory(device, dtype)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    reset_parameters = RNNBase.reset_parameters

    def _step(self, mode: str, input: Tensor, states: tuple | None):
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if states is not None:
            for i, s in enumerate(states):
                if s.dim() not in (1, 2):
                    what = f"hx[{i}]" if mode == "LSTM" else "hidden"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batch = input.shape[0] if batched else 1
        for i, s in enumerate(states or ()):
            shape = tuple(s.shape) if batched else (1,) + tuple(s.shape)
            if shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{i} batch size {shape[0]}")
            if shape[-1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {shape[-1]}, expected "
                                   f"{self.hidden_size}")
        hx, cx = (None, None) if states is None else (states[0], states[1] if mode == "LSTM" else None)
        return apply(_cell, input, hx, cx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                     static=(("mode", mode), ("batched", batched)))


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or ReLU); x (N, F) or (F,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input,
                          None if hx is None else (hx,))


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from x (N, F) or (F,) and (h, c) (N, H) or (H,) (zeros when omitted)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        return self._step("LSTM", input, None if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    """One GRU step: h' from x (N, F) or (F,) and h (N, H) or (H,) (zeros when omitted)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step("GRU", input, None if hx is None else (hx,))
