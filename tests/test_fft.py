"""torch.fft against real torch: values, dtypes and gradients (complex ones in PyTorch's convention)."""
import numpy as np
import pytest

from _compare import check_error, check_grads

rng = np.random.default_rng(2)
X = rng.standard_normal((3, 4, 5))
Z = rng.standard_normal((3, 4, 5)) + 1j * rng.standard_normal((3, 4, 5))
X32 = X.astype(np.float32)

CASES = {
    "fft": (lambda lib, x: lib.fft.fft(x), X),
    "fft_float32": (lambda lib, x: lib.fft.fft(x, n=7, dim=1), X32),
    "fft_complex_ortho": (lambda lib, x: lib.fft.fft(x, norm="ortho"), Z),
    "ifft_forward": (lambda lib, x: lib.fft.ifft(x, n=3, norm="forward"), Z),
    "fft2": (lambda lib, x: lib.fft.fft2(x), Z),
    "ifft2": (lambda lib, x: lib.fft.ifft2(x, s=(3, 6)), X),
    "fftn": (lambda lib, x: lib.fft.fftn(x, dim=(0, 2)), Z),
    "ifftn_s": (lambda lib, x: lib.fft.ifftn(x, s=(2, 3)), Z),
    "rfft": (lambda lib, x: lib.fft.rfft(x, dim=0), X),
    "irfft": (lambda lib, x: lib.fft.irfft(x), Z),
    "irfft_n": (lambda lib, x: lib.fft.irfft(x, n=9, norm="ortho"), Z),
    "rfft2": (lambda lib, x: lib.fft.rfft2(x), X),
    "irfft2": (lambda lib, x: lib.fft.irfft2(x, s=(4, 6)), Z),
    "rfftn": (lambda lib, x: lib.fft.rfftn(x, norm="forward"), X),
    "irfftn": (lambda lib, x: lib.fft.irfftn(x), Z),
    "hfft": (lambda lib, x: lib.fft.hfft(x, n=6), Z),
    "ihfft": (lambda lib, x: lib.fft.ihfft(x, norm="ortho"), X),
    "hfft2": (lambda lib, x: lib.fft.hfft2(x), Z),
    "ihfftn": (lambda lib, x: lib.fft.ihfftn(x, dim=(0, 1)), X),
    "fftshift": (lambda lib, x: lib.fft.fftshift(x), X),
    "ifftshift_dim": (lambda lib, x: lib.fft.ifftshift(x, dim=(1, 2)), Z),
    "fftfreq": (lambda lib: lib.fft.fftfreq(7, 0.5),),
    "rfftfreq": (lambda lib: lib.fft.rfftfreq(8, dtype=lib.float64),),
    "fft_of_abs": (lambda lib, x: lib.fft.fft(x).abs(), X),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name):
    fn, *arrays = CASES[name]
    check_grads(fn, *arrays, rtol=1e-5 if name == "fft_float32" else 1e-6, atol=1e-5 if name == "fft_float32" else 1e-8)


ERRORS = {
    "rfft_complex": (lambda lib, x: lib.fft.rfft(x), Z),
    "bad_norm": (lambda lib, x: lib.fft.fft(x, norm="none"), X),
    "zero_points": (lambda lib, x: lib.fft.fft(x, n=0), X),
    "s_dim_length": (lambda lib, x: lib.fft.fftn(x, s=(2, 3), dim=(0,)), X),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error(name):
    fn, *arrays = ERRORS[name]
    check_error(fn, *arrays)
