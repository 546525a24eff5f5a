"""torch.nn.utils.rnn: PackedSequence and the packing/padding helpers for variable-length batches.

A packed batch stores, time step by time step, the rows of the sequences still running at that step
(sequences sorted by decreasing length). Every conversion here is one gather of rows whose indices are
computed on the host from the lengths, which PyTorch also keeps on the host.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from ... import _dtype as dt
from ..._ops._dispatch import apply
from ..._ops.creation import tensor
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """A packed batch of sequences: ``data`` (sum of lengths, *), ``batch_sizes`` (max length,) on the CPU,
    ``sorted_indices``/``unsorted_indices`` (batch,) or None. Made by :func:`pack_padded_sequence` or
    :func:`pack_sequence`."""

    def __new__(cls, data, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never "
                                 "be created manually. They should be instantiated by functions like "
                                 "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                                 "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        elif isinstance(data, (list, tuple)) and len(data) == 2:
            data, batch_sizes = data
        else:
            raise AssertionError("Expected data to be a list or tuple of length 2")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        """``data.to(*args, **kwargs)``; the index tensors follow ``data`` to its device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def follow(t):
            return None if t is None else t.to(data.device)
        return type(self)(data, self.batch_sizes, follow(self.sorted_indices), follow(self.unsorted_indices))

    def cuda(self, *args, **kwargs) -> "PackedSequence":
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs) -> "PackedSequence":
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def pin_memory(self) -> "PackedSequence":
        """Pinned host memory has no meaning on JAX: the same sequence."""
        return type(self)(*self)

    def is_pinned(self) -> bool:
        return False

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _cast_method(name: str, dtype):
    def cast(self) -> PackedSequence:
        return self.to(dtype=dtype)
    cast.__name__, cast.__qualname__ = name, f"PackedSequence.{name}"
    cast.__doc__ = f"``self.to(dtype={dtype})``."
    return cast


for _name, _dtype in (("double", dt.float64), ("float", dt.float32), ("half", dt.float16), ("long", dt.int64),
                      ("int", dt.int32), ("short", dt.int16), ("char", dt.int8), ("byte", dt.uint8)):
    setattr(PackedSequence, _name, _cast_method(_name, _dtype))


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation ``q`` with ``q[permutation[i]] == i`` (None stays None)."""
    if permutation is None:
        return None
    return permutation.argsort()


# ---------------------------------------------------------------------- row gathers
def _take_rows(x, rows, *, lead: int, fill):
    """Rows ``rows`` (any shape) of ``x`` flattened over its first ``lead`` dims; with ``fill``, index
    ``len(rows of x)`` is a row filled with that value."""
    flat = x.reshape((-1,) + x.shape[lead:])
    if fill is not None:
        flat = jnp.concatenate([flat, jnp.full((1,) + flat.shape[1:], fill, flat.dtype)])
    return jnp.take(flat, rows, axis=0)


def _gather_rows(x: Tensor, rows: np.ndarray, lead: int, fill=None) -> Tensor:
    return apply(_take_rows, x, rows.astype(np.int32), static=(("lead", lead), ("fill", fill)))


def _host_ints(values) -> np.ndarray:
    """Integer values (a Tensor or a sequence) read on the host."""
    if isinstance(values, Tensor):
        return np.asarray(values.detach().cpu().numpy()).astype(np.int64)
    return np.asarray(values, dtype=np.int64)


def _padded_rows(batch_sizes: np.ndarray, steps: int | None = None) -> np.ndarray:
    """For a packed batch, the row of its data at each (step, sequence) of the padded layout, or the number of
    rows (the fill row) where the sequence has ended: shape (steps, batch)."""
    steps = len(batch_sizes) if steps is None else steps
    sizes = np.zeros(steps, np.int64)
    sizes[:len(batch_sizes)] = batch_sizes
    offsets = np.cumsum(sizes) - sizes
    b = np.arange(sizes[0] if len(sizes) else 0)
    return np.where(b[None, :] < sizes[:, None], offsets[:, None] + b[None, :], int(sizes.sum()))


def _count_above(values: np.ndarray, n: int) -> np.ndarray:
    """For each i < n, how many of ``values`` exceed i (batch sizes from lengths, and back)."""
    return (values[None, :] > np.arange(n)[:, None]).sum(1)


def _fill_value(value, dtype: dt.dtype):
    """A padding value as a Python scalar of ``dtype``'s kind."""
    if dtype == dt.bool:
        return bool(value)
    return float(value) if dtype.is_floating_point or dtype.is_complex else int(value)


def _packed_rows(batch_sizes: np.ndarray, steps: int, batch: int, order: np.ndarray,
                batch_first: bool = False) -> np.ndarray:
    """The flat index, in a padded (steps, batch) layout (or (batch, steps)), of each packed row; sequence ``j``
    of the packed batch is column ``order[j]`` of the padded one."""
    t = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    col = order[np.arange(len(t)) - np.repeat(np.cumsum(batch_sizes) - batch_sizes, batch_sizes)]
    return col * steps + t if batch_first else t * batch + col


# ---------------------------------------------------------------------- packing and padding
def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of ``lengths``.

    With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is sorted here and the
    permutation kept in ``sorted_indices``."""
    lengths = _host_ints(lengths.to(dtype=dt.int64) if isinstance(lengths, Tensor) else lengths)
    if input.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{input.dim()}, "
                         f"{input.dim() - 1}], but got 1)")
    batch_dim = 0 if batch_first else 1
    steps, batch = input.shape[1 - batch_dim], input.shape[batch_dim]
    if steps == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if lengths.ndim != 1:
        raise RuntimeError(f"'lengths' should be a 1D tensor, but got a {lengths.ndim}D tensor")
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={batch})")
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        order, sorted_indices = np.arange(batch), None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = tensor(order, dtype=dt.int64, device=input.device)
    if lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if lengths[0] > steps:
        raise RuntimeError(f"Expected the longest length to be at most the padded length {steps}, but got "
                           f"{int(lengths[0])}")
    batch_sizes = _count_above(lengths, int(lengths[0]))
    data = _gather_rows(input, _packed_rows(batch_sizes, steps, batch, order, batch_first), 2)
    return PackedSequence(data, _cpu_long(batch_sizes), sorted_indices, None)


def _cpu_long(values: np.ndarray) -> Tensor:
    return tensor(values, dtype=dt.int64, device="cpu")


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: (padded (T, B, *) or (B, T, *), lengths (B,) int64), in the
    original batch order, padded with ``padding_value`` up to ``total_length`` steps if given."""
    batch_sizes = _host_ints(sequence.batch_sizes)
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    rows = _padded_rows(batch_sizes, steps)
    lengths = _count_above(batch_sizes, int(batch_sizes[0]))
    if sequence.unsorted_indices is not None:
        order = _host_ints(sequence.unsorted_indices)
        rows, lengths = rows[:, order], lengths[order]
    if batch_first:
        rows = rows.T
    data = sequence.data
    return _gather_rows(data, rows, 1, _fill_value(padding_value, data.dtype)), _cpu_long(lengths)


def _pad_sequence(*seqs, batch_first, padding_value, left, shape, dtype):
    steps = shape[0]
    out = []
    for s in seqs:
        s = jnp.broadcast_to(s.astype(dtype), (s.shape[0],) + shape[1:])
        pad = [(steps - s.shape[0], 0) if left else (0, steps - s.shape[0])] + [(0, 0)] * (len(shape) - 1)
        out.append(jnp.pad(s, pad, constant_values=padding_value))
    return jnp.stack(out, axis=0 if batch_first else 1)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences (L_i, *) into (max L, B, *) (or (B, max L, *) with ``batch_first``), filling with
    ``padding_value`` on ``padding_side`` ("right" or "left")."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if any(s.dim() == 0 for s in sequences):
        raise RuntimeError("pad_sequence: each sequence needs at least one dimension")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        _check_broadcast(tuple(s.shape), (s.shape[0],) + trailing)
    steps = max(s.shape[0] for s in sequences)
    dtype = sequences[0].dtype
    fill = _fill_value(padding_value, dtype)
    return apply(_pad_sequence, *sequences,
                 static=(("batch_first", bool(batch_first)), ("padding_value", fill),
                         ("left", padding_side == "left"), ("shape", (steps,) + trailing),
                         ("dtype", dtype.np_dtype)))


def _check_broadcast(src: tuple, dst: tuple) -> None:
    """PyTorch's error when copying a tensor of shape ``src`` into one of shape ``dst`` cannot broadcast."""
    for k in range(1, len(src) + 1):
        a, b = dst[-k] if k <= len(dst) else 1, src[-k]
        if b != a and b != 1:
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                               f"non-singleton dimension {len(src) - k}")


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch (T, B, *) (or (B, T, *)) back into its sequences (lengths[i], *).

    Unlike PyTorch, a time-major ``padded_sequences`` is left as it is rather than transposed in place."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)].clone() for seq, n in zip(padded_sequences, _host_ints(lengths), strict=True)]


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) (decreasing lengths unless ``enforce_sorted=False``)."""
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Undo :func:`pack_sequence`: the list of sequences (L_i, *) in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
