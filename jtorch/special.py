"""torch.special: special functions, elementwise unless noted (same shape as the input)."""
from __future__ import annotations

from functools import partial
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from . import _dtype as dt
from ._ops._registry import TORCH_FUNCTIONS
from ._ops._dispatch import apply
from ._ops._util import float_dtype, np_dtype, operand, result_dtype, write_out, wrap_dim
from ._tensor import Tensor, scalar_type_name

__all__ = []


def _unary(name: str, jfn, doc: str, differentiable: bool = True, single_double: bool = False):
    """Register ``torch.special.<name>``; without ``differentiable`` its result never requires grad, as in PyTorch.

    With ``single_double`` only float32 and float64 are computed (other float and complex dtypes raise, as PyTorch's
    CPU kernel does).
    """
    def impl(a, *, dtype):
        return jfn(a.astype(dtype))
    impl.__name__ = impl.__qualname__ = "special_" + name

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        d = float_dtype(input.dtype)
        if single_double and d not in (dt.float32, dt.float64):
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{scalar_type_name(d)}'")
        source = input if differentiable else input.detach()
        return write_out(apply(impl, source, static=(("dtype", np_dtype(d)),)), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    globals()[name] = op
    __all__.append(name)


def _spherical_j0(x):
    safe = jnp.where(x == 0, 1, x)
    return jnp.where(x == 0, 1, jnp.sin(safe) / safe).astype(x.dtype)


def _ndtr(x):
    """PyTorch's ``(1 + erf(x / sqrt(2))) / 2``, each step rounded to ``x``'s dtype (float16/bfloat16 are
    computed in float32)."""
    wide = jnp.promote_types(x.dtype, jnp.float32)
    scaled = (x.astype(wide) * math.sqrt(0.5)).astype(x.dtype)
    return ((1 + jss.erf(scaled.astype(wide)).astype(x.dtype)) * 0.5).astype(x.dtype)


def _entr(x):
    safe = jnp.where(x > 0, x, 1)
    return jnp.where(x > 0, -safe * jnp.log(safe), jnp.where(x == 0, 0, -jnp.inf)).astype(x.dtype)


for _name, _fn, _doc in (
        ("erfcx", jss.erfcx, "Scaled complementary error function ``exp(x**2) * erfc(x)``."),
        ("ndtr", _ndtr, "Standard normal CDF."),
        ("ndtri", jss.ndtri, "Inverse of the standard normal CDF."),
        ("log_ndtr", jss.log_ndtr, "Log of the standard normal CDF."),
        ("i0e", jss.i0e, "Exponentially scaled modified Bessel function of order 0."),
        ("i1", jss.i1, "Modified Bessel function of the first kind, order 1."),
        ("i1e", jss.i1e, "Exponentially scaled modified Bessel function of order 1."),
        ("modified_bessel_i0", jss.i0, "Modified Bessel function of the first kind, order 0."),
        ("modified_bessel_i1", jss.i1, "Modified Bessel function of the first kind, order 1."),
        ("entr", _entr, "Elementwise entropy ``-x * log(x)`` (0 at 0, -inf for negative x)."),
        ("spherical_bessel_j0", _spherical_j0, "Spherical Bessel function of the first kind, order 0."),
):
    _unary(_name, _fn, _doc, differentiable=not _name.startswith(("modified_bessel", "spherical_bessel")),
           single_double=_name in ("erfcx", "ndtri", "log_ndtr") or "bessel" in _name)


def _alias(name: str, fn) -> None:
    globals()[name] = fn
    __all__.append(name)


for _name, _target in (("expit", "sigmoid"), ("exp2", "exp2"), ("expm1", "expm1"), ("log1p", "log1p"),
                       ("erf", "erf"), ("erfc", "erfc"), ("erfinv", "erfinv"), ("gammaln", "lgamma"),
                       ("digamma", "digamma"), ("psi", "digamma"), ("i0", "i0"),
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


# ------------------------------------------------------------------ modified Bessel functions of the second kind
# Cephes' Chebyshev expansions (as in PyTorch's kernels): argument x*x - 2 on (0, 2], 8/x - 2 beyond.
_K0_A = (
    1.374465435613523e-16, 4.25981614279661e-14, 1.0349695257633842e-11, 1.904516377220209e-09,
    2.5347910790261494e-07, 2.286212103119452e-05, 0.001264615411446926, 0.0359799365153615,
    0.3442898999246285, -0.5353273932339028,
)
_K0_B = (
    5.300433772686263e-18, -1.6475804301524212e-17, 5.2103915050390274e-17, -1.678231096805412e-16,
    5.512055978524319e-16, -1.848593377343779e-15, 6.3400764774050706e-15, -2.2275133269916698e-14,
    8.032890775363575e-14, -2.9800969231727303e-13, 1.140340588208475e-12, -4.514597883373944e-12,
    1.8559491149547177e-11, -7.957489244477107e-11, 3.577397281400301e-10, -1.69753450938906e-09,
    8.574034017414225e-09, -4.660489897687948e-08, 2.766813639445015e-07, -1.8317555227191195e-06,
    1.39498137188765e-05, -0.00012849549581627802, 0.0015698838857300533, -0.0314481013119645,
    2.4403030820659555,
)
_K1_A = (
    -7.023863479386288e-18, -2.427449850519366e-15, -6.666901694199329e-13, -1.4114883926335278e-10,
    -2.213387630734726e-08, -2.4334061415659684e-06, -0.0001730288957513052, -0.006975723859639864,
    -0.12261118082265715, -0.3531559607765449, 1.5253002273389478,
)
_K1_B = (
    -5.756744483665017e-18, 1.7940508731475592e-17, -5.689462558442859e-17, 1.838093544366639e-16,
    -6.057047248373319e-16, 2.038703165624334e-15, -7.019837090418314e-15, 2.4771544244813043e-14,
    -8.976705182324994e-14, 3.3484196660784293e-13, -1.2891739609510289e-12, 5.13963967348173e-12,
    -2.1299678384275683e-11, 9.218315187605006e-11, -4.1903547593418965e-10, 2.015049755197033e-09,
    -1.0345762465678097e-08, 5.7410841254500495e-08, -3.5019606030878126e-07, 2.406484947837217e-06,
    -1.936197974166083e-05, 0.00019521551847135162, -0.002857816859622779, 0.10392373657681724,
    2.7206261904844427,
)


def _chebyshev_series(coeffs: tuple, t):
    """Clenshaw sum of the Chebyshev series ``coeffs`` (highest order first) at ``t``, halved as in Cephes."""
    b0, b1, b2 = jnp.full_like(t, coeffs[0]), jnp.zeros_like(t), jnp.zeros_like(t)
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel_k(x, *, order: int, scaled: bool):
    small = x <= 2
    xs = jnp.where(small & (x > 0), x, 1)
    xl = jnp.where(small, 4, x)
    if order == 0:
        near = _chebyshev_series(_K0_A, xs * xs - 2) - jnp.log(0.5 * xs) * jss.i0(xs)
        far = _chebyshev_series(_K0_B, 8 / xl - 2) / jnp.sqrt(xl)
    else:
        near = jnp.log(0.5 * xs) * jss.i1(xs) + _chebyshev_series(_K1_A, xs * xs - 2) / xs
        far = _chebyshev_series(_K1_B, 8 / xl - 2) / jnp.sqrt(xl)
    near, far = (near * jnp.exp(xs), far) if scaled else (near, far * jnp.exp(-xl))
    out = jnp.where(small, near, far)
    return jnp.where(x == 0, jnp.inf, jnp.where(x < 0, jnp.nan, out)).astype(x.dtype)


for _name, _order, _scaled, _doc in (
        ("modified_bessel_k0", 0, False, "Modified Bessel function of the second kind, order 0."),
        ("modified_bessel_k1", 1, False, "Modified Bessel function of the second kind, order 1."),
        ("scaled_modified_bessel_k0", 0, True, "``exp(x) * modified_bessel_k0(x)``."),
        ("scaled_modified_bessel_k1", 1, True, "``exp(x) * modified_bessel_k1(x)``."),
):
    _unary(_name, partial(_bessel_k, order=_order, scaled=_scaled), _doc, differentiable=False, single_double=True)


# ------------------------------------------------------------------ Bessel functions of both kinds, orders 0 and 1
# Cephes' rational approximations (as in PyTorch's kernel): a ratio in x*x up to 5, Hankel's asymptotic form beyond.
_J0_PP = (
    0.0007969367292973471, 0.08283523921074408, 1.239533716464143, 5.447250030587687,
    8.74716500199817, 5.303240382353949, 1.0,
)
_J0_PQ = (
    0.0009244088105588637, 0.08562884743544745, 1.2535274390105895, 5.470977403304171,
    8.761908832370695, 5.306052882353947, 1.0,
)
_J0_QP = (
    -0.011366383889846916, -1.2825271867050931, -19.553954425773597, -93.20601521237683,
    -177.68116798048806, -147.07750515495118, -51.41053267665993, -6.050143506007285,
)
_J0_QQ = (
    64.3178256118178, 856.4300259769806, 3882.4018360540163, 7240.467741956525,
    5930.727011873169, 2062.0933166032783, 242.0057402402914,
)
_J0_RP = (
    -4794432209.782018, 1956174919465.5657, -249248344360967.72, 9708622510473064.0,
)
_J0_RQ = (
    499.563147152651, 173785.4016763747, 48440965.83399621, 11185553704.535683,
    2112775201154.892, 310518229857422.56, 3.1812195594320496e+16, 1.7108629408104315e+18,
)


_J1_PP = (
    0.0007621256162081731, 0.07313970569409176, 1.1271960812968493, 5.112079511468076,
    8.424045901417724, 5.214515986823615, 1.0,
)
_J1_PQ = (
    0.0005713231280725487, 0.06884559087544954, 1.105142326340617, 5.073863861286015,
    8.399855543276042, 5.209828486823619, 1.0,
)
_J1_QP = (
    0.05108625947501766, 4.982138729512334, 75.82382841325453, 366.7796093601508,
    710.8563049989261, 597.4896124006136, 211.68875710057213, 25.207020585802372,
)
_J1_QQ = (
    74.23732770356752, 1056.4488603826283, 4986.410583376536, 9562.318924047562,
    7997.041604473507, 2826.1927851763908, 336.0936078106983,
)
_J1_RP = (
    -899971225.7055594, 452228297998.19403, -72749424522181.83, 3682957328638529.0,
)
_J1_RQ = (
    620.8364781180543, 256987.25675774884, 83514679.14319493, 22151159547.97925,
    4749141220799.914, 784369607876235.9, 8.952223361846274e+16, 5.322786203326801e+18,
)


_Y0_P = (
    15592.436785523574, -14663929.59039716, 5435264770.518765, -982136065717.9115,
    87590639439536.7, -3466283033847297.0, 4.4273326857256984e+16, -1.8495080043698668e+16,
)
_Y0_Q = (
    1041.2835366425984, 626107.330137135, 268919633.39381415, 86400248710.3935,
    20297961275010.555, 3171577528429750.5, 2.5059625617265306e+17,
)
_Y1_P = (
    1263204747.9017804, -647355876379.1603, 114509511541823.73, -8127702555013251.0,
    2.024394757135949e+17, -7.788771962659501e+17,
)
_Y1_Q = (
    594.3015923461282, 235564.09294306856, 73481194.44597217, 18760131610.870617,
    3882312774962.3857, 620557727146953.8, 6.871410873553005e+16, 3.9727060811656064e+18,
)


def _horner(coeffs: tuple, t):
    """Polynomial with ``coeffs`` (highest degree first) at ``t``."""
    out = jnp.zeros_like(t)
    for c in coeffs:
        out = out * t + c
    return out


def _bessel_j0(x):
    x = jnp.abs(x)
    near = x <= 5
    xs = jnp.where(near, x, 1) ** 2
    series = (xs - 5.78318596294678452118) * (xs - 30.4712623436620863991) * _horner(_J0_RP, xs) / _horner(_J0_RQ, xs)
    series = jnp.where(x < 1e-5, 1 - x * x / 4, series)
    xl = jnp.where(near, 6, x)
    return jnp.where(near, series, _hankel(xl, 25 / (xl * xl), 0.785398163397448309615660845819875721,
                                           (_J0_PP, _J0_PQ, _J0_QP, _J0_QQ))).astype(x.dtype)


def _bessel_j1(x):
    sign, x = jnp.where(jnp.signbit(x), -1, 1).astype(x.dtype), jnp.abs(x)
    near = x <= 5
    xn = jnp.where(near, x, 1)
    xs = xn * xn
    roots = (xs - 14.6819706421238932572) * (xs - 49.2184563216946036703)
    series = _horner(_J1_RP, xs) / _horner(_J1_RQ, xs) * xn * roots
    xl = jnp.where(near, 6, x)
    far = _hankel(xl, 5 / xl * (5 / xl), 2.356194490192344928846982537459627163, (_J1_PP, _J1_PQ, _J1_QP, _J1_QQ))
    return (sign * jnp.where(near, series, far)).astype(x.dtype)


def _hankel(x, z, shift, tables, second_kind: bool = False):
    """Hankel's form ``sqrt(2 / (pi x)) (P cos(x - shift) - 5 / x Q sin(x - shift))``, P and Q rational in z.

    ``second_kind`` gives Y's ``sqrt(2 / (pi x)) (P sin(x - shift) + 5 / x Q cos(x - shift))``.
    """
    pp, pq, qp, qq = (_horner(c, z) for c in tables)
    if second_kind:
        out = pp / pq * jnp.sin(x - shift) + 5 / x * (qp / qq) * jnp.cos(x - shift)
    else:
        out = pp / pq * jnp.cos(x - shift) - 5 / x * (qp / qq) * jnp.sin(x - shift)
    return out * 0.797884560802865355879892119868763737 / jnp.sqrt(x)


def _bessel_y0(x):
    near = x <= 5
    xn = jnp.where(near & (x > 0), x, 1)
    series = _horner(_Y0_P, xn * xn) / _horner(_Y0_Q, xn * xn) + 0.636619772367581343075535053490057448 * jnp.log(
        xn) * _bessel_j0(xn)
    xl = jnp.where(near, 6, x)
    far = _hankel(xl, 25 / (xl * xl), 0.785398163397448309615660845819875721, (_J0_PP, _J0_PQ, _J0_QP, _J0_QQ), True)
    out = jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, jnp.where(near, series, far)))
    return out.astype(x.dtype)


def _bessel_y1(x):
    near = x <= 5
    xn = jnp.where(near & (x > 0), x, 1)
    series = xn * (_horner(_Y1_P, xn * xn) / _horner(_Y1_Q, xn * xn)) + 0.636619772367581343075535053490057448 * (
        _bessel_j1(xn) * jnp.log(xn) - 1 / xn)
    xl = jnp.where(near, 6, x)
    far = _hankel(xl, 5 / xl * (5 / xl), 2.356194490192344928846982537459627163, (_J1_PP, _J1_PQ, _J1_QP, _J1_QQ),
                  True)
    out = jnp.where(x == 0, -jnp.inf, jnp.where(x < 0, jnp.nan, jnp.where(near, series, far)))
    return out.astype(x.dtype)


_unary("bessel_j0", _bessel_j0, "Bessel function of the first kind, order 0.", differentiable=False,
       single_double=True)
_unary("bessel_j1", _bessel_j1, "Bessel function of the first kind, order 1.", differentiable=False,
       single_double=True)
_unary("bessel_y0", _bessel_y0, "Bessel function of the second kind, order 0.", differentiable=False,
       single_double=True)
_unary("bessel_y1", _bessel_y1, "Bessel function of the second kind, order 1.", differentiable=False,
       single_double=True)


# ------------------------------------------------------------------ Airy function Ai
# Cephes' approximations (as in PyTorch's kernel): the Maclaurin series on (-2.09, 2.09), an asymptotic
# rational form beyond on each side (oscillating below, decaying above).
_AI_N = (
    0.346538101525629, 12.007595273964581, 76.27960536152345, 168.08922493463058,
    159.75639135016442, 70.53609068404442, 14.026469116338967, 1.0,
)
_AI_D = (
    0.5675945326387702, 14.75625625848472, 84.51389701414746, 177.31808814540045,
    164.2346928715297, 71.47784008255756, 14.095913560783403, 1.0,
)
_AI_FN = (
    -0.1316963234183318, -0.6264565444319123, -0.6931580360369335, -0.2797799815451191,
    -0.04919001326095003, -0.004062659235948854, -0.0001592764962392621, -2.776491081552329e-06,
    -1.6778769848911465e-08,
)
_AI_FD = (
    13.356042070655324, 32.682503279522464, 26.736704094149957, 9.187074029072596,
    1.4752914677166642, 0.11568717379518804, 0.004402916416152112, 7.547203482874142e-05,
    4.5185009297058035e-07,
)
_AI_GN = (
    0.01973399320916857, 0.39110302961568827, 1.0657989759959559, 0.9391692298166502,
    0.35146565610554764, 0.06338889196289255, 0.005858041130483885, 0.000282851600836737,
    6.98793669997261e-06, 8.117892395543892e-08, 3.415517847659236e-10,
)
_AI_GD = (
    9.30892908077442, 19.835292871831214, 15.564662893286462, 5.476860694229755,
    0.9542936116189619, 0.08645808263523921, 0.004126565238242226, 0.00010125908511650914,
    1.1716673321441352e-06, 4.9183457006293e-09,
)
_AI_SERIES_TERMS = 13  # the most any |x| <= 2.09 needs to meet the series' stopping test, in float32 and float64


def _third(a):
    """``a / 3`` rounded once, as C computes it (XLA's CPU backend would multiply by a rounded 1/3, and the phase of
    Ai's oscillation at large ``-x`` needs every bit)."""
    return a / jax.lax.optimization_barrier(jnp.full_like(a, 3))


def _airy_ai(x):
    inv_sqrt_pi = 0.564189583547756286948
    below, above = x < -2.09, x >= 2.09
    xb = jnp.where(below, x, -4)
    zeta_b = _third(-2 * xb * jnp.sqrt(-xb))
    z = 1 / zeta_b
    zz = z * z
    phase = zeta_b + 0.25 * 3.14159265358979323846
    oscillating = inv_sqrt_pi / jnp.sqrt(jnp.sqrt(-xb)) * (
        jnp.sin(phase) * (1 + zz * _horner(_AI_FN, zz) / _horner(_AI_FD, zz))
        - jnp.cos(phase) * (z * _horner(_AI_GN, zz) / _horner(_AI_GD, zz)))
    xa = jnp.where(above, x, 4)
    zeta_a = _third(2 * xa * jnp.sqrt(xa))
    decaying = inv_sqrt_pi * (_horner(_AI_N, 1 / zeta_a) / _horner(_AI_D, 1 / zeta_a)) / (
        2 * jnp.sqrt(jnp.sqrt(xa)) * jnp.exp(zeta_a))
    # Maclaurin series Ai(x) = c1 f(x) - c2 g(x), summed until the last term of f is below 2**-53 of f
    xs = jnp.where(below | above, 0, x)
    cube = xs * xs * xs
    f, g, m, n, k = jnp.ones_like(xs), xs, jnp.ones_like(xs), xs, jnp.ones_like(xs)
    going = jnp.ones(xs.shape, bool)
    for _ in range(_AI_SERIES_TERMS):
        m2 = m * cube / (k + 1) / (k + 2)
        n2 = n * cube / (k + 2) / (k + 3)
        f2, g2 = f + m2, g + n2
        m, n, f, g = (jnp.where(going, new, old) for new, old in ((m2, m), (n2, n), (f2, f), (g2, g)))
        k = jnp.where(going, k + 3, k)
        going = going & (jnp.abs(m / f) > 1.11022302462515654042e-16)
    series = 0.355028053887817239260 * f - 0.258819403792806798405 * g
    out = jnp.where(below, oscillating, jnp.where(above, decaying, series))
    return jnp.where(jnp.isinf(x), jnp.nan, jnp.where(x > 103.892, 0, out)).astype(x.dtype)


_unary("airy_ai", _airy_ai, "Airy function Ai.", differentiable=False, single_double=True)


# ------------------------------------------------------------------ orthogonal polynomials of integer degree n
def _three_term(start, step, n, nan_stop: bool):
    """Run ``r = step(j, p, q)`` for j = 1 .. n-1 elementwise (from ``p = 1``, ``q = start``); the last ``q``.

    Each element stops after its own ``n - 1`` steps (or, with ``nan_stop``, once ``q`` is NaN); the loop runs
    until every element has stopped.
    """
    def active(j, q):
        keep = j <= n - 1
        return keep & ~jnp.isnan(q) if nan_stop else keep

    def cond(state):
        j, _, q = state
        return jnp.any(active(j, q))

    def body(state):
        j, p, q = state
        go = active(j, q)
        r = step(j.astype(q.dtype), p, q)
        return j + 1, jnp.where(go, q, p), jnp.where(go, r, q)

    _, _, q = jax.lax.while_loop(cond, body, (jnp.asarray(1, n.dtype), jnp.ones_like(start), start))
    return q


def _chebyshev(y, n, *, kind, closed_above):
    """Chebyshev polynomials of the first to fourth kind (t, u, v, w) at ``y`` (PyTorch's special cases)."""
    two_y = y + y
    start = {"t": y, "u": two_y, "v": two_y - 1, "w": two_y + 1}[kind]
    nf = n.astype(y.dtype)
    even = n % 2 == 0
    theta = jnp.arccos(jnp.clip(y, -1, 1))
    if kind == "t":
        edge = jnp.where((y > 0) | even, 1, -1)
        closed = jnp.cos(nf * theta)
    elif kind == "u":
        edge = jnp.where((y > 0) | even, nf + 1, -(nf + 1))
        sin_theta = jnp.sin(theta)
        closed = jnp.where(sin_theta != 0, jnp.sin((nf + 1) * theta) / jnp.where(sin_theta != 0, sin_theta, 1),
                           (nf + 1) * jnp.cos((nf + 1) * theta) / y)
    elif kind == "v":
        odd_value = jnp.where(even, nf + nf + 1, -(nf + nf + 1))
        edge = jnp.where(y > 0, 1, odd_value)
        half = jnp.cos(theta / 2)
        closed = jnp.where(jnp.sin(theta / 2) != 1, jnp.cos((nf + 0.5) * theta) / half, odd_value)
    else:
        edge = jnp.where(y > 0, nf + nf + 1, jnp.where(even, 1, -1))
        half = jnp.sin(theta / 2)
        closed = jnp.where(jnp.cos(theta / 2) != 1, jnp.sin((nf + 0.5) * theta) / jnp.where(half != 0, half, 1), edge)
    recurrence = _three_term(start, lambda j, p, q: two_y * q - p, jnp.where(jnp.abs(y) == 1, 0, n), True)
    out = jnp.where(n == 0, 1, jnp.where(n == 1, start, recurrence))
    out = jnp.where((n > closed_above) & (jnp.abs(y) < 1), closed, out)
    out = jnp.where(jnp.abs(y) == 1, edge, out)
    return jnp.where(n < 0, 0, out).astype(y.dtype)


def _hermite(x, n, *, physicists):
    limit = {jnp.dtype(jnp.float32): 128, jnp.dtype(jnp.float64): 512}.get(jnp.dtype(x.dtype), 1024)
    start = x + x if physicists else x
    if physicists:
        step = lambda j, p, q: (x + x) * q - (j + j) * p  # noqa: E731
    else:
        step = lambda j, p, q: x * q - j * p  # noqa: E731
    recurrence = _three_term(start, step, jnp.where(n > limit, 0, n), False)
    out = jnp.where(n == 0, 1, jnp.where(n == 1, start, jnp.where(n > limit, jnp.nan, recurrence)))
    return jnp.where(n < 0, 0, out).astype(x.dtype)


def _laguerre(x, n):
    step = lambda j, p, q: (((j + j) + (1 - x)) * q - j * p) / (j + 1)  # noqa: E731
    out = jnp.where(n == 0, 1, jnp.where(n == 1, 1 - x, _three_term(1 - x, step, n, True)))
    return jnp.where(n < 0, 0, jnp.where(x == 0, 1, out)).astype(x.dtype)


def _legendre(x, n):
    step = lambda j, p, q: ((j + j + 1) * x * q - j * p) / (j + 1)  # noqa: E731
    out = jnp.where(n == 0, 1, jnp.where(n == 1, x, _three_term(x, step, jnp.where(jnp.abs(x) == 1, 0, n), True)))
    out = jnp.where(jnp.abs(x) == 1, jnp.where((x > 0) | (n % 2 == 0), 1, -1), out)
    return jnp.where(n < 0, 0, out).astype(x.dtype)


def _polynomial_impl(x, n, *, fn, shifted, dtype):
    x = jnp.asarray(x).astype(dtype)
    n = jnp.asarray(n)
    if jnp.issubdtype(n.dtype, jnp.inexact):
        n = jnp.where(jnp.isfinite(n), jnp.trunc(n), -1)
    x, n = jnp.broadcast_arrays(x, n.astype(jnp.int64))
    return fn(x + x - 1 if shifted else x, n)


def _polynomial(name: str, fn, doc: str, shifted: bool = False):
    def op(input, n, *, out: Tensor | None = None) -> Tensor:
        d = float_dtype(result_dtype(input, n))
        static = (("fn", fn), ("shifted", shifted), ("dtype", np_dtype(d)))
        return write_out(apply(_polynomial_impl, operand(input), operand(n), static=static), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc + " of integer degree ``n`` (truncated toward zero) at ``input``, elementwise (broadcast)."
    _alias(name, op)


for _kind, _above, _shifted_above in (("t", 6, 6), ("u", 8, 6), ("v", 8, 6), ("w", 8, 4)):
    _polynomial(f"chebyshev_polynomial_{_kind}", partial(_chebyshev, kind=_kind, closed_above=_above),
                f"Chebyshev polynomial of kind {_kind}")
    _polynomial(f"shifted_chebyshev_polynomial_{_kind}", partial(_chebyshev, kind=_kind, closed_above=_shifted_above),
                f"Shifted Chebyshev polynomial of kind {_kind} (of ``2 * input - 1``)", shifted=True)
_polynomial("hermite_polynomial_h", partial(_hermite, physicists=True), "Physicists' Hermite polynomial")
_polynomial("hermite_polynomial_he", partial(_hermite, physicists=False), "Probabilists' Hermite polynomial")
_polynomial("laguerre_polynomial_l", _laguerre, "Laguerre polynomial")
_polynomial("legendre_polynomial_p", _legendre, "Legendre polynomial")
