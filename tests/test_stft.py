"""torch.stft / torch.istft against real torch: values, dtypes, shapes, gradients, errors, warnings, compiled."""
import warnings

import numpy as np
import pytest
import torch

import jtorch
from _compare import check_error, check_grads

rng = np.random.default_rng(5)
SIGNAL = rng.standard_normal(64)
BATCH = rng.standard_normal((3, 50))
COMPLEX_SIGNAL = rng.standard_normal(40) + 1j * rng.standard_normal(40)
WINDOW = rng.uniform(0.5, 1.5, 16)
SHORT_WINDOW = rng.uniform(0.5, 1.5, 10)
SPEC = rng.standard_normal((9, 13)) + 1j * rng.standard_normal((9, 13))  # onesided for n_fft=16
FULL_SPEC = rng.standard_normal((2, 16, 13)) + 1j * rng.standard_normal((2, 16, 13))


def _quiet(fn):
    """``fn`` with PyTorch's once-per-process warnings (no window, return_complex=False) silenced."""
    def run(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args)
    return run


STFT_CASES = {
    "defaults": (lambda lib, x: lib.stft(x, 16, return_complex=True), SIGNAL),
    "method": (lambda lib, x: x.stft(16, 4, return_complex=True), SIGNAL),
    "float32": (lambda lib, x: lib.stft(x, 16, return_complex=True), SIGNAL.astype(np.float32)),
    "real_output": (lambda lib, x: lib.stft(x, 16, 5, return_complex=False), SIGNAL),
    "window": (lambda lib, x, w: lib.stft(x, 16, 4, window=w, return_complex=True), SIGNAL, WINDOW),
    "short_window": (lambda lib, x, w: lib.stft(x, 16, 3, 10, w, return_complex=True), SIGNAL, SHORT_WINDOW),
    "win_length_no_window": (lambda lib, x: lib.stft(x, 16, 3, 11, return_complex=True), SIGNAL),
    "float32_window_float64_signal": (lambda lib, x, w: lib.stft(x, 16, window=w, return_complex=True),
                                      SIGNAL, WINDOW.astype(np.float32)),
    "batched_not_centered": (lambda lib, x, w: lib.stft(x, 16, 4, window=w, center=False, return_complex=True),
                             BATCH, WINDOW),
    "pad_constant": (lambda lib, x: lib.stft(x, 16, 6, pad_mode="constant", return_complex=True), SIGNAL),
    "pad_replicate": (lambda lib, x: lib.stft(x, 16, 6, pad_mode="replicate", return_complex=True), BATCH),
    "normalized": (lambda lib, x, w: lib.stft(x, 16, window=w, normalized=True, return_complex=True),
                   SIGNAL, WINDOW),
    "two_sided": (lambda lib, x, w: lib.stft(x, 16, 4, window=w, onesided=False, return_complex=True),
                  BATCH, WINDOW),
    "two_sided_odd": (lambda lib, x: lib.stft(x, 15, 4, onesided=False, return_complex=True), SIGNAL),
    "align_to_window": (lambda lib, x, w: lib.stft(x, 16, 3, 10, w, center=False, align_to_window=True,
                                                   return_complex=True), BATCH, SHORT_WINDOW),
    "complex_signal": (lambda lib, x: lib.stft(x, 8, 2), COMPLEX_SIGNAL),
    "complex_signal_real_output": (lambda lib, x: lib.stft(x, 8, 2, return_complex=False), COMPLEX_SIGNAL),
    "complex_window": (lambda lib, x, w: lib.stft(x, 10, 3, window=w, return_complex=True),
                       SIGNAL, SHORT_WINDOW * (1 + 0.5j)),
    "complex64_signal": (lambda lib, x: lib.stft(x, 8, 3, normalized=True),
                         COMPLEX_SIGNAL.astype(np.complex64)),
}


# cases whose gradients are compared too (each backward is one more compiled program, so only where it adds a path)
GRAD_CASES = {"stft": {"defaults", "real_output", "short_window", "pad_replicate", "normalized", "two_sided",
                       "align_to_window", "complex_signal", "complex_window"},
              "istft": {"defaults", "short_window", "normalized", "length_longer", "two_sided_real_output",
                        "two_sided_complex_output", "complex_window", "complex64"}}


def _check(cases: dict, family: str, name: str) -> None:
    fn, *arrays = cases[name]
    single = any(a.dtype in (np.float32, np.complex64) for a in arrays)
    check_grads(_quiet(fn), *arrays, grad=name in GRAD_CASES[family], rtol=1e-4 if single else 1e-7,
          atol=1e-4 if single else 1e-9)


@pytest.mark.parametrize("name", sorted(STFT_CASES))
def test_stft(name):
    _check(STFT_CASES, "stft", name)


ISTFT_CASES = {
    "defaults": (lambda lib, z: lib.istft(z, 16), SPEC),
    "method": (lambda lib, z, w: z.istft(16, 4, window=w), SPEC, WINDOW),
    "complex64": (lambda lib, z, w: lib.istft(z, 16, 4, window=w), SPEC.astype(np.complex64),
                  WINDOW.astype(np.float32)),
    "float32_window_complex128": (lambda lib, z, w: lib.istft(z, 16, 4, window=w), SPEC, WINDOW.astype(np.float32)),
    "short_window": (lambda lib, z, w: lib.istft(z, 16, 3, 10, w), SPEC, SHORT_WINDOW),
    "normalized": (lambda lib, z, w: lib.istft(z, 16, 4, window=w, normalized=True), SPEC, WINDOW),
    "length_shorter": (lambda lib, z, w: lib.istft(z, 16, 4, window=w, length=30), SPEC, WINDOW),
    "length_longer": (lambda lib, z, w: lib.istft(z, 16, 4, window=w, length=70), SPEC, WINDOW),
    "length_not_centered": (lambda lib, z, w: lib.istft(z, 16, 4, window=w, center=False, length=50), SPEC, WINDOW),
    "two_sided_real_output": (lambda lib, z, w: lib.istft(z, 16, 4, window=w), FULL_SPEC, WINDOW),
    "two_sided_complex_output": (lambda lib, z, w: lib.istft(z, 16, 4, window=w, return_complex=True),
                                 FULL_SPEC, WINDOW),
    "complex_window": (lambda lib, z, w: lib.istft(z, 16, 4, window=w, return_complex=True),
                       FULL_SPEC, WINDOW * (1 - 0.25j)),
    "odd_n_fft": (lambda lib, z: lib.istft(z, 17, 4, onesided=True), SPEC),
}


@pytest.mark.parametrize("name", sorted(ISTFT_CASES))
def test_istft(name):
    _check(ISTFT_CASES, "istft", name)


def test_roundtrip_recovers_the_signal():
    def roundtrip(lib, x, w):
        return lib.istft(lib.stft(x, 16, 4, window=w, return_complex=True), 16, 4, window=w, length=x.shape[-1])
    check_grads(roundtrip, BATCH, WINDOW)
    out = roundtrip(jtorch, jtorch.tensor(BATCH), jtorch.tensor(WINDOW))
    np.testing.assert_allclose(out.numpy(), BATCH, atol=1e-12)


def test_compiled_matches_eager_torch():
    """stft -> scaled spectrum -> istft with the gradients of signal and window, as one compiled program (its
    first call runs eagerly to record; the second and third run the traced program)."""
    def step(lib, x, w):
        spec = lib.stft(x, 16, 4, window=w, return_complex=True)
        out = lib.istft(spec * spec.abs(), 16, 4, window=w, length=x.shape[-1])
        return (out, *lib.autograd.grad(out.pow(2).sum(), [x, w]))

    def run(lib, compiled):
        results = []
        for scale in (1.0, 2.0, 0.5):
            x, w = lib.tensor(BATCH * scale, requires_grad=True), lib.tensor(WINDOW * scale, requires_grad=True)
            results.append([t.detach().numpy() for t in compiled(x, w)])
        return results

    jtorch.compiler.reset()
    want = run(torch, lambda x, w: step(torch, x, w))
    got = run(jtorch, jtorch.compile(lambda x, w: step(jtorch, x, w)))
    assert jtorch.compiler.counters["traces"] == 1
    for g_call, w_call in zip(got, want):
        for g, w in zip(g_call, w_call):
            np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9)


def test_compiled_istft_with_a_traced_window_gives_nan_where_pytorch_raises():
    """A traced window cannot be checked when the step is compiled: the failed overlap check gives NaN."""
    spec, good, bad = jtorch.tensor(SPEC), jtorch.tensor(WINDOW), jtorch.zeros(16, dtype=jtorch.float64)
    with pytest.raises(RuntimeError, match="window overlap add min"):
        jtorch.istft(spec, 16, 4, window=bad)
    compiled = jtorch.compile(lambda z, w: jtorch.istft(z, 16, 4, window=w))
    expected = jtorch.istft(spec, 16, 4, window=good).numpy()
    for _ in range(2):  # recorded eagerly, then traced
        np.testing.assert_allclose(compiled(spec, good).numpy(), expected, rtol=1e-12)
    out = compiled(spec, bad)
    assert out.shape == (48,) and bool(out.isnan().all())


ERRORS = {
    "stft_no_return_complex": (lambda lib, x: lib.stft(x, 16), SIGNAL),
    "stft_window_size": (lambda lib, x, w: lib.stft(x, 16, window=w, return_complex=True), SIGNAL, SHORT_WINDOW),
    "stft_window_2d": (lambda lib, x, w: lib.stft(x, 16, window=w.reshape(4, 4), return_complex=True),
                       SIGNAL, WINDOW),
    "stft_win_length_too_long": (lambda lib, x: lib.stft(x, 16, win_length=17, return_complex=True), SIGNAL),
    "stft_win_length_zero": (lambda lib, x: lib.stft(x, 16, 4, 0, return_complex=True), SIGNAL),
    "stft_n_fft_too_large": (lambda lib, x: lib.stft(x, 65, center=False, return_complex=True), SIGNAL),
    "stft_n_fft_zero": (lambda lib, x: lib.stft(x, 0, center=False, return_complex=True), SIGNAL),
    "stft_hop_zero": (lambda lib, x: lib.stft(x, 16, 0, return_complex=True), SIGNAL),
    "stft_integer_input": (lambda lib, x: lib.stft(x.long(), 16, center=False, return_complex=True), SIGNAL),
    "stft_3d_input": (lambda lib, x: lib.stft(x.reshape(1, 3, 50), 16, return_complex=True), BATCH),
    "stft_onesided_complex": (lambda lib, x: lib.stft(x, 8, onesided=True), COMPLEX_SIGNAL),
    "stft_align_when_centered": (lambda lib, x: lib.stft(x, 16, align_to_window=True, return_complex=True), SIGNAL),
    "stft_bad_pad_mode": (lambda lib, x: lib.stft(x, 16, pad_mode="mirror", return_complex=True), SIGNAL),
    "stft_reflect_pad_too_long": (lambda lib, x: lib.stft(x[:5], 16, return_complex=True), SIGNAL),
    "stft_half": (lambda lib, x: lib.stft(x.half(), 16, return_complex=True), SIGNAL),
    "istft_real_input": (lambda lib, z: lib.istft(z.real, 16), SPEC),
    "istft_one_dim": (lambda lib, z: lib.istft(z[0], 16), SPEC),
    "istft_four_dims": (lambda lib, z: lib.istft(z.reshape(1, 1, 9, 13), 16), SPEC),
    "istft_empty": (lambda lib, z: lib.istft(z[:, :0], 16), SPEC),
    "istft_onesided_size": (lambda lib, z: lib.istft(z, 18), SPEC),
    "istft_two_sided_size": (lambda lib, z: lib.istft(z, 16, onesided=False), SPEC),
    "istft_hop_above_win": (lambda lib, z: lib.istft(z, 16, 12, 10), SPEC),
    "istft_win_above_n_fft": (lambda lib, z: lib.istft(z, 16, 4, 17), SPEC),
    "istft_window_size": (lambda lib, z, w: lib.istft(z, 16, 4, window=w), SPEC, SHORT_WINDOW),
    "istft_nola": (lambda lib, z, w: lib.istft(z, 16, 4, window=w * 0), SPEC, WINDOW),
    "istft_nola_short_window_not_centered": (lambda lib, z, w: lib.istft(z, 16, 3, 10, w, center=False),
                                             SPEC, SHORT_WINDOW),
    "istft_complex_output_onesided": (lambda lib, z: lib.istft(z, 16, return_complex=True), SPEC),
    "istft_complex_window_real_output": (lambda lib, z, w: lib.istft(z, 16, window=w.to(lib.complex128)),
                                         FULL_SPEC, WINDOW),
    "istft_empty_output": (lambda lib, z: lib.istft(z, 16, 4, length=0), SPEC),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error(name):
    fn, *arrays = ERRORS[name]
    check_error(_quiet(fn), *arrays)


def test_argument_type_errors():
    for lib in (torch, jtorch):
        x, z = lib.tensor(SIGNAL), lib.tensor(SPEC)
        with pytest.raises(TypeError, match=r"^stft\(\) received an invalid combination of arguments - got "
                                            r"\(Tensor, int, float, NoneType"):
            lib.stft(x, 16, 4.0, return_complex=True)
        with pytest.raises(TypeError, match=r"^istft\(\): argument 'n_fft' \(position 2\) must be int, not float$"):
            lib.istft(z, 16.0)
        with pytest.raises(TypeError, match=r"^istft\(\): argument 'length' must be int, not float$"):
            lib.istft(z, 16, length=3.5)


@pytest.mark.parametrize("call", [
    lambda lib: lib.stft(lib.tensor(SIGNAL), 16, return_complex=True),
    lambda lib: lib.stft(lib.tensor(SIGNAL), 16, window=lib.ones(16), return_complex=False),
    lambda lib: lib.istft(lib.tensor(SPEC), 16),
    lambda lib: lib.istft(lib.tensor(SPEC), 16, 4, window=lib.ones(16), length=80),
], ids=["stft_no_window", "stft_real_output", "istft_no_window", "istft_length_longer"])
def test_warnings(call):
    """The same UserWarnings (given once per process unless ``set_warn_always``) in the same order."""
    messages = []
    for lib in (torch, jtorch):
        lib.set_warn_always(True)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call(lib)
        finally:
            lib.set_warn_always(False)
        messages.append([(w.category, str(w.message).split(" (Triggered internally")[0]) for w in caught])
    assert messages[1] == messages[0] and messages[0]
