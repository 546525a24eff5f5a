"""torch.linalg.ldl_factor / ldl_factor_ex / ldl_solve and torch.special.airy_ai against real PyTorch."""
import numpy as np
import pytest
import torch

import jtorch
from _compare import assert_same
from _torch_compare import check

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
