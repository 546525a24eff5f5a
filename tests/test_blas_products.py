"""Matrix and tensor products against real PyTorch: values, gradients, argument forms and errors."""
import numpy as np
import pytest

from _compare import check, check_grads

rng = np.random.default_rng(0)


def arr(*shape):
    return rng.standard_normal(shape).astype(np.float32).tolist()


A, B = arr(2, 3, 4), arr(3, 4, 5)


@pytest.mark.parametrize("a, b, dims", [
    (A, B, 2), (A, B, 0), (A, B, 1 - 1), (arr(2, 3), arr(3, 5), 1),
    (A, B, ([1, 2], [0, 1])), (A, B, ((-2, -1), (0, 1))), (A, B, [[1], [0]]),
    (A, arr(4, 3), ([1, 2], [1, 0])),
    # a contracted dim of size 1 on one side: the other side's dim is summed out
    (arr(1, 1, 1), arr(2, 1, 2), ([0, 1], [2, 0])), (arr(2, 2, 1), arr(2, 1, 2), ([0, 1], [2, 0])),
    (arr(3, 2), arr(1, 4), ([1], [0])), (arr(3, 1), arr(1, 2), ([0, 1], [0, 1])),
])
def test_tensordot_value_and_grad(a, b, dims):
    check_grads(lambda lib, x, y: lib.tensordot(x, y, dims=dims), np.float32(a), np.float32(b), rtol=1e-5, atol=1e-5)


def test_tensordot_tensor_dims():
    check(lambda lib: lib.tensordot(lib.tensor(A), lib.tensor(B), dims=lib.tensor(2)))
    check(lambda lib: lib.tensordot(lib.tensor(A), lib.tensor(B), dims=lib.tensor([[1, 2], [0, 1]])))


@pytest.mark.parametrize("dims", [-1, 4, ([0], [0, 1]), ([3], [0]), ([0], [5]), ([1, -2], [0, 1]), ([0, 0], [0, 0]),
                                  ([2], [0]), 3, 1.5, (1, 0)])
def test_tensordot_errors(dims):
    check(lambda lib: lib.tensordot(lib.tensor(A), lib.tensor(arr(3, 3, 5)), dims=dims), message_chars=200)


def test_tensordot_dtype_mismatch_and_rank_check():
    check(lambda lib: lib.tensordot(lib.tensor(A).double(), lib.tensor(B), dims=([1], [0])), message_chars=200)
    check(lambda lib: lib.tensordot(lib.tensor(arr(2, 3)), lib.tensor(B), dims=3), message_chars=200)
    check(lambda lib: lib.tensordot(lib.tensor(A), lib.tensor(B), dims=lib.tensor(4)), message_chars=200)


@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.6, 0.2), (0, 1)])
def test_addbmm_value_and_grad(beta, alpha):
    def addbmm(lib, i, x, y):
        return lib.addbmm(i, x, y, beta=beta, alpha=alpha)
    check_grads(addbmm, np.float32(arr(3, 5)), np.float32(arr(4, 3, 2)), np.float32(arr(4, 2, 5)), rtol=1e-5, atol=5e-5)
    check_grads(addbmm, np.float32(arr(5)), np.float32(arr(4, 3, 2)), np.float32(arr(4, 2, 5)), rtol=1e-5, atol=5e-5)


@pytest.mark.parametrize("name, a, b", [("addbmm", (4, 3, 2), (4, 2, 5)), ("addmm", (3, 2), (2, 5)),
                                         ("baddbmm", (1, 3, 2), (1, 2, 5)), ("addmv", (3, 2), (2,)), ("addr", (3,), (5,))])
def test_beta_zero_ignores_nan_and_inf_in_input(name, a, b):
    shape = (3,) if name == "addmv" else (1, 3, 5) if name == "baddbmm" else (3, 5)
    bias = np.full(shape, np.nan, np.float32)
    bias.flat[0] = np.inf
    a, b = arr(*a), arr(*b)
    check(lambda lib: getattr(lib, name)(lib.tensor(bias), lib.tensor(a), lib.tensor(b), beta=0, alpha=0.5))
