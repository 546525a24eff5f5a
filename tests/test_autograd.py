"""Autograd behaviour, each case run with real PyTorch and with jtorch and compared."""
import numpy as np
import pytest

from _compare import check

X = np.array([0.5, -1.5, 2.0], dtype=np.float32)
M = np.arange(6, dtype=np.float32).reshape(2, 3) / 4


def leaf(lib, data=X):
    return lib.tensor(data, requires_grad=True)


# ---------------------------------------------------------------- backward and grad
def backward_with_gradient(lib):
    x = leaf(lib)
    (x * x).backward(gradient=lib.tensor([1.0, 0.5, 2.0]))
    return x.grad


def retain_graph_twice(lib):
    x = leaf(lib)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def backward_twice_error(lib):
    x = leaf(lib)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


def double_backward_via_grad(lib):
    x = leaf(lib)
    (g,) = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
    g.sum().backward()
    return g, x.grad


def double_backward_via_backward(lib):
    x = leaf(lib)
    (x ** 3).sum().backward(create_graph=True)
    first = x.grad
    x.grad = None
    first.sum().backward()
    return first.requires_grad, x.grad


def grad_accumulates(lib):
    x = leaf(lib)
    (x * 2).sum().backward()
    (x * x).sum().backward()
    return x.grad


def grad_with_grad_outputs(lib):
    x = leaf(lib)
    y = x * 3
    return lib.autograd.grad(y, x, grad_outputs=lib.tensor([1.0, 2.0, -1.0]))


def grad_allow_unused(lib):
    x, z = leaf(lib), leaf(lib)
    return lib.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)


def grad_unused_error(lib):
    x, z = leaf(lib), leaf(lib)
    return lib.autograd.grad((x * 2).sum(), [x, z])


def grad_leaves_grad_untouched(lib):
    x = leaf(lib)
    lib.autograd.grad((x * x).sum(), x)
    return x.grad is None


def backward_inputs(lib):
    x, z = leaf(lib), leaf(lib)
    (x * z).sum().backward(inputs=[x])
    return x.grad, z.grad is None


def autograd_backward_function(lib):
    x = leaf(lib)
    lib.autograd.backward([(x * 2).sum(), (x * x).sum()])
    return x.grad


# ---------------------------------------------------------------- grad modes
def no_grad_context(lib):
    x = leaf(lib)
    with lib.no_grad():
        y = x * 2
        inner = lib.is_grad_enabled()
    return y.requires_grad, y.grad_fn is None, inner, lib.is_grad_enabled()


def no_grad_decorator(lib):
    @lib.no_grad()
    def f(t):
        return t * 2
    return f(leaf(lib)).requires_grad


def enable_grad_inside_no_grad(lib):
    x = leaf(lib)
    with lib.no_grad():
        with lib.enable_grad():
            y = x * 2
        z = x * 2
    return y.requires_grad, z.requires_grad


def enable_grad_decorator(lib):
    @lib.enable_grad()
    def f(t):
        return t * 2
    with lib.no_grad():
        return f(leaf(lib)).requires_grad


def set_grad_enabled_forms(lib):
    x = leaf(lib)
    with lib.set_grad_enabled(False):
        a = x * 2
    lib.set_grad_enabled(False)
    b = x * 2
    lib.set_grad_enabled(True)

    @lib.set_grad_enabled(False)
    def f(t):
        return t * 2
    c = f(x)
    return a.requires_grad, b.requires_grad, c.requires_grad, (x * 2).requires_grad


def inference_mode_forms(lib):
    x = leaf(lib)
    with lib.inference_mode():
        a = x * 2
        inside = lib.is_inference_mode_enabled()

    @lib.inference_mode()
    def f(t):
        return t * 2
    b = f(x)
    with lib.inference_mode(False):
        c = x * 2
    return a.requires_grad, a.is_inference(), inside, b.is_inference(), c.requires_grad, x.is_inference()


# ---------------------------------------------------------------- detach, requires_grad, retain_grad
def detach_shares_data(lib):
    x = leaf(lib)
    y = x * 2
    d = y.detach()
    with lib.no_grad():
        d.zero_()
    return d.requires_grad, d.is_leaf, y


def detach_inplace(lib):
    x = leaf(lib)
    y = x * 2
    y.detach_()
    return y.requires_grad, y.is_leaf, y.grad_fn is None


def requires_grad_inplace(lib):
    x = lib.tensor(X)
    x.requires_grad_()
    (x * 3).sum().backward()
    return x.requires_grad, x.grad


def retain_grad_non_leaf(lib):
    x = leaf(lib)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    return y.retains_grad, y.grad, x.grad


def requires_grad_false_on_non_leaf(lib):
    y = leaf(lib) * 2
    y.requires_grad = False


def is_leaf_flags(lib):
    x = leaf(lib)
    y = x * 2
    return x.is_leaf, y.is_leaf, lib.tensor(X).is_leaf, (lib.tensor(X) * 2).is_leaf


# ---------------------------------------------------------------- hooks
def hook_on_leaf_modifies(lib):
    x = leaf(lib)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    (x * x).sum().backward()
    return seen, x.grad


def hook_on_non_leaf_modifies(lib):
    x = leaf(lib)
    y = x * 2
    y.register_hook(lambda g: g + 1)
    (y * 3).sum().backward()
    return x.grad


def hook_removed(lib):
    x = leaf(lib)
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    (x * 2).sum().backward()
    return x.grad


def hook_on_no_grad_tensor_error(lib):
    lib.tensor(X).register_hook(lambda g: g)


# ---------------------------------------------------------------- custom Function
def _function_classes(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x ** 3 * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2 * ctx.scale, None

    class Flags(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.flags = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class WithMask(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            ctx.save_for_backward(mask)
            return x * 2, mask

        @staticmethod
        def backward(ctx, grad_values, grad_mask):
            (mask,) = ctx.saved_tensors
            return grad_values * 2 * mask + grad_mask

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    return Cube, Flags, WithMask, Square


def function_save_for_backward(lib):
    Cube = _function_classes(lib)[0]
    x = leaf(lib)
    y = Cube.apply(x, 2.0)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name()


def function_needs_input_grad(lib):
    Flags = _function_classes(lib)[1]
    a, b = leaf(lib), lib.tensor(X)
    out = Flags.apply(a, b)
    return out.grad_fn.ctx.flags if hasattr(out.grad_fn, "ctx") else out.grad_fn.flags


def function_non_differentiable(lib):
    WithMask = _function_classes(lib)[2]
    x = leaf(lib)
    values, mask = WithMask.apply(x)
    (values * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    return values, mask, mask.requires_grad, x.grad


def function_setup_context_once_differentiable(lib):
    Square = _function_classes(lib)[3]
    x = leaf(lib)
    y = Square.apply(x)
    y.sum().backward()
    return y, x.grad


def function_once_differentiable_double_backward_error(lib):
    Square = _function_classes(lib)[3]
    x = leaf(lib)
    (g,) = lib.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    g.sum().backward()


def function_backward_twice_error(lib):
    Cube = _function_classes(lib)[0]
    y = Cube.apply(leaf(lib), 1.0).sum()
    y.backward()
    y.backward()


# ---------------------------------------------------------------- errors
def non_scalar_backward_error(lib):
    (leaf(lib) * 2).backward()


def inplace_on_leaf_error(lib):
    leaf(lib).add_(1)


def inplace_on_leaf_under_no_grad(lib):
    x = leaf(lib)
    with lib.no_grad():
        x.add_(1)
    return x


def saved_tensor_modified_error(lib):
    x = leaf(lib)
    y = x + 0
    z = y * y
    y.add_(1)
    z.sum().backward()


def scalar_operand_not_saved(lib):
    x = leaf(lib)
    y = x + 0
    outs = [y * 2, y / 4, 3 * y, y.exp(), y.neg()]
    y.add_(1)
    sum(outs).sum().backward()
    return x.grad


def divisor_saved(lib):
    x = leaf(lib)
    y = x + 1
    z = x / y
    y.add_(1)
    z.sum().backward()


def matmul_operators(lib):
    a, b = leaf(lib, M), leaf(lib, M.T.copy())
    out = a @ b + lib.Tensor.__rmatmul__(a, b).sum()
    out.sum().backward()
    return out, a.grad, b.grad, out.grad_fn.name()


def requires_grad_on_int_error(lib):
    lib.tensor([1, 2]).requires_grad_()


def int_tensor_with_requires_grad_error(lib):
    lib.tensor([1, 2], requires_grad=True)


def backward_without_grad_error(lib):
    lib.tensor(X).sum().backward()


def grad_of_non_requiring_input_error(lib):
    x = leaf(lib)
    lib.autograd.grad((x * 2).sum(), lib.tensor(X))


def backward_gradient_shape_error(lib):
    x = leaf(lib)
    (x * 2).backward(lib.ones(2))


def numpy_of_requires_grad_error(lib):
    leaf(lib).numpy()


# ---------------------------------------------------------------- data updates, views and in-place
def data_update_on_leaf(lib):
    p = leaf(lib)
    (p * p).sum().backward()
    p.data -= 0.1 * p.grad
    (p * p).sum().backward()
    return p, p.grad, p.is_leaf


def no_grad_update_on_leaf(lib):
    p = leaf(lib)
    (p * p).sum().backward()
    with lib.no_grad():
        p -= 0.1 * p.grad
    p.grad.zero_()
    (p * 3).sum().backward()
    return p, p.grad


def setitem_on_non_leaf(lib):
    x = leaf(lib)
    y = x * 1
    y[0] = 0
    y.sum().backward()
    return y, x.grad


def inplace_through_view(lib):
    x = leaf(lib, M)
    y = x * 1
    v = y[1:]
    v.mul_(2)
    (y * y).sum().backward()
    return y, x.grad


INPLACE_ON_NON_LEAF = {
    "exp_": lambda y: y.exp_(),
    "mul_tensor": lambda y: y.mul_(y.detach() + 1),
    "sigmoid_": lambda y: y.sigmoid_(),
    "pow_": lambda y: y.pow_(2),
    "add_then_mul": lambda y: y.add_(1).mul_(y.detach()),
    "mul_then_add": lambda y: y.mul_(2).add_(y.detach()),
}


@pytest.mark.parametrize("op", [v if not callable(v) else pytest.param(v, id=k)
                                for k, v in INPLACE_ON_NON_LEAF.items()])
def test_inplace_on_non_leaf_backward(op):
    def case(lib):
        x = leaf(lib)
        y = x * 1
        op(y)
        (y * y).sum().backward()
        return y, x.grad
    check(case)


def view_of_leaf_inplace_error(lib):
    x = leaf(lib)
    x[1:].mul_(2)


def inplace_chain_grad(lib):
    x = leaf(lib)
    y = x.exp()
    y.mul_(2)
    y.add_(x)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name()


# ---------------------------------------------------------------- grad_fn names
GRAD_FN_OPS = {
    "add": lambda lib, x: x + x,
    "add_scalar": lambda lib, x: x + 1,
    "nextafter": lambda lib, x: lib.nextafter(x, x + 1),
    "sub": lambda lib, x: x - x,
    "mul": lambda lib, x: x * x,
    "div": lambda lib, x: x / 2,
    "neg": lambda lib, x: -x,
    "pow": lambda lib, x: x ** 2,
    "pow_tensor": lambda lib, x: x ** x,
    "exp": lambda lib, x: x.exp(),
    "sum": lambda lib, x: x.sum(),
    "sum_dim": lambda lib, x: x.sum(0),
    "mean": lambda lib, x: x.mean(),
    "view": lambda lib, x: x.view(3, 2),
    "reshape": lambda lib, x: x.reshape(6),
    "matmul_2d": lambda lib, x: lib.matmul(x, x.t()),
    "matmul_1d": lambda lib, x: lib.matmul(x[0], x[1]),
    "t": lambda lib, x: x.t(),
    "transpose": lambda lib, x: x.transpose(0, 1),
    "select": lambda lib, x: x[0],
    "slice": lambda lib, x: x[:, 1:],
    "unsqueeze": lambda lib, x: x.unsqueeze(0),
    "clone": lambda lib, x: x.clone(),
    "float64": lambda lib, x: x.double(),
}


@pytest.mark.parametrize("op", [v if not callable(v) else pytest.param(v, id=k) for k, v in GRAD_FN_OPS.items()])
def test_grad_fn_name(op):
    check(lambda lib: op(lib, leaf(lib, M)).grad_fn.name())


CASES = [backward_with_gradient, retain_graph_twice, backward_twice_error, double_backward_via_grad,
         double_backward_via_backward, grad_accumulates, grad_with_grad_outputs, grad_allow_unused,
         grad_unused_error, grad_leaves_grad_untouched, backward_inputs, autograd_backward_function,
         no_grad_context, no_grad_decorator, enable_grad_inside_no_grad, enable_grad_decorator,
         set_grad_enabled_forms, inference_mode_forms, detach_shares_data, detach_inplace, requires_grad_inplace,
         retain_grad_non_leaf, requires_grad_false_on_non_leaf, is_leaf_flags, hook_on_leaf_modifies,
         hook_on_non_leaf_modifies, hook_removed, hook_on_no_grad_tensor_error, function_save_for_backward,
         function_needs_input_grad, function_non_differentiable, function_setup_context_once_differentiable,
         function_once_differentiable_double_backward_error, function_backward_twice_error,
         non_scalar_backward_error, inplace_on_leaf_error, inplace_on_leaf_under_no_grad,
         saved_tensor_modified_error, scalar_operand_not_saved, divisor_saved, matmul_operators,
         requires_grad_on_int_error, int_tensor_with_requires_grad_error,
         backward_without_grad_error, grad_of_non_requiring_input_error, backward_gradient_shape_error,
         numpy_of_requires_grad_error, data_update_on_leaf, no_grad_update_on_leaf, setitem_on_non_leaf,
         inplace_through_view, view_of_leaf_inplace_error, inplace_chain_grad]


@pytest.mark.parametrize("case", CASES, ids=lambda f: f.__name__)
def test_matches_torch(case):
    check(case)


def test_static_arguments_equal_across_types_compile_separately():
    # 1, 1.0 and True hash alike; a numpy dtype compares equal to None: none may share a compiled function
    check(lambda lib: (lib.full((2,), 1.5) * 1, lib.full((2,), 1.5) * 1.0, lib.ones(2, dtype=lib.int64) * True,
                       lib.ones(2, dtype=lib.int64) * 1.0, lib.arange(4.).sum(dtype=lib.float64),
                       lib.arange(4.).sum()))
