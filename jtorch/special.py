"""torch.special: special functions, elementwise unless noted (same shape as the input).

Functions PyTorch has here but JAX offers no accurate kernel for raise ``NotImplementedError`` by name.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from . import _dtype as dt
from ._ops._registry import TORCH_FUNCTIONS
from ._ops._dispatch import apply
from ._ops._util import float_dtype, np_dtype, write_out, wrap_dim
from ._tensor import Tensor

__all__ = []


def _unary(name: str, jfn, doc: str):
    def impl(a, *, dtype):
        return jfn(a.astype(dtype))
    impl.__name__ = impl.__qualname__ = "special_" + name

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        d = float_dtype(input.dtype)
        return write_out(apply(impl, input, static=(("dtype", np_dtype(d)),)), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    globals()[name] = op
    __all__.append(name)


def _spherical_j0(x):
    safe = jnp.where(x == 0, 1, x)
    return jnp.where(x == 0, 1, jnp.sin(safe) / safe).astype(x.dtype)


def _entr(x):
    safe = jnp.where(x > 0, x, 1)
    return jnp.where(x > 0, -safe * jnp.log(safe), jnp.where(x == 0, 0, -jnp.inf)).astype(x.dtype)


for _name, _fn, _doc in (
        ("erfcx", jss.erfcx, "Scaled complementary error function ``exp(x**2) * erfc(x)``."),
        ("ndtr", jss.ndtr, "Standard normal CDF."),
        ("ndtri", jss.ndtri, "Inverse of the standard normal CDF."),
        ("log_ndtr", jss.log_ndtr, "Log of the standard normal CDF."),
        ("i0e", jss.i0e, "Exponentially scaled modified Bessel function of order 0."),
        ("i1", jss.i1, "Modified Bessel function of the first kind, order 1."),
        ("i1e", jss.i1e, "Exponentially scaled modified Bessel function of order 1."),
        ("modified_bessel_i1", jss.i1, "Modified Bessel function of the first kind, order 1."),
        ("entr", _entr, "Elementwise entropy ``-x * log(x)`` (0 at 0, -inf for negative x)."),
        ("spherical_bessel_j0", _spherical_j0, "Spherical Bessel function of the first kind, order 0."),
):
    _unary(_name, _fn, _doc)


def _alias(name: str, fn) -> None:
    globals()[name] = fn
    __all__.append(name)


for _name, _target in (("expit", "sigmoid"), ("exp2", "exp2"), ("expm1", "expm1"), ("log1p", "log1p"),
                       ("erf", "erf"), ("erfc", "erfc"), ("erfinv", "erfinv"), ("gammaln", "lgamma"),
                       ("digamma", "digamma"), ("psi", "digamma"), ("i0", "i0"), ("modified_bessel_i0", "i0"),
                       ("sinc", "sinc"), ("round", "round"), ("logit", "logit"), ("xlogy", "xlogy"),
                       ("xlog1py", "xlog1py"), ("zeta", "zeta"), ("polygamma", "polygamma"),
                       ("multigammaln", "mvlgamma"), ("gammainc", "igamma"), ("gammaincc", "igammac"),
                       ("logsumexp", "logsumexp")):
    _alias(_name, TORCH_FUNCTIONS[_target])


def _softmax_impl(a, *, dim, dtype, log):
    a = a.astype(dtype)
    return (jax.nn.log_softmax if log else jax.nn.softmax)(a, axis=dim)


def _softmax_family(name: str, log: bool):
    def op(input: Tensor, dim: int, *, dtype: dt.dtype | None = None) -> Tensor:
        d = dtype or float_dtype(input.dtype)
        return apply(_softmax_impl, input, static=(("dim", wrap_dim(dim, input.ndim) if input.ndim else None),
                                                   ("dtype", np_dtype(d)), ("log", log)))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{'Log-softmax' if log else 'Softmax'} of ``input`` along ``dim``."
    _alias(name, op)


_softmax_family("softmax", False)
_softmax_family("log_softmax", True)


def _missing(name: str) -> None:
    def op(*args, **kwargs):
        raise NotImplementedError(f"torch.special.{name} is not available: JAX has no kernel for it")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Not available (raises NotImplementedError)."
    _alias(name, op)


for _name in ("airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
              "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
              "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
              "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
              "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
              "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"):
    _missing(_name)
