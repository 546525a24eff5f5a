"""Small programs shaped like those of the pytorch/examples repository, trained a few steps with real torch and
with jtorch from the same numpy weights and data: losses, outputs, gradients and state_dict keys must agree.

Each case is ``fn(lib)`` with ``lib`` the ``torch`` or the ``jtorch`` module; the models are short equivalents
written for these tests, each naming the example whose layers and training step it follows. Dropout is left out
(p=0): the two libraries draw different random streams.
"""
import collections
import math

import numpy as np
import pytest
import torch

import jtorch
from _compare import compare, plain


def _fill(lib, model, seed=0):
    """Give every parameter of ``model`` values from a seeded numpy stream (the same in both libraries)."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            fan = p[0].numel() if p.dim() > 1 else p.numel()
            p.copy_(lib.from_numpy(rng.uniform(-1, 1, tuple(p.shape)) / math.sqrt(fan)).to(p.dtype))
    return model


def _normal(shape, seed=1, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _labels(shape, high, seed=2):
    return np.random.default_rng(seed).integers(0, high, shape)


def mnist_cnn(lib):
    """mnist/main.py: conv-conv-pool-fc-fc with log_softmax, Adadelta, StepLR, nll_loss; then an eval pass."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 4, 3, 1), nn.Conv2d(4, 8, 3, 1)
            self.dropout = nn.Dropout(0.0)
            self.fc1, self.fc2 = nn.Linear(8 * 2 * 2, 16), nn.Linear(16, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
            x = self.dropout(lib.flatten(x, 1))
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

    model = _fill(lib, Net())
    opt = lib.optim.Adadelta(model.parameters(), lr=1.0)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
    x, y = lib.from_numpy(_normal((6, 1, 8, 8))), lib.from_numpy(_labels(6, 10))
    losses = []
    for _ in range(2):
        opt.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.detach())
    model.eval()
    with lib.no_grad():
        out = model(x)
        correct = out.argmax(dim=1, keepdim=True).eq(y.view_as(out.argmax(dim=1, keepdim=True))).sum()
    return {"losses": losses, "out": out, "correct": correct, "lr": opt.param_groups[0]["lr"],
            "keys": list(model.state_dict())}


def sine_lstm_lbfgs(lib):
    """time_sequence_prediction/train.py: two stacked LSTMCells in float64 trained with LBFGS, then a forecast."""
    nn = lib.nn

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1, self.lstm2, self.linear = nn.LSTMCell(1, 4), nn.LSTMCell(4, 4), nn.Linear(4, 1)

        def forward(self, input, future=0):
            outputs, n = [], input.size(0)
            h1, c1, h2, c2 = (lib.zeros(n, 4, dtype=lib.double) for _ in range(4))
            for step in input.split(1, dim=1):
                h1, c1 = self.lstm1(step, (h1, c1))
                h2, c2 = self.lstm2(h1, (h2, c2))
                output = self.linear(h2)
                outputs.append(output)
            for _ in range(future):
                h1, c1 = self.lstm1(output, (h1, c1))
                h2, c2 = self.lstm2(h1, (h2, c2))
                output = self.linear(h2)
                outputs.append(output)
            return lib.cat(outputs, dim=1)

    t = np.arange(6) + _labels((3, 1), 40, seed=4)
    data = lib.from_numpy(np.sin(t / 5.0))
    seq = _fill(lib, Sequence().double())
    opt, crit, losses = lib.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=2), nn.MSELoss(), []

    def closure():
        opt.zero_grad()
        loss = crit(seq(data[:, :-1]), data[:, 1:])
        losses.append(loss.detach())
        loss.backward()
        return loss

    opt.step(closure)
    with lib.no_grad():
        forecast = seq(data[:1, :-1], future=2)
    return {"losses": losses, "forecast": forecast}


def rnn_language_model(lib, kind):
    """word_language_model/model.py RNNModel: embedding, LSTM/GRU, tied-free decoder; clip_grad_norm_ and the
    hand-written SGD step ``p.data.add_(p.grad, alpha=-lr)`` of word_language_model/main.py, hidden state detached."""
    nn = lib.nn
    vocab, bptt, batch = 12, 3, 3

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(vocab, 8)
            self.rnn = getattr(nn, kind)(8, 8, 2, dropout=0.0)
            self.decoder = nn.Linear(8, vocab)

        def forward(self, input, hidden):
            output, hidden = self.rnn(self.encoder(input), hidden)
            return nn.functional.log_softmax(self.decoder(output).view(-1, vocab), dim=1), hidden

    model = _fill(lib, RNNModel())
    data = lib.from_numpy(_labels((2 * bptt + 1, batch), vocab))
    zeros = lib.zeros(2, batch, 8)
    hidden = (zeros, zeros) if kind == "LSTM" else zeros
    losses = []
    for i in range(0, 2 * bptt, bptt):
        hidden = tuple(h.detach() for h in hidden) if kind == "LSTM" else hidden.detach()
        model.zero_grad()
        output, hidden = model(data[i:i + bptt], hidden)
        loss = nn.NLLLoss()(output, data[i + 1:i + 1 + bptt].reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-5.0)
        losses.append(loss.detach())
    return {"losses": losses, "keys": list(model.state_dict())}


def transformer_language_model(lib):
    """word_language_model/model.py TransformerModel: a TransformerEncoder under the float causal mask
    ``log(tril(ones))`` (0 and -inf), sinusoidal positions, Adam."""
    nn = lib.nn
    vocab, d = 11, 8
    emb, decoder = nn.Embedding(vocab, d), nn.Linear(d, vocab)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 2, 16, dropout=0.0), 1, norm=nn.LayerNorm(d),
                                    enable_nested_tensor=False)
    modules = nn.ModuleList([emb, encoder, decoder])
    _fill(lib, modules)
    position = lib.arange(0, 6, dtype=lib.float).unsqueeze(1)
    div = lib.exp(lib.arange(0, d, 2).float() * (-math.log(10000.0) / d))
    pe = lib.zeros(6, 1, d)
    pe[:, 0, 0::2], pe[:, 0, 1::2] = lib.sin(position * div), lib.cos(position * div)
    mask = lib.log(lib.tril(lib.ones(6, 6)))
    src, tgt = lib.from_numpy(_labels((6, 2), vocab)), lib.from_numpy(_labels((12,), vocab, seed=5))
    opt, losses = lib.optim.Adam(modules.parameters(), lr=1e-2), []
    for _ in range(2):
        opt.zero_grad()
        out = nn.functional.log_softmax(decoder(encoder(emb(src) * math.sqrt(d) + pe, mask=mask)), dim=-1)
        loss = nn.functional.nll_loss(out.view(-1, vocab), tgt)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return {"losses": losses, "out": out.detach(), "keys": list(modules.state_dict())}


def super_resolution(lib):
    """super_resolution/model.py: convolutions and PixelShuffle(3), MSELoss, Adam."""
    nn = lib.nn
    model = _fill(lib, nn.Sequential(nn.Conv2d(1, 8, 5, 1, 2), nn.ReLU(), nn.Conv2d(8, 9, 3, 1, 1),
                                     nn.PixelShuffle(3)))
    x, y = lib.from_numpy(_normal((2, 1, 6, 6))), lib.from_numpy(_normal((2, 1, 18, 18), seed=3))
    opt, losses = lib.optim.Adam(model.parameters(), lr=1e-3), []
    for _ in range(2):
        opt.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return {"losses": losses, "grad": model[0].weight.grad}


def style_transformer(lib):
    """fast_neural_style/neural_style/transformer_net.py: reflection-padded convolutions, affine InstanceNorm2d,
    a residual connection and a nearest-neighbour upsample."""
    nn = lib.nn

    def conv(cin, cout, k, stride):
        return nn.Sequential(nn.ReflectionPad2d(k // 2), nn.Conv2d(cin, cout, k, stride))

    down = nn.Sequential(conv(3, 8, 3, 2), nn.InstanceNorm2d(8, affine=True), nn.ReLU())
    res = nn.Sequential(conv(8, 8, 3, 1), nn.InstanceNorm2d(8, affine=True), nn.ReLU())
    up = conv(8, 3, 3, 1)
    model = _fill(lib, nn.ModuleList([down, res, up]))
    x = lib.from_numpy(_normal((1, 3, 8, 8)))
    h = down(x)
    h = h + res(h)
    out = up(nn.functional.interpolate(h, mode="nearest", scale_factor=2))
    out.pow(2).mean().backward()
    return {"out": out, "grad": down[0][1].weight.grad, "keys": list(model.state_dict())}


def vae(lib):
    """vae/main.py: encoder to (mu, logvar), reparameterisation with given noise, sigmoid decoder, the summed
    binary cross-entropy plus KL divergence, Adam."""
    nn, F = lib.nn, lib.nn.functional
    fc1, fc21, fc22, fc3, fc4 = nn.Linear(16, 8), nn.Linear(8, 2), nn.Linear(8, 2), nn.Linear(2, 8), nn.Linear(8, 16)
    params = nn.ModuleList([fc1, fc21, fc22, fc3, fc4])
    _fill(lib, params)
    x = lib.from_numpy(np.random.default_rng(3).uniform(0, 1, (4, 16)).astype(np.float32))
    noise = lib.from_numpy(_normal((4, 2), seed=6))
    opt, losses = lib.optim.Adam(params.parameters(), lr=1e-3), []
    for _ in range(2):
        opt.zero_grad()
        h = F.relu(fc1(x))
        mu, logvar = fc21(h), fc22(h)
        z = mu + noise * lib.exp(0.5 * logvar)
        recon = lib.sigmoid(fc4(F.relu(fc3(z))))
        loss = F.binary_cross_entropy(recon, x.view(-1, 16), reduction="sum") - 0.5 * lib.sum(
            1 + logvar - mu.pow(2) - logvar.exp())
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return {"losses": losses}


def graph_networks(lib):
    """gcn/main.py and gat/main.py: a graph convolution through ``torch.spmm`` on a normalised dense adjacency,
    an attention layer built with ``torch.empty(size=...)``, leaky_relu scores masked to -inf off the graph,
    NLLLoss on index masks, Adam with weight decay."""
    nn, F = lib.nn, lib.nn.functional
    n, f = 7, 5
    adj = np.eye(n, dtype=np.float32)
    for a, b in _labels((10, 2), n, seed=7):
        adj[a, b] = adj[b, a] = 1
    deg = 1 / np.sqrt(adj.sum(1))
    adj_t, norm_adj = lib.from_numpy(adj), lib.from_numpy(deg[:, None] * adj * deg[None, :])
    kernel = nn.Parameter(lib.empty(size=(f, 6)))
    w = nn.Parameter(lib.empty(size=(6, 3)))
    a = nn.Parameter(lib.empty(size=(2, 3, 1)))
    params = nn.ParameterList([kernel, w, a])
    _fill(lib, params)
    x, y = lib.from_numpy(_normal((n, f))), lib.from_numpy(_labels(n, 3))
    train, val = lib.arange(5), lib.tensor([5, 6])
    opt, losses = lib.optim.Adam(params.parameters(), lr=0.01, weight_decay=5e-4), []
    for _ in range(2):
        opt.zero_grad()
        h = F.elu(lib.spmm(norm_adj, lib.mm(x, kernel)))
        g = lib.mm(h, w)
        scores = F.leaky_relu(lib.matmul(g, a[0]) + lib.matmul(g, a[1]).mT, 0.2)
        attention = F.softmax(scores.masked_fill(adj_t == 0, float("-inf")), dim=-1)
        out = F.log_softmax(lib.matmul(attention, g), dim=1)
        loss = nn.NLLLoss()(out[train], y[train])
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    acc = (out[val].argmax(dim=1) == y[val]).float().sum() / len(y[val])
    return {"losses": losses, "acc": acc.item(), "randint": tuple(lib.randint(4, size=(1,)).shape)}


def actor_critic(lib):
    """reinforcement_learning/actor_critic.py: a shared trunk with action and value heads, Categorical
    log-probabilities of chosen actions, normalised discounted returns built from a deque, smooth_l1 value loss."""
    nn, F = lib.nn, lib.nn.functional
    trunk, action_head, value_head = nn.Linear(4, 16), nn.Linear(16, 2), nn.Linear(16, 1)
    model = _fill(lib, nn.ModuleList([trunk, action_head, value_head]))
    opt = lib.optim.Adam(model.parameters(), lr=3e-2)
    states, actions = _normal((5, 4)), [0, 1, 1, 0, 1]
    saved = []
    for state, action in zip(states, actions):
        h = F.relu(trunk(lib.from_numpy(state)))
        dist = lib.distributions.Categorical(F.softmax(action_head(h), dim=-1))
        saved.append((dist.log_prob(lib.tensor(action)), value_head(h), dist.entropy()))
    returns, R = collections.deque(), 0.0
    for r in [1.0, 1.0, 0.0, 1.0, 1.0][::-1]:
        R = r + 0.99 * R
        returns.appendleft(R)
    returns = lib.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + np.finfo(np.float32).eps.item())
    policy = [-log_prob * (R - value.item()) for (log_prob, value, _), R in zip(saved, returns)]
    value = [F.smooth_l1_loss(value, lib.tensor([R])) for (_, value, _), R in zip(saved, returns)]
    opt.zero_grad()
    loss = lib.stack(policy).sum() + lib.stack(value).sum()
    loss.backward()
    opt.step()
    return {"loss": loss.detach(), "entropy": lib.stack([e for *_, e in saved]).detach(),
            "grad": action_head.weight.grad, "repr": repr(dist)}


def forward_forward(lib):
    """mnist_forward_forward/main.py: a label written into the first pixels by advanced-index assignment, layers
    trained on their own goodness ``log1p(exp(...))`` with Adam, prediction by the best label."""
    nn = lib.nn
    layer = _fill(lib, nn.Linear(16, 8))
    opt = lib.optim.Adam(layer.parameters(), lr=0.03)

    def overlay(x, y):
        x_ = x.clone()
        x_[:, :4] *= 0.0
        x_[range(x.shape[0]), y] = x.max()
        return x_

    def forward(x):
        return lib.relu(lib.mm(x / (x.norm(2, 1, keepdim=True) + 1e-4), layer.weight.T) + layer.bias.unsqueeze(0))

    x, y = lib.from_numpy(np.abs(_normal((6, 16)))), lib.from_numpy(_labels(6, 4))
    x_pos, x_neg = overlay(x, y), overlay(x, (y + 1) % 4)
    losses = []
    for _ in range(2):
        g_pos, g_neg = forward(x_pos).pow(2).mean(1), forward(x_neg).pow(2).mean(1)
        loss = lib.log1p(lib.exp(lib.cat([-g_pos + 2, g_neg - 2]))).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    goodness = lib.cat([forward(overlay(x, label)).pow(2).mean(1).unsqueeze(1) for label in range(4)], 1)
    return {"losses": losses, "pred": goodness.argmax(1)}


CASES = {
    "mnist_cnn": mnist_cnn,
    "sine_lstm_lbfgs": sine_lstm_lbfgs,
    "lstm_language_model": lambda lib: rnn_language_model(lib, "LSTM"),
    "gru_language_model": lambda lib: rnn_language_model(lib, "GRU"),
    "transformer_language_model": transformer_language_model,
    "super_resolution": super_resolution,
    "style_transformer": style_transformer,
    "vae": vae,
    "graph_networks": graph_networks,
    "actor_critic": actor_critic,
    "forward_forward": forward_forward,
}


@pytest.mark.parametrize("name", CASES)
def test_example_trains_like_torch(name):
    want, got = plain(CASES[name](torch)), plain(CASES[name](jtorch))
    compare(got, want, rtol=2e-4, atol=2e-5, scalar_tolerance=True)


def test_accelerator_matches_torch_on_this_machine():
    for lib in (torch, jtorch):
        assert lib.accelerator.is_available() == (lib.accelerator.device_count() > 0)
    if not torch.accelerator.is_available() and not jtorch.accelerator.is_available():
        assert jtorch.accelerator.current_accelerator() is None
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
            jtorch.accelerator.current_device_index()


def test_categorical_errors_match_torch():
    for make in (lambda lib: lib.distributions.Categorical(),
                 lambda lib: lib.distributions.Categorical(lib.tensor([-0.5, 1.5])),
                 lambda lib: lib.distributions.Categorical(lib.tensor([0.5, 0.5])).log_prob(lib.tensor(2)),
                 lambda lib: lib.distributions.Categorical(logits=lib.zeros(2, 3)).log_prob(lib.tensor([0, 1, 2]))):
        errors = []
        for lib in (torch, jtorch):
            with pytest.raises(ValueError) as info:
                make(lib)
            errors.append(str(info.value).split("\n")[0])
        assert errors[1] == errors[0]


def test_categorical_sample_shape_and_support():
    probs = jtorch.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    draws = jtorch.distributions.Categorical(probs).sample((200,))
    assert draws.shape == (200, 2) and draws.dtype == jtorch.int64
    assert bool((draws[:, 0] == 1).all()) and set(draws[:, 1].tolist()) == {0, 2}


def test_fake_data_images_are_fixed_per_index():
    """dcgan/main.py's ``--dataset fake``: FakeData of (C, H, W) images through transforms, DataLoader batches."""
    from jtorch.vision import datasets, transforms
    dataset = datasets.FakeData(size=6, image_size=(3, 8, 8), num_classes=4, transform=transforms.ToTensor())
    image, label = dataset[2]
    assert image.shape == (3, 8, 8) and image.dtype == jtorch.float32 and 0 <= label < 4
    assert bool((dataset[2][0] == image).all()) and not bool((dataset[3][0] == image).all())
    assert datasets.FakeData(size=2, image_size=(1, 5, 4))[0][0].size == (4, 5)
    batch, labels = next(iter(jtorch.utils.data.DataLoader(dataset, batch_size=4)))
    assert batch.shape == (4, 3, 8, 8) and labels.dtype == jtorch.int64
    with pytest.raises(IndexError):
        dataset[6]


def test_device_flags_match_torch():
    for name in ("is_cuda", "is_cpu", "is_xpu", "is_mps", "is_sparse"):
        assert getattr(jtorch.ones(2), name) == getattr(torch.ones(2), name), name
