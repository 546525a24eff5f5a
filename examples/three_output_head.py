"""A network with three outputs and a hand-written summed loss, then batched training with a DataLoader.

The program of the tutorial "PyTorch basics and applications": NN flattens its input and maps 300
features to 27 scores, returned as three heads of 9; the loss adds up the three heads' errors. The data
are lists made in Python (here: a synthetic task, three 9-way choices read off the input), turned into
tensors through numpy. Runs unchanged under PyTorch and jtorch (`python -m jtorch ...`).
"""
import argparse
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.utils.data as Data

from fixed_values import fixed_weights_


class NN(nn.Module):
    def __init__(self):
        super(NN, self).__init__()
        self.flatten = nn.Flatten()
        self.net = nn.Sequential(nn.Linear(100 * 3, 100 * 3), nn.ReLU(),
                                 nn.Linear(100 * 3, 100 * 3), nn.ReLU(),
                                 nn.Linear(100 * 3, 27))

    def forward(self, x):
        result = self.net(x)
        # The last dimension holds the 27 scores, so one sample and a batch split the same way.
        r1 = result[..., :9]
        r2 = result[..., 9:18]
        r3 = result[..., 18:27]
        return [r1, r2, r3]


def make_lists(n, seed=0):
    """n inputs of 300 numbers and their labels: three one-hot rows of 9, as Python lists."""
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((n, 300))
    projection = np.random.default_rng(1234).standard_normal((300, 3, 9))
    choices = np.einsum("ni,icj->ncj", inputs, projection).argmax(-1)
    labels = np.eye(9)[choices]
    return inputs.tolist(), labels.tolist()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default=None, help="directory for model.pth (default: a temp dir)")
    args = parser.parse_args()
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    model = NN().to(device)
    print(model)
    for name, param in model.named_parameters():
        print(name, tuple(param.shape))

    train_data, labels = make_lists(args.samples)
    train_data = torch.tensor(np.array(train_data)).to(torch.float32).to(device)
    labels = torch.tensor(np.array(labels)).to(torch.float32).to(device)
    print("data:", train_data.dtype, tuple(train_data.shape), labels.dtype, tuple(labels.shape))

    # One sample through the network, the summed loss and one optimizer step (fixed weights: reproducible).
    fixed_weights_(model)
    prediction = model(train_data[0])
    print("heads:", [tuple(p.shape) for p in prediction])
    optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    for step in range(3):
        prediction = model(train_data[0])
        loss = (prediction[0] - labels[0][0]).sum() + (prediction[1] - labels[0][1]).sum() + \
            (prediction[2] - labels[0][2]).sum()
        optim.zero_grad()
        loss.backward()
        optim.step()
        print(f"fixed single-sample step {step}: loss {loss.item():.5f}")

    # Batched training: every head is a 9-way choice, scored by cross-entropy against the one-hot rows.
    fixed_weights_(model)  # the summed loss above has no minimum: start the real training afresh
    loss_fn = nn.CrossEntropyLoss()
    bath = 50
    loader = Data.DataLoader(dataset=Data.TensorDataset(train_data.cpu(), labels.cpu()), batch_size=bath,
                             shuffle=True, num_workers=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    pstep = 2
    for epoch in range(args.epochs):
        running_loss = 0.0
        for step, (inps, labs) in enumerate(loader):
            labs = labs.to(device)
            inps = inps.to(device)
            outputs = torch.stack(model(inps), dim=1)  # (batch, 3 heads, 9)
            loss = loss_fn(outputs.reshape(-1, 9), labs.reshape(-1, 9))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            size = len(labs) * 3
            correct = (outputs.argmax(-1) == labs.argmax(-1)).type(torch.float).sum().item()
            if step % pstep == pstep - 1:
                print('[%d, %5d] loss: %.3f correct:%.3f' % (epoch + 1, step + 1, running_loss / pstep,
                                                              correct / size))
                running_loss = 0.0

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(args.out or tmp, "model.pth")
        torch.save(model.state_dict(), path)
        print("Saved PyTorch Model State to model.pth")
        restored = NN()
        print("load_state_dict:", restored.load_state_dict(torch.load(path)))
    with torch.no_grad():
        same = all(torch.equal(a, b) for a, b in zip(restored(train_data[:5]), model(train_data[:5])))
    print("restored model gives the same heads:", same)


if __name__ == "__main__":
    main()
