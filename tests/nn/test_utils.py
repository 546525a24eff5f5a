"""nn.utils against torch: gradient clipping and parameter/vector conversion."""
import numpy as np
import torch

import jtorch

from nn_helpers import assert_close

GRADS = [np.arange(6, dtype=np.float32).reshape(2, 3) - 2, np.array([3.0, -4.0], np.float32)]


def params_with_grads(lib):
    ps = [lib.nn.Parameter(lib.ones(*g.shape)) for g in GRADS]
    for p, g in zip(ps, GRADS):
        p.grad = lib.tensor(g)
    return ps


def test_clip_grad_norm_and_value():
    for norm_type in (2.0, 1.0, float("inf")):
        runs = []
        for lib in (torch, jtorch):
            ps = params_with_grads(lib)
            total = lib.nn.utils.clip_grad_norm_(ps, 1.5, norm_type=norm_type)
            runs.append((total, [p.grad for p in ps]))
        assert_close(runs[1][0], runs[0][0])
        for j, t in zip(runs[1][1], runs[0][1]):
            assert_close(j, t)
    runs = []
    for lib in (torch, jtorch):
        ps = params_with_grads(lib)
        lib.nn.utils.clip_grad_value_(ps, 1.2)
        runs.append([p.grad for p in ps])
    for j, t in zip(*runs[::-1]):
        assert_close(j, t)


def test_parameters_to_vector_and_back():
    ps = params_with_grads(jtorch)
    vec = jtorch.nn.utils.parameters_to_vector(ps)
    want = torch.nn.utils.parameters_to_vector(params_with_grads(torch))
    assert_close(vec, want)
    jtorch.nn.utils.vector_to_parameters(jtorch.arange(8.0), ps)
    np.testing.assert_array_equal(ps[0].detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ps[1].detach().numpy(), [6.0, 7.0])
