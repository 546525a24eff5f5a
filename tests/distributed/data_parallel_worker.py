"""DataParallel on the 4 host devices that XLA_FLAGS forces (run by the tests in a fresh process): outputs,
gradients and parameters after SGD steps equal the unwrapped model's, and the batch is really spread over the
devices. Prints ``OK`` on success."""
import jax
import torch
import torch.nn as nn
import torch.nn.functional as F

assert len(jax.devices()) == 4


def make_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 3))


reference, inner = make_model(), make_model()
model = nn.DataParallel(inner)
assert model.device_ids == [0, 1, 2, 3] and model.module is inner

spread = []
inner[0].register_forward_hook(lambda m, args, out: spread.append(len(out._value.sharding.device_set)))

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
g = torch.Generator().manual_seed(1)
for batch in (12, 10, 7, 12):  # 10 rows run on 2 devices, 7 on one
    x, y = torch.randn(batch, 6, generator=g), torch.randint(0, 3, (batch,), generator=g)
    for net, optimizer in ((model, opt), (reference, ref_opt)):
        optimizer.zero_grad()
        out = net(x)
        F.cross_entropy(out, y).backward()
        optimizer.step()
        if net is model:
            assert out.shape == (batch, 3) and len(out._value.sharding.device_set) == 1
            got = out
        else:
            assert torch.allclose(got, out, atol=1e-5), (got - out).abs().max()
    for (name, p), q in zip(inner.named_parameters(), reference.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-5), name
assert spread == [4, 2, 1, 4], spread
for (name, a), b in zip(inner.state_dict().items(), reference.state_dict().values()):
    assert torch.allclose(a.double(), b.double(), atol=1e-5), name
    assert len(a._value.sharding.device_set) == 1, name


class AddsConstant(nn.Module):
    def forward(self, x):
        return x + torch.tensor([1.0, 2.0])


try:
    nn.DataParallel(AddsConstant())(torch.ones(4, 2))
    raise AssertionError("a constant on one device was combined with a split batch")
except RuntimeError as e:
    assert "neither a parameter, a buffer nor an input" in str(e), e
print("OK", flush=True)
