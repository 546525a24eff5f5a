"""Tensor basics compared with PyTorch: metadata, leaving the box, Python protocols, promotion, copying."""
import copy
import operator
import pickle

import numpy as np
import pytest

from _compare import check

A = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 3 - 2


def t3(lib):
    return lib.tensor(A)


# ---------------------------------------------------------------- metadata
METADATA = {
    "shape": lambda lib: t3(lib).shape,
    "size": lambda lib: t3(lib).size(),
    "size_dim": lambda lib: (t3(lib).size(1), t3(lib).size(-1)),
    "size_dim_error": lambda lib: t3(lib).size(3),
    "dim": lambda lib: (t3(lib).dim(), t3(lib).ndim, lib.tensor(1.0).dim()),
    "numel": lambda lib: (t3(lib).numel(), lib.zeros(0, 3).numel()),
    "dtype": lambda lib: (t3(lib).dtype, lib.tensor([1, 2]).dtype, lib.tensor([True]).dtype),
    "device": lambda lib: str(t3(lib).device),
    "T_2d": lambda lib: t3(lib)[0].T,
    "mT": lambda lib: t3(lib).mT,
    "shape_index": lambda lib: (t3(lib).shape[1:], t3(lib).shape[-1], len(t3(lib).shape)),
}

# ---------------------------------------------------------------- leaving the box
EXPORT = {
    "item": lambda lib: (t3(lib)[1, 2, 3].item(), lib.tensor([7]).item(), lib.tensor(True).item()),
    "item_error": lambda lib: t3(lib).item(),
    "tolist_view": lambda lib: t3(lib)[:, 1].tolist(),
    "tolist_slice_step": lambda lib: t3(lib)[0, :, ::2].tolist(),
    "tolist_0dim": lambda lib: t3(lib)[0, 0, 0].tolist(),
    "numpy_slice": lambda lib: t3(lib)[1, 1:].numpy().tolist(),
    "numpy_transposed": lambda lib: t3(lib).transpose(0, 2).numpy().tolist(),
    "array_protocol": lambda lib: np.asarray(t3(lib)[:, :, 1]).tolist(),
    "array_dtype": lambda lib: np.asarray(lib.tensor([1, 2]), dtype=np.float64).tolist(),
    "format_0dim_slice": lambda lib: (f"{t3(lib)[0, 1, 2]:.3f}", f"{t3(lib)[1][2][3]:8.2e}",
                                      f"{lib.tensor(3):d}"),
    "format_non_scalar_error": lambda lib: f"{t3(lib):.2f}",
    "int_float_bool": lambda lib: (int(lib.tensor(2.7)), float(lib.tensor([3])), bool(lib.tensor([0.0])),
                                   int(t3(lib)[1, 2, 3])),
    "bool_ambiguous_error": lambda lib: bool(t3(lib)),
    "len": lambda lib: (len(t3(lib)), len(t3(lib)[0])),
    "len_0dim_error": lambda lib: len(lib.tensor(1.0)),
    "iter": lambda lib: [row.tolist() for row in t3(lib)[0]],
    "iter_0dim_error": lambda lib: list(lib.tensor(1.0)),
    "contains": lambda lib: (0.0 in t3(lib), 100.0 in t3(lib), lib.tensor(-2.0) in t3(lib)),
    "index_protocol": lambda lib: [10, 20, 30][lib.tensor(1)],
}

# ---------------------------------------------------------------- operators
BINARY = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "eq", "ne", "lt", "le", "gt", "ge"]
INTEGER_ONLY = ["and_", "or_", "xor", "lshift", "rshift"]
X = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=np.float32)
Y = np.array([2.0, 3.0, -0.5], dtype=np.float32)
I = np.array([[5, -3, 12], [7, 2, 9]])
J = np.array([2, 1, 3])


def binary_case(name, a, b, scalar, reflected):
    fn = getattr(operator, name)

    def case(lib):
        left = lib.tensor(a)
        right = scalar if scalar is not None else lib.tensor(b)
        return fn(right, left) if reflected else fn(left, right)
    return case


def inplace_case(name, a, b):
    fn = getattr(operator, "i" + name.rstrip("_"))

    def case(lib):
        left = lib.tensor(a)
        alias = left
        left = fn(left, lib.tensor(b))
        return left, left is alias
    return case


OPERATORS = {}
for _name in BINARY:
    OPERATORS[f"{_name}-tensor"] = binary_case(_name, X, Y, None, False)
    OPERATORS[f"{_name}-scalar"] = binary_case(_name, X, None, 2, False)
    OPERATORS[f"{_name}-reflected"] = binary_case(_name, X, None, 3.0, True)
    OPERATORS[f"{_name}-int"] = binary_case(_name, I, J, None, False)
for _name in INTEGER_ONLY:
    OPERATORS[f"{_name}-int"] = binary_case(_name, I if "shift" not in _name else np.abs(I), J, None, False)
    OPERATORS[f"{_name}-reflected"] = binary_case(_name, np.abs(I), None, 6, True)
for _name in ["add", "sub", "mul", "truediv"]:
    OPERATORS[f"i{_name}"] = inplace_case(_name, X, Y)
OPERATORS["imul-int-by-float-error"] = inplace_case("mul", I, X[0])
OPERATORS["matmul"] = lambda lib: lib.tensor(X) @ lib.tensor(Y).t()
OPERATORS["neg_pos_abs_invert"] = lambda lib: (-lib.tensor(X), +lib.tensor(X), abs(lib.tensor(X)), ~lib.tensor(I))

# ---------------------------------------------------------------- promotion
PROMOTION_DATA = {
    "int64": np.array([1, 2]), "int32": np.array([1, 2], np.int32), "int8": np.array([1, -2], np.int8),
    "uint8": np.array([1, 200], np.uint8), "float32": np.array([1.5, 2]), "float64": np.array([1.5, 2]),
    "float16": np.array([1.5, 2]), "bool": np.array([True, False]),
    "complex64": np.array([1 + 1j, 2]),
}


def make(lib, kind: str, zero_dim: bool = False):
    data = PROMOTION_DATA[kind].astype(kind)
    if kind == "bfloat16":
        return lib.tensor(data.astype(np.float32)).to(lib.bfloat16)
    return lib.tensor(data[0] if zero_dim else data)


PROMOTION_DATA["bfloat16"] = np.array([1.5, 2], np.float32)
PROMOTION_PAIRS = [("int64", "float32"), ("int32", "int64"), ("uint8", "int8"), ("float16", "bfloat16"),
                   ("bool", "int8"), ("bool", "float16"), ("int32", "float64"), ("float32", "float64"),
                   ("uint8", "bool"), ("float32", "complex64"), ("int64", "complex64")]


def promotion_case(a: str, b: str, zero_dim_b: bool):
    def case(lib):
        return (make(lib, a) + make(lib, b, zero_dim_b)).dtype
    return case


PROMOTION = {f"{a}+{b}{'-0dim' if z else ''}": promotion_case(a, b, z)
             for a, b in PROMOTION_PAIRS for z in (False, True)}
PROMOTION.update({
    "int+pyfloat": lambda lib: (make(lib, "int32") * 2.5).dtype,
    "int8+pyint": lambda lib: (make(lib, "int8") + 1000).dtype,
    "float16+pyfloat": lambda lib: (make(lib, "float16") + 1e-3).dtype,
    "bool+pybool": lambda lib: (make(lib, "bool") + True).dtype,
    "bool+pyint": lambda lib: (make(lib, "bool") + 3).dtype,
    "uint8+pycomplex": lambda lib: (make(lib, "uint8") * 1j).dtype,
    "int/int": lambda lib: (make(lib, "int64") / make(lib, "int64")).dtype,
    "0dim-float64+int32": lambda lib: (lib.tensor(1.5, dtype=lib.float64) + make(lib, "int32")).dtype,
    "result_type": lambda lib: lib.result_type(make(lib, "uint8"), make(lib, "int8")),
    "promote_types": lambda lib: lib.promote_types(lib.float16, lib.bfloat16),
})

# ---------------------------------------------------------------- torch.tensor inference and conversion
CREATION = {
    "infer_int": lambda lib: lib.tensor([1, 2, 3]).dtype,
    "infer_float": lambda lib: lib.tensor([1, 2.0]).dtype,
    "infer_bool": lambda lib: lib.tensor([True, False]).dtype,
    "infer_complex": lambda lib: lib.tensor([1, 2j]).dtype,
    "infer_bool_int": lambda lib: lib.tensor([True, 2]).dtype,
    "infer_nested": lambda lib: lib.tensor([[1, 2], [3, 4.5]]),
    "infer_numpy_float64": lambda lib: lib.tensor(np.array([1.0, 2.0])).dtype,
    "infer_numpy_int32": lambda lib: lib.tensor(np.array([1, 2], np.int32)).dtype,
    "infer_scalar": lambda lib: (lib.tensor(3).dtype, lib.tensor(3.0).dtype, lib.tensor(3).shape),
    "infer_empty": lambda lib: lib.tensor([]).dtype,
    "ragged_error": lambda lib: lib.tensor([[1, 2], [3]]),
    "legacy_constructor": lambda lib: lib.Tensor([1, 2]),
    "legacy_sizes": lambda lib: lib.Tensor(2, 3).shape,
    "to_dtype": lambda lib: lib.tensor(X).to(lib.int32),
    "to_other": lambda lib: lib.tensor(X).to(lib.tensor([1], dtype=lib.float64)),
    "to_device_dtype": lambda lib: lib.tensor(X).to("cpu", lib.float16),
    "to_same_is_self": lambda lib: (lambda t: t.to(lib.float32) is t)(lib.tensor(X)),
    "type_string": lambda lib: lib.tensor(X).type(),
    "type_convert": lambda lib: lib.tensor(X).type(lib.float64),
    "float_long_etc": lambda lib: (lib.tensor(X).long(), lib.tensor(I).float(), lib.tensor(I).double(),
                                   lib.tensor(X).int(), lib.tensor(X).half(), lib.tensor(I).bool()),
}


def deepcopy_case(lib):
    t = lib.tensor(X, requires_grad=True)
    (t * t).sum().backward()
    t.extra = "kept"
    c = copy.deepcopy(t)
    return c, c.grad, c.requires_grad, c.is_leaf, c.extra, c is t


def deepcopy_shared(lib):
    t = lib.tensor(X)
    a, b = copy.deepcopy([t, t])
    return a is b


def deepcopy_non_leaf_error(lib):
    copy.deepcopy(lib.tensor(X, requires_grad=True) * 2)


def pickle_case(lib):
    t = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    back = pickle.loads(pickle.dumps(t))
    return back, back.requires_grad


def pickle_view(lib):
    return pickle.loads(pickle.dumps(lib.tensor(I)[:, 1]))


COPYING = {"deepcopy": deepcopy_case, "deepcopy_shared": deepcopy_shared,
           "deepcopy_non_leaf_error": deepcopy_non_leaf_error, "pickle": pickle_case, "pickle_view": pickle_view}

ALL = {**{f"meta-{k}": v for k, v in METADATA.items()}, **{f"export-{k}": v for k, v in EXPORT.items()},
       **{f"op-{k}": v for k, v in OPERATORS.items()}, **{f"promote-{k}": v for k, v in PROMOTION.items()},
       **{f"create-{k}": v for k, v in CREATION.items()}, **{f"copy-{k}": v for k, v in COPYING.items()}}


@pytest.mark.parametrize("case", [pytest.param(*(v.values if hasattr(v, "values") else (v,)), id=k,
                                               marks=getattr(v, "marks", ())) for k, v in ALL.items()])
def test_matches_torch(case):
    check(case)
