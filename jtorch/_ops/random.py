"""Random numbers: torch.Generator over a JAX PRNG key, manual_seed, and the sampling ops.

Streams differ from PyTorch's (different generator), distributions match. The key lives in a Tensor
box so that compiled code finds it as state and advances it.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as _dev
from .. import _dtype as dt
from .._tensor import Tensor
from ._registry import register, register_method
from ._util import np_dtype
from .creation import _finish, _jax_device, _size_args

_DEFAULT_SEED = 67280421310721


def _key_from_seed(seed: int):
    seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    return np.array([seed >> 32, seed & 0xFFFFFFFF], dtype=np.uint32)


class Generator:
    """A source of random numbers; ``manual_seed`` makes its stream reproducible."""

    def __init__(self, device="cpu"):
        self.device = _dev.device(device)
        self._initial_seed = _DEFAULT_SEED
        self._box: Tensor | None = None
        self._pending = _key_from_seed(_DEFAULT_SEED)

    @property
    def _key(self) -> Tensor:
        """The box holding the PRNG key, made at first use: creating or seeding a generator starts no JAX
        backend (``jtorch.distributed.init_process_group`` must come before the backend starts)."""
        if self._box is None:
            self._box = Tensor._make(jnp.asarray(self._pending))
        return self._box

    def _set_key(self, key: np.ndarray) -> None:
        if self._box is None:
            self._pending = key
        else:
            self._box._array = jnp.asarray(key)

    def manual_seed(self, seed) -> "Generator":
        """Reseed; the same seed gives the same stream."""
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xFFFF_FFFF_FFFF_FFFF:
            raise RuntimeError("Overflow when unpacking long long")
        self._initial_seed = seed & 0xFFFFFFFFFFFFFFFF
        self._set_key(_key_from_seed(seed))
        return self

    def seed(self) -> int:
        """Reseed from a non-deterministic source and return that seed."""
        seed = time.time_ns() & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._initial_seed

    def get_state(self) -> Tensor:
        """The generator's state as a uint8 tensor (for ``set_state``)."""
        key = (self._pending if self._box is None else np.asarray(self._box._value)).astype(np.uint32)
        return Tensor._make(jnp.asarray(np.frombuffer(key.tobytes(), np.uint8).copy()))

    def set_state(self, new_state: Tensor) -> "Generator":
        if not isinstance(new_state, Tensor) or new_state.dtype is not dt.uint8:
            raise TypeError("expected a torch.ByteTensor as the new state")
        raw = np.asarray(new_state._value).tobytes()
        if len(raw) != 8:
            raise RuntimeError(f"Expected either a PhiloxCudaState or a CPUGeneratorImpl state of size 8, got "
                               f"{len(raw)}")
        self._set_key(np.frombuffer(raw, np.uint32).copy())
        return self

    def next_key(self):
        """A fresh subkey; advances the stream."""
        key, sub = _split(self._key._value)
        self._key._array = key
        return sub

    def __reduce__(self):
        return (_rebuild_generator, (str(self.device), self.get_state().numpy(), self._initial_seed))


def _rebuild_generator(device, state, initial_seed):
    g = Generator(device)
    g.set_state(Tensor._make(jnp.asarray(state)))
    g._initial_seed = initial_seed
    return g


@jax.jit
def _split(key):
    pair = jax.random.split(key)
    return pair[0], pair[1]


default_generator = Generator()


def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def manual_seed(seed) -> Generator:
    """Seed every random op (the default generator)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


def _float_dtype(dtype) -> dt.dtype:
    d = dtype or dt.get_default_dtype()
    if not (d.is_floating_point or d.is_complex):
        from .._tensor import scalar_type_name
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{scalar_type_name(d)}'")
    return d


def _sample(fn, shape, dtype, device, requires_grad, generator):
    key = _gen(generator).next_key()
    with jax.default_device(_jax_device(device)):
        array = fn(key, shape, np_dtype(dtype))
    return _finish(array, requires_grad)


def _uniform01(key, shape, dtype):
    if jnp.issubdtype(dtype, jnp.complexfloating):
        real = jnp.finfo(dtype).dtype
        k1, k2 = jax.random.split(key)
        return (jax.random.uniform(k1, shape, real) + 1j * jax.random.uniform(k2, shape, real)).astype(dtype)
    return jax.random.uniform(key, shape, dtype)


def _standard_normal(key, shape, dtype):
    return jax.random.normal(key, shape, dtype)


@register(method=False)
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _sample(_uniform01, _size_args(size), _float_dtype(dtype), device, requires_grad, generator)


@register(method=False)
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False) -> Tensor:
    """Standard normal samples."""
    return _sample(_standard_normal, _size_args(size), _float_dtype(dtype), device, requires_grad, generator)


@register(method=False)
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return rand(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


@register(method=False)
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return randn(tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def _randint_sampler(low, high):
    def sample(key, shape, dtype):
        return jax.random.randint(key, shape, low, high, dtype=jnp.int64).astype(dtype)
    return sample


@register(method=False)
def randint(low=None, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False) -> Tensor:
    """Integers uniform on [low, high) (``randint(high, size)`` also accepted); int64 by default."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    elif high is None:
        low, high = 0, low
    if high is None:
        raise TypeError("randint() missing 1 required positional arguments: \"high\"")
    low = 0 if low is None else low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    return _sample(_randint_sampler(int(low), int(high)), _size_args((size,)), dtype or dt.int64, device,
                   requires_grad, generator)


@register(method=False)
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input.device)


@register(method=False)
def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False) -> Tensor:
    """A random permutation of ``0..n-1``."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    def sample(key, shape, dtype):
        return jax.random.permutation(key, n).astype(dtype)
    return _sample(sample, (n,), dtype or dt.int64, device, requires_grad, generator)


@register
def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probability ``input`` (or ``p``) of a 1, in ``input``'s dtype."""
    probs = input._value if p is None else jnp.full(input.shape, p, input.dtype.np_dtype)
    key = _gen(generator).next_key()
    return Tensor._make(_bernoulli_jit(key, probs))


@jax.jit
def _bernoulli_jit(key, probs):
    return (jax.random.uniform(key, probs.shape, probs.dtype if jnp.issubdtype(probs.dtype, jnp.floating)
                               else jnp.float32) < probs).astype(probs.dtype)


def _inplace_sampler(name: str, make, host=None):
    """Register ``Tensor.<name>``; ``host(rng, shape, dtype, *args)`` samples float32/64 eagerly with numpy
    (seeded from the generator's key), sparing an XLA compilation per parameter shape when modules are built."""
    def op(self, *args, generator=None, **kwargs):
        key = _gen(generator).next_key()
        eager = not isinstance(key, jax.core.Tracer) and not isinstance(self._value, jax.core.Tracer)
        if host is not None and eager and self.dtype in (dt.float32, dt.float64):
            rng = np.random.default_rng(np.asarray(key).astype(np.uint32))
            sample = host(rng, tuple(self.shape), self.dtype.np_dtype, *args, **kwargs)
            array = jax.device_put(sample, next(iter(self._value.devices())))
        else:
            array = make(key, tuple(self.shape), self.dtype.np_dtype, *args, **kwargs)
        return self._commit_inplace_no_grad(array)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Fill ``self`` in place with samples ({name[:-1]})."
    register_method(op, name=name)


def _commit_inplace_no_grad(self, array) -> Tensor:
    from ..autograd import grad_mode
    with grad_mode.no_grad():
        return self._commit_inplace(Tensor._make(array))


Tensor._commit_inplace_no_grad = _commit_inplace_no_grad

def _uniform_ab(key, shape, dtype, a=0.0, b=1.0):
    """Uniform on [a, b); complex: real and imaginary parts each uniform on [a, b)."""
    if a == b:
        return jnp.full(shape, a, dtype)
    if jnp.issubdtype(dtype, jnp.complexfloating):
        real = jnp.finfo(dtype).dtype
        k1, k2 = jax.random.split(key)
        return jax.lax.complex(jax.random.uniform(k1, shape, real, a, b), jax.random.uniform(k2, shape, real, a, b))
    return jax.random.uniform(key, shape, dtype, minval=a, maxval=b)


_inplace_sampler("uniform_", _uniform_ab,
                 host=lambda rng, shape, dtype, a=0.0, b=1.0:
                 np.asarray(rng.random(shape, dtype) * dtype.type(b - a) + dtype.type(a)))
_inplace_sampler("normal_", lambda key, shape, dtype, mean=0.0, std=1.0:
                 (jax.random.normal(key, shape, dtype) * std + mean).astype(dtype),
                 host=lambda rng, shape, dtype, mean=0.0, std=1.0:
                 np.asarray(rng.standard_normal(shape, dtype) * dtype.type(std) + dtype.type(mean)))
_inplace_sampler("bernoulli_", lambda key, shape, dtype, p=0.5:
                 (jax.random.uniform(key, shape) < (p._value if isinstance(p, Tensor) else p)).astype(dtype))
_inplace_sampler("exponential_", lambda key, shape, dtype, lambd=1.0:
                 (jax.random.exponential(key, shape, dtype) / lambd).astype(dtype))
_inplace_sampler("cauchy_", lambda key, shape, dtype, median=0.0, sigma=1.0:
                 (median + sigma * jax.random.cauchy(key, shape, dtype)).astype(dtype))
_inplace_sampler("log_normal_", lambda key, shape, dtype, mean=1.0, std=2.0:
                 jnp.exp(jax.random.normal(key, shape, dtype) * std + mean).astype(dtype))
_inplace_sampler("geometric_", lambda key, shape, dtype, p:
                 jax.random.geometric(key, p, shape).astype(dtype))


def _random_fill(key, shape, dtype, from_=0, to=None):
    if to is None and from_ != 0:
        from_, to = 0, from_
    elif to is None:
        to = 2 ** 24 + 1 if jnp.issubdtype(dtype, jnp.floating) else int(jnp.iinfo(dtype).max) + 1
    return jax.random.randint(key, shape, from_, to, dtype=jnp.int64).astype(dtype)


_inplace_sampler("random_", _random_fill)


@register(method=False)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False) -> Tensor:
    """Normal samples with ``mean`` and ``std`` (tensors broadcast, or floats with ``size``)."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if isinstance(std, Tensor) and bool((std < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        ref = mean if isinstance(mean, Tensor) else std
        shape = jnp.broadcast_shapes(tuple(mean.shape) if isinstance(mean, Tensor) else (),
                                     tuple(std.shape) if isinstance(std, Tensor) else ())
        z = randn(shape, dtype=ref.dtype, generator=generator)
        return z * std + mean
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return randn(_size_args((size,)), dtype=dtype, device=device, generator=generator,
                 requires_grad=False) * std + mean


@register
def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    """Indices sampled from the rows of ``input`` (non-negative weights), with or without replacement."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n = input.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    key = _gen(generator).next_key()
    probs = input._value.astype(jnp.float64)
    logits = jnp.log(probs)
    batch = probs.shape[:-1]
    if replacement:
        idx = jax.random.categorical(key, logits, axis=-1, shape=(num_samples,) + batch)
        idx = jnp.moveaxis(idx, 0, -1)
    else:  # Gumbel top-k: sampling without replacement
        g = jax.random.gumbel(key, probs.shape)
        idx = jnp.argsort(-(logits + g), axis=-1)[..., :num_samples]
    return Tensor._make(idx.astype(jnp.int64))


@register
def poisson(input, generator=None) -> Tensor:
    """Poisson samples with rates ``input``."""
    key = _gen(generator).next_key()
    return Tensor._make(jax.random.poisson(key, input._value).astype(input.dtype.np_dtype))
