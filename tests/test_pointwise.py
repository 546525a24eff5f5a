"""Pointwise ops and torch.special against real PyTorch: values, dtypes, gradients, in-place forms, errors."""
import numpy as np
import pytest

from _compare import assert_same, check_error, check_grads

X = [[0.0, 1.5, -2.0], [0.25, -0.0, 3.0]]
Y = [[0.0, -1.0, 2.0], [0.5, 2.0, 3.0]]
P = [[0.1, 0.5, 0.9], [0.3, 0.0, 1.0]]
I = [[0, 3, -4], [7, -2, 5]]

UNARY = ["abs", "neg", "sign", "sgn", "floor", "ceil", "trunc", "frac", "square", "exp", "exp2", "expm1", "sin",
         "cos", "tan", "atan", "sinh", "cosh", "tanh", "asinh", "sigmoid", "erf", "erfc", "lgamma", "digamma",
         "reciprocal", "sinc", "deg2rad", "rad2deg", "i0", "positive", "angle"]
POSITIVE = ["sqrt", "rsqrt", "log", "log2", "log10", "log1p", "acosh"]
UNIT = ["asin", "acos", "atanh", "erfinv"]
BINARY = ["add", "sub", "mul", "div", "true_divide", "maximum", "minimum", "fmax", "fmin",
          "logaddexp", "logaddexp2", "fmod", "remainder", "pow"]


@pytest.mark.parametrize("name", UNARY + POSITIVE + UNIT)
def test_unary_value_and_grad(name):
    data = [[abs(v) + 1.5 for v in row] for row in X] if name in POSITIVE else P if name in UNIT else X
    check_grads(lambda lib, x: getattr(lib, name)(x), np.float32(data), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", BINARY)
def test_binary_value_and_grad(name):
    y = [[abs(v) + 0.5 for v in row] for row in Y] if name in ("fmod", "remainder", "pow", "div", "true_divide") \
        else Y
    x = [[abs(v) for v in row] for row in X] if name == "pow" else X
    check_grads(lambda lib, a, b: getattr(lib, name)(a, b), np.float32(x), np.float32(y), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", BINARY[:5] + ["floor_divide", "remainder", "eq", "lt", "ge", "bitwise_and"])
@pytest.mark.parametrize("other", [[[1, 2, 3]], 2, 2.5])
def test_integer_promotion_and_scalars(name, other):
    if name == "bitwise_and" and isinstance(other, float):
        return check_error(lambda lib: getattr(lib, name)(lib.tensor(I), other), message_chars=40)
    if name in ("div", "true_divide", "floor_divide", "remainder") and other is True:
        return
    assert_same(lambda lib: getattr(lib, name)(lib.tensor(I), lib.tensor(other) if isinstance(other, list)
                                               else other))
    assert_same(lambda lib: getattr(lib, name)(lib.tensor(I).to(lib.int16), other if not isinstance(other, list)
                                               else lib.tensor(other)))


@pytest.mark.parametrize("case", [
    lambda lib: lib.tensor(I) / 2,
    lambda lib: 3 - lib.tensor(X),
    lambda lib: lib.tensor(I) ** 2,
    lambda lib: lib.tensor(X) // 0.7,
    lambda lib: 1 / lib.tensor(Y),
    lambda lib: lib.div(lib.tensor(I), 3, rounding_mode="trunc"),
    lambda lib: lib.div(lib.tensor(I), -3, rounding_mode="floor"),
    lambda lib: lib.add(lib.tensor(X), lib.tensor(Y), alpha=2),
    lambda lib: lib.rsub(lib.tensor(X), 1.0),
    lambda lib: lib.float_power(lib.tensor(I), 2),
    lambda lib: lib.clamp(lib.tensor(I), min=-1, max=3),
    lambda lib: lib.clamp(lib.tensor(X), min=lib.tensor([0.0, 1.0, -1.0])),
    lambda lib: lib.where(lib.tensor(X) > 0, lib.tensor(I), 0.5),
    lambda lib: lib.heaviside(lib.tensor(X), lib.tensor(0.5)),
    lambda lib: lib.ldexp(lib.tensor(X), lib.tensor(I)),
    lambda lib: lib.frexp(lib.tensor(X)),
    lambda lib: lib.isclose(lib.tensor(X), lib.tensor(X) + 1e-9),
    lambda lib: lib.allclose(lib.tensor(X), lib.tensor(Y)),
    lambda lib: lib.equal(lib.tensor(X), lib.tensor(X)),
    lambda lib: lib.real(lib.tensor(X)),
    lambda lib: lib.polygamma(2, lib.tensor([[-1.3, 0.7, 4.0]])),
    lambda lib: lib.mvlgamma(lib.tensor([[2.5, 3.0]]), 3),
    lambda lib: lib.igamma(lib.tensor([[1.0, 2.0]]), lib.tensor([[0.5, 3.0]])),
    lambda lib: lib.nan_to_num(lib.tensor([float("nan"), float("inf"), -1.0])),
    lambda lib: lib.lerp(lib.tensor(X), lib.tensor(Y), 0.3),
    lambda lib: lib.addcdiv(lib.tensor(X), lib.tensor(Y), lib.tensor(P) + 1, value=0.5),
    lambda lib: (lib.tensor(I).bitwise_not(), lib.tensor(I) << 2, lib.tensor(I) >> 1),
    lambda lib: (lib.isnan(lib.tensor(X) / 0), lib.signbit(lib.tensor(X)), lib.isfinite(lib.tensor(X) / 0)),
])
def test_forward_forms(case):
    assert_same(case)


@pytest.mark.parametrize("case", [
    lambda lib: lib.tensor(X).add_(lib.tensor(Y), alpha=0.5),
    lambda lib: lib.tensor(I).mul_(3),
    lambda lib: lib.tensor(X).clamp_(min=0.0),
    lambda lib: lib.tensor(X).pow_(2),
    lambda lib: lib.tensor(P).logit_(eps=0.2),
    lambda lib: lib.tensor([[1.5, 2.5]]).polygamma_(1),
])
def test_inplace(case):
    assert_same(case)


@pytest.mark.parametrize("case", [
    lambda lib: lib.tensor(I).add_(1.5),
    lambda lib: lib.tensor(I).div_(2),
    lambda lib: lib.bitwise_and(lib.tensor(X), 1),
    lambda lib: lib.tensor(I).pow(-1),
    lambda lib: lib.clamp(lib.tensor(X)),
    lambda lib: lib.addcdiv(lib.tensor(I), lib.tensor(I), lib.tensor(I)),
    lambda lib: lib.imag(lib.tensor(X)),
    lambda lib: lib.polygamma(-1, lib.tensor(X)),
    lambda lib: lib.add(lib.tensor(I), 1, alpha=0.5),
    lambda lib: lib.div(lib.tensor(X), 2, rounding_mode="round"),
])
def test_errors(case):
    check_error(case, message_chars=40)


@pytest.mark.parametrize("name,fn,inputs", [
    ("clamp at bounds", lambda lib, x: lib.clamp(x, -2.0, 1.5), (X,)),
    ("clamp tensor bounds", lambda lib, x, lo: lib.clamp(x, min=lo), (X, Y)),
    ("maximum ties", lambda lib, a, b: lib.maximum(a, b), (X, X)),
    ("abs at 0 and nan", lambda lib, x: lib.abs(x), ([0.0, -0.0, float("nan"), -1.0],)),
    ("sqrt at 0", lambda lib, x: lib.sqrt(x), ([0.0, 4.0],)),
    ("where", lambda lib, a, b: lib.where(a > 0, a, b), (X, Y)),
    ("broadcast", lambda lib, a, b: a * b + b, (X, [[1.0], [2.0]])),
    ("scalar left", lambda lib, a: 2.0 / a + 1, ([[1.0, 2.0, -4.0]],)),
    ("digamma negative", lambda lib, x: lib.digamma(x), ([-2.5, -0.3, 1.5],)),
    ("logit eps", lambda lib, x: lib.logit(x, eps=0.2), (P,)),
])
def test_gradient_conventions(name, fn, inputs):
    check_grads(fn, *map(np.float32, inputs), rtol=1e-4, atol=1e-5)


def test_trigamma_gradient_keeps_float32_precision_at_large_negative_inputs():
    # d/dx polygamma(1, x) = polygamma(2, x): by reflection with sin(pi x) taken on x - round(x)
    x = [-7.95, -100.25, -2.5, -0.3, 0.2, 3.7]
    check_grads(lambda lib, t: lib.polygamma(1, t), np.float32(x), rtol=3e-6, atol=1e-6)
    check_grads(lambda lib, t: lib.special.polygamma(1, t), np.float32(x), rtol=3e-6, atol=1e-6)


SPECIAL = ["expit", "erfcx", "ndtr", "log_ndtr", "i0e", "i1", "i1e", "gammaln", "psi", "sinc", "round", "exp2",
           "expm1"]


@pytest.mark.parametrize("name", SPECIAL)
def test_special_unary(name):
    check_grads(lambda lib, x: getattr(lib.special, name)(x), np.float32(X), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", [
    lambda lib: lib.special.ndtri(lib.tensor(P)),
    lambda lib: lib.special.logit(lib.tensor(P), eps=0.1),
    lambda lib: lib.special.xlogy(lib.tensor(X), lib.tensor(P)),
    lambda lib: lib.special.xlog1py(lib.tensor(X), lib.tensor(P)),
    lambda lib: lib.special.zeta(lib.tensor([[2.0, 3.5]]), lib.tensor([[1.0, 2.0]])),
    lambda lib: lib.special.polygamma(1, lib.tensor(X) + 0.1),
    lambda lib: lib.special.multigammaln(lib.tensor([[3.0, 4.5]]), 2),
    lambda lib: lib.special.softmax(lib.tensor(X), 1),
    lambda lib: lib.special.log_softmax(lib.tensor(I), 0, dtype=lib.float64),
    lambda lib: lib.special.logsumexp(lib.tensor(X), 1),
    lambda lib: lib.special.gammainc(lib.tensor([[1.0, 2.0]]), lib.tensor([[0.5, 3.0]])),
    lambda lib: lib.special.i1(lib.tensor(I)),
])
def test_special_forms(case):
    assert_same(case, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda lib, a, b: a - b, lambda lib, a, b: a * b, lambda lib, a, b: a == b, lambda lib, a, b: a < b,
    lambda lib, a, b: lib.maximum(a, b), lambda lib, a, b: lib.atan2(a, b), lambda lib, a, b: lib.logical_and(a, b),
    lambda lib, a, b: lib.where(a > 0, a, b), lambda lib, a, b: lib.lerp(a, b, 0.5),
    lambda lib, a, b: a.add_(b), lambda lib, a, b: a.mul_(b), lambda lib, a, b: a.eq_(b)])
def test_shapes_that_do_not_broadcast_raise_like_torch_and_change_nothing(call):
    import jtorch
    import torch
    messages = []
    for lib in (torch, jtorch):
        a, b = lib.ones(2, 3), lib.arange(8.0).reshape(2, 4)
        with pytest.raises(RuntimeError) as error:
            call(lib, a, b)
        messages.append(str(error.value))
        assert a.tolist() == [[1.0] * 3] * 2 and b.tolist() == [[0.0, 1, 2, 3], [4, 5, 6, 7]]
    assert messages[1] == messages[0]
