"""A tour of torch.nn: layers, losses, optimizers, activations, normalization, dropout, containers,
functional calls, nn.Parameter and a complete CNN (MyComplexModel) trained for a few epochs.

The program of the tutorial "the torch.nn module", snippet by snippet. Runs unchanged under PyTorch
(`python examples/nn_tour.py`) and jtorch (`python -m jtorch examples/nn_tour.py`).
"""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

from fixed_values import fixed_tensor, fixed_weights_


class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        self.linear = nn.Linear(10, 1)

    def forward(self, x):
        return self.linear(x)


class MyModelWithParam(nn.Module):
    def __init__(self):
        super(MyModelWithParam, self).__init__()
        self.my_param = nn.Parameter(torch.randn(10, 10))

    def forward(self, x):
        return x @ self.my_param


class MyComplexModel(nn.Module):
    """Two conv/batchnorm/pool stages and two linear layers around a free (128, 128) parameter.

    fc1 expects 64*12*12 features, so the input is (N, 1, 54, 54): 54 -conv-> 52 -pool-> 26 -conv-> 24 -pool-> 12.
    """

    def __init__(self):
        super(MyComplexModel, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.bn2 = nn.BatchNorm2d(64)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 12 * 12, 128)
        self.fc2 = nn.Linear(128, 10)
        self.custom_param = nn.Parameter(torch.randn(128, 128))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.max_pool2d(x, 2)
        x = self.dropout(x)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = x @ self.custom_param
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def fixed_values_check(batch_size):
    """The same snippets on fixed weights and inputs (same shapes): numbers that match across frameworks."""
    linear = fixed_weights_(nn.Linear(10, 5))
    print("fixed linear:", [round(v, 5) for v in linear(fixed_tensor(1, 10, seed=1)).flatten().tolist()])
    conv = fixed_weights_(nn.Conv2d(in_channels=1, out_channels=3, kernel_size=3))
    print("fixed conv:", [round(v, 5) for v in conv(fixed_tensor(1, 1, 5, 5, seed=2)).flatten().tolist()])
    print("fixed maxpool:", nn.MaxPool2d(kernel_size=2)(fixed_tensor(1, 1, 4, 4, seed=3)).flatten().tolist())
    target = torch.tensor([1, 0, 4])
    scores = fixed_tensor(3, 5, seed=4)
    print(f"fixed losses: mse {nn.MSELoss()(scores, fixed_tensor(3, 5, seed=5)).item():.6f} "
          f"ce {nn.CrossEntropyLoss()(scores, target).item():.6f} F.ce {F.cross_entropy(scores, target).item():.6f}")
    bn = nn.BatchNorm2d(3)
    out = bn(fixed_tensor(1, 3, 5, 5, seed=6))
    print(f"fixed batchnorm: mean {out.mean().item():.6f} running_mean "
          f"{[round(v, 6) for v in bn.running_mean.tolist()]} batches {bn.num_batches_tracked.item()}")
    weight = fixed_tensor(3, 1, 3, 3, seed=7)
    print("fixed F.conv2d:", [round(v, 5) for v in F.conv2d(fixed_tensor(1, 1, 5, 5, seed=2), weight).flatten().tolist()])

    model = fixed_weights_(MyComplexModel())
    model.eval()  # dropout off, batchnorm on its running statistics: no randomness left
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    images = fixed_tensor(batch_size, 1, 54, 54, seed=8)
    target = torch.arange(batch_size) % 10
    for step in range(3):
        optimizer.zero_grad()
        loss = criterion(model(images), target)
        loss.backward()
        optimizer.step()
        print(f"fixed MyComplexModel step {step}: loss {loss.item():.5f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=100, help="steps of the SGD and Adam loops")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.manual_seed(0)

    # 1. nn.Module
    model = MyModel()
    print(model)

    # 2. layers
    linear = nn.Linear(10, 5)
    input = torch.randn(1, 10)
    output = linear(input)
    print(output)
    conv = nn.Conv2d(in_channels=1, out_channels=3, kernel_size=3)
    input = torch.randn(1, 1, 5, 5)
    output = conv(input)
    print(output)
    maxpool = nn.MaxPool2d(kernel_size=2)
    input = torch.randn(1, 1, 4, 4)
    output = maxpool(input)
    print(output)

    # 3. losses
    mse_loss = nn.MSELoss()
    input = torch.randn(3, 5)
    target = torch.randn(3, 5)
    loss = mse_loss(input, target)
    print(loss)
    cross_entropy_loss = nn.CrossEntropyLoss()
    input = torch.randn(3, 5)
    target = torch.tensor([1, 0, 4])
    loss = cross_entropy_loss(input, target)
    print(loss)

    # 4. optimizers
    model = MyModel()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    criterion = nn.MSELoss()
    for epoch in range(args.steps):
        optimizer.zero_grad()
        output = model(torch.randn(1, 10))
        loss = criterion(output, torch.randn(1, 1))
        loss.backward()
        optimizer.step()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(args.steps):
        optimizer.zero_grad()
        output = model(torch.randn(1, 10))
        loss = criterion(output, torch.randn(1, 1))
        loss.backward()
        optimizer.step()
    print(optimizer)

    # 5. activations
    relu = nn.ReLU()
    input = torch.randn(2)
    output = relu(input)
    print(output)

    # 6. normalization
    batch_norm = nn.BatchNorm2d(3)
    input = torch.randn(1, 3, 5, 5)
    output = batch_norm(input)
    print(output)

    # 7. dropout
    dropout = nn.Dropout(p=0.5)
    input = torch.randn(2, 3)
    output = dropout(input)
    print(output)

    # 8. containers
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))
    input = torch.randn(1, 10)
    output = model(input)
    print(output)
    layers = nn.ModuleList([nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5)])
    input = torch.randn(1, 10)
    for layer in layers:
        input = layer(input)
    print(input)

    # 9. functional
    input = torch.randn(2)
    output = F.relu(input)
    print(output)
    input = torch.randn(3, 5)
    target = torch.tensor([1, 0, 4])
    loss = F.cross_entropy(input, target)
    print(loss)
    input = torch.randn(1, 1, 5, 5)
    weight = torch.randn(3, 1, 3, 3)
    output = F.conv2d(input, weight)
    print(output)

    # 10. nn.Parameter
    model = MyModelWithParam()
    input = torch.randn(1, 10)
    output = model(input)
    print(output)
    for name, param in model.named_parameters():
        print(name, param.size())

    # Everything together
    model = MyComplexModel()
    print(model)
    for name, param in model.named_parameters():
        print(name, param.size())
    print("buffers:", [name for name, _ in model.named_buffers()])
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        input = torch.randn(args.batch_size, 1, 54, 54)
        target = torch.randint(0, 10, (args.batch_size,))
        output = model(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        print(f'Epoch {epoch+1}, Loss: {loss.item()}')

    fixed_values_check(args.batch_size)


if __name__ == "__main__":
    main()
