"""DataParallel, nn.Sequential blocks, a custom Dataset and the samplers: RandomSampler (what shuffle=True
uses) and WeightedRandomSampler for unbalanced classes.

The program of the tutorial "things to know when starting PyTorch". DataParallel with device_ids=[0, 1]
splits each batch over two GPUs; without GPUs it runs the module as it is, in PyTorch and in jtorch.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, RandomSampler, WeightedRandomSampler

from fixed_values import fixed_tensor, fixed_weights_


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        # Sequential wraps layers into one block; activations and pooling have no parameters.
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.dropout = nn.Dropout(0.5)
        self.classifier = nn.Linear(8 * 4 * 4, 2)

    def forward(self, x):
        x = self.features(x)
        x = self.dropout(F.max_pool2d(x, 1).flatten(1))
        return self.classifier(x)


class Unbalanced(Dataset):
    """90 images of class 0 and 10 of class 1, each a (3, 8, 8) tensor."""

    def __init__(self):
        self.labels = [0] * 90 + [1] * 10
        self.images = fixed_tensor(100, 3, 8, 8, seed=9)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

    def __len__(self):
        return len(self.labels)


def main():
    torch.manual_seed(0)
    net = fixed_weights_(SmallNet())
    net.eval()
    new_net = nn.DataParallel(net, device_ids=[0, 1] if torch.cuda.device_count() >= 2 else None)
    print(new_net)
    print("parameters:", [(name, tuple(p.shape)) for name, p in new_net.named_parameters()])
    print("state_dict keys:", list(new_net.state_dict().keys()))

    dataset = Unbalanced()
    image, label = dataset[0]
    single = image.unsqueeze(0)  # one image needs a batch dimension: (1, 3, 8, 8)
    print("single input:", tuple(single.shape))
    out_put = new_net(single)
    print("DataParallel output:", [round(v, 5) for v in out_put.flatten().tolist()])
    print("same as the module:", torch.allclose(out_put, net(single)))

    loader = DataLoader(dataset, batch_size=25, shuffle=True)
    print("shuffle uses:", type(loader.sampler).__name__)
    seen = sorted(i for i in RandomSampler(dataset))
    print("RandomSampler visits every index once:", seen == list(range(len(dataset))))

    class_count = np.bincount(dataset.labels)
    weights = [1.0 / class_count[label] for label in dataset.labels]
    sampler = WeightedRandomSampler(weights, num_samples=2000, replacement=True)
    print(f"WeightedRandomSampler: {len(sampler)} samples, replacement={sampler.replacement}")
    drawn = np.bincount([dataset.labels[i] for i in sampler], minlength=2)
    print("resampled class shares:", (drawn / drawn.sum()).round(2).tolist())

    balanced = DataLoader(dataset, batch_size=50, sampler=WeightedRandomSampler(weights, 200))
    correct = 0
    with torch.no_grad():
        for images, labels in balanced:
            correct += (new_net(images).argmax(1) == labels).sum().item()
    print("batches:", len(balanced), "accuracy on resampled data:", correct / 200)


if __name__ == "__main__":
    main()
