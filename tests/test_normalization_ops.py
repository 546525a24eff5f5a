"""native_layer_norm, native_group_norm, native_batch_norm and constant_pad_nd against real PyTorch."""
import numpy as np
import pytest

from _compare import check
from test_shape import compare, forward_and_grad

OPS = {
    "layer_norm": (lambda L, x, w: (L.native_layer_norm(x, [3, 4], w, w + 1, 1e-5),
                                    L.native_layer_norm(x, [4], None, None, 1e-3)), (2, 3, 4), (3, 4)),
    "group_norm": (lambda L, x, w: (L.native_group_norm(x, w, w * 2, 2, 4, 3, 2, 1e-5),
                                    L.native_group_norm(x, None, None, 2, 4, 3, 4, 1e-5)), (2, 4, 3), (4,)),
    "batch_norm_eval": (lambda L, x, w: L.native_batch_norm(x, w, w, L.arange(3.), L.arange(1., 4.), False, 0.1,
                                                            1e-5), (4, 3, 2), (3,)),
    "constant_pad_nd": (lambda L, x: (L.constant_pad_nd(x, [1, 2]), L.constant_pad_nd(x, (0, -1, 2, 0), 1.5)),
                        (2, 3)),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_matches_torch(name):
    fn, *shapes = OPS[name]
    compare(forward_and_grad(fn, *shapes))


def test_batch_norm_training_updates_running_stats():
    def case(L):
        x = L.tensor(np.arange(24, dtype=np.float32).reshape(4, 3, 2) ** 1.5)
        mean, var = L.zeros(3), L.ones(3)
        out = L.native_batch_norm(x, None, L.ones(3), mean, var, True, 0.2, 1e-5)
        return out, mean, var
    check(case)
