"""torch.stft and torch.istft: short-time Fourier transforms over overlapping, windowed frames.

Each is one op whose JAX function frames (or overlap-adds) the signal and runs the FFT, so its gradient is
the vjp of that function, for the signal and the window alike. Argument checks, messages and warnings follow
PyTorch's (its once-per-process warnings are given again after ``torch.set_warn_always(True)``).
"""
from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np

from .. import _dtype as dt
from .. import _settings
from ..fft import _real_of
from .._tensor import Tensor, scalar_type_name
from ._dispatch import apply
from ._registry import register
from .shape import view_as_real
from ._util import host_checkable, result_dtype

_WARNED: set = set()
_STFT_NO_WINDOW = ("A window was not provided. A rectangular window will be applied,which is known to cause spectral "
                   "leakage. Other windows such as torch.hann_window or torch.hamming_window are recommended to "
                   "reduce spectral leakage.To suppress this warning and use a rectangular window, explicitly set "
                   "`window=torch.ones(n_fft, device=<device>)`.")
_ISTFT_NO_WINDOW = ("A window was not provided. A rectangular window will be applied.Please provide the same window "
                    "used by stft to make the inversion lossless.To suppress this warning and use a rectangular "
                    "window, explicitly set `window=torch.ones(n_fft, device=<device>)`.")
_REAL_DEPRECATED = ("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                    "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                    "still call torch.view_as_real on the complex output to recover the old return format.")
_PADDED_TAIL = ("The length of signal is shorter than the length parameter. Result is being padded with zeros in the "
                "tail. Please check your center and hop_length settings.")
_STFT_SIGNATURE = ("(Tensor input, int n_fft, int hop_length = None, int win_length = None, Tensor window = None, "
                   "bool center = True, str pad_mode = \"reflect\", bool normalized = False, bool onesided = None, "
                   "bool return_complex = None, bool align_to_window = None)")
# PyTorch's bound on the overlap-added squared window below which istft cannot invert (its NOLA check)
_NOLA_EPS = 1e-11


def _warn_once(message: str) -> None:
    if message not in _WARNED or _settings.is_warn_always_enabled():
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def _type_string(t: Tensor) -> str:
    """The tensor type as PyTorch's messages print it: ``torch.FloatTensor``, but ``CPUComplexFloatType``."""
    if t.dtype.is_complex or t.dtype is dt.bool:
        return f"{t.device.type.upper()}{scalar_type_name(t.dtype)}Type"
    return t.type()


def _flag(value) -> str:
    return "None" if value is None else str(int(value))


def _window_string(window) -> str:
    return "None" if window is None else f"{_type_string(window)}{{{list(window.shape)}}}"


def _fft_dtype_check(d: dt.dtype) -> None:
    if d in (dt.float16, dt.bfloat16):
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: {scalar_type_name(d)}")


def _padded_window(window, *, n_fft: int, win_length: int, dtype):
    """The window (ones when None) centred in ``n_fft`` points; None when that is all ones."""
    left = (n_fft - win_length) // 2
    if window is None:
        if win_length == n_fft:
            return None
        return jnp.asarray(np.pad(np.ones(win_length), (left, n_fft - win_length - left)), dtype)
    return jnp.pad(window, (left, n_fft - win_length - left))


def _frame_positions(n_frames: int, n_fft: int, hop: int) -> np.ndarray:
    return np.arange(n_frames)[:, None] * hop + np.arange(n_fft)


def _stft(x, window, *, n_fft, hop, win_length, align, n_frames, onesided, norm, dtype):
    """(B, L) signal -> (B, N, n_frames) spectrum of its windowed frames."""
    left = (n_fft - win_length) // 2
    x = x.astype(dtype)
    if align:  # frames start where their window starts: the zero margins of the padded window lie outside
        x = jnp.pad(x, ((0, 0), (left, n_fft - win_length - left)))
    frames = x[:, _frame_positions(n_frames, n_fft, hop)]
    w = _padded_window(window, n_fft=n_fft, win_length=win_length, dtype=dtype)
    if w is not None:
        frames = frames * w.astype(dtype)
    if jnp.iscomplexobj(frames) or not onesided:
        spectrum = jnp.fft.fft(frames, axis=-1, norm=norm)
    else:
        spectrum = jnp.fft.rfft(frames, axis=-1, norm=norm)
    return jnp.swapaxes(spectrum, 1, 2)


@register
def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None,
         align_to_window: bool | None = None) -> Tensor:
    """Fourier transforms of ``window``ed frames of ``n_fft`` points, ``hop_length`` apart: ``(B?, L)`` ->
    complex ``(B?, N, T)`` (``N = n_fft // 2 + 1`` when ``onesided``, else ``n_fft``), or real ``(B?, N, T, 2)``
    with ``return_complex=False``."""
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n_fft, hop_length or 0, win_length or 0)) \
            or not isinstance(input, Tensor) or not (window is None or isinstance(window, Tensor)):
        got = ", ".join(type(v).__name__ if not isinstance(v, Tensor) else "Tensor" for v in
                        (input, n_fft, hop_length, win_length, window, normalized, onesided, return_complex,
                         align_to_window))
        raise TypeError(f"stft() received an invalid combination of arguments - got ({got}), but expected "
                        f"{_STFT_SIGNATURE}")
    if center:
        from ..nn.functional import pad
        signal_dim, pad_amount = input.ndim, n_fft // 2
        padded = pad(input.reshape((1,) * (3 - signal_dim) + tuple(input.shape)), (pad_amount, pad_amount), pad_mode)
        input = padded.reshape(padded.shape[-signal_dim:])
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    def fail(problem: str):
        raise RuntimeError(f"stft({_type_string(input)}{list(input.shape)}, n_fft={n_fft}, hop_length={hop}, "
                           f"win_length={win}, window={_window_string(window)}, normalized={_flag(normalized)}, "
                           f"onesided={_flag(onesided)}, return_complex={_flag(return_complex)}, "
                           f"align_to_window={_flag(align_to_window)}) : {problem}")

    if window is None:
        _warn_once(_STFT_NO_WINDOW)
    complex_out = return_complex if return_complex is not None else (
        input.dtype.is_complex or (window is not None and window.dtype.is_complex))
    if not complex_out:
        if return_complex is None:
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        _warn_once(_REAL_DEPRECATED)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        fail("expected a tensor of floating point or complex values")
    if input.ndim not in (1, 2):
        fail("expected a 1D or 2D tensor")
    length = input.shape[-1]
    if n_fft <= 0 or n_fft > length:
        fail(f"expected 0 < n_fft < {length}, but got n_fft={win}")  # PyTorch prints win_length here
    if hop <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        fail(f"expected a 1D window tensor of size equal to win_length={win}, but got window with size "
             f"{list(window.shape)}")
    compute = result_dtype(input, window)
    complex_fft = compute.is_complex
    sided = onesided if onesided is not None else not complex_fft
    if complex_fft and sided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    _fft_dtype_check(compute)
    align = bool(align_to_window) and not center
    n_frames = 1 + (length - (win if align else n_fft)) // hop
    out = apply(_stft, input if input.ndim == 2 else input.unsqueeze(0), window,
                static=(("n_fft", n_fft), ("hop", hop), ("win_length", win), ("align", align),
                        ("n_frames", n_frames), ("onesided", sided), ("norm", "ortho" if normalized else "backward"),
                        ("dtype", compute.np_dtype)))
    if input.ndim == 1:
        out = out.squeeze(0)
    if not complex_out:
        out = view_as_real(out)
    return out


def _overlap_add(frames, *, hop: int, total: int):
    """(..., T, n_fft) frames ``hop`` apart -> (..., total) sum of them."""
    positions = _frame_positions(frames.shape[-2], frames.shape[-1], hop)
    out = jnp.zeros(frames.shape[:-2] + (total,), frames.dtype)
    return out.at[..., positions].add(frames)


def _istft(spec, window, *, n_fft, hop, win_length, onesided, return_complex, norm, start, end, dtype, poison):
    """(B, N, T) spectrum -> (B, end - start) signal: inverse FFT, window, overlap-add, divide by the envelope."""
    frames = jnp.swapaxes(spec, 1, 2)
    if return_complex:
        frames = jnp.fft.ifft(frames, axis=-1, norm=norm)
    else:
        frames = jnp.fft.irfft(frames[..., :n_fft // 2 + 1], n=n_fft, axis=-1, norm=norm)
    w = _padded_window(window, n_fft=n_fft, win_length=win_length, dtype=dtype)
    w = jnp.ones(n_fft, dtype) if w is None else w.astype(dtype)
    frames = frames.astype(dtype) * w
    total = n_fft + hop * (frames.shape[1] - 1)
    y = _overlap_add(frames, hop=hop, total=total)[:, start:end]
    envelope = _overlap_add(jnp.broadcast_to(w * w, frames.shape[1:]), hop=hop, total=total)[start:end]
    y = y / envelope
    if poison:  # the window was not known when checked: a failed check gives NaN instead of PyTorch's error
        y = jnp.where(jnp.min(jnp.abs(envelope)) < _NOLA_EPS, jnp.nan, y)
    if end > total:
        y = jnp.pad(y, ((0, 0), (0, end - total)))
    return y


def _check_int(name: str, value, position: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"istft(): argument '{name}'{position} must be int, not {type(value).__name__}")


@register
def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """The inverse of :func:`stft`: complex ``(B?, N, T)`` -> ``(B?, L)`` signal by overlap-adding the windowed
    inverse transforms of the frames and dividing by the overlap-added squared window."""
    if not isinstance(input, Tensor):
        raise TypeError(f"istft(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    _check_int("n_fft", n_fft, " (position 2)")
    for name, value in (("hop_length", hop_length), ("win_length", win_length), ("length", length)):
        if value is not None:
            _check_int(name, value)
    if window is not None and not isinstance(window, Tensor):
        raise TypeError(f"istft(): argument 'window' must be Tensor, not {type(window).__name__}")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    def fail(problem: str):
        raise RuntimeError(f"istft({_type_string(input)}{list(input.shape)}, n_fft={n_fft}, hop_length={hop}, "
                           f"win_length={win}, window={_window_string(window)}, center={_flag(center)}, "
                           f"normalized={_flag(normalized)}, onesided={_flag(onesided)}, length={_flag(length)}, "
                           f"return_complex={_flag(return_complex)}) {problem}")

    if window is None:
        _warn_once(_ISTFT_NO_WINDOW)
    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.ndim - 1}, {input.ndim}], "
                         f"but got {-input.ndim - 2})")
    n_frames, fft_size = input.shape[-1], input.shape[-2]
    if input.numel() == 0:
        fail(": input tensor cannot be empty.")
    if input.ndim not in (2, 3):
        fail(f": expected a tensor with 3 or 4 dimensions, but got {input.ndim + 1}")
    sided = onesided if onesided is not None else fft_size != n_fft
    if sided and n_fft // 2 + 1 != fft_size:
        fail(": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft / 2 + 1 "
             f"when onesided=True, but got {fft_size}")
    if not sided and n_fft != fft_size:
        fail(": expected the frequency dimension (3rd to the last) of the input tensor to match n_fft when "
             f"onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        fail(": expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        fail(": expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win):
        fail(": Invalid window shape. window has to be 1D and length of `win_length`")
    if return_complex and sided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if not return_complex and window is not None and window.dtype.is_complex:
        raise RuntimeError("Complex windows are incompatible with return_complex=False")
    signal = input.dtype if return_complex else _real_of(input.dtype)
    out_dtype = signal if window is None else dt.promote_types(signal, window.dtype)
    total = n_fft + hop * (n_frames - 1)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (-(n_fft // 2) if center else total)
    checkable = window is None or host_checkable(window)
    _check_envelope(window, n_fft=n_fft, win_length=win, hop=hop, n_frames=n_frames, start=start, end=end,
                    checkable=checkable, device=input.device.type, fail=fail)
    if end > total:
        _warn_once(_PADDED_TAIL)
    out = apply(_istft, input if input.ndim == 3 else input.unsqueeze(0), window,
                static=(("n_fft", n_fft), ("hop", hop), ("win_length", win), ("onesided", sided),
                        ("return_complex", bool(return_complex)), ("norm", "ortho" if normalized else "backward"),
                        ("start", start), ("end", end), ("dtype", out_dtype.np_dtype), ("poison", not checkable)))
    return out if input.ndim == 3 else out.squeeze(0)


def _check_envelope(window, *, n_fft, win_length, hop, n_frames, start, end, checkable, device, fail) -> None:
    """PyTorch's errors for an empty output and for a squared window whose overlap-add nearly vanishes."""
    total = n_fft + hop * (n_frames - 1)
    if len(range(total)[start:end]) == 0:
        raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           "reduction dim with the 'dim' argument.")
    if not checkable:
        return
    w = np.ones(win_length) if window is None else np.asarray(window.detach().numpy())
    w = w.astype(np.float32) if w.dtype == np.bool_ else w
    left = (n_fft - win_length) // 2
    w = np.pad(w, (left, n_fft - win_length - left))
    envelope = np.zeros(total, (w * w).dtype)
    np.add.at(envelope, _frame_positions(n_frames, n_fft, hop), np.tile(w * w, (n_frames, 1)))
    if np.abs(envelope[start:end]).min() < _NOLA_EPS:
        fail(f"window overlap add min: 1\n[ {device.upper()}BoolType{{}} ]")
