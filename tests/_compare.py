"""Run one case with real torch and with jtorch and compare what comes out: the result (optionally with the
gradients it sends back to its inputs) or the exception raised.

A case is ``fn(lib, *tensors)`` with ``lib`` the ``torch`` or the ``jtorch`` module: each numpy array among the
inputs given to ``check`` arrives as a tensor of that library, anything else arrives as it is."""
import numpy as np
import torch

import jtorch

TENSORS = (torch.Tensor, jtorch.Tensor)


def plain(obj):
    """``obj`` as comparable plain values.

    A tensor becomes ``("tensor", dtype name, requires_grad, numpy array)``, its values as ``numpy(force=True)``
    gives them (conjugate and negative bits resolved, zero tensors filled in; bfloat16 widened to float32 exactly);
    tuples and lists become lists, dicts recurse, dtypes become their names and sizes ``("size", tuple)``; anything
    else stays as it is."""
    if isinstance(obj, TENSORS):
        values = obj.detach().float() if str(obj.dtype) == "torch.bfloat16" else obj
        return ("tensor", str(obj.dtype), bool(obj.requires_grad), np.asarray(values.numpy(force=True)))
    if isinstance(obj, (tuple, list)):
        return [plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (torch.dtype, jtorch.dtype)):
        return str(obj)
    if isinstance(obj, (torch.Size, jtorch.Size)):
        return ("size", tuple(obj))
    return obj


def _is_tensor(p) -> bool:
    return isinstance(p, tuple) and len(p) == 4 and p[0] == "tensor"


def compare(got, want, rtol: float = 1e-5, atol: float = 1e-6, requires_grad: bool = True,
            scalar_tolerance: bool = False, path: str = "result") -> None:
    """Two ``plain`` values agree: the same containers and keys; tensors of the same dtype, shape and (with
    ``requires_grad``) requires_grad, values within ``rtol``/``atol`` (NaN matching NaN); anything else of the same
    type and equal (Python and numpy floats and complexes within the tolerances where ``scalar_tolerance``)."""
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            compare(g, w, rtol, atol, requires_grad, scalar_tolerance, f"{path}[{i}]")
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), f"{path}: {got!r} != {want!r}"
        for k in want:
            compare(got[k], want[k], rtol, atol, requires_grad, scalar_tolerance, f"{path}[{k!r}]")
    elif _is_tensor(want):
        assert _is_tensor(got), f"{path}: {got!r} is not a tensor"
        assert got[1] == want[1], f"{path}: dtype {got[1]} != {want[1]}"
        assert not requires_grad or got[2] == want[2], f"{path}: requires_grad {got[2]} != {want[2]}"
        assert got[3].shape == want[3].shape, f"{path}: shape {got[3].shape} != {want[3].shape}"
        np.testing.assert_allclose(got[3], want[3], rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
    elif scalar_tolerance and isinstance(want, (float, complex, np.ndarray, np.inexact)):
        assert type(got) is type(want), f"{path}: {got!r} != {want!r}"
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=path)
    else:
        assert type(got) is type(want) and got == want, f"{path}: {got!r} != {want!r}"


def _flat_tensors(out) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat_tensors(o)]
    return [out] if isinstance(out, TENSORS) else []


def _input_grads(lib, out, inputs: list) -> list:
    """The gradients that a fixed random weighting of ``out``'s tensors sends back to the inputs requiring grad."""
    outs = [o.resolve_conj() for o in _flat_tensors(out)]
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(tuple(o.shape)) for o in outs]  # drawn for every output: the same stream in both
    pairs = [(o, lib.tensor(w.astype(plain(o)[3].dtype))) for o, w in zip(outs, weights) if o.requires_grad]
    lib.autograd.backward([o for o, _ in pairs], [w for _, w in pairs])
    return [plain(t.grad) for t in inputs if isinstance(t, lib.Tensor) and t.requires_grad]


def outcome(fn, lib, *inputs, grad: bool = False) -> tuple:
    """``("ok", plain result)`` (with ``grad``: ``{"result": ..., "input grads": [...]}``) or
    ``("error", (exception type name, message, names of its builtin base classes))``."""
    tensors = [lib.tensor(a, requires_grad=grad and a.dtype.kind in "fc") if isinstance(a, np.ndarray) else a
               for a in inputs]
    try:
        out = fn(lib, *tensors)
        result = plain(out)  # a result without values (a meta tensor) raises here, as torch's numpy() does
    except Exception as e:  # noqa: BLE001 - the error itself is the result under comparison
        builtin = tuple(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins")
        return "error", (type(e).__name__, str(e), builtin)
    if grad:
        return "ok", {"result": result, "input grads": _input_grads(lib, out, tensors)}
    return "ok", result


def check(fn, *inputs, grad: bool = False, rtol: float = 1e-5, atol: float = 1e-6, raises: bool | None = None,
          message_chars: int | None = 40, requires_grad: bool = True, scalar_tolerance: bool = False) -> None:
    """``fn(lib, *inputs)`` returns the same result (``compare``) with torch and jtorch, or raises the same exception.

    grad: float and complex array inputs require grad, and the gradients a fixed random weighting of the tensor
        outputs sends back to them are compared too.
    raises: True: torch must raise; False: torch must return; None: either, and jtorch must do the same.
    message_chars: how much of torch's message jtorch's must start with; None: all of it (the same message).
    An exception matches when its type has the same name (a leading underscore aside, as in torch's
    ``_LinAlgError``) and the same builtin base classes."""
    want = outcome(fn, torch, *inputs, grad=grad)
    got = outcome(fn, jtorch, *inputs, grad=grad)
    if raises is not None:
        assert (want[0] == "error") == raises, f"torch gave {want}"
    assert got[0] == want[0], f"torch gave {want}, jtorch gave {got}"
    if want[0] == "ok":
        compare(got[1], want[1], rtol, atol, requires_grad, scalar_tolerance)
        return
    (got_type, got_message, got_bases), (want_type, want_message, want_bases) = got[1], want[1]
    assert got_type.lstrip("_") == want_type.lstrip("_") and got_bases == want_bases, \
        f"exception {got_type}{got_bases} != {want_type}{want_bases} ({got_message!r})"
    if message_chars is None:
        assert got_message == want_message, f"message {got_message!r} != {want_message!r}"
    else:
        n = min(message_chars, len(want_message))
        assert got_message[:n] == want_message[:n], f"message {got_message!r} does not start like {want_message!r}"


def check_error(fn, *inputs, message_chars: int | None = None) -> None:
    """Both libraries raise for ``fn(lib, *inputs)``: the same exception (see ``check``), by default with the same
    message."""
    check(fn, *inputs, raises=True, message_chars=message_chars)


def check_grads(fn, *inputs, grad: bool = True, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """A case that must succeed: the same result and (by default) input gradients, at tight tolerances."""
    check(fn, *inputs, grad=grad, rtol=rtol, atol=atol, raises=False)


def assert_same(case, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """``case(lib)`` succeeds and gives the same values, dtypes and shapes with torch and jtorch (requires_grad is not
    compared; Python floats agree within the tolerances)."""
    check(case, rtol=rtol, atol=atol, raises=False, requires_grad=False, scalar_tolerance=True)
