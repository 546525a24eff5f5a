"""grid_sample, the torch.grid_sampler* entry points and affine_grid against torch: values, both gradients, errors."""
import itertools
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared comparison helpers
from _compare import check_error, check_grads  # noqa: E402

rng = np.random.default_rng(1)
# the shapes are shared by every test below: a (mode, padding, align_corners, dtype) compiled once serves them all
X4 = rng.standard_normal((2, 3, 3, 5))
X5 = rng.standard_normal((2, 2, 3, 4, 5))
# points inside, near the edges and well outside [-1, 1], so every padding mode has work to do
GRID2 = rng.uniform(-1.6, 1.6, (2, 3, 4, 2))
GRID3 = rng.uniform(-1.6, 1.6, (2, 2, 3, 3, 3))
MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def F(lib):
    return lib.nn.functional


# every (mode, padding) pair once, alternating align_corners and dtype
@pytest.mark.parametrize("mode,padding,align,dtype", [
    (m, p, i % 2 == 0, "float32" if i % 3 == 0 else "float64") for i, (m, p) in enumerate(itertools.product(MODES,
                                                                                                          PADDINGS))])
def test_grid_sample_2d(mode, padding, align, dtype):
    x, g = X4.astype(dtype), GRID2.astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, mode, padding, align), x, g, **tol)


@pytest.mark.parametrize("mode,padding,align", [("bilinear", "zeros", True), ("bilinear", "border", False),
                                                ("bilinear", "reflection", True), ("nearest", "reflection", False)])
def test_grid_sample_3d(mode, padding, align):
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, mode, padding, align), X5, GRID3, rtol=1e-10, atol=1e-12)


def test_grid_sampler_entry_points():
    check_grads(lambda lib, x, g: lib.grid_sampler(x, g, 2, 2, True), X4, GRID2, rtol=1e-10, atol=1e-12)
    check_grads(lambda lib, x, g: lib.grid_sampler_2d(x, g, 0, 1, False), X4, GRID2, rtol=1e-10, atol=1e-12)
    check_grads(lambda lib, x, g: lib.grid_sampler(x, g, 1, 0, False), X5, GRID3, rtol=1e-10, atol=1e-12)
    check_grads(lambda lib, x, g: lib.grid_sampler_3d(x, g, 0, 2, True), X5, GRID3, rtol=1e-10, atol=1e-12)


def test_grid_sample_edge_points_and_empty_shapes():
    # exact pixel centres and the -1/1 borders, where clipping and reflection meet their limits (X4 is 3 x 5)
    g = GRID2.copy()
    g[0, :2, :3] = [[[-1.0, -1.0], [1.0, 1.0], [0.0, 0.5]], [[1.0, -1.0], [-0.5, 1.0], [0.25, 0.0]]]
    for mode, padding in (("bilinear", "border"), ("bilinear", "reflection"), ("bicubic", "reflection")):
        check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, mode, padding, True), X4, g, rtol=1e-10, atol=1e-12)
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4[:0], GRID2[:0])
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4[:, :0], GRID2)
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4, GRID2[:, :0])
    check_grads(lambda lib, x, g: F(lib).grid_sample(x, g, "bilinear", "reflection", True), X4[:, :, :1, :1], GRID2)


def test_grid_sample_errors():
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, "cubic", align_corners=False), X4, GRID2)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, padding_mode="wrap", align_corners=False), X4, GRID2)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, "bicubic", align_corners=False), X5, GRID3)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4[0], GRID2)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4, GRID3)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4[:1], GRID2)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4, GRID2[..., :1])
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4[:, :, :0], GRID2)
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4, GRID2.astype(np.float32))
    check_error(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), X4.astype(np.int32),
                GRID2.astype(np.int32))
    check_error(lambda lib, x, g: lib.grid_sampler_2d(x, g, 0, 0, False), X5, GRID3)
    check_error(lambda lib, x, g: lib.grid_sampler_3d(x, g, 0, 0, False), X4, GRID2)
    check_error(lambda lib, x, g: lib.grid_sampler_3d(x, g, 2, 0, False), X5, GRID3)
    check_error(lambda lib, x, g: lib.grid_sampler(x, g, "bilinear", 0, False), X4, GRID2)


def test_grid_sample_default_align_corners_warns():
    import jtorch
    with pytest.warns(UserWarning, match="align_corners=False"):
        jtorch.nn.functional.grid_sample(jtorch.tensor(X4), jtorch.tensor(GRID2))


@pytest.mark.parametrize("size,shape,align", [((2, 3, 4, 5), (2, 2, 3), False), ((2, 1, 3, 4, 5), (2, 3, 4), True),
                                              ((2, 3, 1, 5), (2, 2, 3), True)])
def test_affine_grid(size, shape, align):
    theta = rng.standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size align_corners warning, compared separately below
        check_grads(lambda lib, t: F(lib).affine_grid(t, size, align_corners=align), theta, rtol=1e-10, atol=1e-12)
        check_grads(lambda lib, t: lib.affine_grid_generator(t, size, align), theta, rtol=1e-10, atol=1e-12)


def test_affine_grid_feeds_grid_sample():
    theta = (np.eye(2, 3) + 0.2 * rng.standard_normal((2, 2, 3)))

    def case(lib, x, t):
        return F(lib).grid_sample(x, F(lib).affine_grid(t, (2, 3, 6, 7), align_corners=False), align_corners=False)
    check_grads(case, X4, theta, rtol=1e-10, atol=1e-12)


def test_affine_grid_errors():
    theta = rng.standard_normal((2, 2, 3))
    check_error(lambda lib, t: F(lib).affine_grid(t, (2, 3, 4, 5, 6), align_corners=False), theta)
    check_error(lambda lib, t: F(lib).affine_grid(t, (2, 3, 4), align_corners=False), theta)
    check_error(lambda lib, t: F(lib).affine_grid(t, (2, 3, 0, 5), align_corners=False), theta)
    check_error(lambda lib, t: F(lib).affine_grid(t, (2, 3, 4, 5), align_corners=False), theta[0])
    check_error(lambda lib, t: F(lib).affine_grid(t, (2, 3, 4, 5), align_corners=False), theta.astype(np.int64))


def test_grid_sampler_check_order():
    for x_shape, g_shape in [((2, 4, 5), (2, 3, 1)), ((2, 4, 5, 6, 7, 8), (2, 3, 1, 1, 1, 4)),
                             ((2, 4, 5, 6), (2, 3, 1, 1, 2)), ((2, 4, 0, 6, 3), (2, 3, 1, 1, 3))]:
        for entry in ("grid_sampler", "grid_sampler_2d", "grid_sampler_3d"):
            check_error(lambda lib, x, g: getattr(lib, entry)(x, g, 0, 0, False), np.zeros(x_shape),
                        np.zeros(g_shape))


def test_affine_grid_batch_mismatch():
    check_error(lambda lib, t: F(lib).affine_grid(t, (3, 3, 4, 5), align_corners=False), rng.standard_normal((2, 2, 3)))
    check_error(lambda lib, t: F(lib).affine_grid(t, [3, 3, 4, 5, 2], align_corners=True),
                rng.standard_normal((2, 3, 4)))
