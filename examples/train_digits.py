"""Train a small CNN on the 8x8 handwritten digits shipped in examples/data/ — a plain PyTorch script.

Runs unchanged under PyTorch (`python examples/train_digits.py`) and under jtorch
(`python -m jtorch examples/train_digits.py`).
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

try:
    from tqdm import tqdm
except ImportError:  # the progress bar is optional
    def tqdm(iterable, **kwargs):
        return iterable

HERE = os.path.dirname(os.path.abspath(__file__))


class Digits(Dataset):
    """The digits as (1×8×8 float image scaled to [0, 1], int64 label) pairs."""

    def __init__(self, images, labels):
        self.images = (images.astype(np.float32) / 16.0)[:, None]
        self.labels = labels.astype(np.int64)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]


class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout(x.view(x.size(0), -1))
        return self.fc2(F.relu(self.fc1(x)))


def evaluate(model, loader):
    model.eval()
    correct, total, loss = 0, 0, 0.0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            total += labels.size(0)
    return loss / total, correct / total


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compile", action="store_true",
                        help="compile the whole training step (forward, backward, optimizer step) with torch.compile")
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    data = np.load(os.path.join(HERE, "data", "digits.npz"))
    order = np.random.default_rng(args.seed).permutation(len(data["labels"]))
    split = int(0.8 * len(order))
    train_set = Digits(data["images"][order[:split]], data["labels"][order[:split]])
    test_set = Digits(data["images"][order[split:]], data["labels"][order[split:]])
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = DigitNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    print(model)

    def train_step(images, labels):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss

    if args.compile:
        train_step = torch.compile(train_step)

    os.makedirs(args.out, exist_ok=True)
    history = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        for images, labels in tqdm(train_loader, desc=f"epoch {epoch}", leave=False):
            loss = train_step(images, labels)
            running += loss.item() * labels.size(0)
            seen += labels.size(0)
        scheduler.step()
        test_loss, test_acc = evaluate(model, test_loader)
        history.append((running / seen, test_loss, test_acc))
        print(f"epoch {epoch:2d}  train loss {running / seen:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {test_acc:.4f}  lr {scheduler.get_last_lr()[0]:.5f}")
    elapsed = time.perf_counter() - start
    torch.save(model.state_dict(), os.path.join(args.out, "digits_cnn.pth"))
    print(f"final test accuracy {history[-1][2]:.4f} in {elapsed:.1f} s; checkpoint saved to {args.out}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no training plot")
        return
    epochs = range(1, len(history) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, [h[0] for h in history], label="train")
    ax_loss.plot(epochs, [h[1] for h in history], label="test")
    ax_loss.set_xlabel("epoch"), ax_loss.set_ylabel("loss"), ax_loss.legend()
    ax_acc.plot(epochs, [h[2] for h in history])
    ax_acc.set_xlabel("epoch"), ax_acc.set_ylabel("test accuracy")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "digits_training.png"))
    print(f"training plot saved to {os.path.join(args.out, 'digits_training.png')}")


if __name__ == "__main__":
    main()
