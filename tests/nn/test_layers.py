"""Every layer built with torch and jtorch: same repr, state_dict keys, forward, gradients and buffers."""
import numpy as np
import pytest
import torch

import jtorch

from nn_helpers import assert_close, load_from_torch, selected

rng = np.random.default_rng(0)


def x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def idx(high, *shape):
    return rng.integers(0, high, shape).astype(np.int64)


# name -> (builder(nn), inputs as numpy arrays, train mode)
CASES = {
    "Identity": (lambda nn: nn.Identity(3, foo=1), [x(2, 3)], True),
    "Linear": (lambda nn: nn.Linear(5, 3), [x(4, 5)], True),
    "LinearNoBias": (lambda nn: nn.Linear(5, 3, bias=False), [x(2, 4, 5)], True),
    "Bilinear": (lambda nn: nn.Bilinear(3, 4, 2), [x(5, 3), x(5, 4)], True),
    "Conv1d": (lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), [x(2, 4, 9)], True),
    "Conv2d": (lambda nn: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), [x(2, 3, 8, 7)], True),
    "Conv2dSame": (lambda nn: nn.Conv2d(2, 4, 4, padding="same", dilation=2, bias=False), [x(1, 2, 9, 8)], True),
    "Conv2dValid": (lambda nn: nn.Conv2d(2, 4, 3, padding="valid"), [x(1, 2, 6, 6)], True),
    "Conv2dReflect": (lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="reflect"), [x(2, 2, 6, 5)], True),
    "Conv2dReplicate": (lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"), [x(2, 2, 6, 5)], True),
    "Conv2dCircular": (lambda nn: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="circular"), [x(2, 2, 6, 5)], True),
    "Conv2dUnbatched": (lambda nn: nn.Conv2d(2, 3, 3), [x(2, 6, 5)], True),
    "Conv3d": (lambda nn: nn.Conv3d(2, 4, 2, stride=(1, 2, 1), groups=2), [x(1, 2, 4, 5, 3)], True),
    "ConvTranspose1d": (lambda nn: nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1, groups=2), [x(2, 4, 5)], True),
    "ConvTranspose2d": (lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, dilation=2), [x(2, 3, 4, 5)], True),
    "ConvTranspose3d": (lambda nn: nn.ConvTranspose3d(2, 2, 2, stride=2), [x(1, 2, 2, 3, 2)], True),
    "MaxPool1d": (lambda nn: nn.MaxPool1d(3, 2, 1, ceil_mode=True), [x(2, 3, 10)], True),
    "MaxPool2d": (lambda nn: nn.MaxPool2d(2), [x(2, 3, 8, 7)], True),
    "MaxPool2dIdx": (lambda nn: nn.MaxPool2d(3, 2, 1, dilation=1, return_indices=True), [x(2, 3, 8, 7)], True),
    "MaxPool3d": (lambda nn: nn.MaxPool3d(2, dilation=(1, 2, 1)), [x(1, 2, 4, 6, 4)], True),
    "AvgPool1d": (lambda nn: nn.AvgPool1d(3, 2, 1, count_include_pad=False), [x(2, 3, 10)], True),
    "AvgPool2d": (lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), [x(2, 3, 8, 7)], True),
    "AvgPool2dDiv": (lambda nn: nn.AvgPool2d(2, divisor_override=3), [x(2, 3, 8, 7)], True),
    "AvgPool3d": (lambda nn: nn.AvgPool3d(2), [x(1, 2, 4, 4, 4)], True),
    "AdaptiveAvgPool1d": (lambda nn: nn.AdaptiveAvgPool1d(4), [x(2, 3, 10)], True),
    "AdaptiveAvgPool2d": (lambda nn: nn.AdaptiveAvgPool2d((3, None)), [x(2, 3, 8, 7)], True),
    "AdaptiveAvgPool3d": (lambda nn: nn.AdaptiveAvgPool3d(2), [x(1, 2, 5, 4, 3)], True),
    "AdaptiveMaxPool2d": (lambda nn: nn.AdaptiveMaxPool2d((3, 2), return_indices=True), [x(2, 3, 8, 7)], True),
    "AdaptiveMaxPool1d": (lambda nn: nn.AdaptiveMaxPool1d(3), [x(2, 3, 10)], True),
    "LPPool2d": (lambda nn: nn.LPPool2d(2, 3, stride=2), [x(2, 3, 8, 7)], True),
    "LPPool1d": (lambda nn: nn.LPPool1d(1.5, 2), [np.abs(x(2, 3, 8))], True),
    "BatchNorm1d": (lambda nn: nn.BatchNorm1d(3), [x(4, 3)], True),
    "BatchNorm1d3D": (lambda nn: nn.BatchNorm1d(3, momentum=None), [x(4, 3, 5)], True),
    "BatchNorm2d": (lambda nn: nn.BatchNorm2d(3), [x(4, 3, 5, 2)], True),
    "BatchNorm2dEval": (lambda nn: nn.BatchNorm2d(3), [x(4, 3, 5, 2)], False),
    "BatchNorm2dNoStats": (lambda nn: nn.BatchNorm2d(3, affine=False, track_running_stats=False), [x(4, 3, 5, 2)], False),
    "BatchNorm3d": (lambda nn: nn.BatchNorm3d(2, bias=False), [x(2, 2, 3, 2, 2)], True),
    "InstanceNorm1d": (lambda nn: nn.InstanceNorm1d(3, affine=True), [x(2, 3, 6)], True),
    "InstanceNorm2d": (lambda nn: nn.InstanceNorm2d(3, track_running_stats=True), [x(2, 3, 4, 5)], True),
    "InstanceNorm2dUnbatched": (lambda nn: nn.InstanceNorm2d(3), [x(3, 4, 5)], True),
    "LayerNorm": (lambda nn: nn.LayerNorm((3, 4)), [x(2, 3, 4)], True),
    "LayerNormNoBias": (lambda nn: nn.LayerNorm(4, bias=False, eps=1e-3), [x(2, 3, 4)], True),
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), [x(2, 4, 3, 3)], True),
    "RMSNorm": (lambda nn: nn.RMSNorm(4), [x(2, 3, 4)], True),
    "LocalResponseNorm": (lambda nn: nn.LocalResponseNorm(3), [x(2, 5, 4, 3)], True),
    "DropoutEval": (lambda nn: nn.Dropout(0.3), [x(3, 4)], False),
    "Dropout2dEval": (lambda nn: nn.Dropout2d(0.3), [x(2, 3, 4, 4)], False),
    "Flatten": (lambda nn: nn.Flatten(), [x(2, 3, 4, 5)], True),
    "Unflatten": (lambda nn: nn.Unflatten(1, (3, 4)), [x(2, 12)], True),
    "Embedding": (lambda nn: nn.Embedding(10, 3, padding_idx=1), [idx(10, 4, 5)], True),
    "EmbeddingBag": (lambda nn: nn.EmbeddingBag(10, 3, mode="sum"), [idx(10, 4, 5)], True),
    "ZeroPad2d": (lambda nn: nn.ZeroPad2d((1, 2, 0, 1)), [x(1, 2, 3, 3)], True),
    "ConstantPad1d": (lambda nn: nn.ConstantPad1d(2, 3.5), [x(1, 2, 3)], True),
    "ReflectionPad2d": (lambda nn: nn.ReflectionPad2d(1), [x(1, 2, 3, 3)], True),
    "ReplicationPad3d": (lambda nn: nn.ReplicationPad3d(1), [x(1, 1, 2, 3, 3)], True),
    "CircularPad1d": (lambda nn: nn.CircularPad1d((1, 2)), [x(1, 2, 4)], True),
    "PixelShuffle": (lambda nn: nn.PixelShuffle(2), [x(1, 8, 2, 3)], True),
    "PixelUnshuffle": (lambda nn: nn.PixelUnshuffle(2), [x(1, 2, 4, 6)], True),
    "Upsample": (lambda nn: nn.Upsample(scale_factor=2), [x(1, 2, 3, 3)], True),
    "UpsamplingBilinear2d": (lambda nn: nn.UpsamplingBilinear2d(size=(5, 4)), [x(1, 2, 3, 3)], True),
    "PairwiseDistance": (lambda nn: nn.PairwiseDistance(), [x(4, 3), x(4, 3)], True),
    "CosineSimilarity": (lambda nn: nn.CosineSimilarity(dim=1), [x(4, 3), x(4, 3)], True),
    "PReLU": (lambda nn: nn.PReLU(3), [x(2, 3, 4)], True),
    "GELUTanh": (lambda nn: nn.GELU("tanh"), [x(3, 4)], True),
    "Softmax": (lambda nn: nn.Softmax(dim=1), [x(3, 4)], True),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(1), [x(3, 4)], True),
    "Softmin": (lambda nn: nn.Softmin(0), [x(3, 4)], True),
    "Softmax2d": (lambda nn: nn.Softmax2d(), [x(2, 3, 2, 2)], True),
    "Hardtanh": (lambda nn: nn.Hardtanh(-0.5, 0.7), [x(3, 4)], True),
    "LeakyReLU": (lambda nn: nn.LeakyReLU(0.2, inplace=False), [x(3, 4)], True),
    "Threshold": (lambda nn: nn.Threshold(0.1, 20.0), [x(3, 4)], True),
    "GLU": (lambda nn: nn.GLU(), [x(3, 4)], True),
    "Softplus": (lambda nn: nn.Softplus(beta=2.0, threshold=3.0), [x(3, 4)], True),
    "Hardshrink": (lambda nn: nn.Hardshrink(0.3), [x(3, 4)], True),
    "ELU": (lambda nn: nn.ELU(alpha=0.5), [x(3, 4)], True),
    "Sequential": (lambda nn: nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.BatchNorm1d(5), nn.Linear(5, 2)),
                   [x(6, 4)], True),
}
SIMPLE_ACTIVATIONS = ["ReLU", "ReLU6", "SELU", "CELU", "GELU", "SiLU", "Mish", "Hardsigmoid", "Hardswish",
                      "Softshrink", "Softsign", "Tanhshrink", "LogSigmoid", "Sigmoid", "Tanh", "RReLU"]
for _name in SIMPLE_ACTIVATIONS:
    CASES[_name] = (lambda nn, n=_name: getattr(nn, n)(), [x(3, 4)], False)


def _outputs(out):
    return out if isinstance(out, tuple) else (out,)


CORE = ("Linear", "Conv2d", "Conv2dReflect", "ConvTranspose2d", "MaxPool2dIdx", "AvgPool2d",
        "AdaptiveAvgPool2d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Embedding", "Sequential",
        "DropoutEval", "Flatten", "ReLU", "LogSoftmax")


@pytest.mark.parametrize("name", selected(CASES, CORE))
def test_layer_matches_torch(name):
    build, inputs, train = CASES[name]
    torch.manual_seed(0)
    tmod, jmod = build(torch.nn), build(jtorch.nn)
    assert repr(jmod) == repr(tmod)
    assert list(jmod.state_dict()) == list(tmod.state_dict())
    assert [n for n, _ in jmod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
    assert [n for n, _ in jmod.named_buffers()] == [n for n, _ in tmod.named_buffers()]
    load_from_torch(jmod, tmod)
    tmod.train(train)
    jmod.train(train)
    tin = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    jin = [jtorch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    tout, jout = _outputs(tmod(*tin)), _outputs(jmod(*jin))
    for t, j in zip(tout, jout):
        assert j.dtype.name == str(t.dtype).replace("torch.", "")
        assert_close(j, t, msg=name)
    grad = rng.standard_normal(tuple(tout[0].shape)).astype(np.float32)
    tout[0].backward(torch.tensor(grad))
    jout[0].backward(jtorch.tensor(grad))
    for t, j in zip(tin, jin):
        if t.grad is not None:
            assert_close(j.grad, t.grad, atol=1e-4, msg=name)
    for (n, t), (_, j) in zip(tmod.named_parameters(), jmod.named_parameters()):
        assert (j.grad is None) == (t.grad is None), n
        if t.grad is not None:
            assert_close(j.grad, t.grad, atol=1e-4, msg=f"{name}.{n}")
    for (n, t), (_, j) in zip(tmod.named_buffers(), jmod.named_buffers()):
        assert_close(j, t, msg=f"{name}.{n}")
