"""Optimizer checkpoints cross between jtorch and torch through files: a state_dict saved by one (``save``)
loads into the other's optimizer (``load``) and resumes as the saver would have, for every family with state."""
import numpy as np
import pytest
import torch

import jtorch
from compat.optimizers import B0, FAMILIES, W0, steps_from

IDS = [f"{n}-{o}" for n, o in FAMILIES]


def checkpoint_and_resume(saver, loader, name, options, path):
    """Train 5 steps with ``saver``, save its optimizer's state_dict to ``path``, then resume 6 steps from it
    with the saver itself and with ``loader``; returns both trajectories and both optimizers."""
    _, opt = steps_from(saver, name, options, (W0, B0), steps=5)
    saver.save(opt.state_dict(), path)
    start = tuple(p.detach().numpy().copy() for p in opt.param_groups[0]["params"])
    want, _ = steps_from(saver, name, options, start, saver.load(path), steps=6)
    got, loaded = steps_from(loader, name, options, start, loader.load(path), steps=6)
    return got, want, loaded, opt


def layout(state_dict):
    return {"state": {i: {k: (type(v).__name__, tuple(v.shape), str(v.dtype).replace("torch.", ""))
                          for k, v in s.items()} for i, s in state_dict["state"].items()},
            "param_groups": state_dict["param_groups"]}


@pytest.mark.parametrize("name,options", FAMILIES, ids=IDS)
def test_jtorch_checkpoint_resumes_in_torch(name, options, tmp_path):
    got, want, _, _ = checkpoint_and_resume(jtorch, torch, name, options, tmp_path / "opt.pth")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    _, trained_by_torch = steps_from(torch, name, options, (W0, B0), steps=5)
    assert layout(torch.load(tmp_path / "opt.pth")) == layout(trained_by_torch.state_dict())


@pytest.mark.parametrize("name,options", FAMILIES, ids=IDS)
def test_torch_checkpoint_resumes_in_jtorch(name, options, tmp_path):
    got, want, loaded, opt = checkpoint_and_resume(torch, jtorch, name, options, tmp_path / "opt.pth")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    first = [o.param_groups[0]["params"][0] for o in (loaded, opt)]
    assert list(loaded.state[first[0]]) == list(opt.state[first[1]])
