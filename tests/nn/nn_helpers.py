"""Helpers for running one case with torch and with jtorch."""
import numpy as np
import torch

import jtorch


def to_lib(lib, value):
    """A numpy array (or nested structure of them) as a tensor of ``lib``."""
    if isinstance(value, np.ndarray):
        return lib.tensor(value)
    if isinstance(value, (list, tuple)):
        return type(value)(to_lib(lib, v) for v in value)
    return value


def load_from_torch(jmodule, tmodule) -> None:
    """Copy torch's state (via numpy) into the jtorch module."""
    state = {k: jtorch.tensor(v.detach().numpy()) for k, v in tmodule.state_dict().items()}
    jmodule.load_state_dict(state)


def as_numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def assert_close(got, want, rtol=1e-4, atol=1e-5, msg=""):
    np.testing.assert_allclose(as_numpy(got), as_numpy(want), rtol=rtol, atol=atol, err_msg=msg)


LIBS = (torch, jtorch)


def selected(cases: dict, core: tuple) -> list:
    """The case names to run: ``core`` by default (the suite stays fast), all with JTORCH_NN_FULL=1."""
    import os
    assert set(core) <= set(cases)
    return sorted(cases) if os.environ.get("JTORCH_NN_FULL") == "1" else sorted(core)
