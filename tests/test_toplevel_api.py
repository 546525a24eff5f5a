"""Top-level torch names (finfo/iinfo, process switches, windows, vmap, autocast, tensor properties) against
real PyTorch: each case is a function of the torch module run under both."""
import warnings

import pytest

from _compare import check

FLOATS = ["float16", "bfloat16", "float32", "float64", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128"]
INTS = ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]


def _finfo_fields(info):
    return [info.bits, info.eps, info.max, info.min, info.tiny, info.smallest_normal, info.resolution,
            info.dtype, repr(info)]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo(name):
    check(lambda L: _finfo_fields(L.finfo(getattr(L, name))))


@pytest.mark.parametrize("name", INTS)
def test_iinfo(name):
    check(lambda L: [(i.bits, i.max, i.min, i.dtype, repr(i)) for i in [L.iinfo(getattr(L, name))]])


def test_finfo_default_and_equality():
    check(lambda L: _finfo_fields(L.finfo()) + [L.finfo(L.float32) == L.finfo(), L.finfo() == L.finfo(L.half)])

    def with_double(L):
        L.set_default_dtype(L.float64)
        try:
            return _finfo_fields(L.finfo())
        finally:
            L.set_default_dtype(L.float32)
    check(with_double)


@pytest.mark.parametrize("case", [
    lambda L: L.finfo(L.int32), lambda L: L.finfo(L.bool), lambda L: L.finfo("float32"),
    lambda L: L.iinfo(L.float32), lambda L: L.iinfo(L.bool), lambda L: L.iinfo(L.complex64),
    lambda L: L.iinfo(3), lambda L: hash(L.finfo()),
])
def test_info_errors(case):
    check(case)


def _restoring(getter, setter):
    def wrap(case):
        def run(L):
            old = getattr(L, getter)()
            try:
                return case(L)
            finally:
                getattr(L, setter)(old)
        return run
    return wrap


@pytest.mark.parametrize("case", [
    lambda L: (L.set_num_threads(3), L.get_num_threads()),
    lambda L: L.set_num_threads(0), lambda L: L.set_num_threads(-2), lambda L: L.set_num_threads("4"),
])
def test_num_threads(case):
    check(_restoring("get_num_threads", "set_num_threads")(case))


def test_num_interop_threads():
    check(lambda L: L.set_num_interop_threads(0))
    check(lambda L: isinstance(L.get_num_interop_threads(), int) and L.get_num_interop_threads() > 0)


def test_matmul_precision_default():
    import jax
    import jtorch
    if jax.default_backend() == "cpu":
        check(lambda L: L.get_float32_matmul_precision())
    else:
        assert jtorch.get_float32_matmul_precision() == {"gpu": "high", "tpu": "medium"}[jax.default_backend()]


@pytest.mark.parametrize("case", [
    lambda L: [(L.set_float32_matmul_precision(p), L.get_float32_matmul_precision())
               for p in ("high", "medium", "highest")],
    lambda L: L.set_float32_matmul_precision(3),
])
def test_matmul_precision(case):
    check(_restoring("get_float32_matmul_precision", "set_float32_matmul_precision")(case))


def test_matmul_precision_unknown_warns_and_keeps():
    def case(L):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.set_float32_matmul_precision("low")
        return [len(w), L.get_float32_matmul_precision()]
    check(case)


def test_matmul_precision_reaches_jax():
    import jax
    from jtorch import _settings
    saved = jax.config.jax_default_matmul_precision, _settings._matmul_precision
    try:
        _settings.set_float32_matmul_precision("medium")
        assert jax.config.jax_default_matmul_precision == "default"
        _settings.set_float32_matmul_precision("highest")
        assert jax.config.jax_default_matmul_precision == "highest"
    finally:
        jax.config.update("jax_default_matmul_precision", saved[0])
        _settings._matmul_precision = saved[1]


@pytest.mark.parametrize("case", [
    lambda L: [L.are_deterministic_algorithms_enabled(), L.is_deterministic_algorithms_warn_only_enabled()],
    lambda L: (L.use_deterministic_algorithms(True, warn_only=True),
               L.are_deterministic_algorithms_enabled(), L.is_deterministic_algorithms_warn_only_enabled()),
    lambda L: L.use_deterministic_algorithms(1), lambda L: L.use_deterministic_algorithms(True, warn_only=1),
    lambda L: (L.set_warn_always(True), L.is_warn_always_enabled()),
    lambda L: L.set_warn_always(1),
])
def test_switches(case):
    def run(L):
        try:
            return case(L)
        finally:
            L.use_deterministic_algorithms(False)
            L.set_warn_always(False)
    check(run)


@pytest.mark.parametrize("case", [
    lambda L: [L.typename(L.zeros(2)), L.typename(L.zeros(2, dtype=L.int64)), L.typename(3), L.typename("a"),
               L.typename(L.nn.Parameter(L.zeros(1))), L.typename(L.zeros(1, dtype=L.bool))],
    lambda L: [L.is_nonzero(L.tensor([[0.5]])), L.is_nonzero(L.tensor(0)), L.tensor([False]).is_nonzero()],
    lambda L: L.is_nonzero(L.zeros(2)), lambda L: L.is_nonzero(L.zeros(0)),
    lambda L: [L.is_same_size(L.zeros(2, 3), L.ones(2, 3)), L.zeros(2).is_same_size(L.zeros(3)),
               L.zeros(2, 1).is_same_size(L.zeros(2))],
    lambda L: [L.is_signed(L.zeros(1, dtype=d)) for d in (L.uint8, L.int8, L.bool, L.float16, L.complex64)],
])
def test_predicates(case):
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: [L.adjoint(L.arange(6.).reshape(2, 3)), L.arange(8.).reshape(2, 2, 2).adjoint()],
    lambda L: L.adjoint(L.tensor([[1 + 2j, 3j], [4, 5 - 1j]])).resolve_conj(),
    lambda L: L.adjoint(L.zeros(3)),
    lambda L: [L.is_conj(L.zeros(2)), L.zeros(2).is_neg(), L.is_neg(L.zeros(2)), L.zeros(2).is_conj()],
])
def test_adjoint_and_bits(case):
    check(case)


def test_adjoint_is_a_view_with_grad():
    def case(L):
        x = L.arange(6.).reshape(2, 3).requires_grad_()
        y = x.adjoint()
        (y * L.arange(6.).reshape(3, 2)).sum().backward()
        return [y, x.grad]
    check(case)


WINDOW_CASES = {
    "hann_window": {}, "blackman_window": {}, "bartlett_window": {}, "kaiser_window": {}, "hamming_window": {},
}


@pytest.mark.parametrize("name", sorted(WINDOW_CASES))
def test_windows(name):
    def case(L):
        fn = getattr(L, name)
        return [fn(n, periodic) for n in (0, 1, 2, 5, 8) for periodic in (True, False)] + \
            [fn(6), fn(7, dtype=L.float64), fn(4, requires_grad=True).is_leaf, fn(4, requires_grad=True)]
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: [L.hamming_window(7, False, 0.6, 0.3), L.hamming_window(6, True, alpha=0.5, beta=0.5)],
    lambda L: [L.kaiser_window(9, True, 5.0), L.kaiser_window(8, False, beta=0.0)],
    lambda L: L.hann_window(-1), lambda L: L.kaiser_window(-3), lambda L: L.hann_window(3.0),
    lambda L: L.bartlett_window(4, dtype=L.int64),
])
def test_window_args(case):
    check(case)


@pytest.mark.parametrize("dtype, ulp", [("float16", 2.0 ** -10), ("bfloat16", 2.0 ** -7)])
def test_half_windows_within_one_ulp(dtype, ulp):
    import numpy as np
    import torch
    import jtorch
    for name in sorted(WINDOW_CASES):
        want = getattr(torch, name)(8, dtype=getattr(torch, dtype))
        got = getattr(jtorch, name)(8, dtype=getattr(jtorch, dtype))
        assert str(got.dtype) == str(want.dtype)
        np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), rtol=0, atol=ulp, err_msg=name)


def test_vmap_is_func_vmap():
    import jtorch
    assert jtorch.vmap is jtorch.func.vmap
    check(lambda L: L.vmap(lambda x: x.sum() * 2)(L.arange(6.).reshape(2, 3)))


@pytest.mark.parametrize("case", [
    lambda L: L.autocast(3),
    lambda L: L.autocast("cpu", dtype=L.bfloat16, enabled=False).__enter__() is not None,
    lambda L: [L.is_autocast_enabled(), L.is_autocast_enabled("cpu")],
])
def test_autocast_args(case):
    check(case)


def test_autocast_casts_in_context_and_decorator():
    def case(L):
        @L.autocast("cpu", dtype=L.bfloat16)
        def f(a):
            return a @ a, L.is_autocast_enabled("cpu")
        with L.autocast("cpu", dtype=L.bfloat16):
            y = L.ones(2, 2) @ L.ones(2, 2)
        z, enabled = f(L.ones(2, 2))
        return str(y.dtype), y.float(), str(z.dtype), z.float(), enabled, L.is_autocast_enabled("cpu")
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: [(t.nbytes, t.itemsize) for t in (L.zeros(3, 2), L.zeros(5, dtype=L.int8), L.zeros(0),
                                                   L.zeros(2, dtype=L.complex128), L.zeros((), dtype=L.bfloat16))],
    lambda L: [L.zeros(3, 3).fill_diagonal_(5), L.zeros(7, 3).fill_diagonal_(5, wrap=True),
               L.zeros(7, 3).fill_diagonal_(5), L.zeros(2, 4).fill_diagonal_(-1, True),
               L.zeros(3, 3, 3, dtype=L.int64).fill_diagonal_(2)],
    lambda L: L.zeros(3).fill_diagonal_(1), lambda L: L.zeros(3, 4, 3).fill_diagonal_(1),
    lambda L: [L.float_power(L.tensor([1, 2, 3]), 2), L.tensor([1., 2.]).float_power(L.tensor([0.5, 3.])),
               L.tensor([1., 2.], dtype=L.float64).float_power_(2)],
    lambda L: L.tensor([1., 2.]).float_power_(2),
    lambda L: [L.zeros(2).is_shared(), L.zeros(2).share_memory_().is_shared(), L.zeros(2).is_pinned()],
])
def test_tensor_properties(case):
    check(case)


def test_fill_diagonal_in_place_and_grad():
    def case(L):
        x = L.ones(3, 3, requires_grad=True)
        y = x * 2
        z = y.fill_diagonal_(0.)
        z.sum().backward()
        return [z is y, y, x.grad]
    check(case)


def test_pin_memory_without_gpu():
    import jtorch
    if jtorch.cuda.is_available():
        t = jtorch.zeros(2)
        assert t.pin_memory() is t
    else:
        check(lambda L: L.zeros(2).pin_memory())


@pytest.mark.parametrize("case", [
    lambda L: [L.zeros(2, dtype=L.float64).new(), L.zeros(2, dtype=L.int32).new([1, 2]),
               L.zeros(2, dtype=L.float64).new((1, 2)), L.zeros(1, dtype=L.int64).new([[1, 2], [3, 4]])],
    lambda L: [L.zeros(1, dtype=L.float16).new(2, 3).shape, L.zeros(1).new(L.Size([2, 3])).shape,
               L.zeros(1).new(2, device="cpu").dtype, L.zeros(1, requires_grad=True).new([1.]).requires_grad],
    lambda L: L.zeros(2, dtype=L.float64).new(L.tensor([1., 2.], dtype=L.float64)),
    lambda L: L.zeros(2).new(3.5), lambda L: L.zeros(2).new(-1),
])
def test_tensor_new(case):
    check(case)


def test_tensor_new_wrong_dtype():
    check(lambda L: L.zeros(2, dtype=L.float64).new(L.tensor([1, 2])), message_chars=9)


LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor", "IntTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", LEGACY)
def test_legacy_types(name):
    def case(L):
        cls = getattr(L, name)
        made = [cls(), cls(2, 3), cls(L.Size([4])), cls([1, 0, 1]), cls([[1, 2]]) if name != "BoolTensor" else cls()]
        return [[(t.dtype, tuple(t.shape), t.type(), isinstance(t, cls), isinstance(t, L.Tensor)) for t in made],
                [t.tolist() for t in made[3:]], cls.dtype, repr(cls), L.typename(cls), cls.__name__,
                isinstance(L.zeros(1, dtype=cls.dtype), cls), L.zeros(2).type(cls).type(), issubclass(cls, L.Tensor),
                type(cls([1])) is L.Tensor, cls.is_cuda]
    check(case)


@pytest.mark.parametrize("case", [
    lambda L: [isinstance(L.zeros(1), L.LongTensor), isinstance(3, L.FloatTensor),
               isinstance(L.zeros(1, dtype=L.int64), L.LongTensor)],
    lambda L: L.FloatTensor(3.5), lambda L: L.LongTensor(-1), lambda L: L.Tensor(L.tensor([1, 2])),
    lambda L: L.LongTensor([1.5, 2.7]), lambda L: L.DoubleTensor(L.tensor([1., 2.], dtype=L.float64)),
    lambda L: L.FloatTensor(2, device="cpu").shape,
])
def test_legacy_type_args(case):
    check(case)


def test_legacy_type_wrong_tensor_dtype():
    check(lambda L: L.ByteTensor(L.tensor([1])), message_chars=9)
