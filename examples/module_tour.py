"""nn.Module from the inside: custom layers, containers, named parameters/children/modules, checkpoints.

The program of the tutorial "nn.Module / nn.Sequential / parameters / modules / checkpoint": a linear
layer written with nn.Parameter, a Flatten module, a small CNN and a nested Net whose structure is printed.
Runs unchanged under PyTorch (`python examples/module_tour.py`) and jtorch (`python -m jtorch ...`).
"""
import argparse
import os
import tempfile

import torch
from torch import nn
from torch import optim

from fixed_values import fixed_tensor, fixed_weights_


class MyLinear(nn.Module):
    def __init__(self, inp, outp):
        super(MyLinear, self).__init__()
        # nn.Parameter registers the tensor (requires_grad=True) so optimizers see it
        self.w = nn.Parameter(torch.randn(outp, inp))
        self.b = nn.Parameter(torch.randn(outp))

    def forward(self, x):
        x = x @ self.w.t() + self.b
        return x


class Flatten(nn.Module):
    def __init__(self):
        super(Flatten, self).__init__()

    def forward(self, input):
        return input.view(input.size(0), -1)


class TestNet(nn.Module):
    # The tutorial's Conv2d omits kernel_size (a TypeError in PyTorch) and its Linear expects one channel;
    # a 3x3 kernel and 16 channels make the 28x28 -> 14x14 shapes line up.
    def __init__(self):
        super(TestNet, self).__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 16, kernel_size=3, stride=1, padding=1),
                                 nn.MaxPool2d(2, 2),
                                 Flatten(),
                                 nn.Linear(16 * 14 * 14, 10))

    def forward(self, x):
        return self.net(x)


class BasicNet(nn.Module):
    def __init__(self):
        super(BasicNet, self).__init__()
        self.net = nn.Linear(4, 3)

    def forward(self, x):
        return self.net(x)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.net = nn.Sequential(BasicNet(), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.net(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ckpt-dir", default=None, help="where to write the checkpoint (default: a temp dir)")
    args = parser.parse_args()
    torch.manual_seed(0)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    net = Net()
    net.to(device)
    net.train()
    net.eval()
    print(net)
    print("training:", net.training, [m.training for m in net.modules()])

    for name, t in net.named_parameters():
        print("parameters:", name, t.shape)
    print("first parameter:", list(net.named_parameters())[0][0])
    print("parameter names:", list(dict(net.named_parameters()).keys()))
    for name, m in net.named_children():
        print("children:", name, m)
    for name, m in net.named_modules():
        print("modules:", name, m)

    # Checkpoint: save the state_dict, change the weights, load it back.
    fixed_weights_(net)
    x = fixed_tensor(5, 4, seed=100).to(device)
    before = net(x)
    print("fixed-weight output:", [round(v, 5) for v in before.flatten().tolist()])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(args.ckpt_dir or tmp, "ckpt.mdl")
        torch.save(net.state_dict(), path)
        with torch.no_grad():
            for p in net.parameters():
                p.zero_()
        print("zeroed output:", [round(v, 5) for v in net(x).flatten().tolist()])
        result = net.load_state_dict(torch.load(path))
    print("load_state_dict:", result)
    print("restored:", torch.equal(net(x), before))
    print("state_dict keys:", list(net.state_dict().keys()))

    # A plain tensor attribute is no parameter; nn.Parameter tensors are, and reach the optimizer.
    layer = MyLinear(4, 3)
    layer.scale = torch.ones(3)
    print(layer)
    print("MyLinear parameters:", [(n, tuple(p.shape), p.requires_grad) for n, p in layer.named_parameters()])
    fixed_weights_(layer, seed=7)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    for step in range(3):
        opt.zero_grad()
        loss = (layer(x) ** 2).mean()
        loss.backward()
        opt.step()
        print(f"fixed MyLinear step {step}: loss {loss.item():.6f}")

    test_net = TestNet()
    print(test_net)
    for name, p in test_net.named_parameters():
        print("TestNet parameters:", name, tuple(p.shape))
    fixed_weights_(test_net, seed=11)
    test_net.eval()
    logits = test_net(fixed_tensor(2, 1, 28, 28, seed=12))
    print("fixed TestNet logits:", [round(v, 4) for v in logits.flatten().tolist()])


if __name__ == "__main__":
    main()
