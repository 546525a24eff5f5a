"""Run a case ``case(lib)`` with real PyTorch and with jtorch and compare results or raised errors."""
import numpy as np
import torch

import jtorch


def plain(obj):
    """Tensors become numpy arrays (with dtype name and requires_grad); containers recurse."""
    if isinstance(obj, (torch.Tensor, jtorch.Tensor)):
        return ("tensor", str(obj.dtype), bool(obj.requires_grad), np.asarray(obj.detach().cpu().numpy()
                                                                               if isinstance(obj, torch.Tensor)
                                                                               else obj.detach().numpy()))
    if isinstance(obj, (tuple, list)):
        return [plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (torch.dtype, jtorch.dtype)):
        return str(obj)
    if isinstance(obj, torch.Size):
        return ("size", tuple(obj))
    if isinstance(obj, jtorch.Size):
        return ("size", tuple(obj))
    return obj


def assert_same(got, want, path="result"):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r} != {want!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{path}[{i}]")
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), f"{path}: {got!r} != {want!r}"
        for k in want:
            assert_same(got[k], want[k], f"{path}[{k!r}]")
    elif isinstance(want, tuple) and want and want[0] == "tensor":
        assert isinstance(got, tuple) and got[0] == "tensor", f"{path}: {got!r} is not a tensor"
        assert got[1:3] == want[1:3], f"{path}: dtype/requires_grad {got[1:3]} != {want[1:3]}"
        np.testing.assert_allclose(got[3], want[3], rtol=1e-5, atol=1e-6, err_msg=path)
    else:
        assert type(got) is type(want) and got == want, f"{path}: {got!r} != {want!r}"


def outcome(case, lib):
    try:
        return "ok", plain(case(lib))
    except Exception as e:  # noqa: BLE001 - the error itself is the result under comparison
        return "error", (type(e).__name__, str(e))


def check(case, message_chars: int = 40):
    """Same result (or same exception type and message start) under torch and jtorch."""
    want = outcome(case, torch)
    got = outcome(case, jtorch)
    assert got[0] == want[0], f"torch gave {want}, jtorch gave {got}"
    if want[0] == "error":
        assert got[1][0] == want[1][0], f"exception type {got[1][0]} != {want[1][0]} ({got[1][1]!r})"
        n = min(message_chars, len(want[1][1]))
        assert got[1][1][:n] == want[1][1][:n], f"message {got[1][1]!r} does not start like {want[1][1]!r}"
    else:
        assert_same(got[1], want[1])
