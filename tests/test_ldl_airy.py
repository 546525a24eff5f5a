"""torch.linalg.ldl_factor / ldl_factor_ex / ldl_solve and torch.special.airy_ai against real PyTorch."""
import numpy as np
import pytest
import torch

import jtorch
from _compare import assert_same, check

# ---------------------------------------------------------------- airy_ai

# both switches between the series and the asymptotic forms (-2.09, 2.09, 8.3203353), deep in the oscillating
# region, the decay down to float32's and float64's underflow (103.892), +-inf and nan
AIRY_POINTS = np.concatenate([
    np.linspace(-2.2, 2.2, 441), np.linspace(-60.0, 60.0, 1201), -np.logspace(-3, 9, 200), np.logspace(-3, 2.1, 200),
    [-2.09, 2.09, np.nextafter(2.09, 0.0), np.nextafter(-2.09, 0.0), 8.3203353, 103.89, 103.892, 103.9, 1e10,
     -0.0, 0.0, np.inf, -np.inf, np.nan]])


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-12), ("float32", 1e-5)])
def test_airy_ai_matches_torch(dtype, rtol):
    x = AIRY_POINTS.astype(dtype)
    want = torch.special.airy_ai(torch.tensor(x))
    got = jtorch.special.airy_ai(jtorch.tensor(x))
    assert str(got.dtype) == str(want.dtype)
    # atol: XLA on CPU flushes float subnormals to zero, PyTorch keeps them
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=np.finfo(dtype).tiny, equal_nan=True)


@pytest.mark.parametrize("case", [
    lambda lib: lib.special.airy_ai(lib.tensor([[-3, 0], [1, 5]])),
    lambda lib: lib.special.airy_ai(lib.tensor(-0.5, dtype=lib.float64)),
    lambda lib: lib.special.airy_ai(lib.tensor([0.5, 1.5]), out=lib.empty(2)),
])
def test_airy_ai_forms(case):
    assert_same(case, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "complex64"])
def test_airy_ai_dtypes_without_kernel_raise_like_torch(dtype):
    check(lambda lib: lib.special.airy_ai(lib.ones(2, dtype=getattr(lib, dtype))))


def test_airy_ai_has_no_derivative():
    for lib in (torch, jtorch):
        x = lib.tensor([-3.0, 1.0], requires_grad=True)
        y = lib.special.airy_ai(x)
        assert not y.requires_grad and y.grad_fn is None
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.sum().backward()


# ---------------------------------------------------------------- ldl_factor, ldl_factor_ex, ldl_solve

RNG = np.random.default_rng(7)


def _symmetric(shape, complex_=False, hermitian=False):
    a = RNG.standard_normal(shape)
    if complex_:
        a = a + 1j * RNG.standard_normal(shape)
    return a + (np.conj(np.swapaxes(a, -1, -2)) if hermitian else np.swapaxes(a, -1, -2))


SYM4 = _symmetric((4, 4))
SYM_BATCH = _symmetric((2, 3, 4, 4))
SYM_LARGE = _symmetric((70, 70))  # past the size where LAPACK's sytrf works in blocks
CSYM = _symmetric((2, 4, 4), complex_=True)
HERM = _symmetric((2, 4, 4), complex_=True, hermitian=True)
LOWER_ONLY = RNG.standard_normal((4, 4))  # not symmetric: only its lower triangle is read
ZERO_DIAGONAL = [[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]  # 2x2 pivot blocks and interchanges
TIES = [[1.0, 2.0, -2.0, 0.0], [2.0, 1.0, 2.0, 1.0], [-2.0, 2.0, 1.0, -1.0], [0.0, 1.0, -1.0, 1.0]]
SINGULAR_BATCH = [[[1.0, 2.0], [2.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]]
RHS = RNG.standard_normal((2, 3, 4, 2))
NAN = float("nan")
# where a NaN sits decides the pivots: it wins the search for the largest entry, and a NaN pivot is not a zero one
NAN_CASES = [[[NAN, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, NAN]], [[NAN, 0.0], [0.0, 1.0]], [[NAN, 0.0], [2.0, NAN]],
             [[0.0, 0.0], [NAN, 1.0]], [[1.0, 0.0, 0.0], [NAN, 2.0, 0.0], [3.0, 1.0, 1.0]],
             [[0.1, 0.0, 0.0], [2.0, NAN, 0.0], [3.0, 1.0, 1.0]], [[1.0, 0.0, 0.0], [2.0, 1.0, 0.0], [NAN, 1.0, 1.0]]]
RHS_4 = RNG.standard_normal((4, 3))


def _factor_then_solve(lib, a, dtype, hermitian=False, rhs=None):
    A = lib.tensor(a, dtype=dtype)
    LD, pivots = lib.linalg.ldl_factor(A, hermitian=hermitian)
    B = lib.tensor(RHS[..., :A.shape[-1], :] if rhs is None else rhs, dtype=dtype)
    return LD, pivots, lib.linalg.ldl_solve(LD, pivots, B, hermitian=hermitian)


# out= given: torch's _out return types
OUT_CASES = [
    lambda lib: lib.linalg.ldl_factor(lib.tensor(SYM4), out=(lib.empty(0, dtype=lib.float64),
                                                             lib.empty(0, dtype=lib.int32))),
    lambda lib: lib.linalg.ldl_factor_ex(lib.tensor(SYM4), out=(lib.empty(0, dtype=lib.float64),
                                                                lib.empty(0, dtype=lib.int32),
                                                                lib.empty(0, dtype=lib.int32))),
]


@pytest.mark.parametrize("case", [
    lambda lib: lib.linalg.ldl_factor(lib.tensor(SYM4)),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(SYM_BATCH)),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(SYM_LARGE)),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(LOWER_ONLY)),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(ZERO_DIAGONAL, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(TIES, dtype=lib.float64), hermitian=True),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(CSYM)),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(HERM, dtype=lib.complex64), hermitian=True),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(HERM), hermitian=True),
    lambda lib: lib.linalg.ldl_factor(lib.tensor(HERM + 0.5j * np.eye(4)), hermitian=True),  # diagonal's imag
    lambda lib: lib.linalg.ldl_factor_ex(lib.tensor(SINGULAR_BATCH, dtype=lib.float64)),
    *[lambda lib, a=a: lib.linalg.ldl_factor_ex(lib.tensor(a, dtype=lib.float64)) for a in NAN_CASES],
    lambda lib: lib.linalg.ldl_factor_ex(lib.zeros(0, 0)),
    lambda lib: lib.linalg.ldl_factor_ex(lib.zeros(0, 2, 2, dtype=lib.complex64)),
    lambda lib: lib.linalg.ldl_factor_ex(lib.zeros(2, 0, 0), check_errors=True),
    *OUT_CASES,
])
def test_ldl_factor_matches_torch(case):
    assert_same(case, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [
    lambda lib: lib.linalg.ldl_factor(lib.tensor(SYM4)),
    lambda lib: lib.linalg.ldl_factor_ex(lib.tensor(SYM4)),
    *OUT_CASES,
])
def test_ldl_factor_return_types(case):
    want, got = case(torch), case(jtorch)
    assert type(got).__name__ == type(want).__name__ and len(got) == len(want)
    assert [getattr(got, f) is v for f, v in zip(("LD", "pivots", "info"), got)] == [True] * len(got)
    assert repr(got).split("(")[0] == repr(want).split("(")[0]


@pytest.mark.parametrize("case", [
    lambda lib: _factor_then_solve(lib, SYM4, lib.float64, rhs=RHS_4),
    lambda lib: _factor_then_solve(lib, SYM_BATCH, lib.float64),
    lambda lib: _factor_then_solve(lib, SYM_BATCH, lib.float32),
    lambda lib: _factor_then_solve(lib, ZERO_DIAGONAL, lib.float64, rhs=np.eye(3)),
    lambda lib: _factor_then_solve(lib, SYM_BATCH[0, 0], lib.float64),  # one factor, a batch of right-hand sides
    lambda lib: _factor_then_solve(lib, CSYM, lib.complex128, rhs=RHS[0, :2] * (1 + 1j)),
    lambda lib: _factor_then_solve(lib, HERM, lib.complex128, hermitian=True, rhs=RHS[0, :2] * (1 - 2j)),
    lambda lib: _factor_then_solve(lib, HERM, lib.complex64, hermitian=True, rhs=RHS[0, :2] * 1j),
    lambda lib: _factor_then_solve(lib, SYM4, lib.float64, hermitian=True, rhs=np.ones((4, 1))),
    lambda lib: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(lib.tensor(SYM4))[:1],
                                     lib.linalg.ldl_factor(lib.tensor(SYM4)).pivots.long(), lib.ones(4, 2).double()),
    lambda lib: lib.linalg.ldl_solve(lib.zeros(0, 0), lib.zeros(0, dtype=lib.int32), lib.ones(0, 2)),
    lambda lib: lib.linalg.ldl_solve(lib.zeros(0, 2, 2), lib.zeros(0, 2, dtype=lib.int32), lib.ones(0, 2, 3)),
    lambda lib: lib.linalg.ldl_solve(*_factors(lib), lib.eye(3, dtype=lib.float64),
                                     out=lib.empty(0, dtype=lib.float64)),
])
def test_ldl_solve_matches_torch(case):
    assert_same(case, rtol=1e-4, atol=1e-5)


def _factors(lib):
    return lib.linalg.ldl_factor(lib.tensor(ZERO_DIAGONAL, dtype=lib.float64))


@pytest.mark.parametrize("case", [
    lambda lib: lib.linalg.ldl_factor(lib.ones(3, 4)),
    lambda lib: lib.linalg.ldl_factor_ex(lib.ones(3)),
    lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.linalg.ldl_factor(lib.ones(3, 3, dtype=lib.float16)),
    lambda lib: lib.linalg.ldl_factor(_factors(lib).LD, out=(lib.empty(0, dtype=lib.float64), lib.empty(0))),
    lambda lib: lib.linalg.ldl_factor(_factors(lib).LD, out=(lib.empty(0), lib.empty(0, dtype=lib.int32))),
    lambda lib: lib.linalg.ldl_solve(lib.ones(2, 3), lib.ones(2, dtype=lib.int32), lib.ones(2, 1)),
    lambda lib: lib.linalg.ldl_solve(lib.ones(3, 3, dtype=lib.int32), lib.ones(3, dtype=lib.int32),
                                     lib.ones(3, 1, dtype=lib.int32)),
    lambda lib: lib.linalg.ldl_solve(*_factors(lib), lib.ones(3, 2)),
    lambda lib: lib.linalg.ldl_solve(*_factors(lib), lib.ones(3, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(*_factors(lib), lib.ones(4, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(_factors(lib).LD, _factors(lib).pivots[:2], lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(_factors(lib).LD, _factors(lib).pivots.float(), lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(_factors(lib).LD, _factors(lib).pivots.bool(), lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(_factors(lib).LD, _factors(lib).pivots + 5, lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(_factors(lib).LD, _factors(lib).pivots * 0, lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(_factors(lib).LD.expand(3, 3, 3), _factors(lib).pivots.expand(3, 3),
                                     lib.ones(4, 3, 2, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_solve(*_factors(lib), lib.ones(3, 2, dtype=lib.float64), out=lib.empty(0)),
])
def test_ldl_errors_match_torch(case):
    check(case, message_chars=200)


@pytest.mark.parametrize("case", [
    lambda lib: lib.linalg.ldl_factor(lib.tensor(SINGULAR_BATCH, dtype=lib.float64)),
    lambda lib: lib.linalg.ldl_factor_ex(lib.tensor(SINGULAR_BATCH, dtype=lib.float64), check_errors=True),
    lambda lib: lib.linalg.ldl_factor(lib.tensor([[float("nan")]])),
])
def test_ldl_factor_of_a_singular_matrix_raises_like_torch(case):
    # the same exception type; PyTorch's message is an internal assertion about an unknown LAPACK code
    check(case, raises=True, message_chars=0)


def test_ldl_has_no_derivative_as_in_torch():
    for lib in (torch, jtorch):
        A = lib.tensor(SYM4, requires_grad=True)
        LD, pivots = lib.linalg.ldl_factor(A)
        assert LD.requires_grad and not pivots.requires_grad and LD.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex is not implemented"):
            (LD * 2).sum().backward()
        info = lib.linalg.ldl_factor_ex(A).info
        assert not info.requires_grad
        B = lib.ones(4, 2, dtype=lib.float64, requires_grad=True)
        for X in (lib.linalg.ldl_solve(LD.detach(), pivots, B), lib.linalg.ldl_solve(LD, pivots, B.detach())):
            assert X.requires_grad
            with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_solve is not implemented"):
                X.sum().backward()
        with lib.no_grad():
            assert not lib.linalg.ldl_factor(A).LD.requires_grad
