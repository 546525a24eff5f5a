"""jtorch.save / jtorch.load against real torch.save / torch.load, both ways."""
import collections
import io
import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

import jtorch

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
          "complex64", "complex128", "uint16", "uint32", "uint64"]


def sample_tensors(lib):
    """The same tensors of every dtype, plus views sharing a base, built with ``lib``."""
    out = collections.OrderedDict()
    for name in DTYPES:
        out[name] = (lib.arange(12).reshape(3, 4) - 5).to(getattr(lib, name))
    base = lib.arange(20.0).reshape(4, 5)
    out["base"], out["row"], out["transposed"], out["strided"] = base, base[1], base.T, base[:, ::2]
    out["scalar"] = lib.tensor(3.5)
    out["empty"] = lib.zeros(0, 3)
    return out


def as_numpy(t):
    if t.dtype in (torch.bfloat16, jtorch.bfloat16):
        t = t.float()
    if str(t.dtype).startswith("torch.uint") and str(t.dtype) != "torch.uint8":
        t = t.to(jtorch.int64 if isinstance(t, jtorch.Tensor) else torch.int64)
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def assert_same(a, b):
    assert str(a.dtype) == str(b.dtype)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(as_numpy(a), as_numpy(b))


def test_jtorch_save_torch_load_every_dtype(tmp_path):
    path = tmp_path / "j.pth"
    jtorch.save(sample_tensors(jtorch), path)
    loaded = torch.load(path)
    expected = sample_tensors(torch)
    assert list(loaded) == list(expected)
    for key in expected:
        assert_same(loaded[key], expected[key])
    assert loaded["row"].untyped_storage().data_ptr() == loaded["base"].untyped_storage().data_ptr()


def test_torch_save_jtorch_load_every_dtype(tmp_path):
    path = tmp_path / "t.pth"
    torch.save(sample_tensors(torch), path)
    loaded = jtorch.load(path)
    expected = sample_tensors(jtorch)
    assert isinstance(loaded, collections.OrderedDict) and list(loaded) == list(expected)
    for key in expected:
        assert_same(loaded[key], expected[key])


def test_shared_storage_loads_as_views(tmp_path):
    base = torch.arange(6.0).reshape(2, 3)
    torch.save({"base": base, "row": base[1]}, tmp_path / "s.pth")
    loaded = jtorch.load(tmp_path / "s.pth")
    loaded["row"][0] = 100.0
    assert loaded["base"][1, 0].item() == 100.0


def nested(lib):
    return {"list": [lib.ones(2), (1, 2.5, "text", None, True)], "dtype": lib.float16,
            "size": lib.Size([2, 3]), "od": collections.OrderedDict(a=lib.zeros(1)), "set": {1, 2}, "bytes": b"ab"}


def test_containers_round_trip_both_ways(tmp_path):
    jtorch.save(nested(jtorch), tmp_path / "j.pth")
    from_j = torch.load(tmp_path / "j.pth")
    torch.save(nested(torch), tmp_path / "t.pth")
    from_t = jtorch.load(tmp_path / "t.pth")
    for got in (from_j, from_t):
        assert got["list"][1] == (1, 2.5, "text", None, True)
        assert str(got["dtype"]) == "torch.float16"
        assert tuple(got["size"]) == (2, 3) and type(got["size"]).__name__ == "Size"
        assert got["set"] == {1, 2} and got["bytes"] == b"ab"
        np.testing.assert_array_equal(as_numpy(got["list"][0]), np.ones(2))


def test_file_objects_and_pathlike(tmp_path):
    buf = io.BytesIO()
    jtorch.save({"x": jtorch.arange(3)}, buf)
    buf.seek(0)
    assert torch.load(buf)["x"].tolist() == [0, 1, 2]
    jtorch.save(jtorch.ones(2), os.fspath(tmp_path / "p.pt"))
    assert jtorch.load(tmp_path / "p.pt").tolist() == [1.0, 1.0]


class _Malicious:
    def __reduce__(self):
        return (os.system, ("touch " + os.environ.get("JTORCH_PWNED_MARK", "/nonexistent"),))


def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, monkeypatch):
    mark = tmp_path / "pwned"
    monkeypatch.setenv("JTORCH_PWNED_MARK", str(mark))
    torch.save({"x": torch.ones(1), "evil": _Malicious()}, tmp_path / "evil.pth")
    with pytest.raises(pickle.UnpicklingError, match="system"):
        jtorch.load(tmp_path / "evil.pth")
    assert not mark.exists()


def test_weights_only_false_and_safe_globals(tmp_path):
    torch.save({"when": collections.Counter(a=1)}, tmp_path / "c.pth")
    with pytest.raises(pickle.UnpicklingError, match="Counter"):
        jtorch.load(tmp_path / "c.pth")
    assert jtorch.load(tmp_path / "c.pth", weights_only=False)["when"] == collections.Counter(a=1)
    jtorch.serialization.add_safe_globals([collections.Counter])
    try:
        assert jtorch.load(tmp_path / "c.pth")["when"]["a"] == 1
    finally:
        jtorch.serialization.clear_safe_globals()


def test_garbage_and_truncated_files_raise_clearly(tmp_path):
    (tmp_path / "garbage.pth").write_bytes(b"this is not an archive")
    with pytest.raises(RuntimeError, match="zip archive"):
        jtorch.load(tmp_path / "garbage.pth")
    jtorch.save({"x": jtorch.ones(1000)}, tmp_path / "good.pth")
    data = (tmp_path / "good.pth").read_bytes()
    (tmp_path / "truncated.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError):
        jtorch.load(tmp_path / "truncated.pth")
    with pytest.raises(FileNotFoundError):
        jtorch.load(tmp_path / "missing.pth")


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this")


def test_failed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.pth"
    jtorch.save({"step": 1, "w": jtorch.ones(3)}, path)
    with pytest.raises(RuntimeError, match="cannot pickle"):
        jtorch.save({"step": 2, "w": jtorch.zeros(3), "bad": _Unpicklable()}, path)
    assert jtorch.load(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pth"]


def test_killed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "ckpt.pth"
    jtorch.save({"step": 0}, path)
    code = (f"import jtorch\nx = jtorch.ones(4_000_000)\nprint('ready', flush=True)\n"
            f"for i in range(1, 1000):\n    jtorch.save({{'step': i, 'x': x}}, {str(path)!r})\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert child.stdout.readline().strip() == b"ready"
    time.sleep(0.5)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    loaded = jtorch.load(path)
    assert isinstance(loaded["step"], int)


def build_model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 5))


def test_model_state_dict_crosses_both_ways_with_same_outputs(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32)
    torch_model, jtorch_model = build_model(torch).eval(), build_model(jtorch).eval()
    with torch.no_grad():
        torch_model[1].running_mean.uniform_(-1, 1)
    torch.save(torch_model.state_dict(), tmp_path / "from_torch.pth")
    jtorch_model.load_state_dict(jtorch.load(tmp_path / "from_torch.pth"))
    np.testing.assert_allclose(jtorch_model(jtorch.tensor(x)).detach().numpy(),
                               torch_model(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)

    other = build_model(jtorch).eval()
    jtorch.save(other.state_dict(), tmp_path / "from_jtorch.pth")
    torch_model.load_state_dict(torch.load(tmp_path / "from_jtorch.pth"))
    assert list(torch.load(tmp_path / "from_jtorch.pth")) == list(other.state_dict())
    np.testing.assert_allclose(torch_model(torch.tensor(x)).detach().numpy(),
                               other(jtorch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_optimizer_state_dict_crosses_both_ways(tmp_path):
    def trained(lib):
        lib.manual_seed(0)
        w = lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
        opt = lib.optim.Adam([w], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        return w, opt
    (jw, jopt), (tw, topt) = trained(jtorch), trained(torch)
    jtorch.save(jopt.state_dict(), tmp_path / "j_opt.pth")
    torch.save(topt.state_dict(), tmp_path / "t_opt.pth")
    from_j, from_t = torch.load(tmp_path / "j_opt.pth"), jtorch.load(tmp_path / "t_opt.pth")
    assert from_j["param_groups"] == topt.state_dict()["param_groups"]
    for key in ("exp_avg", "exp_avg_sq", "step"):
        np.testing.assert_allclose(from_j["state"][0][key].numpy(), topt.state_dict()["state"][0][key].numpy(),
                                   rtol=1e-6)
        np.testing.assert_allclose(np.asarray(from_t["state"][0][key].numpy()),
                                   topt.state_dict()["state"][0][key].numpy(), rtol=1e-6)
