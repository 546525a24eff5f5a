"""Attention and the transformer family against real torch with the same weights: outputs, attention weights,
gradients w.r.t. inputs and parameters, masks, layouts, state_dict keys, repr, errors, warnings and init."""
import os
import sys
import warnings

import numpy as np
import pytest
import torch

import jtorch

from nn_helpers import assert_close, load_from_torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for _compare
from _compare import check  # noqa: E402

rng = np.random.default_rng(0)


def x(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def padding(batch, length, *masked):
    """(batch, length) bool key padding mask with the listed (row, first masked column) pairs."""
    m = np.zeros((batch, length), bool)
    for row, start in masked:
        m[row, start:] = True
    return m


def causal(n):
    return np.triu(np.ones((n, n), bool), 1)


def as_lib(lib, value):
    if isinstance(value, np.ndarray):
        return lib.tensor(value, requires_grad=value.dtype.kind == "f")
    return value


def _tensors(out):
    if isinstance(out, (tuple, list)):
        return [o for o in out if o is not None]
    return [out]


def compare(tout, jout, tin, jin, tmod=None, jmod=None, tol=1e-5):
    """Outputs (attention weights too), and gradients of a random projection of all outputs w.r.t. inputs and
    parameters."""
    tout, jout = _tensors(tout), _tensors(jout)
    assert len(tout) == len(jout)
    for t, j in zip(tout, jout):
        assert tuple(j.shape) == tuple(t.shape) and str(j.dtype) == str(t.dtype)
        assert_close(j, t, rtol=1e-4, atol=tol)
    grads = [x(*t.shape) for t in tout]
    for lib, outs in ((torch, tout), (jtorch, jout)):
        sum((o * lib.tensor(g, dtype=o.dtype)).sum() for o, g in zip(outs, grads)).backward()
    for i, (t, j) in enumerate(zip(tin, jin)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert_close(j.grad, t.grad, rtol=1e-4, atol=10 * tol, msg=f"input {i}")
    if tmod is not None:
        for (n, t), (_, j) in zip(tmod.named_parameters(), jmod.named_parameters()):
            assert (j.grad is None) == (t.grad is None), n
            if t.grad is not None:
                assert_close(j.grad, t.grad, rtol=1e-4, atol=10 * tol, msg=n)


def run_module(build, inputs, kwargs):
    """Build with torch (seeded) and jtorch, share weights, run forward in training mode, compare everything."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tmod, jmod = build(torch.nn), build(jtorch.nn)
    assert repr(jmod) == repr(tmod)
    assert list(jmod.state_dict()) == list(tmod.state_dict())
    load_from_torch(jmod, tmod)
    tin, jin = [as_lib(torch, a) for a in inputs], [as_lib(jtorch, a) for a in inputs]
    tkw = {k: as_lib(torch, v) for k, v in kwargs.items()}
    jkw = {k: as_lib(jtorch, v) for k, v in kwargs.items()}
    compare(tmod(*tin, **tkw), jmod(*jin, **jkw), tin, jin, tmod, jmod)


# ====================================================================== scaled_dot_product_attention
def _mask_row_off(mask, row):
    mask = mask.copy()
    mask[..., row, :] = False
    return mask


SDPA = {
    "plain": ((x(2, 3, 4, 8), x(2, 3, 5, 8), x(2, 3, 5, 6)), {}),
    "3d_scale": ((x(3, 4, 8), x(3, 5, 8), x(3, 5, 8)), {"scale": 0.3}),
    "2d": ((x(4, 8), x(5, 8), x(5, 8)), {}),
    "batch_broadcast": ((x(2, 3, 4, 8), x(3, 5, 8), x(3, 5, 8)), {}),
    "causal_rect": ((x(1, 2, 3, 4), x(1, 2, 5, 4), x(1, 2, 5, 4)), {"is_causal": True}),
    "bool_mask": ((x(2, 2, 3, 4), x(2, 2, 5, 4), x(2, 2, 5, 4)), {"attn_mask": x(3, 5) > 0}),
    "float_mask": ((x(2, 2, 3, 4), x(2, 2, 5, 4), x(2, 2, 5, 4)), {"attn_mask": x(2, 1, 3, 5)}),
    "fully_masked_bool": ((x(1, 2, 3, 4), x(1, 2, 5, 4), x(1, 2, 5, 4)),
                          {"attn_mask": _mask_row_off(np.ones((3, 5), bool), 1)}),
    "fully_masked_float": ((x(1, 2, 3, 4), x(1, 2, 5, 4), x(1, 2, 5, 4)),
                           {"attn_mask": np.where(_mask_row_off(np.ones((3, 5), bool), 2), 0, -np.inf)
                            .astype(np.float32)}),
    "mask_and_causal": ((x(1, 1, 3, 3), x(1, 1, 3, 3), x(1, 1, 3, 3)),
                        {"attn_mask": np.array([[0, 1, 1]] * 3, bool), "is_causal": True}),
    "gqa": ((x(2, 4, 3, 8), x(2, 2, 5, 8), x(2, 2, 5, 6)), {"enable_gqa": True}),
    "float64_float32_mask": ((x(2, 3, 4, dtype=np.float64), x(2, 5, 4, dtype=np.float64),
                              x(2, 5, 4, dtype=np.float64)), {"attn_mask": x(3, 5)}),
    "empty_keys": ((x(1, 2, 3, 4), x(1, 2, 0, 4), x(1, 2, 0, 4)), {}),
}


@pytest.mark.parametrize("name", sorted(SDPA))
def test_sdpa_matches_torch(name):
    inputs, kwargs = SDPA[name]
    tin, jin = [as_lib(torch, a) for a in inputs], [as_lib(jtorch, a) for a in inputs]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    jkw = {k: jtorch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    tout = torch.nn.functional.scaled_dot_product_attention(*tin, **tkw)
    jout = jtorch.nn.functional.scaled_dot_product_attention(*jin, **jkw)
    compare(tout, jout, tin, jin)


def test_sdpa_half_precision():
    data = x(2, 3, 4)

    def case(lib):
        q = lib.tensor(data).half()
        return lib.nn.functional.scaled_dot_product_attention(q, q, q).float()
    want, got = case(torch), case(jtorch)
    assert_close(got, want, atol=2e-3)


def test_sdpa_dropout():
    q = jtorch.tensor(x(2, 2, 6, 4))
    v = jtorch.ones(2, 2, 6, 4)
    F = jtorch.nn.functional
    jtorch.manual_seed(3)
    a = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    jtorch.manual_seed(3)
    b = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    assert np.array_equal(a.numpy(), b.numpy())
    # with v = 1 each output is the kept attention mass rescaled by 2: some rows differ from 1
    assert not np.allclose(a.numpy(), 1.0)
    assert abs(a.numpy().mean() - 1.0) < 0.35
    assert np.allclose(F.scaled_dot_product_attention(q, q, v, dropout_p=1.0).numpy(), 0.0)


def _dropout_mean_matches_torch(run, batch_dim, n=4000):
    """``run(lib, dropout_p)`` repeats one problem ``n`` times along ``batch_dim``: the mean over those independent
    dropout draws must match torch's output without dropout, and the spread of the draws torch's spread."""
    want = run(torch, 0.0).detach().double().select(batch_dim, 0)
    spread = run(torch, 0.5).detach().double().std(batch_dim)
    draws = jtorch.Tensor.numpy(run(jtorch, 0.5).detach().double())
    mean, std = np.mean(draws, axis=batch_dim), np.std(draws, axis=batch_dim, ddof=1)
    np.testing.assert_array_less(np.abs(mean - want.numpy()), 6 * spread.numpy() / np.sqrt(n) + 1e-5)
    np.testing.assert_allclose(std, spread.numpy(), rtol=0.15, atol=1e-5)


def test_sdpa_dropout_expectation_matches_torch():
    q, k, v = x(1, 3, 8), x(1, 6, 8), x(1, 6, 8)

    def run(lib, p):
        q_, k_, v_ = (lib.tensor(a).expand(4000, -1, -1) for a in (q, k, v))
        return lib.nn.functional.scaled_dot_product_attention(q_, k_, v_, dropout_p=p, is_causal=True)
    _dropout_mean_matches_torch(run, 0)


def test_multihead_attention_forward_dropout_expectation_matches_torch():
    q, w_in, b_in, w_out, b_out = x(3, 1, E), x(3 * E, E), x(3 * E), x(E, E), x(E)
    mask = x(3, 3)

    def run(lib, p):
        qe = lib.tensor(q).expand(-1, 4000, -1)
        t = lib.tensor
        return lib.nn.functional.multi_head_attention_forward(
            qe, qe, qe, E, H, t(w_in), t(b_in), None, None, False, p, t(w_out), t(b_out), attn_mask=t(mask),
            training=True, need_weights=False)[0]
    _dropout_mean_matches_torch(run, 1)


SDPA_ERRORS = {
    "heads_mismatch": lambda F, t: F.scaled_dot_product_attention(t(2, 4, 3, 8), t(2, 2, 3, 8), t(2, 2, 3, 8)),
    "gqa_indivisible": lambda F, t: F.scaled_dot_product_attention(t(2, 4, 3, 8), t(2, 3, 3, 8), t(2, 3, 3, 8),
                                                                   enable_gqa=True),
    "dtypes": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4), t(1, 3, 4), t(1, 3, 4).double()),
    "mask_dtype": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4), t(1, 3, 4), t(1, 3, 4),
                                                              attn_mask=t(3, 3).double()),
    "mask_half_bfloat16": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4).half(), t(1, 3, 4).half(),
                                                                      t(1, 3, 4).half(), attn_mask=t(3, 3).bfloat16()),
    "mask_int": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4), t(1, 3, 4), t(1, 3, 4),
                                                            attn_mask=t(3, 3).long()),
    "mask_shape": lambda F, t: F.scaled_dot_product_attention(t(1, 2, 3, 4), t(1, 2, 3, 4), t(1, 2, 3, 4),
                                                              attn_mask=t(4, 3)),
    "one_dim": lambda F, t: F.scaled_dot_product_attention(t(4), t(4), t(4)),
    "dropout_range": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4), t(1, 3, 4), t(1, 3, 4), None, 1.5),
    "scale_positional": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4), t(1, 3, 4), t(1, 3, 4), None, 0.0,
                                                                    False, 0.5),
    "integer_inputs": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4).long(), t(1, 3, 4).long(),
                                                                  t(1, 3, 4).long()),
    "causal_and_mask_3d": lambda F, t: F.scaled_dot_product_attention(t(1, 3, 4), t(1, 3, 4), t(1, 3, 4),
                                                                      attn_mask=t(3, 3) > 0, is_causal=True),
}


@pytest.mark.parametrize("name", sorted(SDPA_ERRORS))
def test_sdpa_errors(name):
    check(lambda lib: SDPA_ERRORS[name](lib.nn.functional, lambda *s: lib.ones(*s)), message_chars=80)


# ====================================================================== MultiheadAttention
E, H = 8, 2
MHA = {
    # name: (constructor kwargs, (query, key, value) shapes, forward kwargs)
    "self": ({}, ((3, 2, E), None, None), {}),
    "cross": ({}, ((3, 2, E), (5, 2, E), (5, 2, E)), {}),
    "no_weights": ({}, ((3, 2, E), (5, 2, E), (5, 2, E)), {"need_weights": False}),
    "batch_first": ({"batch_first": True}, ((2, 3, E), (2, 5, E), (2, 5, E)), {}),
    "batch_first_self_no_weights": ({"batch_first": True}, ((2, 3, E), None, None), {"need_weights": False}),
    "kdim_vdim": ({"kdim": 5, "vdim": 3}, ((3, 2, E), (4, 2, 5), (4, 2, 3)), {}),
    "bias_kv_zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, ((3, 2, E), (4, 2, E), (4, 2, E)),
                          {"key_padding_mask": padding(2, 4, (1, 2)), "attn_mask": x(3, 4)}),
    "bias_kv_no_weights": ({"add_bias_kv": True}, ((3, 2, E), (4, 2, E), (4, 2, E)),
                           {"need_weights": False, "attn_mask": x(3, 4) > 1}),
    "zero_attn_kdim": ({"add_zero_attn": True, "kdim": 6, "vdim": 6}, ((3, 2, E), (4, 2, 6), (4, 2, 6)),
                       {"key_padding_mask": padding(2, 4, (0, 3))}),
    "bool_masks_no_bias": ({"bias": False}, ((3, 2, E), (4, 2, E), (4, 2, E)),
                   {"key_padding_mask": padding(2, 4, (1, 2)), "attn_mask": x(3, 4) > 1}),
    "float_masks": ({}, ((3, 2, E), (4, 2, E), (4, 2, E)),
                    {"key_padding_mask": np.where(padding(2, 4, (0, 3)), -np.inf, 0).astype(np.float32),
                     "attn_mask": x(3, 4)}),
    "mask_3d": ({}, ((3, 2, E), (4, 2, E), (4, 2, E)), {"attn_mask": x(2 * H, 3, 4) > 1, "need_weights": False}),
    "mask_3d_weights": ({}, ((3, 2, E), (4, 2, E), (4, 2, E)),
                        {"attn_mask": x(2 * H, 3, 4), "average_attn_weights": False}),
    "fully_masked_weights": ({}, ((3, 2, E), (4, 2, E), (4, 2, E)), {"key_padding_mask": padding(2, 4, (1, 0))}),
    "fully_masked_no_weights": ({}, ((3, 2, E), (4, 2, E), (4, 2, E)),
                                {"key_padding_mask": padding(2, 4, (1, 0)), "need_weights": False}),
    "causal_hint": ({}, ((4, 2, E), None, None), {"attn_mask": causal(4), "is_causal": True, "need_weights": False}),
    "causal_hint_weights": ({}, ((4, 2, E), None, None), {"attn_mask": causal(4), "is_causal": True}),
    "causal_hint_padding": ({}, ((4, 2, E), None, None),
                            {"attn_mask": causal(4), "is_causal": True, "need_weights": False,
                             "key_padding_mask": padding(2, 4, (0, 3))}),
    "unbatched": ({}, ((3, E), (4, E), (4, E)), {"key_padding_mask": padding(1, 4, (0, 3))[0]}),
    "unbatched_batch_first": ({"batch_first": True}, ((3, E), None, None), {"average_attn_weights": False}),
    "unbatched_mask_3d": ({}, ((3, E), (4, E), (4, E)), {"attn_mask": x(H, 3, 4)}),
    "float64": ({"dtype": "float64"}, ((3, 2, E), None, None), {}),
}


@pytest.mark.parametrize("name", sorted(MHA))
def test_multihead_attention_matches_torch(name):
    ctor, shapes, fwd = MHA[name]
    dtype = np.dtype(ctor.get("dtype", "float32"))

    def build(lib):
        kw = {k: getattr(lib, v) if k == "dtype" else v for k, v in ctor.items()}
        return lib.nn.MultiheadAttention(E, H, **kw)

    self_attention = shapes[1] is None
    query = x(*shapes[0], dtype=dtype)
    key, value = (None, None) if self_attention else (x(*shapes[1], dtype=dtype), x(*shapes[2], dtype=dtype))
    torch.manual_seed(0)
    tmod, jmod = build(torch), build(jtorch)
    assert repr(jmod) == repr(tmod)
    assert list(jmod.state_dict()) == list(tmod.state_dict())
    load_from_torch(jmod, tmod)
    outs, ins = [], []
    for lib, mod in ((torch, tmod), (jtorch, jmod)):
        q = as_lib(lib, query)
        k, v = (q, q) if self_attention else (as_lib(lib, key), as_lib(lib, value))
        kw = {n: lib.tensor(a) if isinstance(a, np.ndarray) else a for n, a in fwd.items()}
        outs.append(mod(q, k, v, **kw))
        ins.append((q,) if self_attention else (q, k, v))
    (tout, jout), (tin, jin) = outs, ins
    assert (jout[1] is None) == (tout[1] is None)
    compare(tout, jout, tin, jin, tmod, jmod)


def test_multihead_attention_functional_static_kv():
    """multi_head_attention_forward with separate weights, static keys/values and in training mode."""
    def case(lib):
        g = np.random.default_rng(1)
        t = lambda *s: lib.tensor(g.standard_normal(s).astype(np.float32), requires_grad=True)  # noqa: E731
        q, k, v = t(3, 2, E), t(4, 2, E), t(4, 2, E)
        w_in, b_in, w_out, b_out = t(3 * E, E), t(3 * E), t(E, E), t(E)
        sk, sv = t(2 * H, 6, E // H), t(2 * H, 6, E // H)
        out, w = lib.nn.functional.multi_head_attention_forward(
            q, k, v, E, H, w_in, b_in, None, None, True, 0.0, w_out, b_out, training=True, static_k=sk,
            static_v=sv, key_padding_mask=lib.tensor(padding(2, 6, (1, 4))))
        (out.sum() + w.pow(2).sum()).backward()
        return out, w, q.grad, w_in.grad, sk.grad, sv.grad
    check(case)


def test_multihead_attention_dropout_train_and_eval():
    torch.manual_seed(0)
    tmod = torch.nn.MultiheadAttention(E, H, dropout=0.5)
    jmod = jtorch.nn.MultiheadAttention(E, H, dropout=0.5)
    load_from_torch(jmod, tmod)
    q = x(3, 2, E)
    jmod.eval()
    tmod.eval()
    compare(tmod(torch.tensor(q), torch.tensor(q), torch.tensor(q)),
            jmod(jtorch.tensor(q), jtorch.tensor(q), jtorch.tensor(q)), [], [])
    jmod.train()
    jq = jtorch.tensor(q)
    out, w = jmod(jq, jq, jq, average_attn_weights=False)
    # the returned weights are the dropped-out ones: zeros and survivors scaled by 2
    w = w.detach().numpy()
    assert (w == 0).any() and np.isfinite(w).all() and w.max() > 0
    jtorch.manual_seed(5)
    a = jmod(jq, jq, jq, need_weights=False)[0]
    jtorch.manual_seed(5)
    b = jmod(jq, jq, jq, need_weights=False)[0]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_multihead_attention_init_statistics():
    """Default init (xavier_uniform_ in-projection, zero biases, xavier_normal_ bias_k/v) against torch's."""
    def stats(lib, **kw):
        lib.manual_seed(0)
        mods = [lib.nn.MultiheadAttention(48, 4, add_bias_kv=True, **kw) for _ in range(4)]
        params = {n: np.concatenate([p.detach().numpy().ravel() for m in mods for pn, p in m.named_parameters()
                                     if pn == n]) for n, _ in mods[0].named_parameters()}
        return params
    for kw in ({}, {"kdim": 24, "vdim": 40}):
        want, got = stats(torch, **kw), stats(jtorch, **kw)
        assert list(got) == list(want)
        for name in want:
            w, g = want[name], got[name]
            if not w.any():
                assert not g.any(), name
                continue
            assert abs(g.std() - w.std()) < 0.15 * w.std(), name
            # same distribution: quantiles agree within a few standard errors of the sample quantiles
            qs = (0.05, 0.25, 0.5, 0.75, 0.95)
            tol = 8 * w.std() / np.sqrt(w.size)
            assert np.abs(np.quantile(g, qs) - np.quantile(w, qs)).max() < tol, name
            if "proj_weight" in name and name != "out_proj.weight":  # uniform: the same bounds
                assert np.abs(g).max() <= np.abs(w).max() * 1.01, name


def test_multihead_attention_repr_and_parameters():
    for kw in ({}, {"kdim": 5, "vdim": 3, "add_bias_kv": True}, {"bias": False, "batch_first": True}):
        t, j = torch.nn.MultiheadAttention(E, H, **kw), jtorch.nn.MultiheadAttention(E, H, **kw)
        assert repr(j) == repr(t)
        assert [n for n, _ in j.named_parameters()] == [n for n, _ in t.named_parameters()]
        assert list(j.state_dict()) == list(t.state_dict())
        assert type(j.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout", "batch_first",
                     "_qkv_same_embed_dim", "add_zero_attn"):
            assert getattr(j, attr) == getattr(t, attr), attr
        assert (j.bias_k is None) == (t.bias_k is None)


def _mha_call(lib, ctor=None, q=(3, 2, E), k=(4, 2, E), v=(4, 2, E), **fwd):
    lib.manual_seed(0)
    m = lib.nn.MultiheadAttention(E, H, **(ctor or {}))
    return m(lib.ones(*q), lib.ones(*k), lib.ones(*v), **fwd)[0]


MHA_ERRORS = {
    "zero_heads": lambda lib: lib.nn.MultiheadAttention(E, 0),
    "indivisible": lambda lib: lib.nn.MultiheadAttention(E, 3),
    "query_4d": lambda lib: _mha_call(lib, q=(3, 2, 1, E)),
    "key_rank": lambda lib: _mha_call(lib, k=(4, E)),
    "kpm_rank": lambda lib: _mha_call(lib, key_padding_mask=lib.zeros(2, 4, 1, dtype=lib.bool)),
    "kpm_int": lambda lib: _mha_call(lib, key_padding_mask=lib.zeros(2, 4, dtype=lib.long)),
    "kpm_shape": lambda lib: _mha_call(lib, key_padding_mask=lib.zeros(3, 4, dtype=lib.bool)),
    "kpm_length": lambda lib: _mha_call(lib, key_padding_mask=lib.zeros(2, 5, dtype=lib.bool)),
    "mask_rank": lambda lib: _mha_call(lib, attn_mask=lib.zeros(1, 3, 4, 1)),
    "mask_2d_shape": lambda lib: _mha_call(lib, attn_mask=lib.zeros(4, 4)),
    "mask_3d_shape": lambda lib: _mha_call(lib, attn_mask=lib.zeros(3, 3, 4)),
    "unbatched_mask_3d": lambda lib: _mha_call(lib, q=(3, E), k=(4, E), v=(4, E), attn_mask=lib.zeros(3, 3, 4)),
    "causal_without_mask": lambda lib: _mha_call(lib, is_causal=True),
    "embed_dim": lambda lib: _mha_call(lib, q=(3, 2, 6), k=(4, 2, 6), v=(4, 2, 6)),
    "key_value_shapes": lambda lib: _mha_call(lib, v=(5, 2, E)),
    "separate_key_value": lambda lib: _mha_call(lib, {"kdim": 5, "vdim": 3}, k=(4, 2, 5), v=(5, 2, 3)),
    "separate_weight_shape": lambda lib: _mha_call(lib, {"kdim": 5, "vdim": 3}, k=(4, 2, 6), v=(4, 2, 3)),
}


@pytest.mark.parametrize("name", sorted(MHA_ERRORS))
def test_multihead_attention_errors(name):
    check(MHA_ERRORS[name], message_chars=200)


def test_merge_masks():
    kpm, am2, am3 = np.where(padding(2, 3, (1, 2)), -np.inf, 0).astype(np.float32), x(3, 3), x(2 * H, 3, 3)

    def case(lib):
        m = lib.nn.MultiheadAttention(E, H, batch_first=True)
        q = lib.zeros(2, 3, E)
        return [m.merge_masks(lib.tensor(am2), lib.tensor(kpm), q), m.merge_masks(lib.tensor(am3), None, q),
                m.merge_masks(None, lib.tensor(kpm), q), m.merge_masks(None, None, q)]
    check(case)


def test_mask_type_mismatch_warns():
    for lib in (torch, jtorch):
        m = lib.nn.MultiheadAttention(E, H)
        q = lib.randn(3, 2, E)
        with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
            m(q, q, q, key_padding_mask=lib.zeros(2, 3, dtype=lib.bool), attn_mask=lib.zeros(3, 3))


# ====================================================================== transformer
D, NH, FF = 8, 2, 16


def _layer(nn, kind, **kw):
    kw.setdefault("dropout", 0.0)
    return getattr(nn, kind)(D, NH, FF, **kw)


TRANSFORMER = {
    # name: (builder, inputs, forward kwargs)
    "encoder_layer_norm_first_gelu": (
        lambda nn: _layer(nn, "TransformerEncoderLayer", norm_first=True, activation="gelu", batch_first=True),
        [x(2, 5, D)], {"src_mask": causal(5), "is_causal": True}),
    "encoder_layer_callable_activation": (
        lambda nn: _layer(nn, "TransformerEncoderLayer", activation=nn.GELU(approximate="tanh"), bias=False),
        [x(5, 2, D)], {"src_mask": x(5, 5)}),
    "encoder_layer_unbatched": (lambda nn: _layer(nn, "TransformerEncoderLayer", layer_norm_eps=1e-3),
                                [x(5, D)], {"src_key_padding_mask": padding(1, 5, (0, 4))[0]}),
    "decoder_layer": (lambda nn: _layer(nn, "TransformerDecoderLayer"), [x(4, 2, D), x(5, 2, D)],
                      {"tgt_mask": causal(4), "memory_key_padding_mask": padding(2, 5, (0, 3)),
                       "tgt_key_padding_mask": padding(2, 4, (1, 3))}),
    "decoder_layer_norm_first": (lambda nn: _layer(nn, "TransformerDecoderLayer", norm_first=True, batch_first=True),
                                 [x(2, 4, D), x(2, 5, D)], {"tgt_mask": causal(4), "tgt_is_causal": True,
                                                            "memory_mask": x(4, 5)}),
    "encoder": (lambda nn: nn.TransformerEncoder(_layer(nn, "TransformerEncoderLayer"), 2, nn.LayerNorm(D)),
                [x(5, 2, D)], {"mask": causal(5), "src_key_padding_mask": padding(2, 5, (1, 4))}),
    "encoder_float_causal_mask": (
        lambda nn: nn.TransformerEncoder(_layer(nn, "TransformerEncoderLayer", batch_first=True), 2,
                                         enable_nested_tensor=False),
        [x(2, 5, D)], {"mask": np.where(causal(5), -np.inf, 0).astype(np.float32)}),
    "decoder": (lambda nn: nn.TransformerDecoder(_layer(nn, "TransformerDecoderLayer"), 2, nn.LayerNorm(D)),
                [x(4, 2, D), x(5, 2, D)], {"tgt_mask": causal(4)}),
    "transformer": (lambda nn: nn.Transformer(D, NH, 1, 2, FF, dropout=0.0),
                    [x(5, 2, D), x(4, 2, D)],
                    {"tgt_mask": np.where(causal(4), -np.inf, 0).astype(np.float32),
                     "src_key_padding_mask": padding(2, 5, (1, 3)), "memory_key_padding_mask": padding(2, 5, (1, 3)),
                     "tgt_key_padding_mask": padding(2, 4, (0, 3))}),
    "transformer_batch_first_norm_first": (
        lambda nn: nn.Transformer(D, NH, 1, 2, FF, dropout=0.0, batch_first=True, norm_first=True,
                                  activation="gelu", bias=False),
        [x(2, 5, D), x(2, 4, D)], {"tgt_mask": causal(4), "tgt_is_causal": True, "src_mask": x(5, 5)}),
    "transformer_custom_encoder_decoder": (
        lambda nn: nn.Transformer(D, NH, dim_feedforward=FF, custom_encoder=nn.TransformerEncoder(
            _layer(nn, "TransformerEncoderLayer", norm_first=True), 1, enable_nested_tensor=False),
            custom_decoder=nn.TransformerDecoder(_layer(nn, "TransformerDecoderLayer"), 1)),
        [x(5, 2, D), x(4, 2, D)], {"src_key_padding_mask": padding(2, 5, (0, 2))}),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMER))
def test_transformer_matches_torch(name):
    build, inputs, kwargs = TRANSFORMER[name]
    run_module(build, inputs, kwargs)


def test_transformer_eval_matches_math_path():
    """In eval mode without grad torch takes its fused fast path; the results agree with ours."""
    build = lambda nn: nn.TransformerEncoder(_layer(nn, "TransformerEncoderLayer", batch_first=True), 2)  # noqa
    torch.manual_seed(0)
    tmod, jmod = build(torch.nn), build(jtorch.nn)
    load_from_torch(jmod, tmod)
    tmod.eval()
    jmod.eval()
    src = x(2, 5, D)
    with torch.no_grad(), jtorch.no_grad():
        assert_close(jmod(jtorch.tensor(src)), tmod(torch.tensor(src)))


def test_transformer_dropout_in_training():
    jtorch.manual_seed(0)
    layer = jtorch.nn.TransformerEncoderLayer(D, NH, FF, dropout=0.5)
    src = jtorch.tensor(x(5, 2, D))
    a, b = layer(src), layer(src)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    layer.eval()
    assert np.array_equal(layer(src).detach().numpy(), layer(src).detach().numpy())


def test_transformer_layers_are_deep_copies():
    layer = jtorch.nn.TransformerEncoderLayer(D, NH, FF)
    enc = jtorch.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    params = [p for m in enc.layers for p in m.parameters()] + list(layer.parameters())
    assert len({id(p) for p in params}) == len(params)
    assert np.array_equal(enc.layers[0].linear1.weight.detach().numpy(), layer.linear1.weight.detach().numpy())
    assert enc.layers[2].self_attn.in_proj_weight is not enc.layers[1].self_attn.in_proj_weight


def test_transformer_attributes_and_repr():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [(torch.nn.Transformer(D, NH, 2, 1, FF, activation="gelu"),
                  jtorch.nn.Transformer(D, NH, 2, 1, FF, activation="gelu")),
                 (torch.nn.TransformerEncoderLayer(D, NH, activation=torch.nn.ReLU(), batch_first=True),
                  jtorch.nn.TransformerEncoderLayer(D, NH, activation=jtorch.nn.ReLU(), batch_first=True))]
    for t, j in pairs:
        assert repr(j) == repr(t)
        assert list(j.state_dict()) == list(t.state_dict())
        assert [n for n, _ in j.named_parameters()] == [n for n, _ in t.named_parameters()]
    t, j = pairs[0]
    assert (j.d_model, j.nhead, j.batch_first) == (t.d_model, t.nhead, t.batch_first)
    for attr in ("num_layers", "enable_nested_tensor", "use_nested_tensor", "mask_check"):
        assert getattr(j.encoder, attr) == getattr(t.encoder, attr), attr
    assert j.encoder.layers[0].activation_relu_or_gelu == t.encoder.layers[0].activation_relu_or_gelu == 2
    assert pairs[1][1].activation_relu_or_gelu == pairs[1][0].activation_relu_or_gelu == 1
    assert j.decoder.layers[0].activation is jtorch.nn.functional.gelu


def test_square_subsequent_mask():
    check(lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(4))
    check(lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(3, dtype=lib.float64))


def test_nested_tensor_warning():
    layer_kw = [{}, {"batch_first": True, "norm_first": True}, {"batch_first": True, "activation": lambda t: t},
                {"batch_first": True}]
    for kw in layer_kw:
        msgs = []
        for lib in (torch, jtorch):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, NH, FF, **kw), 1)
            msgs.append([str(w.message) for w in caught if "nested" in str(w.message)])
        assert msgs[1] == msgs[0]


TRANSFORMER_ERRORS = {
    "batch_mismatch": lambda lib: lib.nn.Transformer(D, NH, 1, 1, FF)(lib.zeros(5, 2, D), lib.zeros(4, 3, D)),
    "batch_first_mismatch": lambda lib: lib.nn.Transformer(D, NH, 1, 1, FF, batch_first=True)(
        lib.zeros(2, 5, D), lib.zeros(3, 4, D)),
    "d_model": lambda lib: lib.nn.Transformer(D, NH, 1, 1, FF)(lib.zeros(5, 2, D), lib.zeros(4, 2, 6)),
    "activation": lambda lib: lib.nn.TransformerEncoderLayer(D, NH, activation="tanh"),
    "mask_int": lambda lib: lib.nn.TransformerEncoderLayer(D, NH, FF)(lib.zeros(5, 2, D),
                                                                      src_mask=lib.zeros(5, 5, dtype=lib.long)),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMER_ERRORS))
def test_transformer_errors(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(TRANSFORMER_ERRORS[name], message_chars=200)
