"""Activation layers: each wraps its function in ``nn.functional``."""
from __future__ import annotations

from ..._ops.creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import named
from .linear import NonDynamicallyQuantizableLinear, _factory
from .module import Module

__all__ = ["ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Softplus",
           "Hardsigmoid", "Hardswish", "Threshold", "Hardshrink", "Softshrink", "Softsign", "Tanhshrink",
           "LogSigmoid", "Sigmoid", "Tanh", "PReLU", "RReLU", "GLU", "Softmax", "LogSoftmax", "Softmin",
           "Softmax2d", "MultiheadAttention"]


def _activation(name: str, fn, params: tuple = (), inplace: bool = False, repr_fmt: str | None = None):
    """A layer class ``Name(*params, inplace=False)`` that calls ``fn(input, *params[, inplace])``.

    ``params`` is ``((attr, default), ...)``; ``repr_fmt`` formats extra_repr from the attributes (default: the
    'inplace=True' marker only).
    """
    names = tuple(p for p, _ in params)
    defaults = dict(params)

    def __init__(self, *args, **kwargs) -> None:
        Module.__init__(self)
        allowed = names + (("inplace",) if inplace else ())
        if len(args) > len(allowed):
            raise TypeError(f"{name}.__init__() takes from 1 to {len(allowed) + 1} positional arguments but "
                            f"{len(args) + 1} were given")
        values = dict(defaults, inplace=False)
        values.update(zip(allowed, args))
        for k, v in kwargs.items():
            if k not in allowed:
                raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
            values[k] = v
        for k in allowed:
            setattr(self, k, values[k])

    def forward(self, input: Tensor) -> Tensor:
        args = tuple(getattr(self, n) for n in names)
        return fn(input, *args, inplace=self.inplace) if inplace else fn(input, *args)

    def extra_repr(self) -> str:
        marker = ", inplace=True" if inplace and self.inplace else ""
        if repr_fmt is None:
            return marker[2:]
        return repr_fmt.format(**{n: getattr(self, n) for n in names}) + marker

    cls = type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr})
    return named(cls, name, f"Applies ``nn.functional.{fn.__name__}`` elementwise.", __name__)


ReLU = _activation("ReLU", F.relu, inplace=True)
ReLU6 = _activation("ReLU6", F.relu6, inplace=True)
Hardtanh = _activation("Hardtanh", F.hardtanh, (("min_val", -1.0), ("max_val", 1.0)), True,
                       "min_val={min_val}, max_val={max_val}")
LeakyReLU = _activation("LeakyReLU", F.leaky_relu, (("negative_slope", 1e-2),), True,
                        "negative_slope={negative_slope}")
ELU = _activation("ELU", F.elu, (("alpha", 1.0),), True, "alpha={alpha}")
CELU = _activation("CELU", F.celu, (("alpha", 1.0),), True, "alpha={alpha}")
SELU = _activation("SELU", F.selu, inplace=True)
SiLU = _activation("SiLU", F.silu, inplace=True)
Mish = _activation("Mish", F.mish, inplace=True)
Hardsigmoid = _activation("Hardsigmoid", F.hardsigmoid, inplace=True)
Hardswish = _activation("Hardswish", F.hardswish, inplace=True)
Softplus = _activation("Softplus", F.softplus, (("beta", 1.0), ("threshold", 20.0)), False,
                       "beta={beta}, threshold={threshold}")
Threshold = _activation("Threshold", F.threshold, (("threshold", None), ("value", None)), True,
                        "threshold={threshold}, value={value}")
Hardshrink = _activation("Hardshrink", F.hardshrink, (("lambd", 0.5),), False, "{lambd}")
Softshrink = _activation("Softshrink", F.softshrink, (("lambd", 0.5),), False, "{lambd}")
Softsign = _activation("Softsign", F.softsign)
Tanhshrink = _activation("Tanhshrink", F.tanhshrink)
LogSigmoid = _activation("LogSigmoid", F.logsigmoid)
Sigmoid = _activation("Sigmoid", F.sigmoid)
Tanh = _activation("Tanh", F.tanh)
GLU = _activation("GLU", F.glu, (("dim", -1),), False, "dim={dim}")


class GELU(Module):
    """x * Phi(x); ``approximate='tanh'`` uses the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class PReLU(Module):
    """x if x > 0 else a * x with learnable a (``num_parameters`` of them, one per channel), init ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None) -> None:
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(empty(num_parameters, **_factory(device, dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Leaky relu with random slopes in [lower, upper] while training."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


def _softmax_layer(name: str, fn):
    class SoftmaxLayer(Module):
        def __init__(self, dim: int | None = None) -> None:
            super().__init__()
            self.dim = dim

        def __setstate__(self, state) -> None:
            super().__setstate__(state)
            if not hasattr(self, "dim"):
                self.dim = None

        def forward(self, input: Tensor) -> Tensor:
            return fn(input, self.dim, _stacklevel=5)

        def extra_repr(self) -> str:
            return f"dim={self.dim}"
    return named(SoftmaxLayer, name, f"``nn.functional.{fn.__name__}`` along ``dim``.", __name__)


Softmax = _softmax_layer("Softmax", F.softmax)
LogSoftmax = _softmax_layer("LogSoftmax", F.log_softmax)
Softmin = _softmax_layer("Softmin", F.softmin)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads`` with input and output projections.

    forward(query (L, N, E), key (S, N, kdim), value (S, N, vdim)) -> (output (L, N, E), weights (N, L, S) or
    None); (N, L, E) etc. with ``batch_first``, and (L, E), (S, kdim), (S, vdim) for unbatched inputs.
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        kw = _factory(device, dtype)
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def __setstate__(self, state) -> None:
        state.setdefault("_qkv_same_embed_dim", True)
        super().__setstate__(state)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """Attention output and, with ``need_weights``, the weights (averaged over heads unless told not to).

        ``key_padding_mask`` (N, S): True (or -inf) hides a key; ``attn_mask`` (L, S) or (N * num_heads, L, S):
        True (or -inf) forbids a position; ``is_causal`` says ``attn_mask`` is the causal mask.
        """
        key_padding_mask = F._canonical_mask(key_padding_mask, "key_padding_mask", F._none_or_dtype(attn_mask),
                                             "attn_mask", query.dtype)
        attn_mask = F._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        output, weights = F._multi_head_attention(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            static_k=None, static_v=None, average_attn_weights=average_attn_weights, is_causal=is_causal,
            batch_first=self.batch_first)
        return output, weights

    def merge_masks(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                    query: Tensor) -> tuple[Tensor | None, int | None]:
        """The masks as one: (N, num_heads, L, L) from an (L, L) or (N * num_heads, L, L) ``attn_mask`` plus an
        (N, L) ``key_padding_mask``, with its type (1: the padding mask alone, 2: with ``attn_mask``)."""
        if attn_mask is None:
            return key_padding_mask, (None if key_padding_mask is None else 1)
        batch_size, seq_len, _ = query.shape
        merged = (attn_mask.view(batch_size, -1, seq_len, seq_len) if attn_mask.ndim == 3
                  else attn_mask.view(1, 1, seq_len, seq_len).expand(batch_size, self.num_heads, -1, -1))
        if key_padding_mask is not None:
            merged = merged + key_padding_mask.view(batch_size, 1, 1, seq_len).expand(-1, self.num_heads, -1, -1)
        return merged, 2
