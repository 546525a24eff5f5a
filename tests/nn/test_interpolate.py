"""interpolate: bicubic and antialiased bilinear/bicubic against torch.nn.functional.interpolate."""
import numpy as np
import pytest
import torch

import jtorch

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 13, 17)).astype(np.float32)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("how", [{"size": (5, 7)}, {"size": (26, 40)}, {"size": (4, 30)}, {"scale_factor": 0.37},
                                 {"scale_factor": 2.5}])
def test_interpolate_matches_torch(mode, antialias, align_corners, how):
    kw = dict(mode=mode, antialias=antialias, align_corners=align_corners, **how)
    want = torch.nn.functional.interpolate(torch.from_numpy(X), **kw).numpy()
    got = jtorch.nn.functional.interpolate(jtorch.from_numpy(X), **kw).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5)


def test_antialias_gradient_and_error():
    x = jtorch.from_numpy(X).requires_grad_()
    jtorch.nn.functional.interpolate(x, size=(5, 7), mode="bilinear", antialias=True).sum().backward()
    tx = torch.from_numpy(X).requires_grad_()
    torch.nn.functional.interpolate(tx, size=(5, 7), mode="bilinear", antialias=True).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for lib in (torch, jtorch):
        with pytest.raises(ValueError, match="Anti-alias option is restricted to bilinear, bicubic, and lanczos"):
            lib.nn.functional.interpolate(lib.zeros(1, 1, 4, 4), size=(2, 2), mode="nearest", antialias=True)
