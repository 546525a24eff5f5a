"""torch.special Bessel functions (J0, J1, Y0, Y1, modified K0/K1 and scaled forms) against real PyTorch."""
import numpy as np
import pytest
import torch

import jtorch

# 0, negatives, both sides of the x = 2 switch between expansions, underflow, +-inf and nan
POINTS = [-1.0, -0.0, 0.0, 1e-30, 1e-5, 0.1, 0.5, 1.0, 1.9, 2.0, 2.0001, 3.0, 7.0, 20.0, 50.0, 80.0, 700.0, 800.0,
          -7.0, 2.404825557695773, 4.9, 5.0, 5.0001, 1e4, 1e8, 1e20,
          float("inf"), float("nan"), float("-inf")]
NAMES = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
         "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-13), ("float32", 1e-6)])
def test_bessel_matches_torch(name, dtype, rtol):
    x = np.array(POINTS, dtype=dtype)
    want = getattr(torch.special, name)(torch.tensor(x))
    got = getattr(jtorch.special, name)(jtorch.tensor(x))
    assert str(got.dtype) == str(want.dtype)
    # atol: XLA on CPU flushes float subnormals to zero, PyTorch keeps them
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=rtol, atol=np.finfo(dtype).tiny)
    zeros = want.numpy() == 0
    assert (np.signbit(got.numpy()[zeros]) == np.signbit(want.numpy()[zeros])).all()


@pytest.mark.parametrize("name", NAMES)
def test_bessel_integer_input_and_out(name):
    for lib in (torch, jtorch):
        fn = getattr(lib.special, name)
        x = lib.tensor([1, 2, 3])
        out = lib.empty(3)
        fn(x, out=out)
        assert str(fn(x).dtype) == str(lib.float32)
    want = getattr(torch.special, name)(torch.tensor([1, 2, 3])).numpy()
    np.testing.assert_allclose(getattr(jtorch.special, name)(jtorch.tensor([1, 2, 3])).numpy(), want, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES + ["modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0"])
def test_bessel_has_no_derivative(name):
    for lib in (torch, jtorch):
        x = lib.tensor([1.0, 3.0], requires_grad=True)
        y = getattr(lib.special, name)(x)
        assert not y.requires_grad and y.grad_fn is None
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.sum().backward()
