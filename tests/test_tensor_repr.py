"""repr/str of tensors and set_printoptions, compared with PyTorch on the same numpy data."""
import numpy as np
import pytest
import torch

import jtorch
from jtorch._tensor_str import set_printoptions as jt_set_printoptions

RNG = np.random.default_rng(1234)
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.5, 1e-6, 3e9])


def _random_shape(max_numel: int) -> tuple:
    ndim = int(RNG.integers(1, 5))
    shape = []
    for _ in range(ndim):
        shape.append(int(RNG.integers(1, 12)))
    while np.prod(shape) > max_numel:
        shape[int(np.argmax(shape))] //= 2
    return tuple(shape)


def _float_data(kind: str, shape: tuple) -> np.ndarray:
    base = RNG.standard_normal(shape)
    scale = {"small": 1.0, "wide": 10.0 ** RNG.integers(-6, 9, shape), "huge": 1e9, "tiny": 1e-6,
             "ints": None, "special": None}[kind]
    if kind == "ints":
        return np.round(base * 100)
    if kind == "special":
        return RNG.choice(SPECIAL, size=shape)
    return base * scale


def _data_cases():
    """(id, numpy data, dtype name) for many dtypes, shapes (incl. summarized) and value mixes."""
    cases = []
    for dtype in ("float32", "float64", "float16", "bfloat16"):
        for kind in ("small", "wide", "huge", "tiny", "ints", "special"):
            for size in (8, 200, 3000):
                shape = _random_shape(size)
                cases.append((f"{dtype}-{kind}-{shape}", _float_data(kind, shape), dtype))
    for dtype in ("int64", "int32", "int16", "int8", "uint8"):
        for size in (30, 2500):
            shape = _random_shape(size)
            lo, hi = (0, 255) if dtype == "uint8" else (-100, 100)
            cases.append((f"{dtype}-{shape}", RNG.integers(lo, hi, shape), dtype))
    cases.append(("int64-big", np.array([2 ** 40, -3, 7]), "int64"))
    cases.append(("bool", RNG.random((4, 6)) > 0.5, "bool"))
    cases.append(("bool-large", RNG.random((40, 40)) > 0.5, "bool"))
    for dtype in ("complex64", "complex128"):
        for size in (6, 2000):
            shape = _random_shape(size)
            cases.append((f"{dtype}-{shape}", RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape), dtype))
    cases.append(("complex-special", np.array([1 - 0j, -0.0 + 2j, np.nan + 1j, 3.5 - np.inf * 1j]), "complex64"))
    cases.append(("0dim-float", np.array(3.25), "float32"))
    cases.append(("0dim-negzero", np.array(-0.0), "float32"))
    cases.append(("0dim-int", np.array(-7), "int64"))
    cases.append(("0dim-bool", np.array(True), "bool"))
    cases.append(("0dim-complex", np.array(1.5 - 2j), "complex64"))
    cases.append(("long-row", RNG.standard_normal(70), "float32"))
    cases.append(("int-valued", np.array([1.0, -0.0, 2.0, 100.0]), "float32"))
    cases.append(("all-nan", np.array([np.nan, np.inf]), "float32"))
    cases.append(("wide-2d", RNG.standard_normal((3, 40)) * 1e4, "float64"))
    for shape in ((0,), (0, 3), (2, 0, 4)):
        for dtype in ("float32", "int64", "float64", "bool"):
            cases.append((f"empty-{dtype}-{shape}", np.zeros(shape), dtype))
    return cases


def build(lib, data: np.ndarray, dtype: str):
    if dtype == "bfloat16":
        return lib.tensor(data.astype(np.float32)).to(lib.bfloat16)
    with np.errstate(over="ignore"):
        return lib.tensor(data.astype(dtype))


DATA = _data_cases()


@pytest.mark.parametrize("data,dtype", [c[1:] for c in DATA], ids=[c[0] for c in DATA])
def test_repr_matches_torch(data, dtype):
    want, got = build(torch, data, dtype), build(jtorch, data, dtype)
    assert repr(got) == repr(want)
    assert str(got) == str(want)


def _autograd_cases():
    def leaf(lib):
        return lib.tensor([[1.5, -2.0], [0.25, 8.0]], requires_grad=True)

    def leaf64(lib):
        return lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)

    def mul(lib):
        return leaf(lib) * 2

    def add(lib):
        return leaf(lib) + 1

    def sum_(lib):
        return leaf(lib).sum()

    def mean64(lib):
        return leaf64(lib).mean()

    def matmul(lib):
        return lib.matmul(leaf(lib), leaf(lib))

    def long_row_grad(lib):
        return (lib.tensor(np.linspace(-3, 3, 60), requires_grad=True) * 3).reshape(6, 10)

    return [leaf, leaf64, mul, add, sum_, mean64, matmul, long_row_grad]


@pytest.mark.parametrize("case", _autograd_cases(), ids=lambda f: f.__name__)
def test_repr_autograd_suffixes(case):
    assert repr(case(jtorch)) == repr(case(torch))


@pytest.fixture
def restore_printoptions():
    yield
    torch.set_printoptions(profile="default")
    jt_set_printoptions(profile="default")


OPTIONS = [
    dict(precision=2), dict(precision=8), dict(precision=0), dict(threshold=5), dict(threshold=0),
    dict(edgeitems=1, threshold=10), dict(edgeitems=0, threshold=10), dict(linewidth=40), dict(linewidth=200),
    dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"), dict(profile="full"),
    dict(profile="short", precision=6),
]
OPTION_DATA = [("float-mixed", RNG.standard_normal((12, 15)) * 30, "float32"),
               ("float-vec", RNG.standard_normal(40), "float64"),
               ("ints", RNG.integers(-50, 50, (20, 60)), "int64"),
               ("int-valued", np.round(RNG.standard_normal((5, 5)) * 9), "float32"),
               ("complex", RNG.standard_normal(9) + 2j * RNG.standard_normal(9), "complex64"),
               ("large", RNG.standard_normal((30, 50)), "float32"),
               ("3d", RNG.standard_normal((8, 9, 10)), "float32")]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("data,dtype", [c[1:] for c in OPTION_DATA], ids=[c[0] for c in OPTION_DATA])
def test_printoptions_match_torch(options, data, dtype, restore_printoptions):
    torch.set_printoptions(**options)
    jt_set_printoptions(**options)
    assert repr(build(jtorch, data, dtype)) == repr(build(torch, data, dtype))


def test_set_printoptions_resets_sci_mode(restore_printoptions):
    data = np.array([1e-6, 1.0])
    for set_opts in (torch.set_printoptions, jt_set_printoptions):
        set_opts(sci_mode=False)
        set_opts(precision=3)
    assert repr(jtorch.tensor(data)) == repr(torch.tensor(data))


def test_default_dtype_changes_suffix():
    data = np.array([1.0, 2.5])
    for lib in (torch, jtorch):
        lib.set_default_dtype(lib.float64)
    try:
        for dtype in ("float32", "float64", "complex128", "complex64"):
            assert repr(build(jtorch, data, dtype)) == repr(build(torch, data, dtype))
    finally:
        for lib in (torch, jtorch):
            lib.set_default_dtype(lib.float32)


def test_format_of_zero_dim_slices():
    data = RNG.standard_normal((3, 4)).astype(np.float32)
    want, got = torch.tensor(data), jtorch.tensor(data)
    assert f"{got[1, 2]:.3f}" == f"{want[1, 2]:.3f}"
    assert f"{got[0][1]}" == f"{want[0][1]}"


@pytest.mark.skipif(not jtorch.cuda.is_available() if hasattr(jtorch, "cuda") else True, reason="no GPU")
def test_cuda_device_suffix():
    assert repr(jtorch.tensor([1.0, 2.0], device="cuda")).endswith("device='cuda:0')")


def _random_case(rng):
    """Random shape, dtype, magnitude, special values and print options."""
    shape = tuple(int(rng.integers(1, 9)) for _ in range(int(rng.integers(0, 5))))
    dtype = str(rng.choice(["float32", "float64", "float16", "int64", "int32", "complex64", "bool", "uint8"]))
    data = rng.standard_normal(shape) * 10.0 ** rng.integers(-9, 12)
    if rng.random() < 0.3:
        data = np.round(data)
    if rng.random() < 0.2:
        data.reshape(-1)[rng.integers(0, data.size)] = rng.choice([np.nan, np.inf, -np.inf, -0.0])
    if dtype == "complex64":
        data = data + 1j * rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 5)
    elif dtype == "bool":
        data = data > 0
    elif dtype in ("int64", "int32", "uint8"):
        data = np.abs(np.nan_to_num(data, posinf=0, neginf=0).clip(-1e6, 1e6)) % (256 if dtype == "uint8" else 1e6)
    options = {}
    if rng.random() < 0.5:
        options = dict(precision=int(rng.integers(0, 8)), threshold=int(rng.integers(0, 300)),
                       edgeitems=int(rng.integers(0, 4)), linewidth=int(rng.integers(20, 150)),
                       sci_mode=rng.choice([None, True, False]))
    return np.asarray(data), dtype, options


@pytest.mark.parametrize("seed", range(4))
def test_random_tensors_and_options(seed, restore_printoptions):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        data, dtype, options = _random_case(rng)
        torch.set_printoptions(profile="default", **options)
        jt_set_printoptions(profile="default", **options)
        want, got = build(torch, data, dtype), build(jtorch, data, dtype)
        assert repr(got) == repr(want), (dtype, data.shape, options)
