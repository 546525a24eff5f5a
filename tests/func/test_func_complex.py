"""jtorch.func on complex tensors against torch.func: PyTorch's conjugate convention for complex gradients and
cotangents, complex tangents, and the errors of the transforms that refuse complex tensors."""
import numpy as np
import pytest
import torch

import jtorch
from _compare import check, outcome

RNG = np.random.default_rng(1)
Z = (RNG.standard_normal(3) + 1j * RNG.standard_normal(3)).astype(np.complex64)
V = (RNG.standard_normal(3) + 1j * RNG.standard_normal(3)).astype(np.complex64)
X = RNG.standard_normal(3).astype(np.float32)


def t(lib, a, **kw):
    return lib.tensor(a, **kw)


def _nonholomorphic(z):
    return z * z.conj() * z.exp()


CASES = {
    "grad_abs_squared": lambda lib: lib.func.grad(lambda z: (z * z.conj()).real.sum())(t(lib, Z)),
    "grad_abs": lambda lib: lib.func.grad(lambda z: z.abs().sum())(t(lib, Z)),
    "grad_and_value_angle": lambda lib: lib.func.grad_and_value(lambda z: (z.angle() * z.real).sum())(t(lib, Z)),
    "grad_mixed_argnums": lambda lib: lib.func.grad(lambda x, z: (x * z).abs().sum(), argnums=(0, 1))(
        t(lib, X), t(lib, Z)),
    "grad_complex128": lambda lib: lib.func.grad(lambda z: (z.exp() * z.conj()).imag.sum())(
        t(lib, Z.astype(np.complex128))),
    "grad_of_grad": lambda lib: lib.func.grad(lambda z: lib.func.grad(lambda u: (u * u.conj()).real.sum())(z)
                                              .abs().sum())(t(lib, Z)),
    "vmap_grad": lambda lib: lib.func.vmap(lib.func.grad(lambda z: z.abs() ** 3))(t(lib, Z)),
    "vjp_holomorphic": lambda lib: lib.func.vjp(lambda z: z * z, t(lib, Z))[1](t(lib, V)),
    "vjp_nonholomorphic": lambda lib: (lambda r: (r[0], r[1](t(lib, V))))(lib.func.vjp(_nonholomorphic, t(lib, Z))),
    "vjp_real_to_complex": lambda lib: lib.func.vjp(lambda x: x * (1 + 2j), t(lib, X))[1](t(lib, V)),
    "vjp_complex_to_real": lambda lib: lib.func.vjp(lambda z: z.abs(), t(lib, Z))[1](t(lib, X)),
    "vjp_mixed": lambda lib: lib.func.vjp(lambda x, z: (x * z, z.real), t(lib, X), t(lib, Z))[1](
        (t(lib, V), t(lib, X))),
    "vjp_wider_cotangent": lambda lib: lib.func.vjp(lambda z: z * 2, t(lib, Z))[1](t(lib, V.astype(np.complex128))),
    "jvp_nonholomorphic": lambda lib: lib.func.jvp(_nonholomorphic, (t(lib, Z),), (t(lib, V),)),
    "jvp_real_tangent": lambda lib: lib.func.jvp(lambda z: z * z, (t(lib, Z),), (t(lib, X),)),
    "jvp_mixed": lambda lib: lib.func.jvp(lambda x, z: x * z, (t(lib, X), t(lib, Z)), (t(lib, X), t(lib, V))),
    "linearize": lambda lib: (lambda r: (r[0], r[1](t(lib, V))))(lib.func.linearize(_nonholomorphic, t(lib, Z))),
    "jvp_of_grad": lambda lib: lib.func.jvp(lib.func.grad(lambda z: (z * z.conj()).real.sum()), (t(lib, Z),),
                                            (t(lib, V),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex(name):
    check(CASES[name])


def _backward_through(lib):
    z, v = t(lib, Z, requires_grad=True), t(lib, V, requires_grad=True)
    out, vjp_fn = lib.func.vjp(_nonholomorphic, z)
    (g,) = vjp_fn(v)
    (g.abs().sum() + out.real.sum()).backward()
    x = t(lib, X, requires_grad=True)
    gx = lib.func.grad(lambda u: (u * lib.tensor(Z)).abs().sum())(x)
    gz = lib.func.grad(lambda u: (u * u.conj() * x).real.sum())(z.detach())
    (gx ** 2).sum().backward()
    gz.abs().sum().backward()
    return out, g, gx, gz, z.grad, v.grad, x.grad


def test_backward_through_complex_transforms():
    check(_backward_through)


def _compiled(lib):
    def f(z, v):
        return lib.func.vjp(_nonholomorphic, z)[1](v)[0] + lib.func.grad(lambda u: u.abs().sum())(z)
    compiled = lib.compile(f) if lib is jtorch else f  # jtorch.compile against torch's eager result
    return compiled(t(lib, Z), t(lib, V)), compiled(t(lib, V), t(lib, Z))


def test_compiled():
    check(_compiled)


ERRORS = {
    "grad_complex_output": lambda lib: lib.func.grad(lambda z: (z * z).sum())(t(lib, Z)),
    "grad_complex_non_scalar": lambda lib: lib.func.grad(lambda z: z * z)(t(lib, Z)),
    "vjp_real_cotangent_for_complex": lambda lib: lib.func.vjp(lambda z: z * 2, t(lib, Z))[1](t(lib, X)),
    "vjp_complex_cotangent_for_real": lambda lib: lib.func.vjp(lambda x: x * 2, t(lib, X))[1](t(lib, V)),
    "jacrev_complex_input": lambda lib: lib.func.jacrev(lambda z: z * z)(t(lib, Z)),
    "jacrev_complex_unused_input": lambda lib: lib.func.jacrev(lambda x, z: x * z.abs())(t(lib, X), t(lib, Z)),
    "jacfwd_complex_input": lambda lib: lib.func.jacfwd(lambda z: z.abs())(t(lib, Z)),
    "jacrev_complex_output": lambda lib: lib.func.jacrev(lambda x: (x, x * (1 + 1j)))(t(lib, X)),
    "jacfwd_complex_output": lambda lib: lib.func.jacfwd(lambda x: x * 1j)(t(lib, X)),
    "hessian_complex_input": lambda lib: lib.func.hessian(lambda z: z.abs().sum())(t(lib, Z)),
    "linearize_real_tangent": lambda lib: lib.func.linearize(lambda z: z * z, t(lib, Z))[1](t(lib, X)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error(name):
    want, got = outcome(ERRORS[name], torch), outcome(ERRORS[name], jtorch)
    assert want[0] == "error" and got[0] == "error", (want, got)
    assert got[1] == want[1], (want, got)


def test_complex_tangent_for_real_primal_is_refused():
    with pytest.raises(NotImplementedError, match="complex tangent"):
        jtorch.func.jvp(lambda x: x * 2, (jtorch.tensor(X),), (jtorch.tensor(V),))
