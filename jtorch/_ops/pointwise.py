"""Pointwise ops: arithmetic, comparisons, logical and bitwise ops, unary math, clamp, where, lerp.

Each op is a pure JAX function over arrays already promoted by PyTorch's rules (``dtype`` static
argument), registered once for ``torch.f``, ``Tensor.f`` and ``Tensor.f_``.
"""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .. import _dtype as dt
from .._tensor import Tensor, scalar_type_name
from ._dispatch import apply
from ._registry import register, register_method
from ._util import check_broadcast, float_dtype, host_checkable, np_dtype, operand, result_dtype, write_out


def _binary_op(name: str, jfn, *, aliases: tuple = (), inplace: bool = True, saves=True, int_to_float: bool = False,
               divides: bool = False, complex_ok: bool = True, doc: str = ""):
    """Register a binary pointwise op ``jfn``, computed in the operands' promoted dtype (a comparison returns
    bool). ``saves``: as for ``apply``, or a function of ``(input, other)`` giving it; ``divides``: an integer
    division, which refuses a zero divisor; without ``complex_ok`` complex operands raise."""
    def impl(a, b, *, dtype):
        return jfn(jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype))
    impl.__name__ = impl.__qualname__ = name

    def op(input, other, *, out=None):
        check_broadcast(input, other)
        compute = result_dtype(input, other)
        if int_to_float:
            compute = float_dtype(compute)
        if divides:
            _check_integer_divisor(input, other, compute)
        if not complex_ok and compute.is_complex:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{scalar_type_name(compute)}'")
        result = apply(impl, operand(input), operand(other), static=(("dtype", np_dtype(compute)),),
                       saves=saves(input, other) if callable(saves) else saves)
        return write_out(result, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or f"Elementwise ``{name}`` of ``input`` and ``other`` (broadcast; PyTorch's promotion)."
    return register(op, name=name, aliases=aliases, inplace=inplace)


def _unary_op(name: str, jfn, *, to_float: bool = False, aliases: tuple = (), saves=True, doc: str = "",
              bool_ok: bool = True):
    """Register a unary pointwise op; ``to_float`` computes integer inputs in the default float dtype;
    ``saves="result"`` for ops whose PyTorch backward reads their output instead of their input."""
    def impl(a, *, dtype):
        return jfn(a.astype(dtype))
    impl.__name__ = impl.__qualname__ = name

    def op(input, *, out=None):
        d = input.dtype
        if to_float:
            d = float_dtype(d)
        elif not bool_ok and d is dt.bool:
            raise RuntimeError(f"{name}(): bool tensors are not supported")
        result_only = saves == "result"
        return write_out(apply(impl, input, static=(("dtype", np_dtype(d)),), saves=False if result_only else saves,
                               saves_result=result_only), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or f"Elementwise ``{name}`` of ``input``."
    return register(op, name=name, aliases=aliases, inplace=True)


# ------------------------------------------------------------------ arithmetic
def _add_impl(a, b, alpha, *, dtype):
    b = jnp.asarray(b).astype(dtype)
    if alpha is not None:
        b = b * jnp.asarray(alpha).astype(dtype)
    return jnp.asarray(a).astype(dtype) + b


def _check_alpha(alpha, dtype: dt.dtype):
    if isinstance(alpha, float) and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


@register(inplace=True)
def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcast, with PyTorch's type promotion."""
    check_broadcast(input, other)
    d = result_dtype(input, other)
    _check_alpha(alpha, d)
    result = apply(_add_impl, operand(input), operand(other), None if alpha == 1 else alpha,
                   static=(("dtype", np_dtype(d)),), saves=False, name="AddBackward0")
    return write_out(result, out)


def _sub_pair(a, b, alpha, *, dtype):
    b = jnp.asarray(b).astype(dtype)
    if alpha is not None:
        b = b * jnp.asarray(alpha).astype(dtype)
    return jnp.asarray(a).astype(dtype) - b


@register(inplace=True, aliases=("subtract",))
def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``, broadcast, with PyTorch's type promotion."""
    check_broadcast(input, other)
    d = result_dtype(input, other)
    if d is dt.bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    _check_alpha(alpha, d)
    result = apply(_sub_pair, operand(input), operand(other), None if alpha == 1 else alpha,
                   static=(("dtype", np_dtype(d)),), saves=False, name="SubBackward0")
    return write_out(result, out)


@register(method=False)
def rsub(input, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``."""
    return sub(other, input, alpha=alpha)


def _saves_for_product(input, other) -> tuple:
    """What PyTorch saves for ``input * other``: each operand only when the other one needs its gradient."""
    return tuple(i for i, partner in ((0, other), (1, input)) if isinstance(partner, Tensor) and partner.requires_grad)


def _saves_for_quotient(input, other) -> tuple:
    """What PyTorch saves for ``input / other``: ``other`` always, ``input`` when ``other`` needs its gradient."""
    return (0, 1) if isinstance(other, Tensor) and other.requires_grad else (1,)


mul = _binary_op("mul", jnp.multiply, aliases=("multiply",), saves=_saves_for_product)


def _check_integer_divisor(input, other, dtype: dt.dtype) -> None:
    """PyTorch's CPU integer division raises on a zero divisor (its CUDA kernels do not, and here neither do other
    devices: the check would wait for the device). Only values readable on the host are checked: inside a traced
    (compiled) function a zero divisor gives XLA's result instead (no error)."""
    if dtype.is_floating_point or dtype.is_complex:
        return
    if any(isinstance(t, Tensor) and host_checkable(t) and t.device.type != "cpu" for t in (input, other)):
        return
    if isinstance(other, Tensor):
        if not host_checkable(other) or not bool((other._value == 0).any()):
            return
    elif other != 0:
        return
    raise RuntimeError("ZeroDivisionError")


def _div_impl(a, b, *, dtype, mode):
    a, b = jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype)
    if mode is None:
        return a / b
    if mode == "trunc":
        return jnp.trunc(a / b).astype(dtype) if jnp.issubdtype(dtype, jnp.inexact) else \
            (jnp.sign(a) * jnp.sign(b) * (jnp.abs(a) // jnp.abs(b))).astype(dtype)
    return jnp.floor_divide(a, b)


@register(inplace=True, aliases=("divide",))
def div(input, other, *, rounding_mode: str | None = None, out=None) -> Tensor:
    """``input / other``; ``rounding_mode`` None (true division), 'trunc' or 'floor'."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    d = result_dtype(input, other)
    if rounding_mode is None:
        d = float_dtype(d)
    else:
        _check_integer_divisor(input, other, d)
    result = apply(_div_impl, operand(input), operand(other), static=(("dtype", np_dtype(d)), ("mode", rounding_mode)),
                   name="DivBackward0", saves=_saves_for_quotient(input, other))
    return write_out(result, out)


@register(inplace=True)
def true_divide(input, other, *, out=None) -> Tensor:
    """Alias of ``div`` with true division."""
    return div(input, other, out=out)


floor_divide = _binary_op("floor_divide", jnp.floor_divide, divides=True)
remainder = _binary_op("remainder", jnp.remainder, divides=True)
fmod = _binary_op("fmod", jnp.fmod, divides=True)
atan2 = _binary_op("atan2", jnp.arctan2, int_to_float=True, aliases=("arctan2",))
hypot = _binary_op("hypot", jnp.hypot)
maximum = _binary_op("maximum", jnp.maximum, inplace=False)
minimum = _binary_op("minimum", jnp.minimum, inplace=False)
fmax = _binary_op("fmax", lambda a, b: jnp.where((a >= b) | jnp.isnan(b), a, b), inplace=False)
fmin = _binary_op("fmin", lambda a, b: jnp.where((a <= b) | jnp.isnan(b), a, b), inplace=False)
logaddexp = _binary_op("logaddexp", jnp.logaddexp, inplace=False)
logaddexp2 = _binary_op("logaddexp2", jnp.logaddexp2, inplace=False)
copysign = _binary_op("copysign", jnp.copysign, int_to_float=True)
@jax.custom_jvp
def _nextafter(a, b):
    return jnp.nextafter(a, b)


# PyTorch's derivative: 1 with respect to ``input``, 0 with respect to ``other``
_nextafter.defjvp(lambda primals, tangents: (_nextafter(*primals),
                                             jnp.broadcast_to(tangents[0], jnp.broadcast_shapes(*map(jnp.shape,
                                                                                                      primals)))))
nextafter = _binary_op("nextafter", _nextafter)
xlogy = _binary_op("xlogy", jax.scipy.special.xlogy, int_to_float=True)


@register(inplace=True)
def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` elementwise."""
    d = result_dtype(input, exponent)
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 and \
            isinstance(input, Tensor) and not (d.is_floating_point or d.is_complex):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    result = apply(_pow_impl, operand(input), operand(exponent), static=(("dtype", np_dtype(d)),),
                   name="PowBackward0" if not isinstance(exponent, Tensor) else "PowBackward1")
    return write_out(result, out)


def _pow_impl(a, b, *, dtype):
    return jnp.power(jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype))


@register
def float_power(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent`` computed in double precision."""
    d = dt.complex128 if any(isinstance(x, Tensor) and x.dtype.is_complex for x in (input, exponent)) else dt.float64
    return write_out(apply(_pow_impl, operand(input), operand(exponent), static=(("dtype", np_dtype(d)),)), out)


@register_method
def float_power_(self, exponent) -> Tensor:
    """In place ``self ** exponent``; ``self`` must already be float64 (complex128 for a complex result)."""
    result = float_power(self, exponent)
    if result.dtype is not self.dtype:
        raise RuntimeError(f"the base given to float_power_ has dtype {scalar_type_name(self.dtype)} but the "
                           f"operation's result requires dtype {scalar_type_name(result.dtype)}")
    return self._commit_inplace(result)


# ------------------------------------------------------------------ comparison (bool results)
def _comparison(name: str, jfn, aliases=(), ordered: bool = True):
    """``ordered``: an order comparison, which complex numbers lack."""
    return _binary_op(name, jfn, aliases=aliases, saves=False, complex_ok=not ordered,
                      doc=f"Elementwise ``{name}`` comparison; a bool tensor.")


eq = _comparison("eq", jnp.equal, ordered=False)
ne = _comparison("ne", jnp.not_equal, aliases=("not_equal",), ordered=False)
lt = _comparison("lt", jnp.less, aliases=("less",))
le = _comparison("le", jnp.less_equal, aliases=("less_equal",))
gt = _comparison("gt", jnp.greater, aliases=("greater",))
ge = _comparison("ge", jnp.greater_equal, aliases=("greater_equal",))


def _logical(name: str, jfn):
    def impl(a, b):
        return jfn(jnp.asarray(a).astype(bool), jnp.asarray(b).astype(bool))
    impl.__name__ = name

    def op(input, other, *, out=None):
        check_broadcast(input, other)
        return write_out(apply(impl, operand(input), operand(other)), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` treating nonzero as True; a bool tensor."
    return register(op, name=name, inplace=True)


logical_and = _logical("logical_and", jnp.logical_and)
logical_or = _logical("logical_or", jnp.logical_or)
logical_xor = _logical("logical_xor", jnp.logical_xor)


def _logical_not_impl(a):
    return jnp.logical_not(a)


@register(inplace=True)
def logical_not(input, *, out=None) -> Tensor:
    """Elementwise NOT treating nonzero as True; a bool tensor."""
    return write_out(apply(_logical_not_impl, input), out)


def _bitwise(name: str, jfn):
    def impl(a, b, *, dtype):
        return jfn(jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype))
    impl.__name__ = name

    def op(input, other, *, out=None):
        d = result_dtype(input, other)
        if d.is_floating_point or d.is_complex:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_type_name(d)}'")
        return write_out(apply(impl, operand(input), operand(other), static=(("dtype", np_dtype(d)),)), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors."
    return register(op, name=name, inplace=True)


def _type_name(d):
    from .._tensor import scalar_type_name
    return scalar_type_name(d)


bitwise_and = _bitwise("bitwise_and", jnp.bitwise_and)
bitwise_or = _bitwise("bitwise_or", jnp.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", jnp.bitwise_xor)
bitwise_left_shift = _bitwise("bitwise_left_shift", jnp.left_shift)
bitwise_right_shift = _bitwise("bitwise_right_shift", jnp.right_shift)


def _bitwise_not_impl(a):
    return jnp.invert(a)


@register(inplace=True)
def bitwise_not(input, *, out=None) -> Tensor:
    """Elementwise NOT of an integer or bool tensor."""
    if input.dtype.is_floating_point or input.dtype.is_complex:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{_type_name(input.dtype)}'")
    return write_out(apply(_bitwise_not_impl, input), out)


# ------------------------------------------------------------------ unary
def _with_derivative(fn, derivative):
    """``fn`` whose derivative is ``derivative(x)`` (where JAX's own rule differs from PyTorch's)."""
    wrapped = jax.custom_jvp(fn)
    wrapped.defjvp(lambda primals, tangents: (fn(primals[0]), derivative(primals[0]) * tangents[0]))
    return wrapped


def _trigamma_reflected(x):
    """polygamma(1, x), by reflection for x < 1/2 (JAX's series holds for positive x only)."""
    positive = jax.scipy.special.polygamma(jnp.asarray(1, jnp.int32), jnp.where(x < 0.5, 1 - x, x))
    return jnp.where(x < 0.5, (jnp.pi / jnp.sin(jnp.pi * x)) ** 2 - positive, positive).astype(x.dtype)


def _tetragamma(x):
    """polygamma(2, x); for x < 1/2 by reflection, psi2(1 - x) - 2 pi^3 cos(pi r) / sin(pi r)^3 with r = x - round(x)
    and cos(pi r) = sin(pi (1/2 - |r|)): both arguments are exact in floating point, where sin(pi x) of a large x
    would lose digits."""
    low = x < 0.5
    r = jnp.where(low, x - jnp.round(x), 0.5)
    positive = jax.scipy.special.polygamma(jnp.asarray(2, jnp.int32), jnp.where(low, 1 - x, x))
    pole = 2 * jnp.pi ** 3 * jnp.sin(jnp.pi * (0.5 - jnp.abs(r))) / jnp.sin(jnp.pi * r) ** 3
    return jnp.where(low, positive - pole, positive).astype(x.dtype)


_trigamma = _with_derivative(_trigamma_reflected, _tetragamma)


_i0 = _with_derivative(jax.scipy.special.i0, jax.scipy.special.i1)
def _digamma_at_poles(x):
    """digamma with PyTorch's values at zero (-inf at +0, +inf at -0)."""
    return jnp.where(x == 0, jnp.copysign(jnp.inf, -x), jax.scipy.special.digamma(x)).astype(x.dtype)


_digamma = _with_derivative(_digamma_at_poles, _trigamma)
_lgamma = _with_derivative(jax.scipy.special.gammaln, _digamma)


_real_abs = _with_derivative(jnp.abs, lambda x: jnp.where(x > 0, 1, jnp.where(x < 0, -1, 0)).astype(x.dtype))


def _abs(x):
    """``|x|`` with PyTorch's gradient ``sign(x)`` (0 at 0 and at NaN)."""
    return _real_abs(x) if jnp.issubdtype(x.dtype, jnp.floating) else jnp.abs(x)


_unary_op("abs", _abs, aliases=("absolute",))
_unary_op("neg", jnp.negative, aliases=("negative",), saves=False)
def _sign(x):
    return x if x.dtype == jnp.bool_ else jnp.sign(x)  # the sign of a bool is itself


def _sgn(x):
    """``x / |x|`` (0 at 0) for complex ``x``, written out so that its gradient is PyTorch's; else the sign."""
    if not jnp.issubdtype(x.dtype, jnp.complexfloating):
        return _sign(x)
    size = jnp.abs(x)
    return jnp.where(size == 0, 0, x / jnp.where(size == 0, 1, size))


_unary_op("sign", _sign, saves=False)
_unary_op("sgn", _sgn, saves=False)
_unary_op("floor", jnp.floor, saves=False)
_unary_op("ceil", jnp.ceil, saves=False)
_unary_op("trunc", jnp.trunc, aliases=("fix",), saves=False)
_unary_op("frac", lambda x: x - jnp.trunc(x), saves=False)
_unary_op("square", lambda x: jnp.square(x.astype(jnp.int64) if x.dtype == jnp.bool_ else x))  # bool: int64
_unary_op("positive", lambda x: x, saves=False)
_unary_op("conj_physical", jnp.conj)
# ops whose PyTorch backward reads their result, not their input (so the input may change in place meanwhile)
_SAVES_RESULT_ONLY = {"exp", "exp2", "expm1", "sqrt", "rsqrt", "sigmoid", "tanh", "reciprocal"}
for _name, _fn in {
    "exp": jnp.exp, "exp2": jnp.exp2, "expm1": jnp.expm1, "log": jnp.log, "log2": jnp.log2, "log10": jnp.log10,
    "log1p": jnp.log1p, "sqrt": jnp.sqrt, "rsqrt": jax.lax.rsqrt, "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan,
    "asin": jnp.arcsin, "acos": jnp.arccos, "atan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "tanh": jnp.tanh, "asinh": jnp.arcsinh, "acosh": jnp.arccosh, "atanh": jnp.arctanh,
    "sigmoid": jax.nn.sigmoid, "erf": jax.scipy.special.erf, "erfc": jax.scipy.special.erfc,
    "erfinv": jax.scipy.special.erfinv, "lgamma": _lgamma, "digamma": _digamma,
    "reciprocal": jnp.reciprocal, "sinc": jnp.sinc, "deg2rad": jnp.deg2rad, "rad2deg": jnp.rad2deg,
    "i0": _i0,
}.items():
    _unary_op(_name, _fn, to_float=True, saves="result" if _name in _SAVES_RESULT_ONLY else True,
              aliases={"asin": ("arcsin",), "acos": ("arccos",), "atan": ("arctan",), "asinh": ("arcsinh",),
                       "acosh": ("arccosh",), "atanh": ("arctanh",)}.get(_name, ()))


def _round_impl(a, *, decimals):
    if decimals == 0:
        return jnp.round(a)
    scale = 10.0 ** decimals
    return jnp.round(a * scale) / scale


@register(inplace=True)
def round(input, *, decimals: int = 0, out=None) -> Tensor:
    """Round half to even, to ``decimals`` decimal places."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        return write_out(input.clone(), out)
    return write_out(apply(_round_impl, input, static=(("decimals", int(decimals)),)), out)


@register(inplace=True, aliases=("clip",))
def clamp(input, min=None, max=None, *, out=None) -> Tensor:
    """Clamp each element into ``[min, max]`` (either bound may be None, scalars or tensors)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    d = result_dtype(input, *(b for b in (min, max) if b is not None))
    return write_out(apply(_clamp_via_where, input, operand(min), operand(max),
                           static=(("dtype", np_dtype(d)),), name="ClampBackward1"), out)


def _clamp_via_where(a, lo, hi, *, dtype):
    """Clamp whose gradient is 1 inside ``[lo, hi]`` (bounds included) and 0 outside, as in PyTorch."""
    a = a.astype(dtype)
    out = a
    if lo is not None:
        lo = jnp.asarray(lo).astype(dtype)
        out = jnp.where(out < lo, lo, out)
    if hi is not None:
        hi = jnp.asarray(hi).astype(dtype)
        out = jnp.where(out > hi, hi, out)
    if lo is not None and hi is not None:
        out = jnp.where(lo > hi, hi, out)
    return jnp.where(jnp.isnan(a), a, out) if jnp.issubdtype(dtype, jnp.inexact) else out


@register(inplace=True)
def clamp_min(input, min) -> Tensor:
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


@register(inplace=True)
def clamp_max(input, max) -> Tensor:
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)


def _where_impl(c, a, b, *, dtype):
    return jnp.where(c, jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype))


@register(method=False)
def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` holds, else ``other``; with only a condition, ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    check_broadcast(condition, input, other)
    d = result_dtype(input, other)
    return write_out(apply(_where_impl, condition, operand(input), operand(other),
                           static=(("dtype", np_dtype(d)),), saves=(0,)), out)


@register_method(name="where")
def _tensor_where(self, condition, other) -> Tensor:
    """``self`` where ``condition`` holds, else ``other``."""
    return where(condition, self, other)


def _lerp_impl(a, b, w, *, dtype):
    a, b, w = a.astype(dtype), jnp.asarray(b).astype(dtype), jnp.asarray(w).astype(dtype)
    return jnp.where(jnp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@register(inplace=True)
def lerp(input, end, weight, *, out=None) -> Tensor:
    """``input + weight * (end - input)``."""
    check_broadcast(input, end, weight)
    d = result_dtype(input, end)
    return write_out(apply(_lerp_impl, input, end, operand(weight), static=(("dtype", np_dtype(d)),)), out)


def _addcmul_impl(a, t1, t2, value, *, dtype):
    return a.astype(dtype) + jnp.asarray(value).astype(dtype) * t1.astype(dtype) * t2.astype(dtype)


def _addcdiv_impl(a, t1, t2, value, *, dtype):
    return a.astype(dtype) + jnp.asarray(value).astype(dtype) * (t1.astype(dtype) / t2.astype(dtype))


@register(inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    d = result_dtype(input, tensor1, tensor2)
    return write_out(apply(_addcmul_impl, input, tensor1, tensor2, value, static=(("dtype", np_dtype(d)),)), out)


@register(inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    d = result_dtype(input, tensor1, tensor2)
    if not (d.is_floating_point or d.is_complex):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    return write_out(apply(_addcdiv_impl, input, tensor1, tensor2, value, static=(("dtype", np_dtype(d)),)), out)


def _isnan(a):
    return jnp.isnan(a)


def _isinf(a):
    return jnp.isinf(a)


def _isfinite(a):
    return jnp.isfinite(a)


for _name, _fn in (("isnan", _isnan), ("isinf", _isinf), ("isfinite", _isfinite),
                   ("isposinf", jnp.isposinf), ("isneginf", jnp.isneginf), ("signbit", jnp.signbit),
                   ("isreal", jnp.isreal)):
    def _make(fn, name):
        def op(input) -> Tensor:
            return apply(fn, input)
        op.__name__ = op.__qualname__ = name
        op.__doc__ = f"Elementwise ``{name}``; a bool tensor."
        register(op, name=name)
    _make(_fn, _name)


def _nan_to_num_impl(a, *, nan, posinf, neginf):
    return jnp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)


@register(inplace=True)
def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *,
               out=None) -> Tensor:
    """Replace NaN, +inf and -inf with ``nan``, ``posinf`` and ``neginf`` (default: the dtype's extremes)."""
    return write_out(apply(_nan_to_num_impl, input, static=(("nan", nan), ("posinf", posinf), ("neginf", neginf))),
                     out)


# ------------------------------------------------------------------ Python operators
def _swap(fn):
    def reflected(self, other):
        return fn(other, self)
    return reflected


def _install_operators():
    ops = {"add": add, "sub": sub, "mul": mul, "truediv": div, "floordiv": floor_divide, "mod": remainder,
           "pow": pow, "and": bitwise_and, "or": bitwise_or, "xor": bitwise_xor, "lshift": bitwise_left_shift,
           "rshift": bitwise_right_shift}
    for name, fn in ops.items():
        setattr(Tensor, f"__{name}__", lambda self, other, _fn=fn: _fn(self, other) if _operand_ok(other) else NotImplemented)
        setattr(Tensor, f"__r{name}__", lambda self, other, _fn=fn: _fn(other, self) if _operand_ok(other) else NotImplemented)
        inplace = getattr(Tensor, ("div" if name == "truediv" else "floor_divide" if name == "floordiv"
                                   else "remainder" if name == "mod" else
                                   {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
                                    "lshift": "bitwise_left_shift", "rshift": "bitwise_right_shift"}.get(name, name))
                          + "_")
        setattr(Tensor, f"__i{name}__", lambda self, other, _fn=inplace: _fn(self, other))
    for name, fn in (("eq", eq), ("ne", ne), ("lt", lt), ("le", le), ("gt", gt), ("ge", ge)):
        setattr(Tensor, f"__{name}__", lambda self, other, _fn=fn: _fn(self, other) if _operand_ok(other) else NotImplemented)
    Tensor.__neg__ = lambda self: Tensor.neg(self)
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = lambda self: Tensor.abs(self)
    Tensor.__invert__ = lambda self: logical_not(self) if self.dtype is dt.bool else bitwise_not(self)


def _operand_ok(other) -> bool:
    import numbers
    import numpy as np
    return isinstance(other, (Tensor, numbers.Number, np.number, np.bool_))


_install_operators()


# ------------------------------------------------------------------ more unary and binary math
def _logit_impl(a, *, dtype, eps):
    a = a.astype(dtype)
    if eps is not None:
        a = jnp.where(a < eps, eps, jnp.where(a > 1 - eps, 1 - eps, a)).astype(dtype)
    return jnp.log(a / (1 - a))


@register(inplace=True)
def logit(input, eps: float | None = None, *, out=None) -> Tensor:
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    d = float_dtype(input.dtype)
    return write_out(apply(_logit_impl, input, static=(("dtype", np_dtype(d)), ("eps", eps))), out)


def _polygamma_impl(a, *, n, dtype, shift):
    """polygamma(n, a); for n >= 2 negative arguments are first moved up by ``shift`` with the recurrence."""
    a = a.astype(dtype)
    if n == 0:
        return _digamma(a)
    if n == 1:
        return _trigamma(a)
    moved = jnp.where(a < 0, a + shift, a)
    safe = jnp.where(a < 0, a, -0.5)  # keeps the unused branch finite, so its gradient is too
    terms = sum(1 / (safe + k) ** (n + 1) for k in range(shift))
    correction = jnp.where(a < 0, (-1) ** (n + 1) * math.factorial(n) * terms, 0)
    return (jax.scipy.special.polygamma(jnp.asarray(n, jnp.int32), moved) + correction).astype(dtype)


@register(method=False)
def polygamma(n: int, input, *, out=None) -> Tensor:
    """The ``n``-th derivative of the digamma function, elementwise."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    d = float_dtype(input.dtype)
    shift = 0
    if n >= 2 and input.numel():
        lowest = float(jnp.nan_to_num(input._value.astype(jnp.float64), nan=0.0).min())
        shift = int(math.ceil(-lowest)) + 1 if lowest < 0 else 0
    return write_out(apply(_polygamma_impl, input, static=(("n", int(n)), ("dtype", np_dtype(d)),
                                                           ("shift", shift))), out)


@register_method(name="polygamma")
def _tensor_polygamma(self, n: int) -> Tensor:
    """``polygamma(n, self)``."""
    return polygamma(n, self)


def _polygamma_inplace(self, n: int) -> Tensor:
    """In-place :meth:`Tensor.polygamma`."""
    return self._commit_inplace(polygamma(n, self))


Tensor.polygamma_ = _polygamma_inplace


def _mvlgamma_impl(a, *, p, dtype):
    return jax.scipy.special.multigammaln(a.astype(dtype), p)


@register(inplace=True)
def mvlgamma(input, p: int, *, out=None) -> Tensor:
    """Log of the multivariate gamma function of dimension ``p``; every element must exceed ``(p - 1) / 2``."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if input.numel() and not bool((input._value > (p - 1) / 2).all()):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    d = float_dtype(input.dtype)
    return write_out(apply(_mvlgamma_impl, input, static=(("p", int(p)), ("dtype", np_dtype(d)))), out)


igamma = _binary_op("igamma", jax.scipy.special.gammainc, int_to_float=True)
igammac = _binary_op("igammac", jax.scipy.special.gammaincc, int_to_float=True)
gcd = _bitwise("gcd", jnp.gcd)
lcm = _bitwise("lcm", jnp.lcm)
xlog1py = _binary_op("xlog1py", jax.scipy.special.xlog1py, int_to_float=True, inplace=False)
zeta = _binary_op("zeta", jax.scipy.special.zeta, int_to_float=True, inplace=False)


def _heaviside_impl(a, v):
    return jnp.where(a == 0, v, (a > 0).astype(a.dtype)).astype(a.dtype)


@register(inplace=True)
def heaviside(input, values, *, out=None) -> Tensor:
    """Step function: 0 for negative, ``values`` at zero, 1 for positive elements."""
    if isinstance(values, Tensor) and values.dtype is not input.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return write_out(apply(_heaviside_impl, input, values), out)


def _ldexp_impl(a, e, *, dtype):
    return a.astype(dtype) * jnp.exp2(jnp.asarray(e).astype(dtype))


@register(inplace=True)
def ldexp(input, other, *, out=None) -> Tensor:
    """``input * 2 ** other``."""
    d = float_dtype(result_dtype(input, other))
    return write_out(apply(_ldexp_impl, input, operand(other), static=(("dtype", np_dtype(d)),)), out)


def _frexp_impl(a):
    mantissa, exponent = jnp.frexp(a)
    return mantissa, exponent.astype(jnp.int32)


@register
def frexp(input, *, out=None):
    """``(mantissa, exponent)`` with ``input == mantissa * 2 ** exponent`` and ``|mantissa|`` in [0.5, 1)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    from .. import return_types
    return return_types.frexp(*write_out(apply(_frexp_impl, input), out) if out is not None else
                              apply(_frexp_impl, input))


def _isclose_impl(a, b, *, rtol, atol, equal_nan, dtype):
    a, b = jnp.asarray(a).astype(dtype), jnp.asarray(b).astype(dtype)
    close = a == b
    if jnp.issubdtype(dtype, jnp.inexact):
        finite = jnp.isfinite(a) & jnp.isfinite(b)
        close = close | (finite & (jnp.abs(a - b) <= atol + rtol * jnp.abs(b)))
        if equal_nan:
            close = close | (jnp.isnan(a) & jnp.isnan(b))
    else:
        diff = jnp.abs(a.astype(jnp.float64) - b.astype(jnp.float64))
        close = close | (diff <= atol + rtol * jnp.abs(b.astype(jnp.float64)))
    return close


@register
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Whether ``|input - other| <= atol + rtol * |other|`` elementwise; a bool tensor."""
    if isinstance(other, Tensor) and input.dtype is not other.dtype:
        raise RuntimeError(f"{_type_name(input.dtype)} did not match {_type_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    return apply(_isclose_impl, input, operand(other), static=(("rtol", float(rtol)), ("atol", float(atol)),
                                                                ("equal_nan", bool(equal_nan)),
                                                                ("dtype", np_dtype(input.dtype))))


@register
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see :func:`isclose`)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._value.all())


@register
def equal(input, other) -> bool:
    """Whether ``input`` and ``other`` have the same shape and elements."""
    return tuple(input.shape) == tuple(other.shape) and bool(eq(input, other)._value.all())


# ------------------------------------------------------------------ complex parts
def _angle_impl(a, *, dtype):
    if jnp.issubdtype(a.dtype, jnp.complexfloating):
        return jnp.angle(a)
    a = a.astype(dtype)
    return jnp.where(jnp.isnan(a), a, jnp.where(a < 0, jnp.pi, 0.0).astype(dtype)) * jax.lax.stop_gradient(
        jnp.ones_like(a)) + 0 * a


@register
def conj(input) -> Tensor:
    """The complex conjugate of ``input`` (``input`` itself when it is not complex)."""
    return apply(jnp.conj, input) if input.dtype.is_complex else input


@register(inplace=True)
def angle(input, *, out=None) -> Tensor:
    """The elementwise argument (phase) of ``input``; pi for negative and 0 for non-negative reals."""
    return write_out(apply(_angle_impl, input, static=(("dtype", np_dtype(float_dtype(input.dtype))),)), out)


Tensor.__div__ = Tensor.__truediv__
Tensor.__rdiv__ = Tensor.__rtruediv__
Tensor.__idiv__ = Tensor.__itruediv__
