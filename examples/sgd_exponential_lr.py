"""Optimizers and a decaying learning rate: SGD with momentum, Adam over a list of tensors, and
SGD + ExponentialLR stepping once per epoch after the optimizer.

The optimizer and lr_scheduler program of the tutorial "inheritance in PyTorch". Every start value is
fixed, so the printed losses and learning rates are the same under PyTorch and jtorch.
"""
import argparse

import torch
import torch.nn as nn
import torch.optim as optim
from torch.nn import Parameter
from torch.optim import SGD
from torch.optim.lr_scheduler import ExponentialLR

from fixed_values import fixed_tensor, fixed_weights_


def make_dataset(batches=4):
    """(input, target) pairs of a noiseless linear map from 2 to 2 features."""
    true_map = torch.tensor([[1.5, -0.5], [0.25, 2.0]])
    inputs = [fixed_tensor(8, 2, seed=20 + i) for i in range(batches)]
    return [(x, x @ true_map) for x in inputs]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    dataset = make_dataset()
    loss_fn = nn.MSELoss()

    # SGD with momentum over a module's parameters.
    model = fixed_weights_(nn.Linear(2, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    print(optimizer)
    for epoch in range(3):
        for input, target in dataset:
            optimizer.zero_grad()
            output = model(input)
            loss = loss_fn(output, target)
            loss.backward()
            optimizer.step()
        print(f"SGD(momentum) epoch {epoch}: loss {loss.item():.6f}")
    print("momentum buffers:", [tuple(s["momentum_buffer"].shape) for s in optimizer.state.values()])

    # Adam over plain tensors.
    var1 = fixed_tensor(2, 2, seed=1).requires_grad_()
    var2 = torch.zeros(2, requires_grad=True)
    optimizer = optim.Adam([var1, var2], lr=0.0001)
    for epoch in range(3):
        for input, target in dataset:
            optimizer.zero_grad()
            loss = loss_fn(input @ var1 + var2, target)
            loss.backward()
            optimizer.step()
        print(f"Adam epoch {epoch}: loss {loss.item():.6f}")
    print("Adam state:", sorted(optimizer.state_dict()["state"][0].keys()))

    # The scheduler decays the learning rate once per epoch, after optimizer.step().
    # (The tutorial draws the start with torch.randn; a fixed start makes the losses comparable.)
    model = [Parameter(fixed_tensor(2, 2, seed=2), requires_grad=True)]
    optimizer = SGD(model, 0.1)
    scheduler = ExponentialLR(optimizer, gamma=0.9)
    for epoch in range(args.epochs):
        for input, target in dataset:
            optimizer.zero_grad()
            output = input @ model[0]
            loss = loss_fn(output, target)
            loss.backward()
            optimizer.step()
        scheduler.step()
        print(f"ExponentialLR epoch {epoch}: loss {loss.item():.6f} lr {scheduler.get_last_lr()[0]:.6f}")
    print("scheduler state:", {k: v for k, v in scheduler.state_dict().items() if k != "_get_lr_called_within_step"})
    print("learned:", [round(v, 4) for v in model[0].flatten().tolist()])


if __name__ == "__main__":
    main()
