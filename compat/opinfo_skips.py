"""What the OpInfo sweep does not compare value-for-value, and why.

Keys are OpInfo names (``'nn.functional.dropout'``) or ``name.variant`` for a single variant.
"""
from __future__ import annotations

from typing import Any, Callable


def _same_reason(reason: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, reason)


SKIPS: dict[str, str] = {
    **_same_reason("CUDA-only kernel (jiterator/flash/efficient attention/triton/float8 scaled mm)",
                   "jiterator_unary", "jiterator_binary", "jiterator_4inputs_with_extra_args",
                   "jiterator_binary_return_by_ref", "jiterator_2inputs_2outputs",
                   "torch.ops.aten._flash_attention_forward", "torch.ops.aten._efficient_attention_forward",
                   "bmm.triton_optimized", "torch._scaled_mm", "torch._scaled_mm_v2"),
    **_same_reason("sparse layouts are not supported by jtorch", "sparse.sampled_addmm", "sparse.mm", "to_sparse"),
    **_same_reason("complex32 has no JAX dtype", "chalf"),
    **_same_reason("complex-only variant", "nn.functional.silu.complex"),
    **_same_reason("ATen-internal op, not part of the public torch API",
                   "_softmax_backward_data", "_batch_norm_with_update", "_native_batch_norm_legit",
                   "_upsample_bilinear2d_aa", "_unsafe_masked_index", "_unsafe_masked_index_put_accumulate",
                   "_chunk_cat", "_segment_reduce", "torch.ops.aten._safe_softmax.default", "slice",
                   "max_pool2d_with_indices_backward", "native_dropout_backward"),
}

# Ops whose values are random: compared by shape, dtype and (pooled over repeated calls) mean/std.
RANDOM_OPS: frozenset[str] = frozenset({
    "cauchy", "exponential", "geometric", "log_normal", "normal", "uniform", "bernoulli", "multinomial",
    "randn", "randn_like", "rand_like", "randint", "randint_like", "nn.functional.dropout",
    "nn.functional.dropout2d", "nn.functional.dropout3d", "nn.functional.alpha_dropout",
    "nn.functional.feature_alpha_dropout.with_train", "nn.functional.rrelu",
    "nn.functional.fractional_max_pool2d", "nn.functional.fractional_max_pool3d",
})

# Ops random only for some samples (dropout inside): which samples those are, as a predicate on the SampleInput.
# Those samples are treated like RANDOM_OPS; the op's other samples are compared value for value.
RANDOM_SAMPLES: dict[str, Callable[[Any], bool]] = {
    "nn.functional.scaled_dot_product_attention": lambda s: s.kwargs.get("dropout_p", 0.0) > 0.0,
    # positional dropout_p follows key, value, embed_dim, num_heads, in_proj weight/bias, bias_k/v, add_zero_attn
    "nn.functional.multi_head_attention_forward": lambda s: s.args[9] > 0.0 and s.kwargs.get("training", True),
}

# Ops whose values carry no meaning (uninitialised memory, randomised algorithms): shape and dtype only.
SHAPE_ONLY_OPS: frozenset[str] = frozenset({
    "empty", "empty_like", "new_empty", "new_empty_strided", "empty_strided", "empty_permuted",
    "svd_lowrank", "pca_lowrank",
})

# (rtol, atol) for float32 where the default (1.3e-6, 1e-5) is tighter than the op's float32 accuracy.
TOLERANCES: dict[str, tuple[float, float]] = {
    # addbmm and conv_transpose3d are float32 sums whose order differs between torch's CPU kernels and XLA's; the
    # error scales with the summands (entries up to ~9, so products up to ~81), not with the result, which cancels
    # to ~1 in places. torch adds one batch's product at a time (addmm_ per batch); XLA sums in its own order.
    "addbmm": (1.3e-6, 5e-5),
    # 3 input channels x 27 kernel taps per output element, accumulated in a different order
    "nn.functional.conv_transpose3d": (1.3e-6, 5e-5),
    # The samples have 1-norm ~27 and entries up to ~1e5: float32 rounding in the squaring steps leaves errors of
    # ~0.05 on every entry (torch's own float32 result is that far from the float64 one), so entries near zero
    # differ from torch's by far more than 1e-5 whatever the algorithm.
    "matrix_exp": (1e-4, 0.2),
}

# Ops whose expected gradients do not come from torch's float32 autograd: (reference, reason). 'float64': torch's
# autograd in float64 (its float32 backward loses precision that jtorch keeps); 'numeric': central differences of
# torch's forward in float64 (torch's backward is wrong: OpInfo marks its gradcheck as an expected failure).
GRAD_REFERENCES: dict[str, tuple[str, str]] = {
    "logcumsumexp": ("float64", "torch's backward adds the input to a reverse logcumsumexp before exp: at |x| = 1e4 "
                                "float32 keeps ~3 digits (gradient off by 3e-3), jtorch's is within 3e-7 of float64"),
    "as_strided_scatter": ("numeric", "torch's backward puts the gradient of self on the scattered elements instead "
                                      "of the kept ones (TestBwdGradients.test_fn_grad is an expected failure)"),
}

# (rtol, atol) for gradients where the default (1e-5, 1e-4) is tighter than the op's float32 accuracy.
GRAD_TOLERANCES: dict[str, tuple[float, float]] = {
    # the outputs of inputs near 1e4 carry float32's absolute rounding (ulp 1e-3) into exp(x - out) of the backward
    "logcumsumexp": (1e-5, 1e-3),
}

# Ops not compared in some dtypes of the dtype sweep: op -> (dtype names, reason). Integer, bool and float16 samples
# hold ties, among which torch leaves the order of the returned indices unspecified.
_TIES = ("bool", "int8", "uint8", "int16", "int32", "int64", "float16", "bfloat16")
OP_DTYPE_SKIPS: dict[str, tuple[tuple[str, ...], str]] = {
    **dict.fromkeys(("sort", "topk", "kthvalue", "argsort", "msort", "mode", "median", "nanmedian"),
                    (_TIES, "indices among tied values are unspecified (samples of this dtype hold ties)")),
    "matrix_exp": (("float16", "bfloat16"), "torch's CPU float16/bfloat16 matrix_exp returns nan or inf even for "
                                            "small matrices; jtorch's (computed in float32) is checked against "
                                            "torch's float32 result in tests/test_dtype_semantics.py"),
}
