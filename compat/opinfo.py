"""Drive PyTorch's OpInfo database against jtorch and report which ops match, forward and backward.

For every OpInfo (name + variant) the sweep takes its first CPU sample inputs (float32 where the op supports
it, else an integer or bool dtype), converts them to jtorch, runs the op in both libraries and compares the
outputs; when the op supports autograd it then pulls the same random cotangent back through both and compares
the input gradients.

The dtype sweep (``--dtypes``) runs every op again in each other CPU dtype it supports (float64, float16,
bfloat16, the integer types, bool, complex64/128): forward in every dtype, gradients in float64 and complex.

Run ``python -m compat.opinfo [--ops add,mul] [--max-samples N] [--jobs N] [--dtypes [float16,int8]]`` from the
repository root (``python -m compat`` runs every compat suite).
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import functools
import json
import math
import multiprocessing
import os
import time
import types
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import torch

import jtorch

from .convert import assert_same, dtype_name, to_jtorch, to_torch
from .opinfo_skips import (GRAD_REFERENCES, GRAD_TOLERANCES, OP_DTYPE_SKIPS, RANDOM_OPS, RANDOM_SAMPLES,
                           SHAPE_ONLY_OPS, SKIPS, TOLERANCES)

DEFAULT_MAX_SAMPLES = 4
DTYPE_MAX_SAMPLES = 1
MAX_SAMPLE_NUMEL = 10_000
OP_TIME_BUDGET_S = 10.0
FORWARD_TOL = (1.3e-6, 1e-5)
GRAD_TOL = (1e-5, 1e-4)
RANDOM_POOL_NUMEL = 4096
# ops (or modules) per task handed to a worker process
WORKER_CHUNK = 8
REPORT_DIR = Path(__file__).parent / "reports"
_FALLBACK_DTYPES = (torch.int64, torch.bool, torch.int32, torch.uint8)
# Forward (rtol, atol) per dtype of an output in the dtype sweep: torch.testing.assert_close's defaults, except that
# float16 and bfloat16 take atol = rtol (one rounding step near 1: torch computes them in float32 internally, XLA
# may not); float32 outputs (of integer inputs, say) take the float32 sweep's. Integer and bool outputs must be equal.
DTYPE_TOLERANCES = {torch.float64: (1e-7, 1e-7), torch.complex128: (1e-7, 1e-7), torch.complex64: (1.3e-6, 1e-5),
                    torch.float16: (1e-3, 1e-3), torch.bfloat16: (1.6e-2, 1.6e-2),
                    **dict.fromkeys((torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                                     torch.uint16, torch.uint32, torch.uint64), (0.0, 0.0))}
# Dtypes whose gradients the dtype sweep compares (float16/bfloat16: forward only), with their (rtol, atol).
DTYPE_GRAD_TOLERANCES = {torch.float64: (1e-7, 1e-7), torch.complex128: (1e-7, 1e-7), torch.complex64: GRAD_TOL}
DTYPE_SKIPS = {torch.complex32: "complex32 has no JAX dtype",
               **dict.fromkeys((torch.float8_e4m3fn, torch.float8_e5m2, torch.float8_e4m3fnuz, torch.float8_e5m2fnuz),
                               "float8 dtypes are not supported by jtorch")}


@dataclasses.dataclass
class SampleResult:
    """How one sample went: ``forward`` is pass/fail/missing, ``grad`` is pass/fail/n/a."""

    forward: str
    grad: str = "n/a"
    error: str = ""


@dataclasses.dataclass
class OpResult:
    """One OpInfo's outcome; ``status`` is pass_grad, pass_forward, fail, missing or skipped."""

    op: str
    status: str
    samples: int = 0
    forward: str = "-"
    grad: str = "-"
    note: str = ""
    dtype: str = ""


def op_key(op) -> str:
    """``'name'`` or ``'name.variant'`` for an OpInfo."""
    return f"{op.name}.{op.variant_test_name}" if op.variant_test_name else op.name


def _lookup(table, op) -> Any:
    """The entry of ``table`` for ``op``'s variant key, else for its plain name (None if neither)."""
    key = op_key(op)
    if key in table:
        return table[key] if isinstance(table, dict) else key
    if op.name in table:
        return table[op.name] if isinstance(table, dict) else op.name
    return None


def _first_line(exc: BaseException) -> str:
    """``'Type: first line'`` of an exception, plus the greatest differences of a failed closeness check."""
    lines = str(exc).strip().splitlines()
    detail = [line.strip() for line in lines[1:] if line.strip().startswith("Greatest")]
    return "; ".join([f"{type(exc).__name__}: {lines[0] if lines else ''}", *detail])[:300]


def _is_missing(exc: BaseException) -> bool:
    """Whether ``exc`` says that jtorch lacks a function, module or Tensor method."""
    msg = str(exc)
    return isinstance(exc, AttributeError) and "has no attribute" in msg and ("jtorch" in msg or "'Tensor'" in msg)


# ------------------------------------------------------------------ resolving the jtorch callable

def _call(fn: Callable, *args, **kwargs):
    return fn(*args, **kwargs)


def rebind(fn: Callable, lib=jtorch) -> Callable:
    """``fn`` (a Python function written against ``torch``) re-created with ``torch`` meaning ``lib``.

    Its ``wrapper_set_seed`` no longer reseeds, so repeated calls of a random op draw fresh values.
    """
    if not isinstance(fn, types.FunctionType):
        return fn
    env = dict(fn.__globals__, torch=lib, wrapper_set_seed=_call)
    return types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__, fn.__closure__)


def resolve(op) -> Callable | None:
    """The jtorch callable for OpInfo ``op``, or None when jtorch has no such function or method.

    Lambdas defined in the OpInfo database are re-bound to jtorch; Tensor methods (``__radd__``) come from
    ``jtorch.Tensor``; everything else is looked up by the dotted OpInfo name (``linalg.norm``).
    """
    fn = op.op
    qualname = getattr(fn, "__qualname__", "") or ""
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        return rebind(fn)
    if qualname.startswith(("TensorBase.", "Tensor.")):
        return getattr(jtorch.Tensor, fn.__name__, None)
    target: Any = jtorch
    name = op.name[len("torch."):] if op.name.startswith("torch.") else op.name
    for part in name.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target if callable(target) else None


# ------------------------------------------------------------------ samples

def _tensors(obj: Any) -> list:
    """The tensors (torch or jtorch) in a nested structure, in a fixed traversal order."""
    if isinstance(obj, (torch.Tensor, jtorch.Tensor)):
        return [obj]
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _tensors(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _tensors(v)]
    return []


def sample_dtype(op) -> torch.dtype | None:
    """float32 when the op supports it on CPU, else the first supported integer/bool dtype."""
    supported = op.supported_dtypes("cpu")
    for d in (torch.float32, *_FALLBACK_DTYPES):
        if d in supported:
            return d
    return None


def _numel(sample) -> int:
    return sum(t.numel() for t in _tensors((sample.input, *sample.args, sample.kwargs)))


def small_samples(op, dtype: torch.dtype, max_samples: int, grad: bool = True) -> list:
    """Up to ``max_samples`` of the op's sample inputs whose tensors hold at most MAX_SAMPLE_NUMEL elements
    (requiring grad when ``grad`` and the op and dtype support autograd)."""
    grad = grad and op.supports_autograd and (dtype.is_floating_point or dtype.is_complex)
    kept = []
    for sample in op.sample_inputs("cpu", dtype, requires_grad=grad):
        if _numel(sample) <= MAX_SAMPLE_NUMEL:
            kept.append(sample)
            if len(kept) >= max_samples:
                break
    return kept


# ------------------------------------------------------------------ running one sample

def _as_torch(t) -> torch.Tensor:
    return to_torch(t) if isinstance(t, jtorch.Tensor) else t.detach()


def compare_vjp(t_outs: list, j_outs: list, t_leaves: list, j_leaves: list, tol,
                reference: Callable[[list, list], list] | None = None) -> str:
    """Pull one random cotangent back through matching torch/jtorch outputs and compare the leaves' gradients.

    Only float and complex outputs that require grad in torch take part. 'n/a' when no such output or no leaf exists,
    else 'pass'; raises ``AssertionError`` on a mismatch (gradient paths ``grad[i]`` follow the leaf order).
    ``reference(positions, cotangents)``, when given, computes the expected gradients instead of torch's autograd.
    """
    positions = [i for i, t in enumerate(t_outs) if t.requires_grad and (t.dtype.is_floating_point or t.is_complex())]
    if not positions or not t_leaves:
        return "n/a"
    if len(j_leaves) != len(t_leaves) or len(j_outs) != len(t_outs):
        raise AssertionError("jtorch inputs/outputs do not line up with torch's")
    gen = torch.Generator().manual_seed(0)
    cots = [torch.randn(t_outs[i].shape, generator=gen, dtype=t_outs[i].dtype) for i in positions]
    t_grads = (reference(positions, cots) if reference is not None else
               torch.autograd.grad([t_outs[i] for i in positions], t_leaves, cots, allow_unused=True))
    j_roots = [j_outs[i] for i in positions]
    if not all(r.requires_grad for r in j_roots):
        raise AssertionError("jtorch output does not require grad where torch's does")
    j_grads = jtorch.autograd.grad(j_roots, j_leaves, [to_jtorch(c) for c in cots], allow_unused=True)
    for i, (tg, jg, leaf) in enumerate(zip(t_grads, j_grads, t_leaves)):
        expected = torch.zeros_like(leaf) if tg is None else tg.to(leaf.dtype)
        actual = torch.zeros_like(leaf) if jg is None else to_torch(jg)
        assert_same(actual, expected, rtol=tol[0], atol=tol[1], path=f"grad[{i}]")
    return "pass"


def _float64_reference(op, sample, t_args: tuple, t_kwargs: dict, numeric: bool) -> Callable[[list, list], list]:
    """Expected gradients from torch in float64: its autograd, or with ``numeric`` central differences of its
    forward (for ops whose torch backward is wrong)."""
    def widen(obj):
        if isinstance(obj, torch.Tensor) and obj.dtype.is_floating_point:
            return obj.detach().double().requires_grad_(obj.requires_grad)
        if isinstance(obj, (list, tuple)):
            return type(obj)(widen(v) for v in obj) if not hasattr(obj, "_fields") else obj
        return {k: widen(v) for k, v in obj.items()} if isinstance(obj, dict) else obj

    args, kwargs = widen(t_args), widen(t_kwargs)
    leaves = [t for t in _tensors(args) if t.requires_grad]

    def outputs() -> list:
        return _tensors(sample.output_process_fn_grad(op(*args, **kwargs)))

    def grads(positions: list, cots: list) -> list:
        cots = [c.double() for c in cots]
        if not numeric:
            outs = outputs()
            return torch.autograd.grad([outs[i] for i in positions], leaves, cots, allow_unused=True)

        def pulled() -> float:
            outs = outputs()
            return sum(float((outs[i].detach() * c).sum()) for i, c in zip(positions, cots))

        result, step = [], 1e-6
        with torch.no_grad():
            for leaf in leaves:
                g, flat = torch.zeros_like(leaf), leaf.view(-1)
                for k in range(flat.numel()):
                    flat[k] += step
                    up = pulled()
                    flat[k] -= 2 * step
                    down = pulled()
                    flat[k] += step
                    g.view(-1)[k] = (up - down) / (2 * step)
                result.append(g)
        return result
    return grads


def compare_grads(op, sample, t_args, t_kwargs, j_args, t_out, j_out, tol, reference: str | None = None) -> str:
    """``compare_vjp`` over a sample's outputs (after its ``output_process_fn_grad``) and its grad-requiring inputs;
    ``reference`` 'float64' or 'numeric' takes the expected gradients from ``_float64_reference``."""
    process = sample.output_process_fn_grad
    t_outs, j_outs = _tensors(process(t_out)), _tensors(rebind(process)(j_out))
    expected = None if reference is None else _float64_reference(op, sample, t_args, t_kwargs, reference == "numeric")
    return compare_vjp(t_outs, j_outs, [t for t in _tensors(t_args) if t.requires_grad],
                       [t for t in _tensors(j_args) if t.requires_grad], tol, expected)


def _pooled(fn: Callable, make_args: Callable[[], tuple], kwargs: dict, first: Any) -> torch.Tensor:
    """The first output of ``first`` and of further calls of ``fn``, flattened, ~RANDOM_POOL_NUMEL values.

    Each output is copied: an in-place sampler returns its input, which the next call overwrites."""
    values = [_as_torch(_tensors(first)[0]).to(torch.float64, copy=True).flatten()]
    calls = min(20, math.ceil(RANDOM_POOL_NUMEL / max(values[0].numel(), 1)))
    for _ in range(calls - 1):
        values.append(_as_torch(_tensors(fn(*make_args(), **kwargs))[0]).to(torch.float64, copy=True).flatten())
    return torch.cat(values)


def compare_distribution(actual: torch.Tensor, expected: torch.Tensor, sigmas: float = 6.0) -> None:
    """Raise unless two pooled random samples agree in mean and std (1%/99%-clipped) within ``sigmas``."""
    if expected.numel() < 2 or actual.numel() < 2:
        return
    lo, hi = torch.quantile(expected, torch.tensor([0.01, 0.99], dtype=expected.dtype))
    a, e = actual.clamp(lo, hi), expected.clamp(lo, hi)
    (ma, sa, na), (me, se, ne) = [(x.mean().item(), x.std().item(), x.numel()) for x in (a, e)]
    if abs(ma - me) > sigmas * math.sqrt(sa ** 2 / na + se ** 2 / ne) + 1e-6:
        raise AssertionError(f"random output mean {ma:.4g} vs torch {me:.4g} (n={na}, {ne})")
    if abs(sa - se) > sigmas * math.sqrt(sa ** 2 / (2 * na) + se ** 2 / (2 * ne)) + 1e-6:
        raise AssertionError(f"random output std {sa:.4g} vs torch {se:.4g} (n={na}, {ne})")


def run_sample(op, fn: Callable, sample, *, random: bool, shape_only: bool, tol,
               pool: bool = False, grad_reference: str | None = None, grad_tol=GRAD_TOL,
               grad: bool = True, per_dtype: dict | None = None) -> SampleResult | None:
    """Run one sample through torch and jtorch; None when PyTorch itself rejects the sample.

    With ``random``, values are not compared; with ``pool`` too, their distributions are. ``tol`` is the outputs'
    (rtol, atol), ``per_dtype`` the tolerance of outputs of other dtypes (see ``assert_same``); ``grad_reference``:
    see ``compare_grads``; ``grad_tol`` the gradients' (rtol, atol); without ``grad``, the forward only.
    """
    t_args = (sample.input, *sample.args)
    t_kwargs = dict(sample.kwargs)
    j_args, j_kwargs = to_jtorch(t_args), to_jtorch(t_kwargs)
    try:
        t_out = op(*t_args, **t_kwargs)
    except Exception:  # noqa: BLE001  (a sample torch itself rejects says nothing about jtorch)
        return None
    try:
        j_out = fn(*j_args, **j_kwargs)
    except Exception as exc:  # noqa: BLE001  (any failure of the op is a result to report)
        return SampleResult("missing" if _is_missing(exc) else "fail", error=_first_line(exc))
    try:
        assert_same(to_torch(j_out), t_out, rtol=tol[0], atol=tol[1], check_values=not (random or shape_only),
                    per_dtype=per_dtype)
        if random and pool and _tensors(t_out):
            compare_distribution(_pooled(fn, lambda: to_jtorch(t_args), j_kwargs, j_out),
                                 _pooled(rebind(op.op, torch), lambda: t_args, t_kwargs, t_out))
    except Exception as exc:  # noqa: BLE001
        return SampleResult("fail", error=_first_line(exc))
    if random or shape_only or not op.supports_autograd or not grad:
        return SampleResult("pass")
    try:
        return SampleResult("pass", compare_grads(op, sample, t_args, t_kwargs, j_args, t_out, j_out, grad_tol,
                                                  grad_reference))
    except Exception as exc:  # noqa: BLE001
        return SampleResult("pass", "fail", _first_line(exc))


# ------------------------------------------------------------------ one op, the whole database

def summarize(key: str, results: list[SampleResult], dtype: str = "") -> OpResult:
    """Fold per-sample results into the op's status (see OpResult)."""
    base = OpResult(key, "skipped", len(results), dtype=dtype)
    if not results:
        base.note = "no sample input that torch accepts within the size cap"
        return base
    forwards = [r.forward for r in results]
    if all(f == "missing" for f in forwards):
        return dataclasses.replace(base, status="missing", forward="missing", note=results[0].error)
    failed = [r for r in results if r.forward != "pass"]
    if failed:
        return dataclasses.replace(base, status="fail", forward=f"{len(results) - len(failed)}/{len(results)}",
                                   note=failed[0].error)
    grad_failed = [r for r in results if r.grad == "fail"]
    graded = sum(r.grad == "pass" for r in results)
    if grad_failed:
        return dataclasses.replace(base, status="pass_forward", forward="pass",
                                   grad=f"{graded}/{graded + len(grad_failed)}", note=grad_failed[0].error)
    return dataclasses.replace(base, status="pass_grad", forward="pass", grad="pass" if graded else "n/a")


def run_op(op, max_samples: int = DEFAULT_MAX_SAMPLES, dtype: torch.dtype | None = None) -> OpResult:
    """Test one OpInfo against jtorch (catching every exception) and return its OpResult.

    Without ``dtype`` the samples are ``sample_dtype(op)``'s; with it, that dtype's, outputs compared within the
    DTYPE_TOLERANCES of their dtype, gradients only for the dtypes of DTYPE_GRAD_TOLERANCES.
    """
    key = op_key(op)
    name = "" if dtype is None else dtype_name(dtype)
    dtypes_skipped, op_reason = _lookup(OP_DTYPE_SKIPS, op) or ((), None)
    reason = _lookup(SKIPS, op) or DTYPE_SKIPS.get(dtype) or (op_reason if name in dtypes_skipped else None)
    if reason is not None:
        return OpResult(key, "skipped", note=reason, dtype=name)
    if dtype is None:
        dtype = sample_dtype(op)
        if dtype is None:
            kind = "complex-only" if op.supported_dtypes("cpu") else "no CPU dtypes"
            return OpResult(key, "skipped", note=f"no float32, integer or bool CPU dtype ({kind})")
        tol, grad_tol, grad = _lookup(TOLERANCES, op) or FORWARD_TOL, _lookup(GRAD_TOLERANCES, op) or GRAD_TOL, True
        per_dtype = None
    else:
        tol, grad_tol = _lookup(TOLERANCES, op) or FORWARD_TOL, DTYPE_GRAD_TOLERANCES.get(dtype)
        # an op's float32 tolerance holds for complex64 (float32 parts) too
        grad, per_dtype = grad_tol is not None, {**DTYPE_TOLERANCES, torch.complex64: tol}
    fn = resolve(op)
    if fn is None:
        return OpResult(key, "missing", forward="missing", note=f"jtorch has no {op.name}", dtype=dtype_name(dtype))
    random_op, shape_only = _lookup(RANDOM_OPS, op) is not None, _lookup(SHAPE_ONLY_OPS, op) is not None
    random_sample = _lookup(RANDOM_SAMPLES, op) or (lambda sample: False)
    grad_reference = (_lookup(GRAD_REFERENCES, op) or (None,))[0]
    results: list[SampleResult] = []
    start = time.perf_counter()
    try:
        samples = small_samples(op, dtype, max_samples, grad)
    except Exception as exc:  # noqa: BLE001
        return OpResult(key, "skipped", note=f"sample generation failed: {_first_line(exc)}", dtype=name)
    random = [random_op or random_sample(sample) for sample in samples]
    # the distribution is compared on the largest random sample
    largest = max((i for i in range(len(samples)) if random[i]), key=lambda i: _numel(samples[i]), default=-1)
    for i, sample in enumerate(samples):
        result = run_sample(op, fn, sample, random=random[i], shape_only=shape_only, tol=tol, pool=i == largest,
                            grad_reference=grad_reference, grad_tol=grad_tol, grad=grad, per_dtype=per_dtype)
        if result is not None:
            results.append(result)
        if time.perf_counter() - start > OP_TIME_BUDGET_S:
            break
    return summarize(key, results, dtype_name(dtype))


def select_ops(names: Iterable[str] | None = None, indices: bool = False) -> list:
    """The OpInfos whose name or name.variant is in ``names`` (all of them when ``names`` is None), or with
    ``indices`` their positions in ``op_db``."""
    from torch.testing._internal.common_methods_invocations import op_db
    wanted = None if names is None else set(names)
    chosen = [i for i, op in enumerate(op_db) if wanted is None or op.name in wanted or op_key(op) in wanted]
    return chosen if indices else [op_db[i] for i in chosen]


def run_isolated(items: Iterable, run_one: Callable[[Any], Any],
                 progress_line: Callable[[Any], str] | None = None) -> list:
    """``run_one(item)`` for every item, with warnings silenced and torch's grad mode and default dtype restored
    after each; ``progress_line(result)`` is printed as each finishes when given."""
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for item in items:
            grad_mode, default = torch.is_grad_enabled(), torch.get_default_dtype()
            results.append(run_one(item))
            torch.set_grad_enabled(grad_mode)
            torch.set_default_dtype(default)
            if progress_line is not None:
                print(progress_line(results[-1]), flush=True)
    return results


def _worker_init() -> None:
    torch.set_num_threads(1)  # one core per worker: the workers are the parallelism


def run_in_workers(run_chunk: Callable[[list], list], indices: list[int], jobs: int,
                   progress_line: Callable[[Any], str] | None = None) -> list:
    """``run_chunk`` (a module-level function: list of indices -> list of results) over ``indices`` in chunks of
    WORKER_CHUNK, spread over ``jobs`` fresh worker processes; the results come back in the order of ``indices``.

    The sweeps' time is almost all JAX tracing and XLA compilation, one program per op and sample shape, which
    runs on one core; separate processes compile side by side.
    """
    chunks = [indices[i:i + WORKER_CHUNK] for i in range(0, len(indices), WORKER_CHUNK)]
    context = multiprocessing.get_context("spawn")
    results = []
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init) as pool:
        for chunk_results in pool.map(run_chunk, chunks):
            results += chunk_results
            if progress_line is not None:
                print("\n".join(progress_line(r) for r in chunk_results), flush=True)
    return results


def _run_chunk(indices: list[int], max_samples: int) -> list[OpResult]:
    from torch.testing._internal.common_methods_invocations import op_db
    return run_isolated([op_db[i] for i in indices], lambda op: run_op(op, max_samples))


def run_sweep(names: Iterable[str] | None = None, max_samples: int = DEFAULT_MAX_SAMPLES,
              progress: bool = False, jobs: int = 1) -> list[OpResult]:
    """Run every selected OpInfo (see ``run_isolated``), in ``jobs`` worker processes when above 1."""
    line = (lambda r: f"{r.op:55s} {r.status:12s} {r.note[:80]}") if progress else None
    if jobs > 1:
        return run_in_workers(functools.partial(_run_chunk, max_samples=max_samples), select_ops(names, indices=True),
                              jobs, line)
    return run_isolated(select_ops(names), lambda op: run_op(op, max_samples), line)


def dtype_cases(op, dtypes: Iterable[torch.dtype] | None = None) -> list[torch.dtype]:
    """The CPU dtypes of ``op`` (those of ``dtypes`` when given) other than the one the float32 sweep measures."""
    measured = sample_dtype(op)
    wanted = None if dtypes is None else set(dtypes)
    return sorted((d for d in op.supported_dtypes("cpu") if d != measured and (wanted is None or d in wanted)),
                  key=dtype_name)


def _run_dtype_chunk(cases: list[tuple[int, str]], max_samples: int) -> list[OpResult]:
    from torch.testing._internal.common_methods_invocations import op_db
    return run_isolated(cases, lambda case: run_op(op_db[case[0]], max_samples, getattr(torch, case[1])))


def run_dtype_sweep(names: Iterable[str] | None = None, max_samples: int = DTYPE_MAX_SAMPLES, progress: bool = False,
                    jobs: int = 1, dtypes: Iterable[torch.dtype] | None = None) -> list[OpResult]:
    """Every selected OpInfo in each dtype of ``dtype_cases`` (one OpResult per op and dtype), in ``jobs`` worker
    processes when above 1."""
    from torch.testing._internal.common_methods_invocations import op_db
    line = (lambda r: f"{r.op:55s} {r.dtype:10s} {r.status:12s} {r.note[:80]}") if progress else None
    cases = [(i, dtype_name(d)) for i in select_ops(names, indices=True) for d in dtype_cases(op_db[i], dtypes)]
    if jobs > 1:
        return run_in_workers(functools.partial(_run_dtype_chunk, max_samples=max_samples), cases, jobs, line)
    return _run_dtype_chunk(cases, max_samples) if line is None else \
        run_isolated(cases, lambda c: _run_dtype_chunk([c], max_samples)[0], line)


# ------------------------------------------------------------------ reporting

def summary(results: list[OpResult], seconds: float | None = None) -> dict:
    """Counts and pass rates, over all ops and over the ops not skipped."""
    counts = collections.Counter(r.status for r in results)
    total = len(results)
    tested = total - counts["skipped"]
    forward = counts["pass_grad"] + counts["pass_forward"]
    both = counts["pass_grad"]

    def pct(n: int, d: int) -> float:
        return round(100.0 * n / d, 2) if d else 0.0

    out = {"ops_total": total, "skipped": counts["skipped"], "missing": counts["missing"], "fail": counts["fail"],
           "pass_forward": forward, "pass_forward_and_grad": both,
           "forward_pass_pct": pct(forward, total), "forward_grad_pass_pct": pct(both, total),
           "forward_pass_pct_not_skipped": pct(forward, tested),
           "forward_grad_pass_pct_not_skipped": pct(both, tested)}
    if seconds is not None:
        out["seconds"] = round(seconds, 1)
    return out


def common_failures(results: list[OpResult], n: int = 20) -> list[tuple[str, int]]:
    """The ``n`` most frequent first error messages of failing ops (forward or gradient)."""
    notes = collections.Counter(r.note[:160] for r in results if r.status in ("fail", "pass_forward"))
    return notes.most_common(n)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:200]


def write_reports(results: list[OpResult], stats: dict, directory: Path = REPORT_DIR) -> tuple[Path, Path]:
    """Write ``opinfo.md`` (per-op table, skip list) and ``opinfo.json`` into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    md, js = directory / "opinfo.md", directory / "opinfo.json"
    lines = ["# jtorch against PyTorch's OpInfo database", "",
             "Forward: outputs match torch (float32 rtol 1.3e-6, atol 1e-5 unless listed in opinfo_skips). "
             "Grad: input gradients for one random cotangent match (rtol 1e-5, atol 1e-4). An op passes "
             "forward+grad when every tested sample passes both; ops without autograd support, random ops and "
             "shape-only ops pass gradient when forward passes. Random values (random ops, and samples listed in "
             "RANDOM_SAMPLES, such as attention with dropout) are compared by shape, dtype and distribution. Ops in "
             "GRAD_REFERENCES take their expected gradients from torch in float64 (autograd, or finite differences "
             "where torch's backward is wrong); GRAD_TOLERANCES widens the gradient tolerance of a few.", "",
             *(f"- {k}: {v}" for k, v in stats.items()), "", "## Most common failures", "",
             "| count | first error |", "|---|---|",
             *(f"| {c} | {_md_cell(m)} |" for m, c in common_failures(results)), "",
             "## Missing in jtorch", "", ", ".join(r.op for r in results if r.status == "missing"), "",
             "## Skipped", "", "| op | reason |", "|---|---|",
             *(f"| {r.op} | {_md_cell(r.note)} |" for r in results if r.status == "skipped"), "",
             "## Per op", "", "| op | dtype | samples | status | forward | grad | note |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.op} | {r.dtype} | {r.samples} | {r.status} | {r.forward} | {r.grad} | {_md_cell(r.note)} |"
              for r in results]
    md.write_text("\n".join(lines) + "\n")
    js.write_text(json.dumps({"summary": stats, "common_failures": common_failures(results),
                              "ops": [dataclasses.asdict(r) for r in results]}, indent=1) + "\n")
    return md, js


def dtype_summary(results: list[OpResult], seconds: float | None = None) -> dict:
    """``summary`` over all op x dtype cases, plus ``per_dtype``: the same counts for each dtype."""
    by_dtype = collections.defaultdict(list)
    for r in results:
        by_dtype[r.dtype].append(r)
    out = summary(results, seconds)
    out = {"cases_total" if k == "ops_total" else k: v for k, v in out.items()}
    out["per_dtype"] = {d: {k: v for k, v in summary(rs).items()
                            if k in ("ops_total", "skipped", "missing", "fail", "pass_forward", "pass_forward_and_grad")}
                        for d, rs in sorted(by_dtype.items())}
    return out


_STATUS_MARK = {"pass_grad": "ok", "pass_forward": "fwd", "fail": "FAIL", "missing": "miss", "skipped": "skip"}


def write_dtype_reports(results: list[OpResult], stats: dict, directory: Path = REPORT_DIR) -> tuple[Path, Path]:
    """Write ``opinfo_dtypes.md`` (per-dtype rates, op x dtype matrix, failures, skips) and ``opinfo_dtypes.json``
    into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    md, js = directory / "opinfo_dtypes.md", directory / "opinfo_dtypes.json"
    per = stats["per_dtype"]
    dtypes = list(per)
    tol = ", ".join(f"{dtype_name(d)} ({r}, {a})" for d, (r, a) in DTYPE_TOLERANCES.items())
    grad_tol = ", ".join(f"{dtype_name(d)} ({r}, {a})" for d, (r, a) in DTYPE_GRAD_TOLERANCES.items())
    lines = ["# jtorch against PyTorch's OpInfo database, every CPU dtype", "",
             "Each OpInfo runs again in every CPU dtype it supports other than the one `opinfo.md` measures (float32, "
             f"or an integer/bool dtype for ops without float32), on the first {DTYPE_MAX_SAMPLES} sample input(s) of "
             f"each op and dtype. Forward (rtol, atol) by output dtype: {tol}; float32 outputs (of integer inputs) as "
             "in `opinfo.md`. "
             f"Gradients of one random cotangent are compared for {grad_tol}; float16 and bfloat16 are forward only. "
             "A case is one op in one dtype; skipped cases count as not passed. Status marks: ok = forward (+ "
             "gradient where compared) passes, fwd = forward passes but gradients differ, FAIL, miss (jtorch lacks "
             "the op), skip (see the list below); a blank cell: the op does not support that dtype on CPU, or it is "
             "the dtype of `opinfo.md`.", "",
             *(f"- {k}: {v}" for k, v in stats.items() if k != "per_dtype"), "", "## Pass rate per dtype", "",
             "| dtype | cases | forward passed | rate | forward + gradient passed | rate | fail | missing | skipped |",
             "|---|---|---|---|---|---|---|---|---|"]
    for d, c in per.items():
        n = c["ops_total"]
        lines.append(f"| {d} | {n} | {c['pass_forward']} | {100 * c['pass_forward'] / n:.1f}% | "
                     f"{c['pass_forward_and_grad']} | {100 * c['pass_forward_and_grad'] / n:.1f}% | {c['fail']} | "
                     f"{c['missing']} | {c['skipped']} |")
    status = {(r.op, r.dtype): r.status for r in results}
    ops = list(dict.fromkeys(r.op for r in results))
    lines += ["", "## Most common failures", "", "| count | first error |", "|---|---|",
              *(f"| {c} | {_md_cell(m)} |" for m, c in common_failures(results, 40)), "",
              "## Failures", "", "| op | dtype | status | forward | grad | note |", "|---|---|---|---|---|---|",
              *(f"| {r.op} | {r.dtype} | {r.status} | {r.forward} | {r.grad} | {_md_cell(r.note)} |" for r in results
                if r.status in ("fail", "pass_forward", "missing")), "",
              "## Skipped", "", "| op | dtype | reason |", "|---|---|---|",
              *(f"| {r.op} | {r.dtype} | {_md_cell(r.note)} |" for r in results if r.status == "skipped"), "",
              "## Per op and dtype", "", f"| op | {' | '.join(dtypes)} |", "|---" * (len(dtypes) + 1) + "|"]
    lines += [f"| {op} | " + " | ".join(_STATUS_MARK.get(status.get((op, d)), "") for d in dtypes) + " |"
              for op in ops]
    md.write_text("\n".join(lines) + "\n")
    js.write_text(json.dumps({"summary": stats, "common_failures": common_failures(results, 40),
                              "cases": [dataclasses.asdict(r) for r in results]}, indent=1) + "\n")
    return md, js


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", help="comma-separated OpInfo names (default: all)")
    parser.add_argument("--max-samples", type=int, default=None,
                        help=f"samples per op (default {DEFAULT_MAX_SAMPLES}, dtype sweep {DTYPE_MAX_SAMPLES})")
    parser.add_argument("--progress", action="store_true", help="print each op's result as it finishes")
    parser.add_argument("--report-dir", type=Path, default=REPORT_DIR)
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="worker processes (default: one per core)")
    parser.add_argument("--dtypes", nargs="?", const="all", default=None,
                        help="run the dtype sweep instead (optionally only these comma-separated dtypes)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    names = args.ops.split(",") if args.ops else None
    if args.dtypes is None:
        results = run_sweep(names, args.max_samples or DEFAULT_MAX_SAMPLES, args.progress, args.jobs)
        stats = summary(results, time.perf_counter() - start)
        write_reports(results, stats, args.report_dir)
    else:
        dtypes = None if args.dtypes == "all" else [getattr(torch, d) for d in args.dtypes.split(",")]
        results = run_dtype_sweep(names, args.max_samples or DTYPE_MAX_SAMPLES, args.progress, args.jobs, dtypes)
        stats = dtype_summary(results, time.perf_counter() - start)
        write_dtype_reports(results, stats, args.report_dir)
    for k, v in stats.items():
        print(f"{k}: {v}")
    print("most common failures:")
    for msg, count in common_failures(results):
        print(f"  {count:4d}  {msg}")
    return stats


if __name__ == "__main__":
    main()
