"""jtorch.compile: a compiled step gives the eager step's parameters, buffers, optimizer state and losses."""
import copy
import gc
import warnings
import weakref

import numpy as np
import pytest

import jtorch as torch
import jtorch.nn as nn
import jtorch.nn.functional as F


def _snapshot(model, opt):
    params = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    state = {(i, k): v.detach().numpy().copy() if isinstance(v, torch.Tensor) else v
             for i, s in enumerate(opt.state.values()) for k, v in s.items()}
    return params, state


def _train(build, compiled: bool, steps: int, with_scheduler: bool):
    """Train the model ``build()`` makes for ``steps`` steps, eagerly or through jtorch.compile."""
    torch.manual_seed(0)
    model, opt = build()
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9) if with_scheduler else None
    gen = np.random.default_rng(0)
    xs = [torch.tensor(gen.standard_normal((8, 6)), dtype=torch.float32) for _ in range(steps)]
    ys = [torch.tensor(gen.integers(0, 3, 8)) for _ in range(steps)]

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        return loss

    run = torch.compile(step, fullgraph=True) if compiled else step
    torch.manual_seed(1)
    losses = [run(x, y).item() for x, y in zip(xs, ys)]
    lrs = opt.param_groups[0]["lr"]
    return losses, _snapshot(model, opt), lrs, run


def _sgd_mlp():
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)


def _adam_bn_dropout():
    model = nn.Sequential(nn.Linear(6, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.25),
                          nn.Linear(16, 3))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)


def _adamw():
    model = nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 3))
    return model, torch.optim.AdamW(model.parameters(), lr=1e-2)


def _adafactor():
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    return model, torch.optim.Adafactor(model.parameters(), lr=0.05, weight_decay=0.1)


def _muon():
    model = nn.Sequential(nn.Linear(6, 16, bias=False), nn.Tanh(), nn.Linear(16, 3, bias=False))
    return model, torch.optim.Muon(model.parameters(), lr=0.02)


@pytest.mark.parametrize("build", [_sgd_mlp, _adam_bn_dropout, _adamw, _adafactor, _muon])
@pytest.mark.parametrize("with_scheduler", [False, True])
def test_compiled_step_matches_eager(build, with_scheduler):
    eager_losses, (eager_params, eager_state), eager_lr, _ = _train(build, False, 6, with_scheduler)
    losses, (params, state), lr, run = _train(build, True, 6, with_scheduler)
    np.testing.assert_allclose(losses, eager_losses, rtol=1e-5, atol=1e-6)
    assert params.keys() == eager_params.keys()
    for k in params:
        np.testing.assert_allclose(params[k], eager_params[k], rtol=1e-5, atol=1e-6, err_msg=k)
    assert state.keys() == eager_state.keys()
    for k in state:
        np.testing.assert_allclose(state[k], eager_state[k], rtol=1e-5, atol=1e-6, err_msg=str(k))
    assert lr == eager_lr
    assert run.trace_count == 1


def test_scheduler_changing_lr_every_step_does_not_retrace():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0 / (1 + epoch))
    x, y = torch.randn(5, 4), torch.randn(5, 2)

    @torch.compile
    def step():
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        return loss

    torch.compiler.reset()
    lrs = []
    for _ in range(100):
        step()
        lrs.append(opt.param_groups[0]["lr"])
    assert step.trace_count == 1
    assert torch.compiler.counters["traces"] == 1
    assert lrs == [0.5 / (2 + i) for i in range(100)]


def test_outside_references_stay_valid_and_see_new_values():
    model = nn.Linear(3, 1)
    weight = model.weight
    alias = model.weight.data
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    x = torch.ones(2, 3)

    @torch.compile
    def step():
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()

    for _ in range(3):
        before = weight.detach().clone()
        step()
        assert model.weight is weight
        np.testing.assert_allclose(weight.detach().numpy(), before.numpy() - 2.0, rtol=1e-6)
        np.testing.assert_allclose(alias.numpy(), weight.detach().numpy())
        np.testing.assert_allclose(weight.grad.numpy(), np.full((1, 3), 2.0))


def test_fresh_grads_reuse_their_buffers_unless_something_else_holds_them():
    model = nn.Linear(4, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    @torch.compile
    def step(x):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()

    for i in range(3):
        step(torch.full((2, 4), float(i)))
    address = model.weight.grad.jax().unsafe_buffer_pointer()
    step(torch.ones(2, 4))
    assert model.weight.grad.jax().unsafe_buffer_pointer() == address  # the previous grad's buffer, written over

    held_array, held_numpy = model.weight.grad.jax(), model.weight.grad.numpy()
    held_tensor = model.weight.grad
    kept = held_numpy.copy()
    step(torch.full((2, 4), 5.0))
    np.testing.assert_array_equal(np.asarray(held_array), kept)  # still readable and unchanged
    np.testing.assert_array_equal(held_numpy, kept)
    np.testing.assert_array_equal(held_tensor.numpy(), kept)  # as in PyTorch, zero_grad() let go of it
    assert model.weight.grad is not held_tensor
    assert not np.array_equal(model.weight.grad.numpy(), kept)


def _grads_outside_the_step(lib, compile_fn, pattern: str):
    """Parameters and gradients after steps whose ``.grad`` slots the caller manages: ``zero_grad`` before each
    call (``each``), every other call (``accumulate``), or never (``never``); the compiled function only runs
    forward and backward."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)

    def forward_backward(x):
        loss = model(x).pow(2).mean()
        loss.backward()
        return loss
    fn = compile_fn(forward_backward)
    seen = []
    for i in range(6):
        if pattern == "each" or (pattern == "accumulate" and i % 2 == 0):
            opt.zero_grad()
        fn(lib.linspace(-1.0, 1.0, 6).reshape(2, 3) * (i + 1))
        seen.append([p.grad.numpy().copy() for p in model.parameters()])
        if pattern != "never" and (pattern == "each" or i % 2 == 1):
            opt.step()
    return seen + [[p.detach().numpy().copy() for p in model.parameters()]]


@pytest.mark.parametrize("pattern", ["each", "accumulate", "never"])
def test_grad_slots_emptied_between_calls_are_filled_as_in_eager(pattern):
    import torch as reference
    want = _grads_outside_the_step(reference, lambda f: f, pattern)
    got = _grads_outside_the_step(torch, torch.compile, pattern)
    for w_step, g_step in zip(want, got):
        for w, g in zip(w_step, g_step):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_grads_of_fresh_argument_tensors_are_set_every_call():
    import torch as reference

    def grads(lib, compile_fn):
        def f(x, w):
            loss = (x * w).sum() + (x ** 2).sum()
            loss.backward()
            return loss
        fn = compile_fn(f)
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        out = []
        for i in range(4):
            x = (lib.tensor([0.5, 1.0, 1.5]) * (i + 1)).requires_grad_()
            fn(x, w)
            out.append((x.grad.tolist(), w.grad.tolist()))
        return out
    np.testing.assert_allclose(grads(torch, torch.compile), grads(reference, lambda f: f), rtol=1e-6)


def _spent_losses(lib, compile_fn, retain_graph: bool):
    """What a training step's returned loss shows over three calls (repr, requires_grad, grad_fn name), then the
    outcome of a backward from the last one outside the step."""
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.linspace(-1.0, 1.0, 6).reshape(2, 3))
        lin.bias.zero_()
    opt = lib.optim.SGD(lin.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = lin(x).pow(2).mean()
        loss.backward(retain_graph=retain_graph)
        opt.step()
        return loss
    fn = compile_fn(step)
    seen = []
    for i in range(3):
        loss = fn(lib.ones(4, 3) * (i + 1))
        seen.append((repr(loss), loss.requires_grad, loss.grad_fn.name()))
    try:
        loss.backward()
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return seen, (type(e).__name__, str(e))
    return seen, "ok"


def test_training_step_loss_keeps_its_spent_grad_fn_as_in_eager():
    import torch as reference
    want = _spent_losses(reference, lambda f: f, retain_graph=False)
    assert _spent_losses(torch, torch.compile, retain_graph=False) == want
    assert want[1][0] == "RuntimeError"  # backward through the graph a second time


def test_backward_from_a_kept_graph_outside_the_step_says_it_is_not_supported():
    seen, error = _spent_losses(torch, torch.compile, retain_graph=True)
    assert [s[1:] for s in seen] == [(True, "MeanBackward0")] * 3
    assert error[0] == "NotImplementedError" and "retain_graph=True" in error[1]


def test_grad_slot_patterns_trace_once_each():
    fn = torch.compile(lambda x: model(x).sum().backward())
    model = nn.Linear(3, 2)
    for i in range(8):
        if i % 2 == 0:
            model.zero_grad()
        fn(torch.ones(2, 3))
    assert fn.trace_count == 2  # one program creates the .grads, one adds to them


def test_compiled_module_forward_is_differentiable_and_updates_buffers():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 2))
    reference = copy.deepcopy(model)
    compiled = torch.compile(model)
    x = torch.randn(6, 4, requires_grad=True)
    x_ref = x.detach().clone().requires_grad_()
    for _ in range(3):
        out, want = compiled(x), reference(x_ref)
        np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6)
        (out ** 2).sum().backward()
        (want ** 2).sum().backward()
    assert out.grad_fn.name() == "CompiledFunctionBackward"
    np.testing.assert_allclose(x.grad.numpy(), x_ref.grad.numpy(), rtol=1e-5, atol=1e-6)
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=name)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(model[1], name).numpy(), getattr(reference[1], name).numpy(),
                                   rtol=1e-6, atol=1e-7, err_msg=name)
    compiled.eval()
    reference.eval()
    np.testing.assert_allclose(compiled(x).detach().numpy(), reference(x_ref).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    assert compiled._compiled_call.trace_count == 2  # train and eval are different programs


def test_optimized_module_mirrors_pytorch_layout():
    model = nn.Sequential(nn.Linear(2, 3))
    compiled = torch.compile(model)
    assert list(compiled.state_dict()) == ["_orig_mod.0.weight", "_orig_mod.0.bias"]
    assert repr(compiled).startswith("OptimizedModule(\n  (_orig_mod): Sequential(")
    assert compiled._orig_mod is model
    assert compiled.training and compiled._modules["_orig_mod"] is model


def test_module_compile_in_place_keeps_state_dict_keys():
    model = nn.Linear(3, 2)
    model.compile()
    x = torch.randn(4, 3)
    eager = F.linear(x, model.weight, model.bias)
    for _ in range(3):
        np.testing.assert_allclose(model(x).detach().numpy(), eager.detach().numpy(), rtol=1e-6)
    assert list(model.state_dict()) == ["weight", "bias"]
    assert model._compiled_call_impl.trace_count == 1


def test_new_input_shape_retraces_and_same_shape_does_not():
    model = nn.Linear(3, 2)
    f = torch.compile(lambda x: model(x).tanh())
    for n in (4, 4, 5, 5, 4):
        f(torch.randn(n, 3))
    assert f.trace_count == 2


def test_rng_advances_inside_compiled_function():
    f = torch.compile(lambda x: F.dropout(x, 0.5, training=True))
    x = torch.ones(64)
    masks = [tuple((f(x) != 0).tolist()) for _ in range(4)]
    assert len(set(masks)) == 4
    torch.manual_seed(3)
    first = [f(x).tolist() for _ in range(2)]
    torch.manual_seed(3)
    assert [f(x).tolist() for _ in range(2)] == first


@pytest.mark.parametrize("body", [
    lambda x: x.sum().item(),
    lambda x: print(x),
    lambda x: x if x.sum() > 0 else -x,
])
def test_host_reads_in_fullgraph_name_the_line(body):
    f = torch.compile(body, fullgraph=True)
    x = torch.ones(3)
    f(x)  # the recording run is eager
    with pytest.raises(torch._compile.TracedValueError, match="test_compile.py"):
        f(x)


def test_host_read_without_fullgraph_warns_once_and_runs_eagerly():
    f = torch.compile(lambda x: x * x.sum().item())
    x = torch.arange(3.0)
    f(x)
    with pytest.warns(UserWarning, match="eagerly"):
        out = f(x)
    np.testing.assert_allclose(out.numpy(), [0.0, 3.0, 6.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(f(x).numpy(), [0.0, 3.0, 6.0])


def test_state_is_an_input_not_a_baked_in_constant():
    scale = torch.tensor(2.0)
    f = torch.compile(lambda x: x * scale)
    x = torch.ones(2)
    for _ in range(3):
        np.testing.assert_allclose(f(x).numpy(), [2.0, 2.0])
    scale.fill_(5.0)
    np.testing.assert_allclose(f(x).numpy(), [5.0, 5.0])
    assert f.trace_count == 1


def test_is_compiling_and_disable():
    seen = []
    f = torch.compile(lambda x: seen.append(torch.compiler.is_compiling()) or x + 1)
    x = torch.ones(1)
    f(x), f(x), f(x)
    assert seen == [False, True]
    assert not torch.compiler.is_compiling()
    g = lambda x: x  # noqa: E731
    assert torch.compile(g, disable=True) is g
    assert torch.compiler.disable(g) is g


def test_activations_do_not_outlive_backward_nor_become_program_outputs():
    """Backward frees what the graph saved, so a compiled step rebinds only state, gradients and its result."""
    x = torch.randn(3, 4)
    w = torch.randn(4, 4, requires_grad=True)
    h = x @ w
    alive = weakref.ref(h)
    loss = h.relu().sum()
    del h
    loss.backward()
    gc.collect()
    assert alive() is None
    model, opt = _sgd_mlp()
    inputs, targets = torch.randn(5, 6), torch.randint(0, 3, (5,))

    @torch.compile
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        opt.step()
        return loss
    for _ in range(3):
        step()
    (program,) = step._programs.values()
    n_params = len(list(model.parameters()))
    assert len(program.rebind) == 2 * n_params  # parameters, momentum buffers
    assert program.grads.n_outputs == n_params  # a new .grad for each parameter


def test_compiled_forward_treats_no_grad_code_as_constant():
    import torch as reference

    def grads(lib, compile_fn):
        def f(x):
            with lib.no_grad():
                scale = x.exp().sum()
            return (x * scale).sum()
        fn = compile_fn(f)
        out = []
        for _ in range(3):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            fn(x).backward()
            out.append(x.grad.tolist())
        return out
    want = grads(reference, lambda f: f)
    np.testing.assert_allclose(grads(torch, torch.compile), want, rtol=1e-6)
