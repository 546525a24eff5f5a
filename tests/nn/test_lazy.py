"""Lazy modules against torch: repr before and after the first forward, the class they become, parameter shapes,
loading a state_dict into an uninitialised module, and the errors of uninitialised parameters."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _compare import check  # noqa: E402

x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(np.float32)

BUILDERS = {
    "LazyLinear": (lambda nn: nn.LazyLinear(4), x[:, 0, 0]),
    "LazyLinearNoBias": (lambda nn: nn.LazyLinear(4, bias=False), x[0]),
    "LazyConv1d": (lambda nn: nn.LazyConv1d(4, 3, stride=2), x[:, :, 0]),
    "LazyConv2d": (lambda nn: nn.LazyConv2d(4, 3, padding=1), x),
    "LazyConv2dUnbatched": (lambda nn: nn.LazyConv2d(2, (2, 3)), x[0]),
    "LazyConv3d": (lambda nn: nn.LazyConv3d(2, 2), x[None]),
    "LazyConvTranspose2d": (lambda nn: nn.LazyConvTranspose2d(4, 3, stride=2), x),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_first_forward_sizes_and_converts_the_module(name):
    build, data = BUILDERS[name]

    def case(t):
        module = build(t.nn)
        before = (repr(module), type(module).__name__, [type(p).__name__ for p in module.parameters()])
        out = module(t.tensor(data))
        return before, repr(module), type(module).__name__, [tuple(p.shape) for p in module.parameters()], \
            tuple(out.shape), list(module.state_dict())

    check(case)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_load_state_dict_into_uninitialised_module(name):
    build, data = BUILDERS[name]

    def case(t):
        source = build(t.nn)
        source(t.tensor(data))
        target = build(t.nn)
        target.load_state_dict(source.state_dict())
        loaded = repr(target), type(target).__name__, [tuple(p.shape) for p in target.parameters()]
        with t.no_grad():
            same = bool((target(t.tensor(data)) == source(t.tensor(data))).all())
        return loaded, repr(target), type(target).__name__, same

    check(case)


def test_uninitialised_parameter_shape_and_repr():
    check(lambda t: repr(t.nn.LazyLinear(2).weight))
    check(lambda t: t.nn.LazyLinear(2).weight.shape, message_chars=120)
    check(lambda t: t.nn.LazyConv2d(4, 3, groups=2)(t.ones(1, 3, 5, 5)))
