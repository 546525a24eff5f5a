"""Crossing between jtorch and plain JAX: from_jax / Tensor.jax() share arrays; a Module as a pure function
(to_jax) gives eager jtorch's outputs and gradients under jax.jit, jax.grad and jax.vmap; load_jax_state writes
arrays back."""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jtorch
import jtorch.nn as nn
import jtorch.nn.functional as F

RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 5)).astype(np.float32)
Y = RNG.integers(0, 3, 8)


def _mlp(norm: bool = False):
    jtorch.manual_seed(0)
    layers = [nn.Linear(5, 16)] + ([nn.BatchNorm1d(16)] if norm else []) + [nn.Tanh(), nn.Linear(16, 3)]
    return nn.Sequential(*layers)


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


def test_from_jax_shares_the_array():
    a = jnp.arange(6.0).reshape(2, 3)
    t = jtorch.from_jax(a)
    assert t.jax() is a
    assert t.shape == (2, 3) and t.dtype is jtorch.float64
    with pytest.raises(TypeError, match="jax.Array"):
        jtorch.from_jax(np.ones(3))


def test_tensor_jax_of_view_follows_writes():
    base = jtorch.zeros(2, 3)
    row = base[1]
    row.add_(1.0)
    assert isinstance(base.jax(), jax.Array)
    _close(base.jax(), [[0, 0, 0], [1, 1, 1]])
    _close(row.jax(), [1, 1, 1])


def test_from_jax_inside_jit_with_func_grad():
    def f(v):
        return (v.sin() * v).sum()
    a = jnp.linspace(-1.0, 1.0, 4, dtype=jnp.float32)
    traced = jax.jit(lambda arr: jtorch.func.grad(f)(jtorch.from_jax(arr)).jax())(a)
    _close(traced, jtorch.func.grad(f)(jtorch.from_jax(a)).jax())


def test_apply_fn_matches_eager_under_jit_and_vmap():
    model = _mlp()
    apply_fn, params, buffers = jtorch.func.to_jax(model)
    assert set(params) == {"0.weight", "0.bias", "2.weight", "2.bias"} and buffers == {}
    assert params["0.weight"] is model[0].weight.jax()
    eager = model(jtorch.tensor(X))
    out, new_buffers = jax.jit(apply_fn)(params, buffers, jnp.asarray(X))
    _close(out, eager.detach().numpy())
    rows, _ = jax.vmap(apply_fn, in_axes=(None, None, 0))(params, buffers, jnp.asarray(X))
    _close(rows, eager.detach().numpy())


def test_jax_grad_of_apply_fn_matches_backward():
    model = _mlp()
    apply_fn, params, buffers = jtorch.func.to_jax(model)

    def loss_fn(p, x, y):
        logits, _ = apply_fn(p, buffers, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    grads = jax.jit(jax.grad(loss_fn))(params, jnp.asarray(X), jnp.asarray(Y))
    F.cross_entropy(model(jtorch.tensor(X)), jtorch.tensor(Y)).backward()
    for name, p in model.named_parameters():
        _close(grads[name], p.grad.numpy())


def test_batchnorm_buffers_come_back_and_module_is_untouched():
    model = _mlp(norm=True).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    apply_fn, params, buffers = jtorch.func.to_jax(model)
    out, new_buffers = jax.jit(apply_fn)(params, buffers, jnp.asarray(X))
    for k, v in model.state_dict().items():
        assert jtorch.equal(v, before[k])
    eager = model(jtorch.tensor(X))
    _close(out, eager.detach().numpy())
    for name, b in model.named_buffers():
        _close(new_buffers[name], b.numpy())


def test_load_jax_state_round_trip():
    model = _mlp(norm=True)
    weight = model[0].weight
    apply_fn, params, buffers = jtorch.func.to_jax(model)
    new_params = jax.tree_util.tree_map(lambda a: a * 0.5, params)
    out, new_buffers = apply_fn(new_params, buffers, jnp.asarray(X))
    jtorch.func.load_jax_state(model, new_params, new_buffers)
    assert model[0].weight is weight
    for name, p in model.named_parameters():
        _close(p.detach().numpy(), new_params[name])
    model.eval()
    out_eval, _ = apply_fn(*jtorch.func.to_jax(model)[1:], jnp.asarray(X))
    _close(out_eval, model(jtorch.tensor(X)).detach().numpy())
    with pytest.raises(RuntimeError, match="Unexpected key"):
        jtorch.func.load_jax_state(model, {"nope": jnp.zeros(1)})
    with pytest.raises(RuntimeError, match="size mismatch"):
        jtorch.func.load_jax_state(model, {"0.bias": jnp.zeros(3)})
    _close(model[0].bias.detach().numpy(), new_params["0.bias"])


def test_dropout_needs_rng_under_jit():
    model = nn.Sequential(nn.Linear(5, 5), nn.Dropout(0.5)).train()
    apply_fn, params, buffers = jtorch.func.to_jax(model)
    jtorch.manual_seed(7)
    expected_next = jtorch.rand(3)
    jtorch.manual_seed(7)
    with pytest.raises(RuntimeError, match="rng="):
        jax.jit(apply_fn)(params, buffers, jnp.asarray(X))
    run = jax.jit(lambda p, x, key: apply_fn(p, buffers, x, rng=key)[0])
    a = run(params, jnp.asarray(X), jax.random.PRNGKey(0))
    b = run(params, jnp.asarray(X), jax.random.PRNGKey(1))
    c = run(params, jnp.asarray(X), jax.random.key(0))
    assert not np.array_equal(np.asarray(a) == 0, np.asarray(b) == 0)
    _close(a, c)
    assert jtorch.equal(jtorch.rand(3), expected_next)  # the global stream is untouched


def test_optax_training_matches_jtorch_sgd():
    model, reference = _mlp(), _mlp()
    apply_fn, params, buffers = jtorch.func.to_jax(model)
    tx = optax.sgd(0.1, momentum=0.9)
    opt_state = tx.init(params)

    @jax.jit
    def step(p, s, x, y):
        def loss_fn(p):
            logits, _ = apply_fn(p, buffers, x)
            return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        loss, grads = jax.value_and_grad(loss_fn)(p)
        updates, s = tx.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    opt = jtorch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        params, opt_state, loss = step(params, opt_state, jnp.asarray(X), jnp.asarray(Y))
        opt.zero_grad()
        ref_loss = F.cross_entropy(reference(jtorch.tensor(X)), jtorch.tensor(Y))
        ref_loss.backward()
        opt.step()
        _close(loss, ref_loss.item())
    jtorch.func.load_jax_state(model, params)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        _close(p.detach().numpy(), q.detach().numpy())


def test_to_jax_gradients_do_not_depend_on_grad_mode():
    model = jtorch.nn.Linear(3, 2)
    apply_fn, params, buffers = jtorch.func.to_jax(model)
    x = jnp.ones((4, 3), jnp.float32)  # as the parameters: linear refuses mixed dtypes, as in PyTorch

    def loss(p):
        return (apply_fn(p, buffers, x)[0] ** 2).sum()
    want = jax.grad(loss)(params)
    with jtorch.no_grad():
        got = jax.grad(loss)(params)
    for k in want:
        np.testing.assert_allclose(got[k], want[k])
        assert np.abs(np.asarray(got[k])).sum() > 0
