"""Shape and view ops: view/reshape, permute/transpose, squeeze/unsqueeze, expand, narrow/select/unbind,
split/chunk, cat/stack, flip/roll/repeat, and the dtype/device conversions (to, type, clone, copy_)."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as _dev
from .. import _dtype as dt
from .. import _legacy_types as _legacy
from .._tensor import (MANY_TO_ONE_VIEWS, VIEW_STRIDES, VIEW_WRITERS, Size, Tensor, apply_view_chain,
                       contiguous_strides, scalar_type_name, write_view)
from ._dispatch import apply
from ._registry import TORCH_FUNCTIONS, register, register_method
from ._util import check_broadcast, dims_tuple, np_dtype, write_out, wrap_dim


def make_view(input: Tensor, fn, static: tuple, name: str) -> Tensor:
    """Apply the pure view function ``fn`` to ``input``: the result shares storage with ``input``."""
    out = apply(fn, input, static=static, name=name, saves=False)
    return input._make_view(fn, static, out._array, out.grad_fn)


# ------------------------------------------------------------------ reshape family
def _reshape_view(a, *, shape):
    return a.reshape(shape)


VIEW_WRITERS[_reshape_view] = lambda base, value, *, shape: value.reshape(base.shape)


def _view_strides(size: tuple, stride: tuple, shape: tuple) -> tuple | None:
    """Strides that show the elements of a ``size``/``stride`` tensor in row-major order as ``shape``, or None
    when there are none (a dim of ``shape`` would span two runs of evenly spaced elements)."""
    if math.prod(size) == 0 or not size:
        return tuple(stride) if size == shape else contiguous_strides(shape)
    new = [0] * len(shape)
    view_d = len(shape) - 1
    run_stride, run_numel, view_numel = stride[-1], 1, 1
    for d in range(len(size) - 1, -1, -1):
        run_numel *= size[d]
        if d == 0 or (size[d - 1] != 1 and stride[d - 1] != run_numel * run_stride):  # the run ends here
            while view_d >= 0 and (view_numel < run_numel or shape[view_d] == 1):
                new[view_d] = view_numel * run_stride
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != run_numel:
                return None
            if d > 0:
                run_stride, run_numel, view_numel = stride[d - 1], 1, 1
    return tuple(new) if view_d == -1 else None


VIEW_STRIDES[_reshape_view] = lambda size, stride, offset, *, shape: (shape, _view_strides(size, stride, shape), offset)


def _infer_shape(shape, numel: int) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (list, tuple, Size)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    return shape


def _bitcast(a, *, dtype):
    return jax.lax.bitcast_convert_type(a, dtype)


@register_method
def view(self, *shape) -> Tensor:
    """A view of the same data with another shape (one dim may be -1), or reinterpreted as a dtype."""
    if len(shape) == 1 and isinstance(shape[0], dt.dtype):
        target = shape[0]
        if target.itemsize != self.dtype.itemsize:
            raise NotImplementedError("jtorch supports Tensor.view(dtype) only between dtypes of the same size")
        return apply(_bitcast, self, static=(("dtype", np_dtype(target)),))
    shape = _infer_shape(shape, self.numel())
    if not _viewable(self, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return make_view(self, _reshape_view, (("shape", shape),), "ViewBackward0")


def _viewable(input: Tensor, shape: tuple) -> bool:
    """Whether strides can show ``input``'s elements in row-major order as ``shape``."""
    if input._view is None or not input._view.chain:
        return True
    size, stride, _ = input._geometry()
    return _view_strides(size, stride, shape) is not None


@register
def reshape(input, *shape) -> Tensor:
    """The same data with another shape (one dim may be -1): a view where strides allow, else a copy."""
    shape = _infer_shape(shape, input.numel())
    return make_view(input if _viewable(input, shape) else clone(input), _reshape_view, (("shape", shape),),
                     "ViewBackward0")


@register_method
def view_as(self, other) -> Tensor:
    return self.view(other.shape)


@register_method
def reshape_as(self, other) -> Tensor:
    return reshape(self, other.shape)


@register
def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    shape = input.shape
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = tuple(shape[:s]) + (math.prod(shape[s:e + 1]),) + tuple(shape[e + 1:])
    return reshape(input, new)


@register
def unflatten(input, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    d = wrap_dim(dim, input.ndim)
    sizes = _infer_shape(tuple(sizes), input.shape[d])
    return reshape(input, tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1:]))


def _squeeze_view(a, *, dims):
    return jnp.squeeze(a, dims)


def _expand_dims_view(a, *, dim):
    return jnp.expand_dims(a, dim)


VIEW_WRITERS[_squeeze_view] = lambda base, value, *, dims: value.reshape(base.shape)
VIEW_WRITERS[_expand_dims_view] = lambda base, value, *, dim: value.reshape(base.shape)
VIEW_STRIDES[_squeeze_view] = lambda size, stride, offset, *, dims: (
    tuple(n for d, n in enumerate(size) if d not in dims), tuple(s for d, s in enumerate(stride) if d not in dims),
    offset)


def _unsqueeze_geometry(size, stride, offset, *, dim):
    step = size[dim] * stride[dim] if dim < len(size) else 1
    return size[:dim] + (1,) + size[dim:], stride[:dim] + (step,) + stride[dim:], offset


VIEW_STRIDES[_expand_dims_view] = _unsqueeze_geometry


@register(inplace=True, restrides=True)
def squeeze(input, dim=None) -> Tensor:
    """Remove dims of size 1 (all of them, or those in ``dim``)."""
    if dim is None:
        dims = tuple(i for i, s in enumerate(input.shape) if s == 1)
    else:
        wanted = dims_tuple(dim, input.ndim) or ()
        dims = tuple(i for i in wanted if input.ndim and input.shape[i] == 1)
    return make_view(input, _squeeze_view, (("dims", dims),), "SqueezeBackward0")


@register(inplace=True, restrides=True)
def unsqueeze(input, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    d = wrap_dim(dim, input.ndim + 1)
    return make_view(input, _expand_dims_view, (("dim", d),), "UnsqueezeBackward0")


# ------------------------------------------------------------------ complex parts as real views
def _real_view(a):
    return jnp.real(a)


def _imag_view(a):
    return jnp.imag(a)


def _as_real_view(a):
    return jnp.stack([jnp.real(a), jnp.imag(a)], axis=-1)


def _as_complex_view(a):
    return jax.lax.complex(a[..., 0], a[..., 1])


VIEW_WRITERS[_real_view] = lambda base, value: jax.lax.complex(jnp.real(value).astype(base.real.dtype), base.imag)
VIEW_WRITERS[_imag_view] = lambda base, value: jax.lax.complex(base.real, jnp.real(value).astype(base.real.dtype))
VIEW_WRITERS[_as_real_view] = lambda base, value: jax.lax.complex(
    *(jnp.real(value[..., i]).astype(base.real.dtype) for i in (0, 1)))
VIEW_WRITERS[_as_complex_view] = lambda base, value: jnp.stack([jnp.real(value), jnp.imag(value)], -1).astype(base.dtype)
# a complex element is two real ones in storage
VIEW_STRIDES[_real_view] = lambda size, stride, offset: (size, tuple(2 * s for s in stride), 2 * offset)
VIEW_STRIDES[_imag_view] = lambda size, stride, offset: (size, tuple(2 * s for s in stride), 2 * offset + 1)
VIEW_STRIDES[_as_real_view] = lambda size, stride, offset: (size + (2,), tuple(2 * s for s in stride) + (1,),
                                                            2 * offset)
VIEW_STRIDES[_as_complex_view] = lambda size, stride, offset: (size[:-1], tuple(s // 2 for s in stride[:-1]),
                                                               offset // 2)


@register(method=False)
def real(input) -> Tensor:
    """The real part of ``input``, a view (``input`` itself when it is not complex)."""
    return make_view(input, _real_view, (), "RealBackward0") if input.dtype.is_complex else input


@register(method=False)
def imag(input) -> Tensor:
    """The imaginary part of a complex ``input``, a view."""
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return make_view(input, _imag_view, (), "ImagBackward0")


def _set_part(part):
    def setter(self, value) -> None:
        view = part(self)
        if isinstance(value, Tensor):
            view.copy_(value)
        else:
            view.fill_(value)
    return setter


Tensor.real = property(real, _set_part(real), doc="The real part, a view; assigning to it writes the real part.")
Tensor.imag = property(imag, _set_part(imag), doc="The imaginary part, a view; assigning to it writes it.")


@register(method=False)
def view_as_real(input) -> Tensor:
    """The complex ``input`` (*) as a real view (*, 2) of its real and imaginary parts."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return make_view(input, _as_real_view, (), "ViewAsRealBackward0")


@register(method=False)
def view_as_complex(input) -> Tensor:
    """The real ``input`` (*, 2) as a complex view (*) whose last dim holds real and imaginary parts."""
    if input.dtype not in (dt.float16, dt.float32, dt.float64):
        raise RuntimeError(f"view_as_complex is only supported for half, float and double tensors, but got a "
                           f"tensor of scalar type: {scalar_type_name(input.dtype)}")
    if input.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input.dtype is dt.float16:
        raise NotImplementedError("view_as_complex of a float16 tensor would be complex32, which jtorch lacks "
                                  "(JAX has no complex32 dtype)")
    return make_view(input, _as_complex_view, (), "ViewAsComplexBackward0")


def _complex(real, imag):
    return jax.lax.complex(*jnp.broadcast_arrays(real, imag))


def _polar(abs, angle):
    # PyTorch's gradient for abs is real(conj(grad) * sgn(result)): the true one times sign(abs)
    fixed = jax.lax.stop_gradient(abs)
    abs = fixed + (abs - fixed) * jnp.sign(fixed)
    return jax.lax.complex(*jnp.broadcast_arrays(abs * jnp.cos(angle), abs * jnp.sin(angle)))


def _from_parts(name: str, fn, parts: dict, out) -> Tensor:
    """``fn`` of the two float tensors ``parts`` (argument name -> value) after PyTorch's checks."""
    (first, second) = parts.values()
    for position, (arg, t) in enumerate(parts.items(), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {t.__class__.__name__}")
    if first.dtype is not second.dtype:
        raise RuntimeError(f"Expected object of scalar type {scalar_type_name(first.dtype)} but got scalar type "
                           f"{scalar_type_name(second.dtype)} for second argument")
    if first.dtype is dt.float16:
        raise NotImplementedError(f"{name}(): complex32 (from float16 parts) has no JAX dtype")
    if first.dtype not in (dt.float32, dt.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{scalar_type_name(first.dtype)} and {scalar_type_name(second.dtype)}")
    check_broadcast(first, second)
    if out is not None and not out.dtype.is_complex:
        raise RuntimeError(f"Expected object of scalar type "
                           f"{scalar_type_name(dt.complex64 if first.dtype is dt.float32 else dt.complex128)} "
                           f"but got scalar type {scalar_type_name(out.dtype)} for argument 'out'")
    return write_out(apply(fn, first, second, name=f"{name.capitalize()}Backward0"), out)


@register(name="complex", method=False)
def complex_(real: Tensor, imag: Tensor, *, out=None) -> Tensor:
    """The complex tensor ``real + i imag`` of two float tensors of one dtype, broadcast together."""
    return _from_parts("complex", _complex, {"real": real, "imag": imag}, out)


@register(method=False)
def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` of two float tensors of one dtype, broadcast."""
    return _from_parts("polar", _polar, {"abs": abs, "angle": angle}, out)


# ------------------------------------------------------------------ permutations
def _permute_view(a, *, perm):
    return jnp.transpose(a, perm)


def _inverse_perm(perm) -> tuple:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


VIEW_WRITERS[_permute_view] = lambda base, value, *, perm: jnp.transpose(value, _inverse_perm(perm))
VIEW_STRIDES[_permute_view] = lambda size, stride, offset, *, perm: (
    tuple(size[p] for p in perm), tuple(stride[p] for p in perm), offset)


@register
def permute(input, *dims) -> Tensor:
    """Reorder the dims of ``input``."""
    if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
        dims = tuple(dims[0])
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    perm = tuple(wrap_dim(int(d), input.ndim) for d in dims)
    if len(set(perm)) != len(perm):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return make_view(input, _permute_view, (("perm", perm),), "PermuteBackward0")


@register(inplace=True, restrides=True, aliases=("swapaxes", "swapdims"))
def transpose(input, dim0: int, dim1: int) -> Tensor:
    """Swap dims ``dim0`` and ``dim1``."""
    n = input.ndim
    if n == 0:
        return make_view(input, _permute_view, (("perm", ()),), "TransposeBackward0")
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return make_view(input, _permute_view, (("perm", tuple(perm)),), "TransposeBackward0")


def _check_t(input: Tensor, name: str) -> None:
    if input.ndim > 2:
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")


@register
def t(input) -> Tensor:
    """Transpose a tensor of at most 2 dims."""
    _check_t(input, "t")
    perm = (1, 0) if input.ndim == 2 else tuple(range(input.ndim))
    return make_view(input, _permute_view, (("perm", perm),), "TBackward0")


@register_method
def t_(self) -> Tensor:
    """In-place :meth:`Tensor.t`: ``self`` takes the transposed shape."""
    _check_t(self, "t_")
    return self._commit_restride(t(self))


@register(aliases=("moveaxis",))
def movedim(input, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination``."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    n = input.ndim
    src = tuple(wrap_dim(s, n) for s in src)
    dst = tuple(wrap_dim(d, n) for d in dst)
    order = [i for i in range(n) if i not in src]
    perm = [None] * n
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(order)
    perm = tuple(p if p is not None else next(rest) for p in perm)
    return make_view(input, _permute_view, (("perm", perm),), "PermuteBackward0")


def _matrix_transpose(self) -> Tensor:
    if self.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(self, -2, -1)


Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))))
Tensor.mT = property(_matrix_transpose)
Tensor.H = property(lambda self: Tensor.conj(self.T) if self.is_complex() else self.T)
Tensor.mH = property(lambda self: Tensor.conj(self.mT) if self.is_complex() else self.mT)


@register
def adjoint(input) -> Tensor:
    """The conjugate transpose of the last two dims, a view; shape ``(*, n, m)`` from ``(*, m, n)``."""
    if input.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of matrices. "
                           f"Got {input.ndim}-D tensor.")
    return input.mH


# ------------------------------------------------------------------ expand / repeat
def _broadcast_view(a, *, shape):
    return jnp.broadcast_to(a, shape)


def _expand_geometry(size, stride, offset, *, shape):
    new = list(shape)
    strides = [0] * len(shape)
    lead = len(shape) - len(size)
    for i in range(len(shape) - 1, -1, -1):
        if i >= lead and size[i - lead] == shape[i]:
            strides[i] = stride[i - lead]
        elif i < lead and shape[i] == 1:  # a new dim of size 1 steps over the dims after it
            strides[i] = new[i + 1] * strides[i + 1] if i + 1 < len(shape) else 1
    return tuple(new), tuple(strides), offset


VIEW_STRIDES[_broadcast_view] = _expand_geometry
MANY_TO_ONE_VIEWS.add(_broadcast_view)


@register_method
def expand(self, *sizes) -> Tensor:
    """A view with singleton dims broadcast to ``sizes`` (-1 keeps a dim)."""
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple, Size)):
        sizes = tuple(sizes[0])
    if len(sizes) < self.ndim:
        raise RuntimeError(f"expand(torch.{self.dtype.name.capitalize()}Tensor{{{list(self.shape)}}}, size={list(sizes)}): "
                           "the number of sizes provided ({}) must be greater or equal to the number of dimensions "
                           "in the tensor ({})".format(len(sizes), self.ndim))
    lead = len(sizes) - self.ndim
    shape = []
    for i, s in enumerate(sizes):
        s = int(s)
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            shape.append(s)
            continue
        cur = self.shape[i - lead]
        if s == -1:
            s = cur
        if cur != 1 and s != cur:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(self.shape)}")
        shape.append(s)
    return make_view(self, _broadcast_view, (("shape", tuple(shape)),), "ExpandBackward0")


@register_method
def expand_as(self, other) -> Tensor:
    return self.expand(other.shape)


@register
def broadcast_to(input, size) -> Tensor:
    """``input.expand(size)``."""
    return input.expand(tuple(size))


@register(method=False)
def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of ``shapes`` broadcast to."""
    try:
        return Size(jnp.broadcast_shapes(*(tuple(s) if not isinstance(s, int) else (s,) for s in shapes)))
    except ValueError:
        raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape") from None


@register(method=False)
def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded to their common broadcast shape."""
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def _tile(a, *, reps):
    return jnp.tile(a, reps)


@register_method
def repeat(self, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dim (new leading dims allowed)."""
    if len(sizes) == 1 and isinstance(sizes[0], (list, tuple, Size)):
        sizes = tuple(sizes[0])
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    return apply(_tile, self, static=(("reps", tuple(int(s) for s in sizes)),), saves=False)


@register
def tile(input, dims) -> Tensor:
    """Like ``repeat``, padding ``dims`` with leading ones when shorter than ``input.ndim``."""
    dims = tuple(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(dims)


# ------------------------------------------------------------------ slicing views
def _slice_view(a, *, dim, start, length):
    return jax.lax.slice_in_dim(a, start, start + length, axis=dim)


VIEW_WRITERS[_slice_view] = lambda base, value, *, dim, start, length: jax.lax.dynamic_update_slice_in_dim(
    base, value, start, axis=dim)
VIEW_STRIDES[_slice_view] = lambda size, stride, offset, *, dim, start, length: (
    size[:dim] + (length,) + size[dim + 1:], stride, offset + start * stride[dim])


@register
def narrow(input, dim: int, start, length: int) -> Tensor:
    """The view of ``length`` elements of dim ``dim`` from ``start``."""
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return make_view(input, _slice_view, (("dim", d), ("start", start), ("length", int(length))),
                     "SliceBackward0")


def _select_view(a, *, dim, index):
    return jax.lax.index_in_dim(a, index, axis=dim, keepdims=False)


VIEW_WRITERS[_select_view] = lambda base, value, *, dim, index: jax.lax.dynamic_update_index_in_dim(
    base, value, index, axis=dim)
VIEW_STRIDES[_select_view] = lambda size, stride, offset, *, dim, index: (
    size[:dim] + size[dim + 1:], stride[:dim] + stride[dim + 1:], offset + index * stride[dim])


@register
def select(input, dim: int, index: int) -> Tensor:
    """The view at ``index`` of dim ``dim`` (that dim removed)."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return make_view(input, _select_view, (("dim", d), ("index", index % size)), "SelectBackward0")


@register
def unbind(input, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, as a tuple of views."""
    d = wrap_dim(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))


@register
def split(tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive chunks of size ``split_size`` (or the given sizes) along ``dim``."""
    d = wrap_dim(dim, tensor.ndim)
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if step else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


register_method(lambda self, split_size, dim=0: split(self, split_size, dim), name="split")


@register
def split_with_sizes(input, split_sizes, dim: int = 0) -> tuple:
    """Views of consecutive chunks of the given ``split_sizes`` along ``dim`` (they must sum to its size)."""
    return split(input, list(split_sizes), dim)


@register
def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of equal size (the last may be smaller) along ``dim``."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    step = max(-(-size // chunks), 1)
    return split(input, step, d)


@register
def tensor_split(input, indices_or_sections, dim: int = 0) -> tuple:
    """Split into ``n`` nearly equal parts, or at the given indices, along ``dim``."""
    d = wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = [0]
        for i in range(n):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else int(i) + size, 0), size) for i in indices_or_sections] + [size]
    return tuple(narrow(input, d, bounds[i], max(bounds[i + 1] - bounds[i], 0)) if bounds[i] <= size else
                 narrow(input, d, size, 0) for i in range(len(bounds) - 1))


# ------------------------------------------------------------------ joining
def _concatenate(*arrays, axis, dtype):
    return jnp.concatenate([a.astype(dtype) for a in arrays], axis=axis)


@register(method=False, aliases=("concat", "concatenate"))
def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join ``tensors`` along an existing dim (1-D empty tensors are skipped, as in PyTorch)."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    used = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = used[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(used):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
    from ._util import result_dtype
    dtype = result_dtype(*used) if len(used) > 1 else ref.dtype
    return write_out(apply(_concatenate, *used, static=(("axis", d), ("dtype", np_dtype(dtype))), saves=False,
                           name="CatBackward0"), out)


def _stack(*arrays, axis, dtype):
    return jnp.stack([a.astype(dtype) for a in arrays], axis=axis)


@register(method=False)
def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join same-shaped ``tensors`` along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    from ._util import result_dtype
    dtype = result_dtype(*tensors) if len(tensors) > 1 else tensors[0].dtype
    return write_out(apply(_stack, *tensors, static=(("axis", d), ("dtype", np_dtype(dtype))), saves=False,
                           name="StackBackward0"), out)


@register(method=False)
def hstack(tensors, *, out=None) -> Tensor:
    tensors = [t if t.ndim else t.reshape(1) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


@register(method=False, aliases=("row_stack",))
def vstack(tensors, *, out=None) -> Tensor:
    return cat([t.reshape(1, -1) if t.ndim < 2 else t for t in tensors], 0, out=out)


@register(method=False)
def dstack(tensors, *, out=None) -> Tensor:
    def at_least_3d(t):
        return t.reshape(1, -1, 1) if t.ndim < 2 else (t.unsqueeze(-1) if t.ndim == 2 else t)
    return cat([at_least_3d(t) for t in tensors], 2, out=out)


@register(method=False)
def column_stack(tensors, *, out=None) -> Tensor:
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1, out=out)


# ------------------------------------------------------------------ reordering
def _flip(a, *, dims):
    return jnp.flip(a, dims)


@register
def flip(input, dims) -> Tensor:
    """Reverse the order of elements along ``dims``."""
    dims = dims_tuple(dims if isinstance(dims, (list, tuple)) else (dims,), input.ndim) or ()
    return apply(_flip, input, static=(("dims", dims),), saves=False)


@register
def fliplr(input) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@register
def flipud(input) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def _roll(a, *, shifts, dims):
    if dims is None:
        return jnp.roll(a.reshape(-1), shifts).reshape(a.shape)
    return jnp.roll(a, shifts, dims)


@register
def roll(input, shifts, dims=None) -> Tensor:
    """Rotate elements by ``shifts`` along ``dims`` (over the flattened tensor when ``dims`` is None)."""
    shifts = tuple(shifts) if isinstance(shifts, (list, tuple)) else (shifts,)
    if dims is not None:
        dims = tuple(wrap_dim(d, input.ndim) for d in (dims if isinstance(dims, (list, tuple)) else (dims,)))
        if len(dims) != len(shifts):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    else:
        shifts = shifts[0]
    return apply(_roll, input, static=(("shifts", shifts), ("dims", dims)), saves=False)


def _rot90(a, *, k, dims):
    return jnp.rot90(a, k, dims)


@register
def rot90(input, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``."""
    dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    return apply(_rot90, input, static=(("k", int(k)), ("dims", dims)), saves=False)


# ------------------------------------------------------------------ dtype and device conversion
def _cast(a, *, dtype):
    return a.astype(dtype)


def _parse_to_args(args, kwargs):
    device, dtype, copy = kwargs.pop("device", None), kwargs.pop("dtype", None), kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got unexpected keyword "
                        f"{next(iter(kwargs))!r}")
    for a in args:
        if isinstance(a, dt.dtype):
            dtype = a
        elif isinstance(a, (str, _dev.device, int)) and not isinstance(a, bool):
            device = _dev.device(a)
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, bool):
            copy = a if dtype is not None or device is not None else copy
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    return device, dtype, copy


@register_method
def to(self, *args, **kwargs) -> Tensor:
    """This tensor with another dtype and/or on another device (``self`` when nothing changes)."""
    device, dtype, copy = _parse_to_args(args, kwargs)
    result = self
    if dtype is not None and dtype is not self.dtype:
        result = apply(_cast, self, static=(("dtype", np_dtype(dtype)),), saves=False, name="ToCopyBackward0")
    if device is not None:
        device = _dev.device(device)
        target = _dev.to_jax_device(device)
        if device != self.device:
            result = apply(_device_put, result, static=(("device", target),), saves=False, jit=False,
                           name="ToCopyBackward0")
    if copy and result is self:
        result = self.clone()
    return result


def _device_put(a, *, device):
    return jax.device_put(a, device)


def _conversion(name: str, target: dt.dtype):
    def convert(self, memory_format=None) -> Tensor:
        return self.to(target)
    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"``self.to({target})``."
    register_method(convert)


for _name, _target in (("float", dt.float32), ("double", dt.float64), ("half", dt.float16),
                       ("bfloat16", dt.bfloat16), ("long", dt.int64), ("int", dt.int32), ("short", dt.int16),
                       ("char", dt.int8), ("byte", dt.uint8), ("bool", dt.bool), ("cfloat", dt.complex64),
                       ("cdouble", dt.complex128)):
    _conversion(_name, _target)


@register_method
def type(self, dtype=None, non_blocking: bool = False, **kwargs):
    """Without arguments, the legacy type name ('torch.FloatTensor'); otherwise ``self.to(dtype)``."""
    if dtype is None:
        from .._tensor import scalar_type_name
        return f"torch.{scalar_type_name(self.dtype)}Tensor"
    if isinstance(dtype, _legacy.tensortype):
        dtype = dtype.dtype
    elif isinstance(dtype, str):
        name = dtype.replace("torch.cuda.", "torch.")
        if name not in _legacy.BY_NAME:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _legacy.BY_NAME[name]
    return self.to(dtype)


@register_method
def type_as(self, other) -> Tensor:
    return self.to(other.dtype)


@register_method
def cpu(self, memory_format=None) -> Tensor:
    return self.to("cpu")


@register_method
def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
    """This tensor on a CUDA device (the JAX GPU); PyTorch's error on a machine without one."""
    if isinstance(device, (str, _dev.device)):
        return self.to(device)
    return self.to(_dev.device("cuda", device))


def _identity(a):
    return a + jnp.zeros((), a.dtype) if a.dtype != jnp.bool_ else a.copy()


@register
def clone(input, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that is recorded in the graph."""
    return apply(_identity, input, saves=False, name="CloneBackward0")


@register_method
def contiguous(self, memory_format=None) -> Tensor:
    """``self`` when its elements lie in storage in row-major order without gaps, else a copy that does."""
    return self if self.is_contiguous() else clone(self)


def _copy_from(dst, src, *, dtype):
    return jnp.broadcast_to(src.astype(dtype), dst.shape)


@register_method
def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, converted) into ``self`` in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    try:
        jnp.broadcast_shapes(tuple(src.shape), tuple(self.shape))
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({self.shape[-1] if self.ndim else 1}) must match the size of "
                           f"tensor b ({src.shape[-1] if src.ndim else 1}) at non-singleton dimension "
                           f"{max(self.ndim - 1, 0)}") from None
    result = apply(_copy_from, self, src, static=(("dtype", np_dtype(self.dtype)),), saves=False, name="CopyBackwards")
    return self._commit_inplace(result)


def _fill(a, value, *, dtype):
    return jnp.broadcast_to(jnp.asarray(value).astype(dtype), a.shape)


@register
def fill_(self, value) -> Tensor:
    """Fill ``self`` with ``value`` in place."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                           "dimensions.")
    v = value._value if isinstance(value, Tensor) else value
    result = apply(_fill, self, value if isinstance(value, Tensor) else v, static=(("dtype", np_dtype(self.dtype)),),
                   saves=False, name="FillBackward0")
    return self._commit_inplace(result, uniform=True)


@register
def zero_(self) -> Tensor:
    """Fill ``self`` with zeros in place."""
    return self.fill_(0)


@register
def fill(input, value) -> Tensor:
    """A tensor like ``input`` filled with ``value``."""
    return input.clone().fill_(value)


# ------------------------------------------------------------------ more views
@register
def ravel(input) -> Tensor:
    """``input`` flattened to 1-D: a view when ``input`` is contiguous, else a copy."""
    return reshape(input.contiguous(), (-1,))


def _diagonal_view(a, *, offset, dim1, dim2):
    return jnp.diagonal(a, offset, dim1, dim2)


def _diagonal_geometry(size, stride, offset_, *, offset, dim1, dim2):
    n = max(min(size[dim1] + min(offset, 0), size[dim2] - max(offset, 0)), 0)
    if n:
        offset_ += offset * stride[dim2] if offset >= 0 else -offset * stride[dim1]
    keep = [d for d in range(len(size)) if d not in (dim1, dim2)]
    return (tuple(size[d] for d in keep) + (n,), tuple(stride[d] for d in keep) + (stride[dim1] + stride[dim2],),
            offset_)


VIEW_STRIDES[_diagonal_view] = _diagonal_geometry


@register
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The view of the diagonal of dims ``dim1``/``dim2`` (offset above the main one), as the last dim."""
    d1, d2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return make_view(input, _diagonal_view, (("offset", int(offset)), ("dim1", d1), ("dim2", d2)),
                     "DiagonalBackward0")


def _unfold_view(a, *, dim, size, step):
    if a.ndim == 0:
        return a.reshape(1)[:size]
    count = (a.shape[dim] - size) // step + 1
    windows = jnp.arange(count)[:, None] * step + jnp.arange(size)[None, :]
    out = jnp.take(a, windows.reshape(-1), axis=dim)
    out = out.reshape(a.shape[:dim] + (count, size) + a.shape[dim + 1:])
    return jnp.moveaxis(out, dim + 1, -1)


def _unfold_geometry(size_, stride, offset, *, dim, size, step):
    if not size_:
        return (size,), (1,), offset
    count = (size_[dim] - size) // step + 1
    return (size_[:dim] + (count,) + size_[dim + 1:] + (size,),
            stride[:dim] + (step * stride[dim],) + stride[dim + 1:] + (stride[dim],), offset)


VIEW_STRIDES[_unfold_view] = _unfold_geometry
MANY_TO_ONE_VIEWS.add(_unfold_view)


@register_method
def unfold(self, dimension: int, size: int, step: int) -> Tensor:
    """The view of all windows of ``size`` elements, ``step`` apart, along ``dimension`` (as a new last dim)."""
    d = wrap_dim(dimension, self.ndim)
    length = self.shape[d] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return make_view(self, _unfold_view, (("dim", d), ("size", int(size)), ("step", int(step))), "UnfoldBackward0")


def _strided_slice(a, *, dim, start, stop, step):
    return a[(slice(None),) * dim + (slice(start, stop, step),)]


def _scatter_op(name: str, view_fn, doc: str, parse):
    def op(input, src, *args, **kwargs) -> Tensor:
        view_static = parse(input, *args, **kwargs)
        expected = apply_view_chain(jnp.zeros(tuple(input.shape), jnp.int8), chain=((view_fn, view_static),)).shape
        if tuple(src.shape) != tuple(expected):
            raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                               f"{list(src.shape)}, slice size = {list(expected)}")
        return apply(write_view, input, src, static=(("chain", ((view_fn, view_static),)),), saves=False,
                     name=_camel(name) + "Backward0")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return register(op)


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def _parse_select(input, dim, index):
    d = wrap_dim(dim, input.ndim)
    return (("dim", d), ("index", int(index) % input.shape[d]))


def _parse_slice(input, dim=0, start=None, end=None, step=1):
    return (("dim", wrap_dim(dim, input.ndim)), ("start", start), ("stop", end), ("step", step))


def _parse_diagonal(input, offset=0, dim1=0, dim2=1):
    return (("offset", int(offset)), ("dim1", wrap_dim(dim1, input.ndim)), ("dim2", wrap_dim(dim2, input.ndim)))


select_scatter = _scatter_op("select_scatter", _select_view, "``input`` with ``src`` written at ``index`` of ``dim``.",
                             _parse_select)
slice_scatter = _scatter_op("slice_scatter", _strided_slice,
                            "``input`` with ``src`` written into the slice ``start:end:step`` of ``dim``.",
                            _parse_slice)
diagonal_scatter = _scatter_op("diagonal_scatter", _diagonal_view,
                               "``input`` with ``src`` written onto a diagonal of ``dim1``/``dim2``.", _parse_diagonal)


def _copy_variant(name: str, view_op):
    def op(input, *args, out=None, **kwargs):
        result = view_op(input, *args, **kwargs)
        result = tuple(r.clone() for r in result) if isinstance(result, tuple) else result.clone()
        return write_out(result, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"A copy (not a view) of ``{view_op.__name__}``'s result."
    return register(op, method=False)


for _name, _view_op in (("expand_copy", Tensor.expand), ("narrow_copy", narrow), ("permute_copy", permute),
                        ("squeeze_copy", squeeze), ("unsqueeze_copy", unsqueeze), ("t_copy", t),
                        ("transpose_copy", transpose), ("view_copy", Tensor.view), ("unfold_copy", unfold),
                        ("diagonal_copy", diagonal), ("unbind_copy", unbind), ("alias_copy", lambda x: x),
                        ("split_with_sizes_copy", lambda x, sizes, dim=0: split(x, list(sizes), dim))):
    _copy_variant(_name, _view_op)
Tensor.narrow_copy = TORCH_FUNCTIONS["narrow_copy"]
register(chunk, name="unsafe_chunk")
register(split, name="unsafe_split")


# ------------------------------------------------------------------ diagonals and triangles
def _diag_embed(a, *, offset, dim1, dim2):
    n = a.shape[-1] + abs(offset)
    rows = jnp.arange(a.shape[-1]) + max(-offset, 0)
    cols = jnp.arange(a.shape[-1]) + max(offset, 0)
    out = jnp.zeros(a.shape[:-1] + (n, n), a.dtype).at[..., rows, cols].set(a)
    return jnp.moveaxis(out, (-2, -1), (dim1, dim2))


@register
def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Square matrices (on dims ``dim1``/``dim2``) with ``input``'s last dim on a diagonal."""
    n = input.ndim + 1
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(_diag_embed, input, static=(("offset", int(offset)), ("dim1", d1), ("dim2", d2)), saves=False)


@register
def diag(input, diagonal: int = 0, *, out=None) -> Tensor:
    """A 1-D input as the diagonal of a square matrix; a 2-D input's diagonal as 1-D."""
    if input.ndim == 1:
        return write_out(diag_embed(input, diagonal, 0, 1), out)
    if input.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.ndim}D")
    return write_out(globals()["diagonal"](input, diagonal).clone(), out)


@register
def diagflat(input, offset: int = 0) -> Tensor:
    """The flattened ``input`` as a diagonal of a square matrix."""
    return diag_embed(reshape(input, (-1,)), offset, 0, 1)


def _triangle(a, *, k, lower):
    return (jnp.tril if lower else jnp.triu)(a, k)


def _triangle_op(name: str, lower: bool):
    def op(input, diagonal: int = 0, *, out=None) -> Tensor:
        if input.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return write_out(apply(_triangle, input, static=(("k", int(diagonal)), ("lower", lower)), saves=False,
                               name=_camel(name) + "Backward0"), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {'lower' if lower else 'upper'} triangle of the last two dims (others zeroed)."
    return register(op, inplace=True)


tril = _triangle_op("tril", True)
triu = _triangle_op("triu", False)


def _trace(a, *, dtype):
    return jnp.trace(a).astype(dtype)


@register
def trace(input) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    d = input.dtype if input.dtype.is_floating_point or input.dtype.is_complex else dt.int64
    return apply(_trace, input, static=(("dtype", np_dtype(d)),), saves=False, name="TraceBackward0")


def _triangle_indices(name: str, lower: bool):
    def op(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None) -> Tensor:
        from .creation import tensor
        rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
        return tensor(np.stack([rows, cols]).reshape(2, -1), dtype=dtype or dt.int64, device=device)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The ``[2, n]`` coordinates of the {'lower' if lower else 'upper'} triangle of a row x col matrix."
    return register(op, method=False)


tril_indices = _triangle_indices("tril_indices", True)
triu_indices = _triangle_indices("triu_indices", False)


# ------------------------------------------------------------------ splitting by axis and dim promotion
def _axis_split(name: str, dim: int, min_dims: int):
    def op(input, indices_or_sections) -> tuple:
        if input.ndim < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                               f"with {input.ndim} dimensions!")
        d = 0 if (name == "hsplit" and input.ndim == 1) else dim
        if isinstance(indices_or_sections, int) and indices_or_sections and input.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``tensor_split`` along dim {dim}."
    return register(op)


hsplit = _axis_split("hsplit", 1, 1)
vsplit = _axis_split("vsplit", 0, 2)
dsplit = _axis_split("dsplit", 2, 3)


def _atleast(name: str, lift):
    def op(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            return tuple(lift(t) for t in tensors[0])
        out = tuple(lift(t) for t in tensors)
        return out[0] if len(out) == 1 else out
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The tensors with at least {name[-2]} dims (a tuple for several)."
    return register(op)


atleast_1d = _atleast("atleast_1d", lambda x: reshape(x, (1,)) if x.ndim == 0 else x)
atleast_2d = _atleast("atleast_2d", lambda x: reshape(x, (1, -1) if x.numel() else (1, 0)) if x.ndim < 2 else x)
atleast_3d = _atleast("atleast_3d", lambda x: reshape(x, (1, x.numel(), 1)) if x.ndim < 2 else
                      (unsqueeze(x, -1) if x.ndim == 2 else x))


# ------------------------------------------------------------------ grids and combinations
@register(method=False)
def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: the i-th output varies along dim i ('ij') or with the first two swapped ('xy')."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    tensors = [reshape(x, (-1,)) for x in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    order = [1, 0] + list(range(2, len(tensors))) if swap else list(range(len(tensors)))
    shape = tuple(tensors[i].shape[0] for i in order)
    out = []
    for i, x in enumerate(tensors):
        pos = order.index(i)
        view = [1] * len(tensors)
        view[pos] = -1
        out.append(reshape(x, view).expand(shape))
    return tuple(out)


@register(method=False)
def cartesian_prod(*tensors) -> Tensor:
    """All combinations of one element from each 1-D tensor, as rows."""
    if len(tensors) == 1:
        return tensors[0]
    return stack([reshape(g, (-1,)) for g in meshgrid(*tensors, indexing="ij")], 1)


def _combination_rows(a, rows):
    return a[rows]


@register(method=False)
def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-D tensor's elements, as rows."""
    import itertools
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return apply(_take_none, input, saves=False)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return apply(_combination_rows, input, jnp.asarray(rows), saves=False, name="IndexBackward0")


def _take_none(a):
    return jnp.zeros((0,), a.dtype)


def _block_diag(*arrays, dtype):
    mats = [a.reshape(1, -1) if a.ndim < 2 else a for a in arrays]
    mats = [m.reshape(1, 1) if a.ndim == 0 else m for a, m in zip(arrays, mats)]
    out = jnp.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)), dtype)
    r = c = 0
    for m in mats:
        out = out.at[r:r + m.shape[0], c:c + m.shape[1]].set(m.astype(dtype))
        r, c = r + m.shape[0], c + m.shape[1]
    return out


@register(method=False)
def block_diag(*tensors) -> Tensor:
    """The tensors (0-, 1- or 2-D) placed along the diagonal of one matrix."""
    from ._util import result_dtype
    for i, x in enumerate(tensors):
        if x.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{x.ndim} dimensions")
    d = result_dtype(*tensors) if tensors else dt.get_default_dtype()
    return apply(_block_diag, *tensors, static=(("dtype", np_dtype(d)),), saves=False)


def _repeat_interleave(a, *, repeats, dim, total):
    return jnp.repeat(a, np.asarray(repeats, np.int64), axis=dim, total_repeat_length=total)


@register
def repeat_interleave(input, repeats=None, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each element (or slice along ``dim``) repeated ``repeats`` times (a number or one count per element)."""
    if repeats is None:
        counts = np.asarray(_host_values(input))
        return apply(_repeat_interleave, Tensor._make(jnp.arange(counts.shape[0], dtype=jnp.int64)),
                     static=(("repeats", tuple(int(c) for c in counts)), ("dim", 0), ("total", int(counts.sum()))),
                     saves=False)
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if isinstance(repeats, Tensor):
        counts = np.asarray(_host_values(repeats)).reshape(-1)
        if counts.size == 1:
            counts = np.repeat(counts, size)
        if counts.size != size:
            raise RuntimeError("repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{counts.size} and input.size({d}) = {size}")
        if (counts < 0).any():
            raise RuntimeError("repeats can not be negative")
        reps = tuple(int(c) for c in counts)
    else:
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        reps = (int(repeats),) * size
    return apply(_repeat_interleave, input, static=(("repeats", reps), ("dim", d), ("total", sum(reps))),
                 saves=False, name="RepeatInterleaveBackward0")


def _host_values(t: Tensor):
    from .._tensor import _host
    return _host(t._value)


# ------------------------------------------------------------------ conjugate/negative bits, resizing, strides
@register
def resolve_conj(input) -> Tensor:
    """``input`` itself: jtorch never holds a lazily conjugated tensor."""
    return input


@register
def resolve_neg(input) -> Tensor:
    """``input`` itself: jtorch never holds a lazily negated tensor."""
    return input


@register
def is_conj(input) -> bool:
    """False: jtorch's ``conj`` computes its result, it never sets a lazy conjugate bit."""
    return False


@register
def is_neg(input) -> bool:
    """False: jtorch never holds a lazily negated tensor."""
    return False


@register
def is_same_size(input, other) -> bool:
    """Whether ``input`` and ``other`` have the same shape."""
    return input.shape == other.shape


@register
def is_nonzero(input) -> bool:
    """The truth value of a one-element tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"is_nonzero(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    return bool(input)


@register_method
def sum_to_size(self, *size) -> Tensor:
    """``self`` summed down to ``size``, which ``self`` must be expandable from (the reverse of ``expand``)."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else tuple(size)
    lead = self.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != self.shape[lead + i] for i, s in enumerate(shape)):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(self.shape)}}}.")
    if not shape:
        return self.sum()  # a 0-d target always sums, which promotes integer and bool to int64
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and self.shape[lead + i] != 1)
    out = self.sum(dims, keepdim=True) if dims else self
    return out.reshape(shape) if lead else out


def _resized(a, *, shape):
    n = math.prod(shape)
    flat = a.reshape(-1)[:n]
    return jnp.concatenate([flat, jnp.zeros(n - flat.size, a.dtype)]).reshape(shape)


@register_method
def resize_(self, *size, memory_format=None) -> Tensor:
    """Give ``self`` the shape ``size`` in place, keeping its leading elements in row-major order (new ones are 0)."""
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(int(s) for s in (size[0] if len(size) == 1 and isinstance(size[0], (list, tuple)) else size))
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
    self.data = apply(_resized, self, static=(("shape", shape),))
    self._version_counter[0] += 1
    return self


@register
def resize_as_(input, the_template, *, memory_format=None) -> Tensor:
    """:meth:`resize_` ``input`` to the shape of ``the_template``."""
    return resize_(input, tuple(the_template.shape))


def _strided_indices(size: tuple, stride: tuple, offset: int):
    """Flat storage index of each element of an ``as_strided`` view."""
    index = jnp.full(size, offset, jnp.int64)
    for d, (n, st) in enumerate(zip(size, stride)):
        index = index + (jnp.arange(n, dtype=jnp.int64) * st).reshape((-1,) + (1,) * (len(size) - d - 1))
    return index


def _as_strided(a, *, size, stride, offset):
    return a.reshape(-1)[_strided_indices(size, stride, offset)]


def _as_strided_scatter(a, src, *, size, stride, offset):
    return a.reshape(-1).at[_strided_indices(size, stride, offset)].set(src.astype(a.dtype)).reshape(a.shape)


VIEW_WRITERS[_as_strided] = _as_strided_scatter
MANY_TO_ONE_VIEWS.add(_as_strided)
VIEW_STRIDES[_as_strided] = lambda size_, stride_, offset_, *, size, stride, offset: (size, stride, offset)


def _as_strided_of_view(values, storage, positions, *, size, stride, offset):
    """``_as_strided`` over ``storage`` (the root's array) after writing ``values`` (the view's) at ``positions``:
    the view's elements carry the gradient, the rest of the storage is read as constant."""
    flat = storage.reshape(-1).at[positions].set(values.reshape(-1).astype(storage.dtype))
    return flat[_strided_indices(size, stride, offset)]


def _strided_args(input: Tensor, size, stride, storage_offset, storage_numel: int, default_offset: int = 0) -> tuple:
    """Static arguments of ``as_strided`` over a storage of ``storage_numel`` row-major elements, checked."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    offset = default_offset if storage_offset is None else int(storage_offset)
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    needed = offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1 if all(size) else 0
    if needed > storage_numel:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input.element_size()} requiring a storage size of "
                           f"{needed * input.element_size()} are out of bounds for storage of size "
                           f"{storage_numel * input.element_size()}")
    return ("size", size), ("stride", stride), ("offset", offset)


def _storage_positions(input: Tensor) -> np.ndarray | None:
    """Where ``input``'s elements (row-major) lie in the row-major storage of the tensor it views; None when
    ``input`` is that storage in order (not a view, or a view of all of it in the same order)."""
    if input._view is None or not input._view.chain:
        return None
    root = input._view.base
    if root.dtype is not input.dtype:
        raise NotImplementedError("as_strided of a view with another dtype than its base is not supported by jtorch")
    with jax.ensure_compile_time_eval():
        positions = apply_view_chain(jnp.arange(root.numel()).reshape(tuple(root.shape)), chain=input._view.chain)
    positions = np.asarray(positions).reshape(-1)
    if positions.size == root.numel() and (positions == np.arange(positions.size)).all():
        return None
    return positions


def _contiguous_storage(input: Tensor) -> Tensor:
    """``input`` when its elements are its whole storage in row-major order (what ``as_strided_scatter`` indexes)."""
    if _storage_positions(input) is not None:
        raise NotImplementedError("as_strided_scatter of a view that is not its base's storage in row-major order is "
                                  "not supported by jtorch yet")
    return input


def _as_strided_view(input: Tensor, size, stride, storage_offset: int | None, name: str) -> Tensor:
    positions = _storage_positions(input)
    storage = input if input._view is None else input._view.base
    static = _strided_args(input, size, stride, storage_offset, storage.numel(), input.storage_offset())
    if positions is None:
        out = apply(_as_strided, input, static=static, saves=False, name=name)
    else:
        out = apply(_as_strided_of_view, input, storage._value, positions, static=static, saves=False, name=name)
    return input._make_view(_as_strided, static, out._array, out.grad_fn, of_storage=True)


@register
def as_strided(input, size, stride, storage_offset: int | None = None) -> Tensor:
    """The view of ``input``'s storage whose element ``i`` is at ``storage_offset + sum(i_k * stride_k)``,
    shaped ``size``.

    The storage of a view is its base's, and its storage offset (the default) that of its first element."""
    return _as_strided_view(input, size, stride, storage_offset, "AsStridedBackward0")


@register
def as_strided_(self, size, stride, storage_offset: int | None = None) -> Tensor:
    """In-place :func:`as_strided`: ``self`` takes the sizes, strides and offset; its storage is unchanged."""
    view = _as_strided_view(self, size, stride, storage_offset, "AsStridedBackward1")
    return self._commit_restride(view)


@register
def as_strided_copy(input, size, stride, storage_offset: int | None = None, *, out=None) -> Tensor:
    """:func:`as_strided`, as a new tensor."""
    return write_out(as_strided(input, size, stride, storage_offset), out)


@register
def as_strided_scatter(input, src, size, stride, storage_offset: int | None = None) -> Tensor:
    """A copy of contiguous ``input`` whose ``as_strided(size, stride, storage_offset)`` elements are ``src``."""
    static = _strided_args(input, size, stride, storage_offset, input.numel())
    if tuple(src.shape) != dict(static)["size"]:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(dict(static)['size'])}")
    return apply(_as_strided_scatter, _contiguous_storage(input), src, static=static, saves=False,
                 name="AsStridedScatterBackward0")


def _unravel(indices, *, shape):
    out, rest = [], indices
    for n in reversed(shape):
        out.append(rest % n)
        rest = rest // n
    return tuple(reversed(out))


@register(method=False)
def unravel_index(indices, shape) -> tuple:
    """The coordinates in an array of ``shape`` of each flat index in ``indices`` (a tuple of int64 tensors)."""
    if not isinstance(indices, Tensor):
        from .creation import tensor
        indices = tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is dt.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    return apply(_unravel, indices.to(dt.int64), static=(("shape", shape),))
