"""Recurrent layers and nn.utils.rnn against real torch with the same weights: outputs, final states,
gradients w.r.t. inputs, initial states and parameters, and PyTorch's errors, reprs and state_dict keys."""
import copy
import os
import warnings

import jax
import numpy as np
import pytest
import torch

import jtorch
from _compare import check

from nn_helpers import assert_close, load_from_torch, selected

rng = np.random.default_rng(0)


def x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _pair(build):
    """The same module built by torch and jtorch, jtorch holding torch's weights."""
    torch.manual_seed(0)
    t_mod = build(torch.nn)
    j_mod = build(jtorch.nn)
    load_from_torch(j_mod, t_mod)
    return t_mod, j_mod


def _weights(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _tensors(lib, value, dtype):
    """numpy arrays (or a tuple of them) as leaf tensors that require grad."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(_tensors(lib, v, dtype) for v in value)
    return lib.tensor(value, dtype=dtype, requires_grad=True)


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    return [value]


def _run(lib, module, inp, hx, dtype, packed=None):
    """Forward (optionally through pack/pad of ``inp`` with lengths ``packed``), a weighted sum of every
    output as the loss, backward; returns outputs, loss and the gradients of input, hx and parameters."""
    xt = _tensors(lib, inp, dtype)
    ht = _tensors(lib, hx, dtype)
    if packed is None:
        out, h = module(xt, ht)
    else:
        rnn = lib.nn.utils.rnn
        seq = rnn.pack_padded_sequence(xt, packed, batch_first=module.batch_first, enforce_sorted=False)
        out, h = module(seq, ht)
        assert isinstance(out, rnn.PackedSequence)
        out, lengths = rnn.pad_packed_sequence(out, batch_first=module.batch_first, padding_value=-2.0)
        assert lengths.tolist() == list(packed)
    results = [out] + _flatten(h)
    loss = sum((r * lib.tensor(_weights(tuple(r.shape), i), dtype=dtype)).sum() for i, r in enumerate(results))
    loss.backward()
    grads = [xt.grad] + [t.grad for t in _flatten(ht)] if ht is not None else [xt.grad]
    return results, loss, grads + [p.grad for p in module.parameters()]


def _compare(build, inp, hx=None, dtype="float32", packed=None, train=False):
    t_mod, j_mod = _pair(build)
    t_mod.train(train)
    j_mod.train(train)
    got = _run(jtorch, j_mod, inp, hx, getattr(jtorch, dtype), packed)
    want = _run(torch, t_mod, inp, hx, getattr(torch, dtype), packed)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    for name, g, w in zip(("outputs", "loss", "grads"), got, want):
        for i, (a, b) in enumerate(zip(_flatten(g), _flatten(w))):
            assert tuple(a.shape) == tuple(b.shape), f"{name}[{i}] shape"
            assert a.dtype.is_floating_point and str(a.dtype) == str(b.dtype), f"{name}[{i}] dtype"
            assert_close(a, b, msg=f"{name}[{i}]", **tol)


# name -> (builder, input, hx)
CASES = {
    "RNN": (lambda nn: nn.RNN(3, 4), x(5, 2, 3), None),
    "RNNReluDeepBi": (lambda nn: nn.RNN(3, 4, 2, "relu", bidirectional=True), x(4, 2, 3), x(4, 2, 4)),
    "GRU": (lambda nn: nn.GRU(3, 5, num_layers=2, batch_first=True), x(2, 6, 3), x(2, 2, 5)),
    "GRUBiNoBias": (lambda nn: nn.GRU(3, 4, bias=False, bidirectional=True), x(5, 3, 3), None),
    "LSTM": (lambda nn: nn.LSTM(3, 4), x(6, 2, 3), (x(1, 2, 4), x(1, 2, 4))),
    "LSTMDeepBiBatchFirst": (lambda nn: nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True), x(2, 5, 3),
                             None),
    "LSTMProj": (lambda nn: nn.LSTM(3, 5, 2, proj_size=2, bidirectional=True), x(4, 2, 3),
                 (x(4, 2, 2), x(4, 2, 5))),
    "LSTMProjNoBias": (lambda nn: nn.LSTM(3, 5, proj_size=3, bias=False), x(4, 2, 3), None),
    "RNNUnbatched": (lambda nn: nn.RNN(3, 4, 2, batch_first=True), x(5, 3), x(2, 4)),
    "GRUUnbatched": (lambda nn: nn.GRU(3, 4, bidirectional=True), x(5, 3), None),
    "LSTMUnbatched": (lambda nn: nn.LSTM(3, 4, proj_size=2), x(5, 3), (x(1, 2), x(1, 4))),
}


@pytest.mark.parametrize("name", selected(CASES, ("GRU", "LSTMProj", "LSTMUnbatched", "RNNReluDeepBi")))
def test_module_matches_torch(name):
    build, inp, hx = CASES[name]
    _compare(build, inp, hx)


def test_double_precision():
    _compare(lambda nn: nn.GRU(3, 4, bidirectional=True).double(), x(4, 2, 3), None, dtype="float64")


PACKED = {
    "RNNBi": (lambda nn: nn.RNN(3, 4, 2, bidirectional=True), x(5, 3, 3), x(4, 3, 4), [3, 5, 1]),
    "GRUBatchFirst": (lambda nn: nn.GRU(3, 4, batch_first=True), x(3, 4, 3), None, [2, 4, 4]),
    "LSTMProjBi": (lambda nn: nn.LSTM(3, 5, 2, proj_size=2, bidirectional=True), x(4, 3, 3),
                   (x(4, 3, 2), x(4, 3, 5)), [1, 4, 2]),
}


@pytest.mark.parametrize("name", selected(PACKED, ("GRUBatchFirst", "LSTMProjBi")))
def test_packed_sequence_matches_torch(name):
    build, inp, hx, lengths = PACKED[name]
    _compare(build, inp, hx, packed=lengths)


def test_train_mode_dropout():
    build = lambda nn: nn.LSTM(3, 4, 2, dropout=1.0)  # noqa: E731 - dropping everything is deterministic
    _compare(build, x(4, 2, 3), None, train=True)
    t_mod, j_mod = _pair(lambda nn: nn.GRU(3, 8, 2, dropout=0.5))
    inp = x(6, 2, 3)
    want = t_mod.eval()(torch.tensor(inp))[0].detach().numpy()
    assert_close(j_mod.eval()(jtorch.tensor(inp))[0], want)
    j_mod.train()
    jtorch.manual_seed(0)
    first = j_mod(jtorch.tensor(inp))[0]
    second = j_mod(jtorch.tensor(inp))[0]
    assert first.shape == torch.Size(want.shape)
    assert not np.allclose(first.detach().numpy(), want)
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())
    jtorch.manual_seed(0)
    assert_close(j_mod(jtorch.tensor(inp))[0], first)


CELLS = {
    "RNNCell": (lambda nn: nn.RNNCell(3, 4), x(2, 3), x(2, 4)),
    "RNNCellRelu": (lambda nn: nn.RNNCell(3, 4, bias=False, nonlinearity="relu"), x(2, 3), None),
    "GRUCell": (lambda nn: nn.GRUCell(3, 4), x(2, 3), x(2, 4)),
    "GRUCellUnbatched": (lambda nn: nn.GRUCell(3, 4), x(3), x(4)),
    "LSTMCell": (lambda nn: nn.LSTMCell(3, 4), x(2, 3), (x(2, 4), x(2, 4))),
    "LSTMCellUnbatched": (lambda nn: nn.LSTMCell(3, 4, bias=False), x(3), None),
}


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cell_matches_torch(name):
    build, inp, hx = CELLS[name]
    for state in (hx, None):
        t_mod, j_mod = _pair(build)
        results = []
        for lib, mod in ((jtorch, j_mod), (torch, t_mod)):
            xt, ht = _tensors(lib, inp, lib.float32), _tensors(lib, state, lib.float32)
            out = _flatten(mod(xt, ht))
            sum((o * lib.tensor(_weights(tuple(o.shape), i))).sum() for i, o in enumerate(out)).backward()
            grads = [xt.grad] + [p.grad for p in mod.parameters()]
            grads += [] if ht is None else [t.grad for t in _flatten(ht)]
            results.append(out + grads)
        assert len(results[0]) == len(results[1])
        for i, (a, b) in enumerate(zip(*results)):
            assert tuple(a.shape) == tuple(b.shape)
            assert_close(a, b, msg=str(i))


def test_state_dict_and_repr_match_torch():
    builds = [lambda nn: nn.LSTM(10, 20, num_layers=2, batch_first=True),
              lambda nn: nn.LSTM(3, 4, proj_size=2, bias=False, dropout=0.5, num_layers=2, bidirectional=True),
              lambda nn: nn.RNN(3, 4, 2, "relu", False),
              lambda nn: nn.GRU(3, 4, bidirectional=True, dropout=0.25, num_layers=3),
              lambda nn: nn.RNNCell(3, 4, nonlinearity="relu", bias=False),
              lambda nn: nn.LSTMCell(3, 4), lambda nn: nn.GRUCell(3, 4, bias=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for build in builds:
            t_mod, j_mod = _pair(build)  # loading torch's state_dict: same keys, shapes
            assert repr(j_mod) == repr(t_mod)
            assert list(j_mod.state_dict()) == list(t_mod.state_dict())
            assert [tuple(p.shape) for p in j_mod.parameters()] == [tuple(p.shape) for p in t_mod.parameters()]
            if hasattr(t_mod, "all_weights"):
                assert j_mod._flat_weights_names == t_mod._flat_weights_names
                assert [[tuple(w.shape) for w in ws] for ws in j_mod.all_weights] == \
                    [[tuple(w.shape) for w in ws] for ws in t_mod.all_weights]
                assert j_mod._flat_weights[0] is j_mod.weight_ih_l0


def test_dropout_warning():
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        torch.nn.GRU(3, 4, dropout=0.3)
        jtorch.nn.GRU(3, 4, dropout=0.3)
    assert len(got) == 2 and got[0].category is got[1].category is UserWarning
    assert str(got[0].message) == str(got[1].message)
    assert os.path.basename(got[1].filename) == os.path.basename(got[0].filename)


def test_default_init_statistics():
    """LSTM weights ~ U(-1/sqrt(hidden), 1/sqrt(hidden)), compared with torch's statistically."""
    stats = []
    for lib in (torch, jtorch):
        lib.manual_seed(1)
        mod = lib.nn.LSTM(16, 64, 2, bidirectional=True)
        values = np.concatenate([p.detach().numpy().ravel() for p in mod.parameters()])
        stats.append((values.min(), values.max(), values.mean(), values.std(), values.size))
    (jmin, jmax, jmean, jstd, n), (tmin, tmax, tmean, tstd, tn) = stats
    bound = 1 / 8
    assert n == tn
    assert -bound <= jmin and jmax <= bound and jmin < -0.99 * bound and jmax > 0.99 * bound
    sigma = bound / np.sqrt(3)
    assert abs(jmean - tmean) < 6 * sigma / np.sqrt(n)
    assert abs(jstd - tstd) < 0.01 * sigma
    assert abs(jstd - sigma) < 0.01 * sigma


ERRORS = {
    "input_size": lambda lib: lib.nn.LSTM(10, 20)(lib.randn(3, 4, 5)),
    "input_dims": lambda lib: lib.nn.GRU(10, 20)(lib.randn(3, 4, 10, 1)),
    "input_dims_rnn": lambda lib: lib.nn.RNN(10, 20)(lib.randn(3)),
    "input_dtype": lambda lib: lib.nn.GRU(10, 20)(lib.randn(3, 4, 10).double()),
    "hidden_size": lambda lib: lib.nn.GRU(10, 20)(lib.randn(3, 4, 10), lib.randn(2, 4, 20)),
    "cell_size": lambda lib: lib.nn.LSTM(10, 20)(lib.randn(3, 4, 10), (lib.randn(1, 4, 20), lib.randn(1, 3, 20))),
    "lstm_hx_dims": lambda lib: lib.nn.LSTM(10, 20)(lib.randn(3, 4, 10), (lib.randn(1, 4, 20), lib.randn(4, 20))),
    "unbatched_hx_dims": lambda lib: lib.nn.RNN(10, 20)(lib.randn(4, 10), lib.randn(1, 1, 20)),
    "unbatched_hx_size": lambda lib: lib.nn.RNN(10, 20)(lib.randn(4, 10), lib.randn(1, 3)),
    "batched_hx_dims": lambda lib: lib.nn.RNN(10, 20)(lib.randn(3, 4, 10), lib.randn(4, 20)),
    "empty_sequence": lambda lib: lib.nn.RNN(10, 20)(lib.randn(0, 4, 10)),
    "packed_size": lambda lib: lib.nn.GRU(4, 3)(lib.nn.utils.rnn.pack_sequence([lib.randn(2, 2)])),
    "packed_hidden": lambda lib: lib.nn.GRU(2, 3)(lib.nn.utils.rnn.pack_sequence([lib.randn(2, 2)]),
                                                  lib.randn(2, 3)),
    "proj_rnn": lambda lib: lib.nn.RNN(10, 20, proj_size=3),
    "proj_too_big": lambda lib: lib.nn.LSTM(10, 20, proj_size=20),
    "proj_negative": lambda lib: lib.nn.LSTM(10, 20, proj_size=-1),
    "nonlinearity": lambda lib: lib.nn.RNN(10, 20, nonlinearity="x"),
    "dropout_range": lambda lib: lib.nn.LSTM(10, 20, dropout=2),
    "bias_type": lambda lib: lib.nn.LSTM(10, 20, bias=1),
    "hidden_zero": lambda lib: lib.nn.GRU(10, 0),
    "layers_zero": lambda lib: lib.nn.GRU(10, 5, 0),
    "cell_input_size": lambda lib: lib.nn.RNNCell(10, 20)(lib.randn(3, 5)),
    "cell_hidden_size": lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 10), lib.randn(3, 7)),
    "cell_batch": lambda lib: lib.nn.RNNCell(10, 20)(lib.randn(3, 10), lib.randn(4, 20)),
    "lstm_cell_c": lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(3, 20), lib.randn(3, 7))),
    "cell_dims": lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10, 1)),
    "cell_hx_dims": lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 10), lib.randn(1, 3, 20)),
    "cell_nonlinearity": lambda lib: lib.nn.RNNCell(10, 20, nonlinearity="foo")(lib.randn(3, 10)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    check(ERRORS[name], message_chars=200)


def test_forward_checks_api():
    def case(lib):
        lstm, gru = lib.nn.LSTM(3, 4, 2, proj_size=2), lib.nn.GRU(3, 4, batch_first=True)
        inp = lib.zeros(5, 6, 3)
        h = lib.zeros(2, 6, 2)
        gru.check_forward_args(inp, lib.zeros(1, 5, 4), None)
        lstm.check_forward_args(inp, (h, lib.zeros(2, 6, 4)), None)
        seq = lib.nn.utils.rnn.pack_sequence([lib.zeros(2, 3), lib.zeros(1, 3)])
        permuted = lstm.permute_hidden((h, h), lib.tensor([1, 0, 2, 3, 4, 5]))
        return [lstm.get_expected_hidden_size(inp, None), lstm.get_expected_cell_size(seq.data, seq.batch_sizes),
                gru.get_expected_hidden_size(inp, None), list(permuted), gru.permute_hidden(h, None) is h]
    check(case)
    check(lambda lib: lib.nn.LSTM(3, 4).check_forward_args(lib.zeros(5, 6, 3), (lib.zeros(1, 6, 4),
                                                                                 lib.zeros(1, 2, 4)), None),
          message_chars=200)


def test_double_backward_and_deepcopy():
    inp = x(2, 3, 2)
    t_mod, j_mod = _pair(lambda nn: nn.RNN(2, 3, bidirectional=True))
    results = []
    for lib, module in ((jtorch, copy.deepcopy(j_mod)), (torch, t_mod)):
        xt = lib.tensor(inp, requires_grad=True)
        g, = lib.autograd.grad((module(xt)[0] ** 2).sum(), xt, create_graph=True)
        results.append(lib.autograd.grad((g ** 2).sum(), xt)[0])
    assert_close(*results)


def test_empty_batch():
    check(lambda lib: [t.shape for t in _flatten(lib.nn.LSTM(3, 4)(lib.randn(5, 0, 3)))])


def test_traceable_by_jit():
    t_mod, j_mod = _pair(lambda nn: nn.LSTM(3, 4, 2, bidirectional=True))
    inp = x(5, 2, 3)

    def forward(array):
        out, (h, c) = j_mod(jtorch.Tensor._make(array))
        return out._value, h._value

    out, h = jax.jit(forward)(inp)
    want_out, (want_h, _) = t_mod(torch.tensor(inp))
    assert_close(np.asarray(out), want_out)
    assert_close(np.asarray(h), want_h)


# ---------------------------------------------------------------------- nn.utils.rnn
def test_pad_sequence():
    seqs = [x(3, 2), x(1, 2), x(4, 2)]
    for kwargs in ({}, {"batch_first": True}, {"padding_value": -1.5, "padding_side": "left"},
                   {"batch_first": True, "padding_side": "left"}):
        check(lambda lib: lib.nn.utils.rnn.pad_sequence([lib.tensor(s) for s in seqs], **kwargs))
    check(lambda lib: lib.nn.utils.rnn.pad_sequence([lib.tensor([1, 2]), lib.tensor([3])], True, 7))
    check(lambda lib: lib.nn.utils.rnn.pad_sequence(lib.tensor(seqs[0])))


def test_pack_pad_roundtrip_and_gradients():
    padded, lengths = x(4, 3, 2), [2, 4, 1]

    def case(lib, batch_first):
        rnn = lib.nn.utils.rnn
        inp = lib.tensor(padded.transpose(1, 0, 2) if batch_first else padded, requires_grad=True)
        seq = rnn.pack_padded_sequence(inp, lib.tensor(lengths), batch_first, enforce_sorted=False)
        out, lens = rnn.pad_packed_sequence(seq, batch_first, padding_value=9.0, total_length=6)
        (out * lib.arange(out.numel()).reshape(out.shape)).sum().backward()
        return [seq.data, seq.batch_sizes, seq.sorted_indices, seq.unsorted_indices, out, lens, inp.grad]

    check(lambda lib: case(lib, False))
    check(lambda lib: case(lib, True))


def test_pack_sequence_and_unpack():
    seqs = [x(4, 2), x(3, 2), x(1, 2)]

    def case(lib, sort):
        rnn = lib.nn.utils.rnn
        order = [1, 2, 0] if not sort else [0, 1, 2]
        seq = rnn.pack_sequence([lib.tensor(seqs[i]) for i in order], enforce_sorted=sort)
        return list(seq) + rnn.unpack_sequence(seq) + [rnn.invert_permutation(lib.tensor([2, 0, 1]))]

    check(lambda lib: case(lib, True))
    check(lambda lib: case(lib, False))


def test_unpad_sequence():
    values = x(4, 3, 2)
    for batch_first, lengths in ((False, [4, 2, 1]), (True, [3, 3, 2, 1])):
        check(lambda lib: lib.nn.utils.rnn.unpad_sequence(lib.tensor(values), lib.tensor(lengths), batch_first))


def test_packed_sequence_api():
    seqs = [x(2, 2), x(1, 2)]

    def case(lib):
        rnn = lib.nn.utils.rnn
        seq = rnn.pack_sequence([lib.tensor(s) for s in seqs])
        doubled = seq.to(lib.float64)
        built = rnn.PackedSequence(seq.data, seq.batch_sizes)
        pair = rnn.PackedSequence((seq.data, seq.batch_sizes))
        return [seq._fields, isinstance(seq, tuple), seq.to("cpu") is seq, doubled.data, seq.double().data.dtype,
                seq.is_cuda, list(built), list(pair)]
    check(case)


UTIL_ERRORS = {
    "unsorted": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(4, 3, 2), [2, 3, 1]),
    "zero_length": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(4, 3, 2), [3, 2, 0]),
    "lengths_count": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(4, 3, 2), [3, 2]),
    "empty_pack": lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.randn(0, 3, 2), [0, 0, 0]),
    "total_length": lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_sequence([lib.randn(3, 2)]), total_length=2),
    "pad_empty": lambda lib: lib.nn.utils.rnn.pad_sequence([]),
    "pad_side": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.randn(2)], padding_side="mid"),
    "pad_shapes": lambda lib: lib.nn.utils.rnn.pad_sequence([lib.randn(2, 3), lib.randn(3, 4)]),
    "pad_not_iterable": lambda lib: lib.nn.utils.rnn.pad_sequence(3),
}


@pytest.mark.parametrize("name", sorted(UTIL_ERRORS))
def test_util_errors_match_torch(name):
    check(UTIL_ERRORS[name], message_chars=200)
