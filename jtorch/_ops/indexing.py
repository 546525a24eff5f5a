"""Indexing: ``t[key]`` and ``t[key] = value`` with ints, slices, None, Ellipsis, bool masks and integer
tensors/lists, with numpy's (and PyTorch's) rules. Basic keys give views that write through."""
from __future__ import annotations

import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype as dt
from .._tensor import VIEW_STRIDES, VIEW_WRITERS, Tensor, _host
from ._dispatch import apply
from ._registry import register
from ._util import wrap_dim, write_out
from .shape import make_view


def _key_from_spec(spec: tuple, arrays: tuple) -> tuple:
    key, it = [], iter(arrays)
    for entry in spec:
        kind = entry[0]
        if kind == "i":
            key.append(entry[1])
        elif kind == "s":
            key.append(slice(entry[1], entry[2], entry[3]))
        elif kind == "n":
            key.append(None)
        elif kind == "e":
            key.append(Ellipsis)
        else:
            key.append(next(it))
    return tuple(key)


def _basic_index(a, *, spec):
    return a[_key_from_spec(spec, ())]


def _advanced_index(a, *index_arrays, spec):
    return a[_key_from_spec(spec, index_arrays)]


def _add_at(a, key, value):
    """``a`` with ``value`` added at ``key`` (repeats accumulate); for bool, adding is a logical or."""
    return a.at[key].max(value) if a.dtype == jnp.bool_ else a.at[key].add(value)


def _index_put(a, value, *index_arrays, spec, accumulate):
    key = _key_from_spec(spec, index_arrays)
    value = jnp.asarray(value).astype(a.dtype)
    return _add_at(a, key, value) if accumulate else a.at[key].set(value)


VIEW_WRITERS[_basic_index] = lambda base, value, *, spec: base.at[_key_from_spec(spec, ())].set(value)


def _basic_index_geometry(size, stride, offset, *, spec):
    size, stride = list(size), list(stride)
    dim, skipped = 0, len(size) - sum(entry[0] in "is" for entry in spec)  # dims that the Ellipsis covers
    for entry in spec:
        kind = entry[0]
        if kind == "e":
            dim += skipped
        elif kind == "i":
            offset += (entry[1] % size[dim]) * stride[dim]
            del size[dim], stride[dim]
        elif kind == "s":
            start, stop, step = slice(*entry[1:]).indices(size[dim])
            offset += start * stride[dim]
            size[dim], stride[dim] = len(range(start, stop, step)), stride[dim] * step
            dim += 1
        else:  # None: a new dim of size 1, as unsqueeze makes it
            size.insert(dim, 1)
            stride.insert(dim, size[dim + 1] * stride[dim] if dim < len(stride) else 1)
            dim += 1
    return tuple(size), tuple(stride), offset


VIEW_STRIDES[_basic_index] = _basic_index_geometry


def _slice_bound(v):
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v.item())
    return int(v.__index__())


def _index_array(k) -> "jax.Array":
    if isinstance(k, Tensor):
        return k._value
    arr = np.asarray(k)
    if arr.dtype == object:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.size == 0:
        arr = arr.astype(np.int64)
    return jnp.asarray(arr)


def parse_key(self: Tensor, key) -> tuple:
    """``(spec, index_arrays)``: a hashable description of ``key`` and its integer index arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    spec, arrays = [], []
    dim = 0
    consumed = sum(_dims_consumed(k) for k in key)
    ndim = self.ndim
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape = self.shape
    for k in key:
        if k is None:
            spec.append(("n",))
        elif k is Ellipsis:
            spec.append(("e",))
            dim += ndim - consumed
        elif isinstance(k, slice):
            step = _slice_bound(k.step)
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            spec.append(("s", _slice_bound(k.start), _slice_bound(k.stop), step))
            dim += 1
        elif isinstance(k, (bool, np.bool_)):
            spec.append(("a",))
            arrays.append(jnp.asarray(bool(k)))
        elif isinstance(k, (numbers.Integral, np.integer)):
            i = int(k)
            size = shape[dim]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            spec.append(("i", i))
            dim += 1
        else:
            arr = _index_array(k)
            if arr.dtype == jnp.bool_ or arr.dtype == jnp.uint8:
                masks = _mask_to_indices(arr, shape[dim:dim + arr.ndim], dim)
                for m in masks:
                    spec.append(("a",))
                    arrays.append(m)
                dim += arr.ndim
            elif jnp.issubdtype(arr.dtype, jnp.integer):
                _check_index_bounds(arr, shape[dim], dim)
                spec.append(("a",))
                arrays.append(arr)
                dim += 1
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return tuple(spec), tuple(arrays)


def _dims_consumed(k) -> int:
    if k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
        return 0
    if isinstance(k, (Tensor, np.ndarray)) and (k.dtype in (dt.bool, dt.uint8) or k.dtype in (np.bool_, np.uint8)):
        return k.ndim
    return 1


def _mask_to_indices(mask, dims_shape, start_dim: int) -> tuple:
    if tuple(mask.shape) != tuple(dims_shape):
        for i, (m, s) in enumerate(zip(mask.shape, dims_shape)):
            if m != s:
                raise IndexError(f"The shape of the mask {list(mask.shape)} at index {i} does not match the shape "
                                 f"of the indexed tensor {list(dims_shape)} at index {start_dim + i}")
    host = _host(mask)
    return tuple(jnp.asarray(ix) for ix in np.nonzero(np.asarray(host)))


def _check_index_bounds(arr, size: int, dim: int) -> None:
    if isinstance(arr, jax.core.Tracer) or arr.size == 0:
        return
    lo, hi = int(arr.min()), int(arr.max())
    if lo < -size or hi >= size:
        bad = hi if hi >= size else lo
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def getitem(self: Tensor, key) -> Tensor:
    spec, arrays = parse_key(self, key)
    if not arrays:
        return make_view(self, _basic_index, (("spec", spec),), _basic_name(spec))
    return apply(_advanced_index, self, *arrays, static=(("spec", spec),), saves=False, name="IndexBackward0")


def _basic_name(spec) -> str:
    kinds = {e[0] for e in spec}
    if kinds <= {"s", "e"}:
        return "SliceBackward0"
    if kinds <= {"i", "e"} or kinds <= {"i", "s", "e"}:
        return "SelectBackward0"
    return "UnsqueezeBackward0" if kinds <= {"n", "e"} else "AsStridedBackward0"


def setitem(self: Tensor, key, value) -> None:
    spec, arrays = parse_key(self, key)
    if not arrays and self._overlapping():  # write only the indexed elements, which may not overlap
        self, spec = getitem(self, key), ()
    if isinstance(value, (list, tuple, np.ndarray)):
        from .creation import tensor
        value = tensor(value, dtype=self.dtype)
    result = apply(_index_put, self, value, *arrays, static=(("spec", spec), ("accumulate", False)),
                   saves=False, name="IndexPutBackward0")
    self._commit_inplace(result)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


def _index_put_op(self, indices, values, accumulate: bool = False) -> Tensor:
    """``self`` with ``values`` written (or added, with ``accumulate``) at the integer ``indices``."""
    spec, arrays = parse_key(self, tuple(indices))
    return apply(_index_put, self, values, *arrays, static=(("spec", spec), ("accumulate", bool(accumulate))),
                 saves=False, name="IndexPutBackward0")


index_put = register(_index_put_op, name="index_put", inplace=True)


# ------------------------------------------------------------------ gather / scatter family
def _positions(index, dim: int) -> tuple:
    """The full index tuple that addresses, for each entry of ``index``, its own coordinates with ``dim``
    replaced by the entry's value (the addressing of gather and scatter)."""
    grids = jnp.indices(index.shape, sparse=True)
    return tuple(index if d == dim else grids[d] for d in range(index.ndim))


def _fit_source(src, index):
    """``src`` cut down to ``index``'s shape (a scalar broadcast to it)."""
    src = jnp.asarray(src)
    if src.ndim == 0:
        return jnp.broadcast_to(src, index.shape)
    return src[tuple(slice(0, s) for s in index.shape)]


@jax.custom_vjp
def _scatter_prod(a, src, *pos):
    return a.at[pos].multiply(src)


def _scatter_prod_fwd(a, src, *pos):
    out = a.at[pos].multiply(src)
    return out, (a, src, pos, out)


def _scatter_prod_bwd(res, g):
    # the derivative of a product w.r.t. one factor is the product of the others, also when that one is zero
    a, src, pos, out = res
    zeros = (a == 0).astype(jnp.int32).at[pos].add((src == 0).astype(jnp.int32))
    others = jnp.where(a == 0, 1, a).at[pos].multiply(jnp.where(src == 0, 1, src))

    def factor_grad(x, o, z, p):
        return jnp.where(x != 0, o / jnp.where(x == 0, 1, x), jnp.where(z == 1, p, 0))
    ga = g * factor_grad(a, out, zeros, others)
    gs = g[pos] * factor_grad(src, out[pos], zeros[pos], others[pos])
    return (ga, gs) + tuple(None for _ in pos)


_scatter_prod.defvjp(_scatter_prod_fwd, _scatter_prod_bwd)


def _scatter_core(a, index, src, dim, reduce, include_self):
    if a.dtype == jnp.bool_ and reduce in ("prod", "amax", "amin"):  # as 0/1: and, or, and
        return _scatter_core(a.astype(jnp.uint8), index, jnp.asarray(src).astype(jnp.uint8), dim, reduce,
                             include_self).astype(jnp.bool_)
    pos = _positions(index, dim)
    src = _fit_source(src, index).astype(a.dtype)
    if reduce == "set":
        return a.at[pos].set(src)
    if reduce in ("sum", "mean"):
        base = a if include_self else a.at[pos].set(jnp.zeros((), a.dtype))
        total = _add_at(base, pos, src)
        if reduce == "sum":
            return total
        count = (jnp.ones(a.shape, a.dtype) if include_self else jnp.ones(a.shape, a.dtype).at[pos].set(0))
        count = count.at[pos].add(1)
        count = jnp.where(count == 0, 1, count)
        return total / count if jnp.issubdtype(a.dtype, jnp.inexact) else total // count
    if reduce == "prod":
        base = a if include_self else a.at[pos].set(1)
        return _scatter_prod(base, src, *pos) if jnp.issubdtype(a.dtype, jnp.inexact) else \
            base.at[pos].multiply(src)
    # amax / amin: the gradient is shared evenly by every contribution equal to the result
    if jnp.issubdtype(a.dtype, jnp.inexact):
        fill = -jnp.inf if reduce == "amax" else jnp.inf
    else:
        fill = jnp.iinfo(a.dtype).min if reduce == "amax" else jnp.iinfo(a.dtype).max
    base = a if include_self else a.at[pos].set(fill)
    best = base.at[pos].max(src) if reduce == "amax" else base.at[pos].min(src)
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        return best
    best = jax.lax.stop_gradient(best)
    touched = jnp.zeros(a.shape, bool).at[pos].set(True)
    self_hit = (a == best) & (include_self | ~touched)
    src_hit = src == best[pos]
    count = self_hit.astype(a.dtype).at[pos].add(src_hit.astype(a.dtype))
    total = jnp.where(self_hit, a, 0).at[pos].add(jnp.where(src_hit, src, 0))
    return jnp.where(count > 0, total / jnp.where(count > 0, count, 1), best)


def _scatter(a, index, src, *, dim, reduce, include_self, along):
    """Scatter ``src`` into ``a`` at ``index`` along ``dim``; ``along``: ``index`` is a 1-D list of positions
    on ``dim`` shared by every slice (the index_* ops)."""
    shape = a.shape
    a = jnp.atleast_1d(a)
    src = jnp.asarray(src)
    if along:
        src = jnp.atleast_1d(src)
        index = jnp.atleast_1d(index)
        view = [1] * src.ndim
        view[dim] = index.shape[0]
        index = jnp.broadcast_to(index.reshape(view), src.shape)
    else:
        index = jnp.atleast_1d(index)
        src = jnp.atleast_1d(src) if src.ndim else src
    return _scatter_core(a, index, src, dim, reduce, include_self).reshape(shape)


_SCATTER_REDUCE = {"add": "sum", "multiply": "prod", "sum": "sum", "prod": "prod", "mean": "mean",
                   "amax": "amax", "amin": "amin"}


def _check_scatter(input: Tensor, dim: int, index: Tensor, src, name: str) -> int:
    if not isinstance(index, Tensor) or (index.dtype not in (dt.int64, dt.int32) and index.numel()):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    d = wrap_dim(dim, input.ndim)
    if index.numel() and max(index.ndim, 1) != max(input.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if index.numel():
        hi, lo = int(index.max().item()), int(index.min().item())
        size = input.shape[d] if input.ndim else 1
        if lo < 0 or hi >= size:
            raise RuntimeError(f"index {hi if hi >= size else lo} is out of bounds for dimension {d} with size {size}")
    return d


def _run_scatter(input, dim, index, src, reduce, include_self, along, name):
    if index.numel() == 0:
        return apply(_identity, input, saves=False, name=name)
    return apply(_scatter, input, index, src, static=(("dim", dim), ("reduce", reduce),
                                                      ("include_self", bool(include_self)), ("along", along)),
                 saves=False, name=name)


def _identity(a):
    return a + jnp.zeros((), a.dtype) if a.dtype != jnp.bool_ else a


def _scalar_or_tensor(value):
    return value if isinstance(value, Tensor) else jnp.asarray(value)


@register(inplace=True)
def scatter(input, dim: int, index, src=None, value=None, *, reduce: str | None = None) -> Tensor:
    """``input`` with ``src`` (or the scalar ``value``) written at ``index`` along ``dim``:
    ``out[..., index[i, j], ...] = src[i, j]`` (``reduce``: 'add' or 'multiply' combines instead)."""
    src = value if src is None else src
    d = _check_scatter(input, dim, index, src if isinstance(src, Tensor) else None, "scatter")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    mode = "set" if reduce is None else _SCATTER_REDUCE[reduce]
    return _run_scatter(input, d, index, _scalar_or_tensor(src), mode, True, False, "ScatterBackward0")


@register(inplace=True)
def scatter_add(input, dim: int, index, src) -> Tensor:
    """``input`` with ``src`` added at ``index`` along ``dim``."""
    d = _check_scatter(input, dim, index, src, "scatter_add")
    return _run_scatter(input, d, index, src, "sum", True, False, "ScatterAddBackward0")


@register(inplace=True)
def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True) -> Tensor:
    """``input`` with ``src`` combined at ``index`` along ``dim`` by ``reduce``
    ('sum', 'prod', 'mean', 'amax', 'amin'); ``include_self=False`` leaves ``input``'s targeted values out."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d = _check_scatter(input, dim, index, src, "scatter_reduce")
    return _run_scatter(input, d, index, src, reduce, include_self, False, "ScatterReduceBackward0")


def _gather(a, index, *, dim):
    shape = index.shape
    if index.size == 0:
        return jnp.zeros(shape, a.dtype)
    a, index = jnp.atleast_1d(a), jnp.atleast_1d(index)
    a = a[tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))]
    return jnp.take_along_axis(a, index, axis=dim).reshape(shape)


@register
def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None) -> Tensor:
    """``out[i, j] = input[index[i, j], j]`` (for ``dim=0``; likewise for other dims)."""
    d = _check_scatter(input, dim, index, None, "gather")
    for k in range(index.ndim):
        if index.numel() and k != d and index.shape[k] > (input.shape[k] if input.ndim else 1):
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be no "
                               f"larger than self {list(input.shape)} apart from dimension {d}")
    return write_out(apply(_gather, input, index, static=(("dim", d),), saves=False, name="GatherBackward0"), out)


# ------------------------------------------------------------------ index_* along one dim
def _check_index_along(input: Tensor, dim: int, index, name: str) -> int:
    if not isinstance(index, Tensor) or index.dtype not in (dt.int64, dt.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    d = wrap_dim(dim, input.ndim)
    if index.numel():
        size = input.shape[d] if input.ndim else 1
        hi, lo = int(index.max().item()), int(index.min().item())
        if lo < -size or hi >= size:
            raise IndexError("index out of range in self")
    return d


def _take(a, index, *, dim):
    shape = a.shape[:dim] + index.shape + a.shape[dim + 1:] if a.ndim else ()
    return jnp.take(jnp.atleast_1d(a), index.reshape(-1), axis=dim).reshape(shape)


@register
def index_select(input, dim: int, index, *, out=None) -> Tensor:
    """The slices of ``input`` at positions ``index`` (a vector) along ``dim``."""
    d = _check_index_along(input, dim, index, "index_select")
    return write_out(apply(_take, input, index, static=(("dim", d),), saves=False, name="IndexSelectBackward0"), out)


def _index_op(name: str, reduce: str, doc: str):
    def op(input, dim: int, index, source, *, alpha=1) -> Tensor:
        d = _check_index_along(input, dim, index, name)
        if source.dtype is not input.dtype:
            raise RuntimeError(f"{name}_(): self ({input.dtype}) and source ({source.dtype}) must have the same "
                               "scalar type")
        if alpha != 1:
            source = source * alpha
        return _run_scatter(input, d, index % max(input.shape[d] if input.ndim else 1, 1), source, reduce, True,
                            True, _node(name))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return register(op, inplace=True)


def _node(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_")) + "Backward0"


index_add = _index_op("index_add", "sum", "``input`` with ``alpha * source`` added at positions ``index`` of ``dim``.")
index_copy = _index_op("index_copy", "set", "``input`` with the slices of ``source`` written at ``index`` of ``dim``.")


@register(inplace=True)
def index_reduce(input, dim: int, index, source, reduce: str, *, include_self: bool = True) -> Tensor:
    """``input`` with ``source``'s slices combined at ``index`` of ``dim`` by ``reduce``
    ('prod', 'mean', 'amax', 'amin')."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    d = _check_index_along(input, dim, index, "index_reduce")
    return _run_scatter(input, d, index % max(input.shape[d] if input.ndim else 1, 1), source, reduce,
                        include_self, True, "IndexReduceBackward0")


def _index_fill(a, index, value, *, dim):
    shape = a.shape
    a = jnp.atleast_1d(a)
    sel = jnp.zeros(a.shape[dim], bool).at[index.reshape(-1)].set(True)
    view = [1] * a.ndim
    view[dim] = a.shape[dim]
    return jnp.where(sel.reshape(view), jnp.asarray(value).astype(a.dtype), a).reshape(shape)


@register(inplace=True)
def index_fill(input, dim: int, index, value) -> Tensor:
    """``input`` with the slices at ``index`` of ``dim`` set to the scalar ``value``."""
    d = _check_index_along(input, dim, index, "index_fill")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    return apply(_index_fill, input, index, _scalar_or_tensor(value), static=(("dim", d),), saves=False,
                 name="IndexFillBackward0")


# ------------------------------------------------------------------ masks
def _check_mask(mask, name: str) -> None:
    if not isinstance(mask, Tensor) or mask.dtype is not dt.bool:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype {got}")


def _masked_fill(a, mask, value):
    return jnp.where(mask, jnp.asarray(value).astype(a.dtype), a)


@register(inplace=True)
def masked_fill(input, mask, value) -> Tensor:
    """``input`` with the scalar ``value`` where ``mask`` (broadcast to ``input``) is True."""
    _check_mask(mask, "masked_fill_")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    return apply(_masked_fill, input, mask, _scalar_or_tensor(value), saves=False, name="MaskedFillBackward0")


def _fill_diagonal(a, *, value, wrap):
    numel = a.size
    if a.ndim == 2:
        rows, cols = a.shape
        step, end = cols + 1, (numel if wrap else min(cols * cols, numel))
    else:
        step, end = sum(a.shape[0] ** k for k in range(a.ndim)), numel
    mask = np.zeros(numel, bool)
    mask[0:end:step] = True
    return jnp.where(mask.reshape(a.shape), jnp.asarray(value).astype(a.dtype), a)


def fill_diagonal(input, fill_value, wrap: bool = False) -> Tensor:
    """``input`` with ``fill_value`` on its main diagonal (all dims equal beyond 2-D); with ``wrap``, a tall
    matrix's diagonal restarts every ``cols + 1`` rows. Used as ``Tensor.fill_diagonal_``."""
    if input.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if input.ndim > 2 and len(set(input.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return apply(_fill_diagonal, input, static=(("value", fill_value), ("wrap", bool(wrap))), saves=False,
                 name="FillBackward")


register(fill_diagonal, function=False, method=False, inplace=True)


def _masked_scatter(a, mask, source):
    a, mask = jnp.broadcast_arrays(a, mask)
    flat = mask.reshape(-1)
    take = jnp.clip(jnp.cumsum(flat) - 1, 0, max(source.size - 1, 0))
    values = source.reshape(-1)[take] if source.size else jnp.zeros(flat.shape, a.dtype)
    return jnp.where(flat, values.astype(a.dtype), a.reshape(-1)).reshape(a.shape)


@register(inplace=True)
def masked_scatter(input, mask, source) -> Tensor:
    """``input`` with the leading elements of ``source`` written, in order, where ``mask`` is True."""
    _check_mask(mask, "masked_scatter_")
    if int(mask.sum().item()) > source.numel():
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask")
    return apply(_masked_scatter, input, mask, source, saves=False, name="MaskedScatterBackward0")


def _masked_gather(a, positions, *, shape):
    return jnp.broadcast_to(a, shape).reshape(-1)[positions]


@register
def masked_select(input, mask, *, out=None) -> Tensor:
    """The 1-D tensor of ``input``'s elements where ``mask`` (broadcast together) is True."""
    _check_mask(mask, "masked_select:")
    shape = tuple(jnp.broadcast_shapes(tuple(input.shape), tuple(mask.shape)))
    positions = np.flatnonzero(np.broadcast_to(np.asarray(_host(mask._value)), shape))
    return write_out(apply(_masked_gather, input, jnp.asarray(positions, jnp.int64), static=(("shape", shape),),
                           saves=False, name="MaskedSelectBackward0"), out)


def _nonzero(a):
    return jnp.asarray(np.argwhere(np.asarray(_host(a))), jnp.int64)


@register
def nonzero(input, *, out=None, as_tuple: bool = False):
    """The ``[n, ndim]`` indices of the nonzero elements (a tuple of ``n``-vectors with ``as_tuple``)."""
    idx = apply(_nonzero, input, saves=False, jit=False)
    if as_tuple:
        return tuple(idx[:, i] for i in range(max(input.ndim, 1))) if input.ndim else (idx.reshape(-1),)
    return write_out(idx, out)


@register
def argwhere(input) -> Tensor:
    """``nonzero(input)``."""
    return nonzero(input)


# ------------------------------------------------------------------ flat and along-dim takes
def _check_flat_index(input: Tensor, index, name: str) -> None:
    if not isinstance(index, Tensor) or index.dtype is not dt.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{index.dtype if isinstance(index, Tensor) else type(index).__name__}")
    n = input.numel()
    if index.numel():
        hi, lo = int(index.max().item()), int(index.min().item())
        if lo < -n or hi >= n:
            raise IndexError(f"out of range: tried to access index {hi if hi >= n else lo} on a tensor of {n} "
                             "elements.")


def _flat_take(a, index):
    return a.reshape(-1)[index]


@register
def take(input, index) -> Tensor:
    """``input`` treated as 1-D, read at ``index`` (the result has ``index``'s shape)."""
    _check_flat_index(input, index, "take")
    return apply(_flat_take, input, index, saves=False, name="TakeBackward0")


def _put(a, index, source, *, accumulate):
    flat = a.reshape(-1)
    source = source.reshape(-1).astype(a.dtype)
    index = index.reshape(-1)
    return (_add_at(flat, index, source) if accumulate else flat.at[index].set(source)).reshape(a.shape)


@register(inplace=True)
def put(input, index, source, accumulate: bool = False) -> Tensor:
    """``input`` treated as 1-D with ``source`` written (or added) at ``index``."""
    _check_flat_index(input, index, "put")
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    return apply(_put, input, index % max(input.numel(), 1), source, static=(("accumulate", bool(accumulate)),),
                 saves=False, name="PutBackward0")


def _take_along(a, index, *, dim):
    if dim is None:
        return a.reshape(-1)[index.reshape(-1)]
    shape_a = list(a.shape)
    shape_i = list(index.shape)
    shape_a[dim] = shape_i[dim] = 1
    common = jnp.broadcast_shapes(tuple(shape_a), tuple(shape_i))
    a = jnp.broadcast_to(a, common[:dim] + (a.shape[dim],) + common[dim + 1:])
    index = jnp.broadcast_to(index, common[:dim] + (index.shape[dim],) + common[dim + 1:])
    return jnp.take_along_axis(a, index, axis=dim)


@register
def take_along_dim(input, indices, dim: int | None = None, *, out=None) -> Tensor:
    """``input`` read at ``indices`` along ``dim`` (both broadcast in the other dims); flat when ``dim`` is None."""
    if dim is not None:
        if indices.ndim != input.ndim:
            raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                               f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                               "dimensions for indices")
        dim = wrap_dim(dim, input.ndim)
    return write_out(apply(_take_along, input, indices, static=(("dim", dim),), saves=False,
                           name="TakeAlongDimBackward0"), out)
