"""Resume from a checkpoint: load a model's and an optimizer's state_dict from a file and evaluate.

    python examples/load_torch_checkpoint.py --write ckpt.pth   # train two steps, save a checkpoint
    python -m jtorch examples/load_torch_checkpoint.py ckpt.pth  # load it (written by PyTorch or jtorch)

The model is MyComplexModel from nn_tour.py; the file holds {"model", "optimizer", "epoch"} as
torch.save writes it, so a checkpoint saved by real PyTorch loads under jtorch and the other way round.
"""
import argparse

import torch
import torch.nn as nn
import torch.optim as optim

from fixed_values import fixed_tensor
from nn_tour import MyComplexModel


def write_checkpoint(path):
    torch.manual_seed(0)
    model = MyComplexModel()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(2):
        optimizer.zero_grad()
        loss = criterion(model(torch.randn(4, 1, 54, 54)), torch.randint(0, 10, (4,)))
        loss.backward()
        optimizer.step()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 2}, path)
    print(f"checkpoint of epoch 2 written to {path}")


def resume(path):
    checkpoint = torch.load(path)
    model = MyComplexModel()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    print("model:", model.load_state_dict(checkpoint["model"]))
    optimizer.load_state_dict(checkpoint["optimizer"])
    print("epoch:", checkpoint["epoch"], "optimizer steps:",
          [int(s["step"]) for s in optimizer.state_dict()["state"].values()][:1])
    print("running_mean[:4]:", [round(v, 6) for v in model.bn1.running_mean[:4].tolist()],
          "batches:", model.bn1.num_batches_tracked.item())

    model.eval()
    images, target = fixed_tensor(2, 1, 54, 54, seed=8), torch.tensor([3, 7])
    with torch.no_grad():
        log_probs = model(images)
    print("log-probabilities:", [round(v, 5) for v in log_probs.flatten().tolist()])
    print("predicted:", log_probs.argmax(1).tolist())

    criterion = nn.CrossEntropyLoss()
    for step in range(2):  # go on training where the checkpoint stopped (eval mode: no dropout)
        optimizer.zero_grad()
        loss = criterion(model(images), target)
        loss.backward()
        optimizer.step()
        print(f"resumed step {step}: loss {loss.item():.5f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="the checkpoint file")
    parser.add_argument("--write", action="store_true", help="write a checkpoint to path instead of loading one")
    args = parser.parse_args()
    if args.write:
        write_checkpoint(args.path)
    else:
        resume(args.path)


if __name__ == "__main__":
    main()
