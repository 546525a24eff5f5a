"""Matrix and tensor products against real PyTorch: values, gradients, argument forms and errors."""
import numpy as np
import pytest

from _compare import assert_same, with_grad
from _torch_compare import check

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
    assert_same(with_grad(lambda lib, x, y: lib.tensordot(x, y, dims=dims), a, b), rtol=1e-5, atol=1e-5)


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
