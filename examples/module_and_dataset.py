"""The building blocks PyTorch code inherits from: nn.Module (with apply/train/eval/load_state_dict/
zero_grad), Dataset and IterableDataset, transforms as Modules chained by nn.Sequential (what
torchvision's Compose does; see image_folder.py for torchvision itself), the DataLoader, and a loss
written as a Module.

The Module/Dataset/DataLoader/loss program of the tutorial "inheritance in PyTorch". Runs unchanged
under PyTorch and jtorch (`python -m jtorch ...`).
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, IterableDataset

from fixed_values import fixed_tensor


class Model(nn.Module):
    def __init__(self):
        super(Model, self).__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 20, 5)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        return F.relu(self.conv2(x))


class Stripes(Dataset):
    """Key/value data: __getitem__ gives (transformed 12x12 image, label), __len__ the number of items."""

    def __init__(self, n, transform=None):
        rows = np.arange(12)[:, None] * np.ones((1, 12))
        self.images = [((rows * (i % 4 + 1) + i) % 256).astype(np.uint8)[:, :, None] for i in range(n)]
        self.labels = [i % 4 for i in range(n)]
        self.transform = transform

    def __getitem__(self, index):
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[index]

    def __len__(self):
        return len(self.labels)


class Countdown(IterableDataset):
    """A stream: only __iter__ is defined."""

    def __init__(self, start):
        self.start = start

    def __iter__(self):
        return iter(torch.tensor([float(k), float(k) ** 2]) for k in range(self.start, 0, -1))


class ToTensor(nn.Module):
    """(H, W, C) uint8 array -> (C, H, W) float tensor in [0, 1]."""

    def forward(self, image):
        return torch.from_numpy(image).permute(2, 0, 1).float().div(255)


class Normalize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, image):
        return (image - self.mean) / self.std

    def extra_repr(self):
        return f"mean={self.mean}, std={self.std}"


class MeanAbsoluteError(nn.Module):
    """A loss is a Module whose forward takes the prediction and the target."""

    def forward(self, input, target):
        return (input - target).abs().mean()


def constant_init(m):
    if isinstance(m, nn.Conv2d):
        with torch.no_grad():
            m.weight.copy_(fixed_tensor(*m.weight.shape, seed=m.out_channels + m.in_channels, scale=0.1))
            m.bias.fill_(0.01)


def main():
    torch.manual_seed(0)
    net = Model()
    print(net)
    net.apply(constant_init)
    if torch.cuda.is_available():
        net.cuda()
    net.train()
    print("train mode:", net.training, net.conv1.training)
    net.eval()
    print("eval mode:", net.training, net.conv1.training)

    state = {k: v.clone() for k, v in net.state_dict().items()}
    with torch.no_grad():
        net.conv1.weight.mul_(0)
    print("load_state_dict:", net.load_state_dict(state))
    x = fixed_tensor(2, 1, 16, 16, seed=3)
    out = net(x)
    print("output:", tuple(out.shape), f"sum {out.sum().item():.4f}")
    out.sum().backward()
    print("grad norms:", [round(p.grad.norm().item(), 4) for p in net.parameters()])
    net.zero_grad()
    print("after zero_grad:", [p.grad for p in net.parameters()])

    transform = nn.Sequential(ToTensor(), Normalize(0.5, 0.5))
    print(transform)
    dataset = Stripes(10, transform=transform)
    image, label = dataset[3]
    print("item:", len(dataset), image.dtype, tuple(image.shape), label,
          f"min {image.min().item():.4f} max {image.max().item():.4f}")
    loader = DataLoader(dataset, batch_size=4)
    for images, labels in loader:
        print("batch:", tuple(images.shape), labels.tolist(), f"mean {images.mean().item():.5f}")
    stream = DataLoader(Countdown(5), batch_size=2)
    print("stream:", [batch.tolist() for batch in stream])

    # The usual loop over a dataset with a Module loss.
    head = nn.Linear(144, 4)
    with torch.no_grad():
        head.weight.copy_(fixed_tensor(4, 144, seed=5, scale=0.05))
        head.bias.zero_()
    loss_fn = MeanAbsoluteError()
    optimizer = torch.optim.SGD(head.parameters(), lr=0.01, momentum=0.9)
    for epoch in range(3):
        for input, target in loader:
            optimizer.zero_grad()
            output = head(input.flatten(1))
            loss = loss_fn(output, F.one_hot(target, 4).float())
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
