"""jtorch.func against torch.func: each case is written once as a function of the ``torch`` module and run on both;
values, requires_grad flags, container structure and raised errors must agree."""
import jax
import numpy as np
import pytest
import torch

import jtorch
from _compare import check, outcome

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3,)).astype(np.float32)
B = RNG.standard_normal((3,)).astype(np.float32)
M = RNG.standard_normal((4, 3)).astype(np.float32)
W = RNG.standard_normal((2, 3)).astype(np.float32)
BIAS = RNG.standard_normal((2,)).astype(np.float32)


def structure(obj):
    """The container skeleton of a result (tuple vs list vs dict matters), tensors as their shapes."""
    if isinstance(obj, (torch.Tensor, jtorch.Tensor)):
        return ("T", tuple(obj.shape))
    if isinstance(obj, (tuple, list)):
        return (type(obj).__name__, [structure(o) for o in obj])
    if isinstance(obj, dict):
        return ("dict", {k: structure(v) for k, v in obj.items()})
    return type(obj).__name__


def same(case):
    check(case)
    want = outcome(case, torch)
    if want[0] == "ok":
        assert structure(case(jtorch)) == structure(case(torch))


def t(lib, a):
    return lib.tensor(a)


# ------------------------------------------------------------------------------------------------ grad
CASES = {
    "grad": lambda lib: lib.func.grad(lambda x: (x.sin() * x).sum())(t(lib, A)),
    "grad_argnums_tuple": lambda lib: lib.func.grad(lambda x, y: (x * y.exp()).sum(), argnums=(0, 1))(
        t(lib, A), t(lib, B)),
    "grad_negative_argnum": lambda lib: lib.func.grad(lambda x, y: (x * y.exp()).sum(), argnums=-1)(
        t(lib, A), t(lib, B)),
    "grad_dict_input": lambda lib: lib.func.grad(lambda d: (d["a"] * d["b"][0]).sum())(
        {"a": t(lib, A), "b": (t(lib, B), t(lib, A))}),
    "grad_has_aux": lambda lib: lib.func.grad(lambda x: ((x ** 2).sum(), {"y": x.cos(), "n": [x[0]]}), has_aux=True)(
        t(lib, A)),
    "grad_kwargs_and_nondiff": lambda lib: lib.func.grad(lambda x, k, scale=1.0: (x * k).sum() * scale)(
        t(lib, A), t(lib, B), scale=2.0),
    "grad_and_value": lambda lib: lib.func.grad_and_value(lambda x: (x ** 3).sum())(t(lib, A)),
    "grad_and_value_aux": lambda lib: lib.func.grad_and_value(lambda x: ((x ** 3).sum(), x.mean()), has_aux=True)(
        t(lib, A)),
    "grad_of_grad": lambda lib: lib.func.grad(lambda x: lib.func.grad(lambda y: (y ** 3).sum())(x).sin().sum())(
        t(lib, A)),
    "vmap_of_grad": lambda lib: lib.func.vmap(lib.func.grad(lambda x: (x.tanh() ** 2).sum()))(t(lib, M)),
    "vjp": lambda lib: (lambda r: (r[0], r[1]((t(lib, A), {"s": t(lib, B)}))))(
        lib.func.vjp(lambda x, y: (x * y, {"s": x.sin()}), t(lib, A), t(lib, B))),
    "vjp_has_aux": lambda lib: (lambda r: (r[0], r[1](t(lib, B)), r[2]))(
        lib.func.vjp(lambda x: (x.exp(), x.sum()), t(lib, A), has_aux=True)),
    "jvp": lambda lib: lib.func.jvp(lambda x, y: (x * y, {"c": x.cos()}), (t(lib, A), t(lib, B)),
                                    (t(lib, B), t(lib, A))),
    "jvp_has_aux": lambda lib: lib.func.jvp(lambda x: (x.exp(), {"m": x.max()}), (t(lib, A),), (t(lib, B),),
                                            has_aux=True),
    "jacrev": lambda lib: lib.func.jacrev(lambda x: x.sin() * x.sum())(t(lib, A)),
    "jacrev_tree": lambda lib: lib.func.jacrev(lambda x, y: {"a": x * y, "b": (x @ y).reshape(1)},
                                               argnums=(0, 1))(t(lib, A), t(lib, B)),
    "jacrev_aux": lambda lib: lib.func.jacrev(lambda x: (x.sin(), x.sum()), has_aux=True)(t(lib, A)),
    "jacfwd": lambda lib: lib.func.jacfwd(lambda x, y: {"a": x * y.exp()}, argnums=(0, 1))(t(lib, A), t(lib, B)),
    "jacfwd_matrix_input": lambda lib: lib.func.jacfwd(lambda m: m.sum(0) * m[0])(t(lib, M)),
    "hessian": lambda lib: lib.func.hessian(lambda x: (x.sin() * x ** 2).sum())(t(lib, A)),
    "hessian_argnums": lambda lib: lib.func.hessian(lambda x, y: (x * y ** 2).sum(), argnums=(0, 1))(
        t(lib, A), t(lib, B)),
    "jacrev_jacrev": lambda lib: lib.func.jacrev(lib.func.jacrev(lambda x: (x ** 3).sum()))(t(lib, A)),
    "jacfwd_jacrev": lambda lib: lib.func.jacfwd(lib.func.jacrev(lambda x: x.exp().prod()))(t(lib, A)),
    "requires_grad_input": lambda lib: lib.func.grad(lambda x: (x ** 2).sum())(t(lib, A).requires_grad_()),
    # vmap
    "vmap": lambda lib: lib.func.vmap(lambda x: x.sin() @ x)(t(lib, M)),
    "vmap_in_dims_none": lambda lib: lib.func.vmap(lambda x, y: x * y, in_dims=(0, None))(t(lib, M), t(lib, A)),
    "vmap_in_dims_nested": lambda lib: lib.func.vmap(lambda d, y: d["a"] + d["b"][0] * y,
                                                     in_dims=({"a": 1, "b": (0,)}, None))(
        {"a": t(lib, M).T, "b": (t(lib, M),)}, t(lib, A)),
    "vmap_out_dims": lambda lib: lib.func.vmap(lambda x: (x * 2, x.sum()), out_dims=(1, 0))(t(lib, M)),
    "vmap_in_dim_1": lambda lib: lib.func.vmap(lambda x: x.cumsum(0), in_dims=1)(t(lib, M)),
    "vmap_negative_dim": lambda lib: lib.func.vmap(lambda x: x * 3, in_dims=-1, out_dims=-1)(t(lib, M)),
    "vmap_kwargs_unmapped": lambda lib: lib.func.vmap(lambda x, scale: x * scale)(t(lib, M), scale=t(lib, A)),
    "vmap_unbatched_output": lambda lib: lib.func.vmap(lambda x: t(lib, A))(t(lib, M)),
    "vmap_nested": lambda lib: lib.func.vmap(lib.func.vmap(lambda a, b: a * b, in_dims=(0, None)),
                                             in_dims=(None, 0))(t(lib, A), t(lib, M)),
    "vmap_chunk_size": lambda lib: lib.func.vmap(lambda x: x.exp(), chunk_size=2)(t(lib, M)),
    "linearize": lambda lib: (lambda r: (r[0], r[1](t(lib, B)), r[1](t(lib, A))))(
        lib.func.linearize(lambda x: (x.sin() * x, {"a": x.exp()}), t(lib, A))),
    "functionalize": lambda lib: (lambda x: (lib.func.functionalize(lambda v: v.add_(1).mul(2))(x), x))(
        t(lib, A).clone()),
    "vmap_after_replace_batch_norm": lambda lib: (lambda m: (
        lib.func.vmap(lib.func.functional_call, in_dims=(None, None, 0))(m, {"0.weight": t(lib, M[:3])},
                                                                         t(lib, M).reshape(2, 2, 3)),
        sorted(m.state_dict())))(lib.func.replace_all_batch_norm_modules_(
            lib.nn.Sequential(lib.nn.Linear(3, 3, bias=False), lib.nn.BatchNorm1d(3)))),
    "grad_inner_no_grad_is_constant": lambda lib: lib.func.grad(
        lambda x: (x * _no_grad_scale(lib, x)).sum())(t(lib, A)),
    "jacrev_inner_no_grad_is_constant": lambda lib: lib.func.jacrev(lambda x: x * _no_grad_scale(lib, x))(t(lib, A)),
    "jacfwd_inner_no_grad_still_differentiated": lambda lib: lib.func.jacfwd(lambda x: x * _no_grad_scale(lib, x))(
        t(lib, A)),
    "jvp_inner_no_grad_still_differentiated": lambda lib: lib.func.jvp(
        lambda x: x * _no_grad_scale(lib, x), (t(lib, A),), (t(lib, B),)),
    "grad_ignores_outer_no_grad": lambda lib: _under_no_grad(lib, lambda: lib.func.grad(
        lambda x: (x.sin() * x).sum())(t(lib, A))),
    "vmap_randomness_same_no_random": lambda lib: lib.func.vmap(lambda x: x + 1, randomness="same")(t(lib, M)),
}




def _no_grad_scale(lib, x):
    with lib.no_grad():
        return x.exp().sum()


def _under_no_grad(lib, run):
    with lib.no_grad():
        return run()


def _backward_into_inputs(lib, transform):
    x, y = t(lib, A).requires_grad_(), t(lib, B).requires_grad_()
    out = transform(lib, x, y)
    sum(o.sum() for o in _leaves(out) if o.requires_grad).backward()
    return out, x.grad, y.grad


def _leaves(tree):
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    if isinstance(tree, dict):
        return [leaf for item in tree.values() for leaf in _leaves(item)]
    return [tree]


THROUGH = {
    "grad": lambda lib, x, y: lib.func.grad(lambda a, b: (a.sin() * b ** 2).sum())(x, y),
    "grad_and_value": lambda lib, x, y: lib.func.grad_and_value(lambda a: (a ** 3).sum())(x),
    "vmap": lambda lib, x, y: lib.func.vmap(lambda a, b: a * b.exp(), in_dims=(0, None))(x, y),
    "jacrev": lambda lib, x, y: lib.func.jacrev(lambda a, b: a * b.sin(), argnums=(0, 1))(x, y),
    "jacfwd": lambda lib, x, y: lib.func.jacfwd(lambda a: a.exp() * a.sum())(x),
    "hessian": lambda lib, x, y: lib.func.hessian(lambda a, b: (a ** 3 * b).sum(), argnums=(0, 1))(x, y),
    "jvp": lambda lib, x, y: lib.func.jvp(lambda a: a.sin() * a, (x,), (y,)),
    "vjp": lambda lib, x, y: (lambda r: (r[0], r[1](y)))(lib.func.vjp(lambda a: a.sin() * a.exp(), x)),
    "vjp_tree_and_aux": lambda lib, x, y: (lambda r: (r[0], r[1]({"p": y, "q": x * y}), r[2]))(
        lib.func.vjp(lambda a, b: ({"p": a * b, "q": a.cos()}, (a * b).sum()), x, y, has_aux=True)),
    "vjp_fn_twice": lambda lib, x, y: (lambda r: (r[1](y), r[1](x * y)))(lib.func.vjp(lambda a: a ** 3, x)),
    "linearize": lambda lib, x, y: (lambda r: (r[0], r[1](y)))(lib.func.linearize(lambda a: a.exp() * a, x)),
    "grad_of_vjp": lambda lib, x, y: lib.func.grad(
        lambda a: lib.func.vjp(lambda u: u.sin() * u, a)[1](y)[0].sum())(x),
}


@pytest.mark.parametrize("name", sorted(THROUGH))
def test_backward_through_transform(name):
    check(lambda lib: _backward_into_inputs(lib, THROUGH[name]))


@pytest.mark.parametrize("name", sorted(CASES))
def test_transform(name):
    same(CASES[name])


# ------------------------------------------------------------------------------------------------ errors
ERRORS = {
    "grad_non_scalar": lambda lib: lib.func.grad(lambda x: x * 2)(t(lib, A)),
    "grad_non_tensor_output": lambda lib: lib.func.grad(lambda x: 3.0)(t(lib, A)),
    "grad_tuple_without_aux": lambda lib: lib.func.grad(lambda x: (x.sum(), 1))(t(lib, A)),
    "grad_non_tensor_aux": lambda lib: lib.func.grad(lambda x: (x.sum(), 3), has_aux=True)(t(lib, A)),
    "jacrev_non_tensor_aux": lambda lib: lib.func.jacrev(lambda x: (x, 3), has_aux=True)(t(lib, A)),
    "jacfwd_non_tensor_output": lambda lib: lib.func.jacfwd(lambda x: 3.0)(t(lib, A)),
    "jacrev_non_tensor_output": lambda lib: lib.func.jacrev(lambda x: (x, 1))(t(lib, A)),
    "grad_bad_aux": lambda lib: lib.func.grad(lambda x: x.sum(), has_aux=True)(t(lib, A)),
    "grad_argnum_range": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=1)(t(lib, A)),
    "grad_argnums_dup": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=(0, 0))(t(lib, A)),
    "grad_argnums_empty": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=())(t(lib, A)),
    "grad_argnums_float": lambda lib: lib.func.grad(lambda x: x.sum(), argnums=0.0)(t(lib, A)),
    "grad_non_tensor_input": lambda lib: lib.func.grad(lambda x: x)(3.0),
    "grad_int_input": lambda lib: lib.func.grad(lambda x: x.sum())(lib.tensor([1, 2])),
    "vjp_non_tensor_output": lambda lib: lib.func.vjp(lambda x: 3.0, t(lib, A)),
    "vjp_cotangent_shape": lambda lib: lib.func.vjp(lambda x: x, t(lib, A))[1](t(lib, A)[:2]),
    "vjp_cotangent_structure": lambda lib: lib.func.vjp(lambda x: x, t(lib, A))[1]((t(lib, A),)),
    "jvp_primals_not_tuple": lambda lib: lib.func.jvp(lambda x: x, t(lib, A), t(lib, A)),
    "jvp_tangent_shape": lambda lib: lib.func.jvp(lambda x: x, (t(lib, A),), (t(lib, A)[:2],)),
    "vmap_size_mismatch": lambda lib: lib.func.vmap(lambda x, y: x + y)(t(lib, M), t(lib, W)),
    "vmap_dim_range": lambda lib: lib.func.vmap(lambda x: x, in_dims=2)(t(lib, M)),
    "vmap_0d": lambda lib: lib.func.vmap(lambda x: x)(lib.tensor(1.0)),
    "vmap_in_dims_none": lambda lib: lib.func.vmap(lambda x: x, in_dims=None)(t(lib, M)),
    "vmap_in_dims_structure": lambda lib: lib.func.vmap(lambda x: x, in_dims=(0, 0))(t(lib, M)),
    "vmap_non_tensor_input": lambda lib: lib.func.vmap(lambda x, y: x, in_dims=(0, 0))(t(lib, M), 3.0),
    "vmap_nothing_mapped": lambda lib: lib.func.vmap(lambda x: x, in_dims=(None,))(t(lib, M)),
    "vmap_non_tensor_output": lambda lib: lib.func.vmap(lambda x: 3.0)(t(lib, M)),
    "vmap_random_error": lambda lib: lib.func.vmap(lambda x: lib.rand(3) + x)(t(lib, M)),
    "jacfwd_random_error": lambda lib: lib.func.jacfwd(lambda x: x * lib.rand(3))(t(lib, A)),
    "vmap_bad_randomness": lambda lib: lib.func.vmap(lambda x: x, randomness="foo")(t(lib, M)),
    "linearize_tangent_shape": lambda lib: lib.func.linearize(lambda x: x.sin(), t(lib, A))[1](t(lib, A)[:2]),
    "linearize_tangent_count": lambda lib: lib.func.linearize(lambda x: x.sin(), t(lib, A))[1](t(lib, A), t(lib, A)),
    "linearize_tangent_dtype": lambda lib: lib.func.linearize(lambda x: x.sin(), t(lib, A))[1](t(lib, A).double()),
    "functionalize_bad_remove": lambda lib: lib.func.functionalize(lambda x: x, remove="views"),
    "vmap_item": lambda lib: lib.func.vmap(lambda x: x.sum().item())(t(lib, M)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error(name):
    want = outcome(ERRORS[name], torch)
    got = outcome(ERRORS[name], jtorch)
    assert want[0] == "error" and got[0] == "error", (want, got)
    if name == "vmap_item":  # jtorch names the host read in its own words
        assert got[1][0] == "TracedValueError" and "item()" in got[1][1], got
        return
    assert got[1][0] == want[1][0], (want, got)
    if not name.startswith(("vjp_cotangent_structure", "vmap_in_dims_structure", "linearize_tangent_count")):
        n = min(40, len(want[1][1]))
        assert got[1][1][:n] == want[1][1][:n], (want, got)


def test_random_error_leaves_stream_unchanged():
    jtorch.manual_seed(3)
    expected = jtorch.rand(2)
    jtorch.manual_seed(3)
    with pytest.raises(RuntimeError):
        jtorch.func.vmap(lambda x: jtorch.rand(3) + x)(jtorch.zeros(2, 3))
    assert jtorch.equal(jtorch.rand(2), expected)


def test_randomness_same_and_different():
    x = jtorch.zeros(4, 3)
    same_rows = jtorch.func.vmap(lambda r: r + jtorch.rand(3), randomness="same")(x)
    assert jtorch.equal(same_rows, same_rows[0].expand(4, 3))
    diff_rows = jtorch.func.vmap(lambda r: r + jtorch.rand(3), randomness="different")(x)
    assert len({tuple(row) for row in diff_rows.tolist()}) == 4
    jtorch.manual_seed(0)
    first = jtorch.func.vmap(lambda r: r + jtorch.rand(3), randomness="different")(x)
    second = jtorch.func.vmap(lambda r: r + jtorch.rand(3), randomness="different")(x)
    assert not jtorch.equal(first, second)  # the global stream advanced


def _backward_into_captured(lib):
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(t(lib, W))
        lin.bias.copy_(t(lib, BIAS))
    out = lib.func.vmap(lin)(t(lib, M))
    (out.sin() ** 2).sum().backward()
    g = lib.func.grad(lambda v: lin(v).tanh().sum())(t(lib, A))
    (g ** 2).sum().backward()
    return out, g, lin.weight.grad, lin.bias.grad


def test_backward_into_captured_parameters():
    check(_backward_into_captured)


def _captured_under_vjp(lib):
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(t(lib, W))
        lin.bias.copy_(t(lib, BIAS))
    x = t(lib, M).requires_grad_()
    out, vjp_fn = lib.func.vjp(lambda v: lin(v).tanh(), x)
    (g,) = vjp_fn(lib.ones(4, 2))
    (g ** 2).sum().backward()
    return out, g, x.grad, lin.weight.grad, lin.bias.grad


def test_backward_into_captured_parameters_through_vjp():
    check(_captured_under_vjp)


def _random_draws_replayed(lib, randomness):
    """backward() through a transform that drew random numbers sees the draws of the forward: the weight's
    gradient is what the returned draws imply."""
    lib.manual_seed(0)
    lin = lib.nn.Linear(3, 3, bias=False)
    x = t(lib, M)
    out, r = lib.func.vmap(lambda v: (lambda d: (lin(v) * d, d))(lib.rand(3)), randomness=randomness)(x)
    out.sum().backward()
    w = t(lib, B).requires_grad_()
    g = lib.func.grad(lambda v: lib.nn.functional.dropout(v * w, 0.5).sum())(t(lib, A))
    g.sum().backward()
    return bool(lib.allclose(lin.weight.grad, r.T @ x)), bool(lib.allclose(w.grad * w, g)), bool((r[0] == r[1]).all())


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_backward_after_random_draws_replays_them(randomness):
    check(lambda lib: _random_draws_replayed(lib, randomness))


def _jacfwd_randomness(lib, randomness):
    """Column j of the Jacobian of x -> x.sum() * rand(3) * w is column j's draw times w; backward() through it
    sees those draws."""
    w = t(lib, B).requires_grad_()
    jac, aux = lib.func.jacfwd(lambda x, y: (x.sum() * lib.rand(3) * w * y.sum(), x.sum()), argnums=(0, 1),
                               has_aux=True, randomness=randomness)(t(lib, A), t(lib, A[:2]))
    jac[0].sum().backward()
    columns = jac[0].T
    return (aux.item(), [tuple(j.shape) for j in jac], bool((columns[0] == columns[1]).all()),
            bool(lib.allclose(w.grad * w, jac[0].sum(1))))


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_jacfwd_randomness(randomness):
    check(lambda lib: _jacfwd_randomness(lib, randomness))


def test_backward_after_random_draws_advances_stream_once():
    def run(requires_grad):
        jtorch.manual_seed(5)
        x = jtorch.tensor(A).requires_grad_(requires_grad)
        g = jtorch.func.grad(lambda v: jtorch.nn.functional.dropout(v * v, 0.5).sum())(x)
        if requires_grad:
            g.sum().backward()
        return g.detach(), jtorch.rand(4)
    plain, through = run(False), run(True)
    assert jtorch.equal(plain[0], through[0]) and jtorch.equal(plain[1], through[1])


def _compiled_step(lib):
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(t(lib, W))
        lin.bias.copy_(t(lib, BIAS))
    opt = lib.optim.SGD(lin.parameters(), lr=0.1)

    def step(x, ct):
        opt.zero_grad()
        out, vjp_fn = lib.func.vjp(lambda v: lin(v).sin(), x)
        (g,) = vjp_fn(ct)
        loss = (g ** 2).sum() + out.sum()
        loss.backward()
        opt.step()
        return loss
    run = lib.compile(step) if lib is jtorch else step  # jtorch.compile against torch's eager result
    losses = [run(t(lib, M), lib.ones(4, 2)) for _ in range(3)]
    return losses, lin.weight, lin.bias


def test_backward_through_vjp_compiled():
    check(_compiled_step, requires_grad=False)  # values: a compiled step's returned loss is checked elsewhere


def test_mutating_a_captured_tensor_with_batched_values_raises_and_restores():
    bn = jtorch.nn.BatchNorm1d(3).train()
    mean = bn.running_mean
    x = jtorch.tensor(M)
    with pytest.raises(RuntimeError, match="mutate a captured Tensor"):
        jtorch.func.vmap(lambda v: bn(v).sum())(jtorch.stack([x, x * 2]))
    assert bn.running_mean is mean and jtorch.equal(mean, jtorch.zeros(3))
    bn(x)  # the module still works eagerly: no tracer escaped into it


@pytest.mark.parametrize("transform", ["grad", "jvp", "jacrev", "jacfwd"])
def test_running_stats_under_differentiation_update_as_in_a_forward(transform):
    # JAX computes primal values concretely here: the running statistics take the batch's values
    eager, transformed = jtorch.nn.BatchNorm1d(3).train(), jtorch.nn.BatchNorm1d(3).train()
    x = jtorch.tensor(M)
    eager(x)
    {"grad": lambda: jtorch.func.grad(lambda v: transformed(v).sum())(x),
     "jvp": lambda: jtorch.func.jvp(transformed, (x,), (x,)),
     "jacrev": lambda: jtorch.func.jacrev(transformed)(x),
     "jacfwd": lambda: jtorch.func.jacfwd(transformed)(x)}[transform]()
    for name, b in eager.named_buffers():
        got = dict(transformed.named_buffers())[name]
        assert not isinstance(got._array, jax.core.Tracer)
        assert jtorch.allclose(got, b)


# ------------------------------------------------------------------------------------------------ functional_call
def _linear_params(lib):
    return {"weight": t(lib, W), "bias": t(lib, BIAS)}


FUNCTIONAL = {
    "linear": lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), _linear_params(lib), (t(lib, A),)),
    "single_arg_and_kwargs": lambda lib: lib.func.functional_call(
        lib.nn.Bilinear(3, 3, 1, bias=False), {"weight": t(lib, M[:3]).reshape(1, 3, 3)}, t(lib, A)[None],
        {"input2": t(lib, B)[None]}),
    "tuple_of_dicts": lambda lib: lib.func.functional_call(
        lib.nn.Linear(3, 2), ({"weight": t(lib, W)}, {"bias": t(lib, BIAS)}), (t(lib, A),)),
    "partial_dict": lambda lib: lib.func.functional_call(
        (lambda m: (m.bias.data.zero_(), m)[1])(lib.nn.Linear(3, 2)), {"weight": t(lib, W)}, (t(lib, A),)),
    "batchnorm_train": lambda lib: _batchnorm(lib, train=True),
    "batchnorm_eval": lambda lib: _batchnorm(lib, train=False),
    "tied": lambda lib: _tied(lib, tie_weights=True, both=False),
    "untied": lambda lib: _tied(lib, tie_weights=False, both=False),
    "tied_both_same": lambda lib: _tied(lib, tie_weights=True, both="same"),
    "per_sample_grads": lambda lib: lib.func.vmap(
        lib.func.grad(lambda p, x, y: ((lib.func.functional_call(lib.nn.Linear(3, 2), p, (x,)) - y) ** 2).sum()),
        in_dims=(None, 0, 0))(_linear_params(lib), t(lib, M), t(lib, M[:, :2])),
    "stack_module_state_ensemble": lambda lib: _ensemble(lib),
    "ensemble_backward_to_stacked_params": lambda lib: _ensemble_backward(lib),
}


def _batchnorm(lib, train):
    bn = lib.nn.BatchNorm1d(3)
    bn.train(train)
    state = {"weight": t(lib, A), "bias": t(lib, B), "running_mean": t(lib, B), "running_var": t(lib, A).abs(),
             "num_batches_tracked": lib.tensor(5)}
    out = lib.func.functional_call(bn, state, (t(lib, M),))
    return out, state, dict(bn.state_dict())


def _tied_model(lib):
    """Two Linear layers sharing one weight Parameter (enc.weight is dec.weight)."""
    model = lib.nn.Sequential()
    model.add_module("enc", lib.nn.Linear(3, 3, bias=False))
    model.add_module("dec", lib.nn.Linear(3, 3, bias=False))
    model.dec.weight = model.enc.weight
    return model


def _tied(lib, tie_weights, both):
    model = _tied_model(lib)
    w = t(lib, M[:3])
    given = {"enc.weight": w}
    if both == "same":
        given["dec.weight"] = w
    return lib.func.functional_call(model, given, (t(lib, A),), tie_weights=tie_weights).shape, \
        lib.func.functional_call(model, {"enc.weight": w, "dec.weight": w}, (t(lib, A),))


def _ensemble(lib):
    models = [lib.nn.Linear(3, 2) for _ in range(4)]
    for i, m in enumerate(models):
        m.load_state_dict({"weight": t(lib, W) * i, "bias": t(lib, BIAS) + i})
    params, buffers = lib.func.stack_module_state(models)
    out = lib.func.vmap(lambda p, b, x: lib.func.functional_call(models[0], (p, b), (x,)), in_dims=(0, 0, None))(
        params, buffers, t(lib, M))
    return out, params


def _ensemble_backward(lib):
    out, params = _ensemble(lib)
    (out ** 2).mean().backward()
    return {k: p.grad for k, p in params.items()}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_call(name):
    same(FUNCTIONAL[name])


def test_tied_weights_result_values():
    # with tie_weights the given weight replaces both names; without, dec keeps the module's own weight
    check(_tied_outputs)


def _tied_outputs(lib):
    model = _tied_model(lib)
    model.load_state_dict({"enc.weight": t(lib, M[1:]), "dec.weight": t(lib, M[1:])})
    w = t(lib, M[:3])
    return (lib.func.functional_call(model, {"enc.weight": w}, (t(lib, A),)),
            lib.func.functional_call(model, {"enc.weight": w}, (t(lib, A),), tie_weights=False),
            model(t(lib, A)))


FUNCTIONAL_ERRORS = {
    "strict_missing": lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), {"weight": t(lib, W)}, (t(lib, A),),
                                                           strict=True),
    "strict_unexpected": lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), {"foo": t(lib, W)}, (t(lib, A),),
                                                              strict=True),
    "tied_conflict": lambda lib: lib.func.functional_call(_tied_model(lib), {"enc.weight": t(lib, M[:3]),
                                                                             "dec.weight": t(lib, M[1:])},
                                                          (t(lib, A),)),
    "not_a_dict": lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), 3, (t(lib, A),)),
    "tuple_with_non_dict": lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), ({"weight": t(lib, W)}, 3),
                                                                (t(lib, A),)),
    "repeated_keys": lambda lib: lib.func.functional_call(lib.nn.Linear(3, 2), ({"weight": t(lib, W)},
                                                                                {"weight": t(lib, W)}), (t(lib, A),)),
    "stack_empty": lambda lib: lib.func.stack_module_state([]),
    "stack_mixed_classes": lambda lib: lib.func.stack_module_state([lib.nn.Linear(1, 1), lib.nn.Identity()]),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_ERRORS))
def test_functional_call_error(name):
    check(FUNCTIONAL_ERRORS[name], message_chars=200)


def test_functional_call_restores_after_exception():
    lin = jtorch.nn.Linear(3, 2)
    weight, bias = lin.weight, lin.bias
    with pytest.raises(RuntimeError):
        jtorch.func.functional_call(lin, {"weight": jtorch.zeros(2, 5)}, (jtorch.tensor(A),))
    assert lin.weight is weight and lin.bias is bias
    unknown = {"scale": jtorch.ones(1)}
    jtorch.func.functional_call(lin, unknown, (jtorch.tensor(A),))
    assert not hasattr(lin, "scale")


def test_functional_call_eager_grads_reach_given_tensors():
    lin = jtorch.nn.Linear(3, 2)
    w = jtorch.tensor(W, requires_grad=True)
    jtorch.func.functional_call(lin, {"weight": w}, (jtorch.tensor(A),)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(A, (2, 3)), rtol=1e-6)
    assert lin.weight.grad is None


def test_torch_func_under_runner(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "uses_func.py"
    script.write_text("import torch\nfrom torch.func import grad, vmap\n"
                      "x = torch.arange(3.0)\nprint(grad(lambda v: (v ** 2).sum())(x).tolist())\n")
    out = subprocess.run([sys.executable, "-m", "jtorch", str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0.0, 2.0, 4.0]"
