"""Bad constructor arguments and bad inputs to nn layers: PyTorch's exception type and message, and a failed call
leaves the module as it was. Every case runs with real torch and with jtorch (tests/_compare.check)."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _compare import check  # noqa: E402

# name -> case(lib); each is expected to raise under torch
CONSTRUCTION = {
    "Conv2d without kernel_size": lambda t: t.nn.Conv2d(1, 16, stride=1, padding=1),
    "Linear without out_features": lambda t: t.nn.Linear(4),
    "Conv1d groups not dividing in_channels": lambda t: t.nn.Conv1d(2, 4, 3, groups=3),
    "Conv2d groups not dividing out_channels": lambda t: t.nn.Conv2d(4, 3, 3, groups=2),
    "Conv2d bad padding string": lambda t: t.nn.Conv2d(1, 2, 3, padding="full"),
    "Conv2d same padding with stride": lambda t: t.nn.Conv2d(1, 2, 3, stride=2, padding="same"),
    "Dropout p out of range": lambda t: t.nn.Dropout(p=1.5),
    "Linear unexpected keyword": lambda t: t.nn.Linear(2, 3, bais=False),
}

FORWARD = {
    "Conv2d wrong channel count": (lambda t: t.nn.Conv2d(3, 8, 3), lambda t: (t.ones(1, 1, 5, 5),)),
    "Conv2d 2-D input": (lambda t: t.nn.Conv2d(3, 8, 3), lambda t: (t.ones(5, 5),)),
    "ConvTranspose2d wrong channel count": (lambda t: t.nn.ConvTranspose2d(3, 2, 3), lambda t: (t.ones(1, 2, 4, 4),)),
    "Linear size mismatch": (lambda t: t.nn.Linear(4, 3), lambda t: (t.ones(2, 5),)),
    "Bilinear second input size": (lambda t: t.nn.Bilinear(2, 3, 4), lambda t: (t.ones(5, 2), t.ones(5, 2))),
    "Bilinear batch mismatch": (lambda t: t.nn.Bilinear(2, 3, 4), lambda t: (t.ones(5, 2), t.ones(4, 3))),
    "BatchNorm1d wrong features": (lambda t: t.nn.BatchNorm1d(4), lambda t: (t.ones(2, 3),)),
    "BatchNorm1d wrong features, no running stats": (lambda t: t.nn.BatchNorm1d(4, track_running_stats=False),
                                                     lambda t: (t.ones(2, 3),)),
    "BatchNorm2d 3-D input": (lambda t: t.nn.BatchNorm2d(3), lambda t: (t.ones(2, 3, 4),)),
    "BatchNorm1d one value per channel": (lambda t: t.nn.BatchNorm1d(3), lambda t: (t.ones(1, 3),)),
    "InstanceNorm1d wrong features": (lambda t: t.nn.InstanceNorm1d(3, affine=True), lambda t: (t.ones(2, 4, 5),)),
    "LayerNorm wrong shape": (lambda t: t.nn.LayerNorm(4), lambda t: (t.ones(2, 3),)),
    "GroupNorm channels not divisible": (lambda t: t.nn.GroupNorm(2, 4), lambda t: (t.ones(2, 3, 5),)),
    "PReLU wrong channel count": (lambda t: t.nn.PReLU(3), lambda t: (t.ones(2, 4),)),
    "Embedding index out of range": (lambda t: t.nn.Embedding(5, 2), lambda t: (t.tensor([1, 7]),)),
    "Embedding negative index": (lambda t: t.nn.Embedding(5, 2), lambda t: (t.tensor([-1]),)),
    "Embedding float indices": (lambda t: t.nn.Embedding(5, 2), lambda t: (t.ones(2),)),
    "CrossEntropyLoss target out of bounds": (lambda t: t.nn.CrossEntropyLoss(),
                                              lambda t: (t.ones(2, 3), t.tensor([0, 5]))),
    "Softmax dim out of range": (lambda t: t.nn.Softmax(dim=3), lambda t: (t.ones(2, 3),)),
    "Sequential extra input": (lambda t: t.nn.Sequential(t.nn.Linear(2, 3)), lambda t: (t.ones(2, 2), t.ones(2))),
}


def _state(module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.parametrize("name", sorted(CONSTRUCTION))
def test_bad_construction_raises_like_torch(name):
    check(CONSTRUCTION[name], message_chars=80)


@pytest.mark.parametrize("name", sorted(FORWARD))
@pytest.mark.parametrize("training", [True, False])
def test_bad_input_raises_like_torch_and_changes_nothing(name, training):
    import jtorch
    import torch
    build, inputs = FORWARD[name]
    check(lambda t: build(t).train(training)(*inputs(t)), message_chars=80)
    try:
        build(torch).train(training)(*inputs(torch))
    except Exception:  # noqa: BLE001
        pass
    else:
        return  # accepted in this mode by torch, and (checked above) by jtorch
    jtorch.manual_seed(0)
    module = build(jtorch).train(training)
    before = _state(module)
    with pytest.raises(Exception):
        module(*inputs(jtorch))
    after = _state(module)
    assert list(after) == list(before)
    for key in before:
        np.testing.assert_array_equal(after[key].numpy(), before[key].numpy(), err_msg=key)


def _load_bad_state(t):
    t.manual_seed(0)
    module = t.nn.Linear(4, 3)
    before = _state(module)
    try:
        module.load_state_dict({"weight": t.zeros(3, 4), "bias": t.zeros(2)})
    except RuntimeError as exc:
        return str(exc), before, _state(module)
    return "no error", before, before


def test_failed_load_state_dict_raises_like_torch_and_changes_nothing():
    import jtorch
    import torch
    assert _load_bad_state(jtorch)[0] == _load_bad_state(torch)[0]
    _, before, after = _load_bad_state(jtorch)  # torch keeps the weight it did copy; jtorch rolls back
    for key in before:
        np.testing.assert_array_equal(after[key].numpy(), before[key].numpy(), err_msg=key)
