"""Tensor.real / Tensor.imag properties, torch.real / torch.imag, view_as_real / view_as_complex against torch:
values, write-through, version counters and gradients."""
import pytest

from _compare import check

Z = [1 + 2j, 3 - 1j, -0.5 + 0.25j]
PAIRS = [[1.0, 2.0], [3.0, -1.0], [-0.5, 0.25]]


def test_parts_are_views_of_a_complex_tensor():
    check(lambda lib: [lib.tensor(Z).real, lib.tensor(Z).imag, lib.real(lib.tensor(Z)), lib.imag(lib.tensor(Z))])
    check(lambda lib: [lib.tensor(Z).real._base is not None, lib.tensor(Z, dtype=lib.complex128).imag.dtype])

    def writes(lib):
        z = lib.tensor(Z)
        z.real.mul_(10)
        z.imag[1] = 7.0
        z.real = lib.tensor([0.5, 1.5, 2.5])
        z.imag = 4
        return [z, z._version]
    check(writes)


def test_parts_of_a_real_tensor():
    check(lambda lib: (lambda x: [x.real is x, lib.real(x) is x])(lib.tensor([1.0, 2.0])))
    check(lambda lib: lib.tensor([1.0, 2.0]).imag)
    check(lambda lib: lib.imag(lib.tensor([1, 2])))

    def set_real(lib):
        x = lib.tensor([1.0, 2.0])
        x.real = lib.tensor([5.0, 6.0])
        return x
    check(set_real)

    def set_imag(lib):
        x = lib.tensor([1.0, 2.0])
        x.imag = lib.tensor([5.0, 6.0])
    check(set_imag)


def test_view_as_real_and_complex():
    check(lambda lib: [lib.view_as_real(lib.tensor(Z)), lib.view_as_complex(lib.tensor(PAIRS)),
                       lib.view_as_complex(lib.tensor(PAIRS, dtype=lib.float64)),
                       lib.view_as_real(lib.view_as_complex(lib.tensor([PAIRS, PAIRS])))])

    def writes(lib):
        z = lib.tensor(Z)
        r = lib.view_as_real(z)
        r[0, 1] = 9.0
        r[2].zero_()
        y = lib.tensor(PAIRS)
        c = lib.view_as_complex(y)
        c.mul_(1j)
        c[0].real.add_(100)
        return [z, r, y, c, z._version, y._version]
    check(writes)


@pytest.mark.parametrize("case", [
    lambda lib: lib.view_as_real(lib.tensor([1.0, 2.0])),
    lambda lib: lib.view_as_complex(lib.ones(3, 3)),
    lambda lib: lib.view_as_complex(lib.ones(3, 2, dtype=lib.int64)),
    lambda lib: lib.view_as_complex(lib.ones(())),
])
def test_errors(case):
    check(case)


def test_gradients():
    def parts(lib):
        a = lib.tensor(Z, requires_grad=True)
        b = a * (1 + 1j)
        (b.real * lib.tensor([1.0, 2.0, 3.0]) + lib.imag(b) * lib.tensor([3.0, -1.0, 0.5])).sum().backward()
        return a.grad
    check(parts)

    def as_views(lib):
        a = lib.tensor(PAIRS, requires_grad=True)
        c = lib.view_as_complex(a * 1)
        r = lib.view_as_real(c * (2 - 1j))
        (r * lib.arange(6.0).reshape(3, 2)).sum().backward()
        return a.grad
    check(as_views)

    def written_part(lib):
        a = lib.tensor(Z, requires_grad=True)
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        b = a * 2
        b.imag.copy_(w * w)
        (b * lib.tensor([1 - 1j, 2j, 3.0])).real.sum().backward()
        return [b, a.grad, w.grad]
    check(written_part)
