"""Datasets, random_split and collation against torch.utils.data."""
import warnings

import numpy as np
import pytest

from _data_common import LIBS, Point, both, outcome

X = np.arange(40, dtype=np.float32).reshape(10, 4)
Y = np.arange(10, dtype=np.int64)


def tensors(lib):
    return lib.from_numpy(X.copy()), lib.from_numpy(Y.copy())


def test_tensor_dataset_items_and_len():
    def case(lib):
        ds = lib.utils.data.TensorDataset(*tensors(lib))
        return [len(ds), ds[3], ds[-1]]
    got, want = both(case)
    assert got == want


def test_tensor_dataset_size_mismatch():
    def case(lib):
        return outcome(lib.utils.data.TensorDataset, lib.zeros(3, 2), lib.zeros(4))
    assert case(__import__("torch")) == case(__import__("jtorch"))


class Squares:
    """A map-style dataset defined once and bound to a library."""

    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.lib.tensor([i, i * i])

    def __len__(self):
        return self.n


def make_square_dataset(lib, n):
    return type("SquaresDS", (lib.utils.data.Dataset,), dict(Squares.__dict__))(lib, n)


@pytest.mark.parametrize("index", [0, 4, 7, 9, -1, -10])
def test_concat_and_subset(index):
    def case(lib):
        d = lib.utils.data
        cat = d.ConcatDataset([make_square_dataset(lib, 3), make_square_dataset(lib, 5), make_square_dataset(lib, 2)])
        sub = d.Subset(cat, [9, 0, 4])
        return [len(cat), cat.cumulative_sizes, cat[index], len(sub), sub[1], sub[2]]
    got, want = both(case)
    assert got == want


def test_concat_errors_and_add():
    def case(lib):
        d = lib.utils.data
        cat = make_square_dataset(lib, 2) + make_square_dataset(lib, 3)
        return [type(cat).__name__, len(cat), outcome(lambda: cat[-6]), outcome(d.ConcatDataset, [])]
    got, want = both(case)
    assert got == want


def test_stack_dataset():
    def case(lib):
        d = lib.utils.data
        a, b = make_square_dataset(lib, 4), d.TensorDataset(*(t[:4] for t in tensors(lib)))
        tup, kw = d.StackDataset(a, b), d.StackDataset(sq=a, pair=b)
        loader = d.DataLoader(kw, batch_size=3)
        return [len(tup), tup[2], kw[1], list(loader), outcome(d.StackDataset, a, make_square_dataset(lib, 2)),
                outcome(d.StackDataset)]
    got, want = both(case)
    assert got == want


def chain_case(lib):
    d = lib.utils.data

    class Counter(d.IterableDataset):
        def __init__(self, start, stop):
            self.start, self.stop = start, stop

        def __iter__(self):
            return iter(range(self.start, self.stop))

        def __len__(self):
            return self.stop - self.start

    chained = d.ChainDataset([Counter(0, 3), Counter(10, 12)])
    added = Counter(5, 7) + Counter(1, 2)
    return [list(chained), len(chained), list(added), outcome(lambda: list(d.ChainDataset([make_square_dataset(lib, 2)])))]


def test_chain_dataset():
    got, want = both(chain_case)
    assert got == want


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.33, 0.33, 0.34], [1, 2, 3, 4],
                                     [0.5, 0.6], [2, 2], [1.2, -0.2]])
def test_random_split_sizes_and_disjointness(lengths):
    def case(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = lib.utils.data.random_split(range(10), lengths, generator=lib.Generator().manual_seed(0))
        return [len(p) for p in parts], sorted(i for p in parts for i in p)
    got, want = (outcome(case, lib) for lib in LIBS)
    assert got == want


def test_random_split_reproducible_with_generator_and_manual_seed():
    import jtorch
    d = jtorch.utils.data
    split = lambda g=None: [list(p) for p in d.random_split(range(20), [0.5, 0.5], generator=g)]  # noqa: E731
    assert split(jtorch.Generator().manual_seed(3)) == split(jtorch.Generator().manual_seed(3))
    jtorch.manual_seed(5)
    first = split()
    jtorch.manual_seed(5)
    assert split() == first
    assert split() != first


def test_random_split_zero_length_warns():
    import jtorch
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        jtorch.utils.data.random_split(range(1), [0.5, 0.5])


def collate_sample(lib, i):
    """A nested sample mixing every leaf kind default_collate handles."""
    return {"t": lib.tensor([float(i), 2.0 * i]), "arr": np.full((2, 2), i, dtype=np.int32),
            "pair": (i, float(i) / 2), "pt": Point(x=np.float32(i), y=[True, i % 2 == 0]),
            "name": f"s{i}", "scalar0d": np.array(i * 1.5)}


def test_default_collate_nested_structures():
    got, want = both(lambda lib: lib.utils.data.default_collate([collate_sample(lib, i) for i in range(3)]))
    assert got == want


def test_default_convert_structures():
    got, want = both(lambda lib: [lib.utils.data.default_convert(collate_sample(lib, 2)),
                                  lib.utils.data.default_convert((np.int16(3), np.array(["a"]), [1.5]))])
    assert got == want


@pytest.mark.parametrize("batch", [[None, None], [1 + 2j, 3j], [np.array(["a"]), np.array(["b"])], [[1, 2], [3]]])
def test_default_collate_errors(batch):
    got, want = (outcome(lib.utils.data.default_collate, batch) for lib in LIBS)
    assert got == want


def test_default_collate_of_tensor_rows_keeps_dtype():
    got, want = both(lambda lib: lib.utils.data.default_collate(
        [(lib.tensor([1, 2], dtype=lib.int16), lib.tensor(True)) for _ in range(2)]))
    assert got == want


def test_generic_subscripting():
    import jtorch
    d = jtorch.utils.data

    class Ints(d.Dataset[int]):
        def __getitem__(self, i):
            return i

        def __len__(self):
            return 3

    class Evens(d.Sampler[int]):
        def __iter__(self):
            return iter([0, 2])

    assert [int(b) for b in d.DataLoader(Ints(), sampler=Evens())] == [0, 2]
