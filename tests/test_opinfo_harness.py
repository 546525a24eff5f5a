"""Unit tests of the OpInfo harness: converters, comparison, status logic, on a handful of ops."""
import copy

import pytest
import torch

import jtorch
from compat import opinfo
from compat.convert import assert_same, jtorch_dtype, to_jtorch, to_torch, torch_dtype
from compat.opinfo import OpResult, SampleResult, summarize

SHARED_DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
                 torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128]


@pytest.mark.parametrize("d", SHARED_DTYPES, ids=str)
def test_dtype_mapping_round_trips(d):
    assert isinstance(jtorch_dtype(d), jtorch.dtype)
    assert str(jtorch_dtype(d)) == str(d)
    assert torch_dtype(jtorch_dtype(d)) is d


@pytest.mark.parametrize("d", SHARED_DTYPES, ids=str)
def test_tensor_round_trip_keeps_values_and_dtype(d):
    t = torch.arange(6).reshape(2, 3).to(d)
    j = to_jtorch(t)
    assert isinstance(j, jtorch.Tensor) and tuple(j.shape) == (2, 3)
    torch.testing.assert_close(to_torch(j), t)


def test_nested_arguments_are_converted():
    x = torch.randn(2, 3, requires_grad=True)
    idx = torch.tensor([0, 2])
    args = (x, [idx, 3, (1.5, None)], {"dtype": torch.float64, "device": torch.device("cpu"),
                                       "size": torch.Size([2]), "memory_format": torch.contiguous_format})
    jx, (jidx, three, (half, none)), kw = to_jtorch(args)
    assert jx.requires_grad and jx.is_leaf and jx.dtype is jtorch.float32
    assert not jidx.requires_grad and jidx.dtype is jtorch.int64
    assert (three, half, none) == (3, 1.5, None)
    assert kw["dtype"] is jtorch.float64 and kw["device"] == jtorch.device("cpu")
    assert isinstance(kw["size"], jtorch.Size) and kw["size"] == (2,)
    assert kw["memory_format"] == jtorch.contiguous_format
    torch.testing.assert_close(to_torch(jx), x.detach())


def test_stateless_modules_convert_with_their_settings():
    converted = to_jtorch({"distance_function": torch.nn.PairwiseDistance(p=1.5, keepdim=True)})["distance_function"]
    assert type(converted) is jtorch.nn.PairwiseDistance
    assert (converted.norm, converted.eps, converted.keepdim) == (1.5, 1e-6, True)
    linear = torch.nn.Linear(2, 2)
    assert to_jtorch(linear) is linear  # modules with state are left alone


def test_named_tuples_and_results_convert_back():
    values, indices = jtorch.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1)
    want = torch.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1)
    assert_same(to_torch((values, indices)), want, rtol=0, atol=0)


@pytest.mark.parametrize("actual, expected, match", [
    (torch.zeros(2), torch.zeros(3), "shape"),
    (torch.zeros(2, dtype=torch.float64), torch.zeros(2), "dtype"),
    (torch.zeros(2), torch.tensor([0.0, 1.0]), "not close"),
    ((torch.zeros(2),), (torch.zeros(2), torch.zeros(2)), "sequence"),
    (1, 1.0, "float"),
])
def test_assert_same_rejects_mismatches(actual, expected, match):
    with pytest.raises(AssertionError, match=match):
        assert_same(actual, expected, rtol=1.3e-6, atol=1e-5)


def test_assert_same_accepts_within_tolerance_and_nan():
    assert_same(torch.tensor([1.0, float("nan")]), torch.tensor([1.0 + 1e-7, float("nan")]), rtol=1.3e-6, atol=1e-5)


def test_compare_distribution():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(4000, generator=gen, dtype=torch.float64), torch.randn(4000, generator=gen, dtype=torch.float64)
    opinfo.compare_distribution(a, b)
    with pytest.raises(AssertionError, match="mean"):
        opinfo.compare_distribution(a + 0.5, b)
    with pytest.raises(AssertionError, match="std"):
        opinfo.compare_distribution(a * 1.5, b)


@pytest.mark.parametrize("results, status, forward, grad", [
    ([], "skipped", "-", "-"),
    ([SampleResult("missing", error="AttributeError: x")] * 2, "missing", "missing", "-"),
    ([SampleResult("pass", "pass"), SampleResult("fail", error="boom")], "fail", "1/2", "-"),
    ([SampleResult("pass", "pass"), SampleResult("pass", "fail", "grad off")], "pass_forward", "pass", "1/2"),
    ([SampleResult("pass", "pass"), SampleResult("pass", "n/a")], "pass_grad", "pass", "pass"),
    ([SampleResult("pass"), SampleResult("pass")], "pass_grad", "pass", "n/a"),
])
def test_status_logic(results, status, forward, grad):
    r = summarize("op", results)
    assert (r.status, r.forward, r.grad, r.samples) == (status, forward, grad, len(results))
    failed = [x.error for x in results if x.forward == "fail" or x.grad == "fail"]
    if failed:
        assert r.note == failed[0]


def test_summary_rates_count_skipped_ops_separately():
    results = [OpResult("a", "pass_grad"), OpResult("b", "pass_forward"), OpResult("c", "fail"),
               OpResult("d", "skipped")]
    s = opinfo.summary(results)
    assert (s["ops_total"], s["skipped"], s["pass_forward"], s["pass_forward_and_grad"]) == (4, 1, 2, 1)
    assert s["forward_pass_pct"] == 50.0 and s["forward_grad_pass_pct_not_skipped"] == pytest.approx(33.33)


@pytest.fixture(scope="module")
def add_op():
    (op,) = opinfo.select_ops(["add"])
    return op


def test_add_passes_forward_and_grad(add_op):
    r = opinfo.run_op(add_op, max_samples=2)
    assert (r.op, r.status, r.samples, r.dtype) == ("add", "pass_grad", 2, "float32")


def test_wrong_results_and_missing_names_are_reported(add_op, monkeypatch):
    renamed = copy.copy(add_op)
    renamed.name = "no_such_op_anywhere"
    assert opinfo.resolve(renamed) is None
    assert opinfo.run_op(renamed, max_samples=1).status == "missing"
    monkeypatch.setattr(opinfo, "resolve", lambda op: jtorch.sub)
    r = opinfo.run_op(add_op, max_samples=1)
    assert r.status == "fail" and "not close" in r.note


def test_skip_list_and_reports(add_op, tmp_path):
    (chalf,) = opinfo.select_ops(["chalf"])
    skipped = opinfo.run_op(chalf)
    assert skipped.status == "skipped" and skipped.note == opinfo.SKIPS["chalf"]
    results = [opinfo.run_op(add_op, max_samples=1), skipped]
    md, js = opinfo.write_reports(results, opinfo.summary(results), tmp_path)
    assert "| add | float32 | 1 | pass_grad |" in md.read_text()
    assert '"forward_pass_pct_not_skipped": 100.0' in js.read_text()


def test_dtype_sweep_runs_other_dtypes_with_their_own_tolerances(add_op, tmp_path):
    assert torch.float32 not in opinfo.dtype_cases(add_op)
    assert opinfo.dtype_cases(add_op, [torch.int8, torch.float32]) == [torch.int8]
    results = [opinfo.run_op(add_op, 1, d) for d in (torch.int8, torch.float64, torch.complex64, torch.complex32)]
    assert [(r.dtype, r.status) for r in results] == [("int8", "pass_grad"), ("float64", "pass_grad"),
                                                      ("complex64", "pass_grad"), ("complex32", "skipped")]
    assert results[1].grad == "pass" and results[0].grad == "n/a"
    stats = opinfo.dtype_summary(results)
    assert stats["cases_total"] == 4 and stats["per_dtype"]["int8"]["pass_forward"] == 1
    md, _ = opinfo.write_dtype_reports(results, stats, tmp_path)
    text = md.read_text()
    assert "| int8 | 1 | 1 | 100.0% | 1 | 100.0% | 0 | 0 | 0 |" in text and "| add | skip | ok | ok | ok |" in text
    # an integer result must be equal: off by one fails where a float32 tolerance would let a large value pass
    with pytest.raises(AssertionError):
        assert_same(torch.tensor([10 ** 7 + 1]), torch.tensor([10 ** 7]), rtol=1.3e-6, atol=1e-5,
                    per_dtype=opinfo.DTYPE_TOLERANCES)


def test_random_samples_are_compared_by_distribution_and_the_others_by_value(monkeypatch):
    (sdpa,) = opinfo.select_ops(["nn.functional.scaled_dot_product_attention"])
    samples = opinfo.small_samples(sdpa, torch.float32, 4)
    assert [opinfo.RANDOM_SAMPLES[sdpa.name](s) for s in samples] == [False, False, True, True]
    assert opinfo.run_op(sdpa).status == "pass_grad"
    scaled = lambda *a, **k: jtorch.nn.functional.scaled_dot_product_attention(*a, **k) * 3  # noqa: E731
    monkeypatch.setattr(opinfo, "resolve", lambda op: scaled)
    # both exact samples and the pooled dropout sample (its spread grows) fail; the other dropout one is shape-only
    r = opinfo.run_op(sdpa)
    assert (r.status, r.forward) == ("fail", "1/4") and "not close" in r.note


@pytest.mark.parametrize("numeric", [False, True])
def test_float64_gradient_reference_matches_autograd(numeric):
    (op,) = opinfo.select_ops(["mul"])
    sample = opinfo.small_samples(op, torch.float32, 1)[0]
    t_args = (sample.input, *sample.args)
    outs = opinfo._tensors(op(*t_args, **sample.kwargs))
    cots = [torch.randn(o.shape) for o in outs]
    want = torch.autograd.grad(outs, [t for t in opinfo._tensors(t_args) if t.requires_grad], cots)
    got = opinfo._float64_reference(op, sample, t_args, sample.kwargs, numeric)(list(range(len(outs))), cots)
    for g, w in zip(got, want):
        assert g.dtype is torch.float64
        torch.testing.assert_close(g.float(), w, rtol=1e-5, atol=1e-5)


def test_as_strided_scatter_gradients_are_checked_against_finite_differences():
    (op,) = opinfo.select_ops(["as_strided_scatter"])
    assert opinfo.GRAD_REFERENCES["as_strided_scatter"][0] == "numeric"
    assert opinfo.run_op(op).status == "pass_grad"


def test_views_convert_as_views_of_their_base():
    view = torch.arange(20.0)[5:15].view(2, 5).requires_grad_()
    converted = to_jtorch(view)
    assert converted._base is not None and converted.requires_grad and converted.is_leaf
    assert tuple(converted.shape) == (2, 5)
    assert_same(to_torch(jtorch.as_strided(converted, (3,), (2,), 1)), torch.as_strided(view, (3,), (2,), 1).detach(),
                rtol=0, atol=0)
