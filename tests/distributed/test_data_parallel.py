"""nn.DataParallel: SPMD over forced host devices (in a fresh process), and its torch-compatible surface."""
import pytest
import torch

import jtorch
from _launch import HERE, run


def test_data_parallel_on_4_host_devices_matches_the_unwrapped_model():
    proc, _ = run(["-m", "jtorch", str(HERE / "data_parallel_worker.py")], timeout=120,
                  env={"XLA_FLAGS": "--xla_force_host_platform_device_count=4"})
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr


def test_repr_and_state_dict_match_torch():
    def build(lib):
        lib.manual_seed(0)
        return lib.nn.DataParallel(lib.nn.Linear(3, 2))

    ours, theirs = build(jtorch), build(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours, jtorch.nn.parallel.DataParallel) and isinstance(ours, jtorch.nn.Module)


def test_single_device_passes_through():
    jtorch.manual_seed(0)
    inner = jtorch.nn.Linear(3, 2)
    x = jtorch.randn(5, 3)
    assert jtorch.equal(jtorch.nn.DataParallel(inner)(x), inner(x))


def test_missing_device_id_raises():
    with pytest.raises(AssertionError, match="Invalid device id"):
        jtorch.nn.DataParallel(jtorch.nn.Linear(3, 2), device_ids=[0, 7])


def test_data_parallel_in_a_compiled_step_matches_eager_and_the_unwrapped_model():
    proc, _ = run(["-m", "jtorch", str(HERE / "data_parallel_compiled_worker.py")], timeout=240,
                  env={"XLA_FLAGS": "--xla_force_host_platform_device_count=4"})
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr
