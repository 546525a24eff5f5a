"""Dtype semantics found wrong by the OpInfo dtype sweep (compat/reports/opinfo_dtypes.md), against real PyTorch:
result dtypes, integer and bool arithmetic, reduced precision and complex inputs."""
import numpy as np
import pytest

from _compare import assert_same, check

B = np.array([True, False, True])


@pytest.mark.parametrize("alpha, beta", [(1, 1), (2, 3), (True, False)])
def test_addr_of_bool_stays_bool(alpha, beta):
    check(lambda lib, v, w: lib.addr(lib.ones(3, 2, dtype=lib.bool), v, w, alpha=alpha, beta=beta), B, B[:2],
          raises=False)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "uint8", "float16"])
def test_sum_to_size_of_a_scalar_target_sums_and_promotes(dtype):
    assert_same(lambda lib: lib.ones((), dtype=getattr(lib, dtype)).sum_to_size(()))
    assert_same(lambda lib: lib.ones(2, 3, dtype=getattr(lib, dtype)).sum_to_size(2, 3))


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_uniform_fills_real_and_imaginary_parts(dtype):
    def case(lib):
        x = lib.zeros(4000, dtype=getattr(lib, dtype)).uniform_(2, 3)
        parts = (x.real, x.imag)
        return x.dtype, [bool((p >= 2).all() and (p < 3).all()) for p in parts], [round(float(p.mean()), 1)
                                                                                 for p in parts]
    assert_same(case)


@pytest.mark.parametrize("op", ["sum", "nansum", "prod", "cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "bool"])
def test_integer_reductions_with_a_dtype_wrap_in_that_dtype(op, dtype):
    def case(lib):
        x = lib.tensor([100, 100, 7], dtype=lib.int16)
        d = getattr(lib, dtype)
        args = (0,) if op.startswith("cum") else ()
        return getattr(lib, op)(x.to(d), *args), getattr(lib, op)(x, *args, dtype=d)
    check(case)  # a scan into bool raises


@pytest.mark.parametrize("op", ["cumsum", "cumprod", "logcumsumexp"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_reduced_precision_scans_accumulate_in_float32(op, dtype):
    assert_same(lambda lib: getattr(lib, op)(lib.full((3000,), 1.001 if op == "cumprod" else 0.1,
                                                      dtype=getattr(lib, dtype)), 0),
                rtol=1e-3 if op == "cumprod" else 0, atol=0)  # a product's rounding depends on its order


def test_nanmean_honours_its_dtype():
    assert_same(lambda lib: lib.nanmean(lib.tensor([1.0, float("nan"), 2.0]), dtype=lib.float64))


I8 = np.array([[3, -2, 5], [1, 0, -4]], dtype=np.int8)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_of_integer_inputs_are_float32(reduction, dtype):
    def case(lib, a, b, c):
        f = lib.nn.functional
        return (f.margin_ranking_loss(a, b, c, margin=0.5, reduction=reduction),
                f.triplet_margin_loss(a, b, c, reduction=reduction),
                f.triplet_margin_with_distance_loss(a, b, c, reduction=reduction),
                f.pairwise_distance(a, b), f.cosine_embedding_loss(a, b, c[:, 0], reduction=reduction))
    check(case, I8.astype(dtype), I8[::-1].astype(dtype), np.sign(I8).astype(dtype), raises=False)


B2 = np.array([[True, False, True], [False, False, True]])


@pytest.mark.parametrize("equation", ["ij->i", "ij->", "ij->ji", "ii->i"])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.bool_])
def test_einsum_of_one_integer_operand_sums_in_int64(equation, dtype):
    x = np.array([[100, 100, 3], [7, 100, 9]])[:, :2 if equation == "ii->i" else 3]
    check(lambda lib, a: lib.einsum(equation, a), x.astype(dtype), raises=False)


def test_sign_and_square_of_bool():
    check(lambda lib, b: (lib.sign(b), lib.sgn(b), lib.square(b)), B2, raises=False)


def test_accumulating_writes_into_bool_are_a_logical_or():
    def case(lib, b):
        idx = lib.tensor([0, 0, 1])
        src = lib.tensor([[True, False, False], [False, False, True], [True, True, False]])
        return (b.index_add(0, idx[:2], src[:2]), b.scatter_add(0, idx[None, :].expand(2, 3), src[:2]),
                b.clone().put_(lib.tensor([0, 0, 5]), src[0], accumulate=True),
                b.clone().index_put_((idx,), src, accumulate=True), lib.kron(b, b[:, :2]))
    check(case, B2, raises=False)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_l1_loss_of_complex_is_the_real_modulus(reduction):
    x = np.array([1 + 2j, -3 + 0.5j, 2 - 1j], dtype=np.complex64)
    y = np.array([0.5 - 1j, -3 + 0.5j, 1 + 1j], dtype=np.complex64)
    check(lambda lib, a, b: lib.nn.functional.l1_loss(a, b, reduction=reduction), x, y, grad=True, raises=False)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_matrix_exp_in_reduced_precision_is_float32_rounded(dtype):
    # torch's own float16/bfloat16 matrix_exp returns nan/inf on CPU: the reference is its float32 one, rounded
    import torch

    import jtorch
    a = [[0.5, -1.0, 0.25], [0.1, 0.2, -0.3], [1.0, 0.0, 0.4]]
    got = jtorch.linalg.matrix_exp(jtorch.tensor(a, dtype=getattr(jtorch, dtype)))
    want = torch.linalg.matrix_exp(torch.tensor(a)).to(getattr(torch, dtype))
    assert str(got.dtype) == str(want.dtype)
    torch.testing.assert_close(torch.tensor(got.float().numpy()), want.float(), rtol=1.6e-2, atol=1.6e-2)


def test_view_as_complex_of_float16_says_what_is_missing():
    import jtorch
    with pytest.raises(NotImplementedError, match="complex32"):
        jtorch.view_as_complex(jtorch.zeros(3, 2, dtype=jtorch.float16))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rms_norm_of_reduced_precision_squares_in_float32(dtype):
    x = np.random.RandomState(0).randn(4, 5, 6).astype(np.float32) * 100  # x * x overflows float16
    w = np.random.RandomState(1).randn(6).astype(np.float32)
    tol = 1e-2 if dtype == "bfloat16" else 2e-3  # one rounding step apart at most
    assert_same(lambda lib: lib.nn.functional.rms_norm(lib.tensor(x).to(getattr(lib, dtype)), (6,),
                                                       lib.tensor(w).to(getattr(lib, dtype))).float(),
                rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_special_ndtr_of_reduced_precision(dtype):
    assert_same(lambda lib: lib.special.ndtr(lib.linspace(-4, 4, 33, dtype=getattr(lib, dtype))), rtol=0, atol=1e-3)


@pytest.mark.parametrize("op", [lambda lib, a, b: a // b, lambda lib, a, b: a % b, lambda lib, a, b: lib.fmod(a, b),
                                lambda lib, a, b: lib.remainder(a, b),
                                lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
                                lambda lib, a, b: lib.div(a, b, rounding_mode="floor")])
@pytest.mark.parametrize("divisor", [[1, 0], 0, [2, 3]])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "float32"])
def test_integer_division_by_zero_raises(op, divisor, dtype):
    def case(lib):
        a = lib.tensor([7, 9], dtype=getattr(lib, dtype))
        return op(lib, a, lib.tensor(divisor, dtype=getattr(lib, dtype)) if isinstance(divisor, list) else divisor)
    check(case)


@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge", "eq", "ne"])
@pytest.mark.parametrize("other", [1, 1 + 1j, "real"])
def test_order_comparisons_of_complex_raise(op, other):
    def case(lib):
        a = lib.tensor([1 + 1j, 2 - 1j])
        return getattr(lib, op)(a, lib.tensor([1.0, 2.0]) if other == "real" else other), \
            getattr(lib, op)(lib.tensor([1.0, 2.0]), a)
    check(case)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", ["bool", "complex64"])
@pytest.mark.parametrize("dim", [None, 0])
def test_argmax_argmin_refuse_bool_and_complex(op, dtype, dim):
    check(lambda lib: getattr(lib, op)(lib.tensor([1, 0, 1]).to(getattr(lib, dtype)), dim))


@pytest.mark.parametrize("reduce", ["sum", "prod", "amax", "amin"])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_of_bool_and_small_integers(reduce, dtype, include_self):
    x = np.random.RandomState(0).randint(0, 4, (4, 3))
    src = np.random.RandomState(1).randint(0, 4, (5, 3))
    index = np.random.RandomState(2).randint(0, 3, (5, 3))  # row 3 is never targeted
    check(lambda lib: lib.tensor(x).to(getattr(lib, dtype)).scatter_reduce(
        0, lib.tensor(index), lib.tensor(src).to(getattr(lib, dtype)), reduce, include_self=include_self))


@pytest.mark.parametrize("op", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("ydtype, xdtype", [("uint8", None), ("int8", None), ("bool", None), ("uint8", "uint8"),
                                            ("int8", "uint8"), ("float32", "uint8"), ("uint8", "float32"),
                                            ("float16", "float32"), ("float64", None)])
@pytest.mark.parametrize("dx", [None, 2.5])
def test_trapezoid_integer_arithmetic_wraps_as_in_torch(op, ydtype, xdtype, dx):
    y = np.array([[200, 100, 250, 7], [3, 255, 128, 9]])
    x = np.array([0, 3, 1, 200])
    def case(lib):
        yt = lib.tensor(y).to(getattr(lib, ydtype))
        if xdtype is None:
            return getattr(lib, op)(yt) if dx is None else getattr(lib, op)(yt, dx=dx)
        return getattr(lib, op)(yt, lib.tensor(x).to(getattr(lib, xdtype)))
    check(case, rtol=1e-3 if ydtype == "float16" else 1e-5)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(7, 9), (3, 4)])
def test_uint8_interpolate_rounds_each_pass(mode, align_corners, size):
    x = np.random.RandomState(0).randint(0, 256, (2, 3, 5, 6))
    # PyTorch's uint8 kernel uses fixed-point weights, so a value can differ by one
    check(lambda lib: lib.nn.functional.interpolate(lib.tensor(x).to(lib.uint8), size=size, mode=mode,
                                                    align_corners=align_corners), rtol=0, atol=1)


def _complex_grad(lib, fn, z, g):
    x = lib.tensor(z, requires_grad=True)
    return lib.autograd.grad(fn(lib, x), x, lib.tensor(g))[0]


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("fn", [lambda lib, a, upper: lib.linalg.cholesky(a, upper=upper),
                                lambda lib, a, upper: lib.linalg.cholesky_ex(a, upper=upper)[0],
                                lambda lib, a, upper: lib.cholesky(a, upper)])
def test_complex_cholesky_gradient_is_torchs(fn, upper):
    r = np.random.RandomState(0)
    m = r.randn(2, 3, 3) + 1j * r.randn(2, 3, 3)
    a = (m @ m.conj().transpose(0, 2, 1) + 3 * np.eye(3)).astype(np.complex64)
    g = (r.randn(2, 3, 3) + 1j * r.randn(2, 3, 3)).astype(np.complex64)
    assert_same(lambda lib: _complex_grad(lib, lambda lib, x: fn(lib, x, upper), a, g), rtol=1e-4, atol=1e-5)


def test_complex_sgn_gradient_is_torchs():
    z = np.array([1 + 2j, -0.5 + 0.1j, 0j, 3 - 1j], dtype=np.complex64)
    g = np.array([0.3 - 1j, 1 + 1j, 2, -1j], dtype=np.complex64)
    assert_same(lambda lib: _complex_grad(lib, lambda lib, x: lib.sgn(x), z, g))


@pytest.mark.parametrize("norm", [
    lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True),
    lambda lib, x: lib.nn.functional.batch_norm(x, lib.zeros(5, dtype=x.dtype) + 1, lib.ones(5, dtype=x.dtype) * 40),
    lambda lib, x: lib.nn.functional.group_norm(x, 5, lib.ones(5, dtype=x.dtype) * 3, lib.ones(5, dtype=x.dtype)),
    lambda lib, x: lib.nn.functional.instance_norm(x)])
def test_float16_normalisation_computes_in_float32(norm):
    x = np.random.RandomState(0).randn(4, 5, 6).astype(np.float32) * 30 + 7
    # PyTorch rounds some intermediate steps to float16, so results can be one float16 step apart
    assert_same(lambda lib: norm(lib, lib.tensor(x).half()).float(), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_huber_loss_of_reduced_precision(dtype, reduction):
    r = np.random.RandomState(0)
    x, y = r.randn(200) * 5, r.randn(200) * 5
    def case(lib):
        d = getattr(lib, dtype)
        return lib.nn.functional.huber_loss(lib.tensor(x).to(d), lib.tensor(y).to(d), reduction=reduction,
                                            delta=1.5).float()
    assert_same(case, rtol=0 if reduction == "none" else 1e-3, atol=0)


@pytest.mark.parametrize("training", [True, False])
def test_float16_native_norms_compute_in_float32(training):
    x = np.random.RandomState(0).randn(4, 5, 6).astype(np.float32) * 30 + 7

    def case(lib):
        h = lib.tensor(x).half()
        w, b = lib.ones(5, dtype=lib.half) * 2, lib.ones(5, dtype=lib.half)
        rm, rv = lib.zeros(5, dtype=lib.half), lib.ones(5, dtype=lib.half)
        batch = lib.native_batch_norm(h, w, b, rm, rv, training, 0.1, 1e-5)
        group = lib.native_group_norm(h, w, b, 4, 5, 6, 5, 1e-5)
        return [t.dtype for t in (*batch, *group)], [t.float() for t in (*batch, *group, rm, rv)]
    assert_same(case, rtol=2e-3, atol=4e-3)  # one float16 step at most
