"""Models: torchvision's state_dict layout and parameter counts, init, forward shapes, and real-torch interop."""
import io

import numpy as np
import pytest
import torch

import jtorch
from jtorch.vision import models

# torchvision's documented parameter counts (its weights' ``num_params`` metadata)
NUM_PARAMS = {"resnet18": 11689512, "resnet34": 21797672, "resnet50": 25557032, "mobilenet_v2": 3504872,
              "alexnet": 61100840, "vgg11": 132863336, "vgg11_bn": 132868840, "vgg16": 138357544,
              "vgg16_bn": 138365992}


def to_torch_state(module) -> dict:
    return {k: torch.from_numpy(np.array(v.detach().numpy())) for k, v in module.state_dict().items()}


@pytest.fixture(scope="module")
def resnet18():
    jtorch.manual_seed(0)
    return models.resnet18()


def resnet_keys(blocks, bottleneck: bool) -> list:
    """The state_dict keys torchvision's ResNet has, from its structure."""
    bn = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    keys = ["conv1.weight"] + [f"bn1.{b}" for b in bn]
    convs = 3 if bottleneck else 2
    for stage, n in enumerate(blocks, start=1):
        for i in range(n):
            p = f"layer{stage}.{i}."
            for c in range(1, convs + 1):
                keys += [f"{p}conv{c}.weight"] + [f"{p}bn{c}.{b}" for b in bn]
            if i == 0 and (stage > 1 or bottleneck):
                keys += [f"{p}downsample.0.weight"] + [f"{p}downsample.1.{b}" for b in bn]
    return keys + ["fc.weight", "fc.bias"]


def test_resnet18_state_dict_layout_and_forward(resnet18):
    sd = resnet18.state_dict()
    assert list(sd) == resnet_keys([2, 2, 2, 2], bottleneck=False)
    assert sum(p.numel() for p in resnet18.parameters()) == NUM_PARAMS["resnet18"]
    assert sd["layer2.0.downsample.0.weight"].shape == (128, 64, 1, 1) and sd["fc.weight"].shape == (1000, 512)
    assert resnet18(jtorch.randn(2, 3, 32, 32)).shape == (2, 1000)
    resnet18.eval()
    assert resnet18(jtorch.randn(1, 3, 32, 32)).shape == (1, 1000)
    resnet18.train()


def test_resnet18_init_follows_torchvision(resnet18):
    w = resnet18.layer3[0].conv2.weight.detach().numpy()
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]
    assert abs(w.std() - np.sqrt(2.0 / fan_out)) < 0.05 * np.sqrt(2.0 / fan_out)
    assert np.all(resnet18.layer1[0].bn2.weight.detach().numpy() == 1) and np.all(resnet18.bn1.bias.detach().numpy() == 0)
    zero = models.resnet18(zero_init_residual=True, num_classes=10)
    assert np.all(zero.layer4[1].bn2.weight.detach().numpy() == 0) and zero.fc.weight.shape == (10, 512)


def test_state_dict_round_trip_through_real_torch(resnet18):
    buf = io.BytesIO()
    jtorch.save(resnet18.state_dict(), buf)
    buf.seek(0)
    loaded = torch.load(buf)
    assert {k: tuple(v.shape) for k, v in loaded.items()} == {k: tuple(v.shape)
                                                              for k, v in resnet18.state_dict().items()}
    buf = io.BytesIO()
    torch.save(loaded, buf)
    buf.seek(0)
    fresh = models.resnet18()
    fresh.load_state_dict(jtorch.load(buf))
    fresh.eval(), resnet18.eval()
    x = jtorch.randn(1, 3, 32, 32)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), resnet18(x).detach().numpy())
    resnet18.train()


class TorchBasicBlock(torch.nn.Module):
    """torchvision's BasicBlock written with real torch.nn, for parity."""

    def __init__(self, inplanes, planes, stride):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + self.downsample(x))


def test_basic_block_matches_real_torch():
    down = jtorch.nn.Sequential(models.resnet.conv1x1(4, 8, 2), jtorch.nn.BatchNorm2d(8))
    block = models.resnet.BasicBlock(4, 8, stride=2, downsample=down)
    ref = TorchBasicBlock(4, 8, 2)
    ref.load_state_dict(to_torch_state(block), strict=True)
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 6)).astype(np.float32)
    got, want = block(jtorch.from_numpy(x)), ref(torch.from_numpy(x))
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(block.bn1.running_var.numpy(), ref.bn1.running_var.numpy(), rtol=1e-5)


@pytest.mark.parametrize("name", ["mobilenet_v2", "vgg11_bn", "alexnet"])
def test_other_models_layout(name):
    jtorch.manual_seed(0)
    model = getattr(models, name)(num_classes=10)
    sd = model.state_dict()
    head = {"mobilenet_v2": 1280, "vgg11_bn": 4096, "alexnet": 4096}[name]
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS[name] - 990 * (head + 1)
    first = next(iter(sd))
    assert first == {"mobilenet_v2": "features.0.0.weight", "vgg11_bn": "features.0.weight",
                     "alexnet": "features.0.weight"}[name]
    if name == "mobilenet_v2":
        assert "features.1.conv.0.1.running_var" in sd and sd["features.18.0.weight"].shape == (1280, 320, 1, 1)
        model.eval()
        assert model(jtorch.randn(1, 3, 32, 32)).shape == (1, 10)


def test_pretrained_weights_give_a_clear_error():
    with pytest.raises(RuntimeError, match="pretrained weights cannot be downloaded"):
        models.resnet50(weights=models.ResNet50_Weights.DEFAULT)
    with pytest.raises(RuntimeError, match="pretrained weights cannot be downloaded"):
        models.vgg16(weights="IMAGENET1K_V1")
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"), \
            pytest.raises(RuntimeError, match="pretrained weights cannot be downloaded"):
        models.alexnet(pretrained=True)
