"""DataLoader in the main process: batches, lengths and argument errors against torch's."""
import numpy as np
import pytest

import jtorch
from _data_common import LIBS, Point, both, canon, outcome

X = np.random.default_rng(0).standard_normal((23, 3)).astype(np.float32)
Y = np.arange(23, dtype=np.int64)


def tensor_dataset(lib):
    return lib.utils.data.TensorDataset(lib.from_numpy(X.copy()), lib.from_numpy(Y.copy()))


class Records:
    """Nested samples through __getitem__ only (the per-sample path)."""

    def __init__(self, lib):
        self.lib = lib

    def __getitem__(self, i):
        return {"x": self.lib.tensor([i, -i]), "meta": (f"r{i}", i * 0.5), "pt": Point(x=np.int8(i), y=[i, i])}

    def __len__(self):
        return 11


LOADERS = [dict(batch_size=4), dict(batch_size=4, drop_last=True), dict(batch_size=23), dict(batch_size=30),
           dict(batch_size=1), dict(batch_size=None), dict(batch_size=5, sampler=[3, 1, 4, 1, 5, 9, 2, 6]),
           dict(batch_sampler=[[0, 1], [5], [2, 2, 2]]), dict(batch_size=3, collate_fn=lambda b: len(b))]


@pytest.mark.parametrize("kwargs", LOADERS)
@pytest.mark.parametrize("make", [tensor_dataset, Records], ids=["tensors", "records"])
def test_batches_and_len_match_torch(kwargs, make):
    def case(lib):
        loader = lib.utils.data.DataLoader(make(lib), **kwargs)
        return [len(loader), list(loader)]
    got, want = both(case)
    assert got == want


def test_getitems_fast_path_gathers_once():
    ds = tensor_dataset(jtorch)
    calls = []
    ds.__getitem__ = lambda i: calls.append(i)
    batches = list(jtorch.utils.data.DataLoader(ds, batch_size=8))
    assert not calls and [b[0].shape[0] for b in batches] == [8, 8, 7]


def test_read_ahead_batches_and_bad_index_surface_like_torch():
    def case(lib):
        loader = lib.utils.data.DataLoader(tensor_dataset(lib), batch_sampler=[[0, 1], [-2, 3], [4], [5, 23], [6, 7]])
        it, seen = iter(loader), []
        try:
            while True:
                seen.append(next(it))
        except Exception as e:  # noqa: BLE001 - the error and the batches before it are compared
            return [seen, type(e).__name__, str(e)]
    got, want = both(case)
    assert got == want


def test_in_place_changes_during_an_epoch_show_in_later_batches():
    def case(lib):
        ds = tensor_dataset(lib)
        seen = []
        for xb, yb in lib.utils.data.DataLoader(ds, batch_size=4):
            seen.append(yb)
            ds.tensors[1].add_(100)
        return seen
    got, want = both(case)
    assert got == want


def test_custom_collate_sees_samples_from_fast_path():
    def case(lib):
        return list(lib.utils.data.DataLoader(tensor_dataset(lib), batch_size=5,
                                              collate_fn=lambda b: [lib.stack([s[0] for s in b]), b[1][1]]))
    got, want = both(case)
    assert got == want


def test_shuffle_covers_everything_and_is_reproducible():
    def epoch(**kw):
        return np.concatenate([b[1].numpy() for b in jtorch.utils.data.DataLoader(tensor_dataset(jtorch),
                                                                                 batch_size=4, shuffle=True, **kw)])
    a = epoch()
    assert sorted(a.tolist()) == Y.tolist() and a.tolist() != Y.tolist()
    jtorch.manual_seed(3)
    b = epoch()
    jtorch.manual_seed(3)
    assert epoch().tolist() == b.tolist()
    assert epoch(generator=jtorch.Generator().manual_seed(1)).tolist() == \
        epoch(generator=jtorch.Generator().manual_seed(1)).tolist()


def iterable_case(lib, **kwargs):
    d = lib.utils.data

    class Stream(d.IterableDataset):
        def __iter__(self):
            return iter({"v": i, "sq": np.array([i * i])} for i in range(10))

        def __len__(self):
            return 10

    loader = d.DataLoader(Stream(), **kwargs)
    return [len(loader), list(loader)]


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)])
def test_iterable_dataset_matches_torch(kwargs):
    got, want = (iterable_case(lib, **kwargs) for lib in LIBS)
    assert canon(got) == canon(want)


def _stream(lib):
    return type("S", (lib.utils.data.IterableDataset,), {"__iter__": lambda self: iter(range(3))})()


BAD = [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
       dict(persistent_workers=True), dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
       dict(batch_sampler=[[0]], shuffle=True), dict(batch_sampler=[[0]], sampler=[0]),
       dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
       dict(multiprocessing_context="spawn"), dict(num_workers=1, multiprocessing_context="nope"),
       dict(num_workers=1, multiprocessing_context=3)]


@pytest.mark.parametrize("kwargs", BAD)
def test_argument_errors_match_torch(kwargs):
    got, want = (outcome(lib.utils.data.DataLoader, tensor_dataset(lib), **kwargs) for lib in LIBS)
    assert got == want


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_argument_errors_match_torch(kwargs):
    got, want = (outcome(lib.utils.data.DataLoader, _stream(lib), **kwargs) for lib in LIBS)
    assert got == want


@pytest.mark.parametrize("attr", ["batch_size", "sampler", "dataset", "drop_last"])
def test_frozen_attributes(attr):
    def case(lib):
        loader = lib.utils.data.DataLoader(tensor_dataset(lib))
        return outcome(setattr, loader, attr, 2)
    got, want = (case(lib) for lib in LIBS)
    assert got == want


ROWS = np.random.default_rng(1).standard_normal((150, 5)).astype(np.float32)


@pytest.mark.parametrize("kwargs", [dict(), dict(shuffle=True), dict(drop_last=True), dict(shuffle=True, drop_last=True),
                                    dict(batch_size=50), dict(batch_size=1)])
@pytest.mark.parametrize("seed", [None, 7])
def test_read_ahead_gives_the_batches_the_sampler_selects(kwargs, seed):
    """150 rows in batches of 4: more batches than one read-ahead, an uneven last one; same index stream."""
    d = jtorch.utils.data
    kwargs = {"batch_size": 4, **kwargs}
    ds = d.TensorDataset(jtorch.from_numpy(ROWS.copy()), jtorch.arange(150))
    gathers = []
    gather = ds.gather_batches
    ds.gather_batches = lambda batches: gathers.append(len(batches)) or gather(batches)

    def make_generator():
        return None if seed is None else jtorch.Generator().manual_seed(seed)

    jtorch.manual_seed(3)
    loader = d.DataLoader(ds, generator=make_generator(), **kwargs)
    got = [(xb.numpy(), yb.numpy()) for xb, yb in loader]
    jtorch.manual_seed(3)
    sampler = d.RandomSampler(ds, generator=make_generator()) if kwargs.get("shuffle") else d.SequentialSampler(ds)
    want = list(d.BatchSampler(sampler, kwargs["batch_size"], kwargs.get("drop_last", False)))
    assert len(loader) == len(want) == len(got)
    for (xb, yb), idx in zip(got, want):
        assert yb.dtype == np.int64 and yb.tolist() == idx
        np.testing.assert_array_equal(xb, ROWS[idx])
    # a full read-ahead per gather, the tail batch by batch (no program compiled per tail length)
    ahead = jtorch.utils.data.dataloader._GATHER_AHEAD
    assert sum(gathers) == len(want) and set(gathers) <= {ahead, 1} and (ahead in gathers) == (len(want) > ahead)


def test_sampler_subclass_with_its_own_iter_is_honoured():
    def case(lib):
        d = lib.utils.data

        class Reversed(d.SequentialSampler):
            def __iter__(self):
                return iter(range(len(self.data_source) - 1, -1, -1))

        ds = tensor_dataset(lib)
        return [list(d.DataLoader(ds, batch_size=5, sampler=Reversed(ds))), list(d.BatchSampler(Reversed(ds), 5, False))]
    got, want = both(case)
    assert got == want


def test_user_sampler_is_asked_for_one_batch_at_a_time():
    def case(lib):
        log = []

        class Logged(lib.utils.data.Sampler):
            def __iter__(self):
                for i in range(23):
                    log.append(f"draw {i}")
                    yield i

            def __len__(self):
                return 23

        for k, (_, yb) in enumerate(lib.utils.data.DataLoader(tensor_dataset(lib), batch_size=3, sampler=Logged())):
            log.append(f"batch {k}: {yb.tolist()}")
        return log
    got, want = both(case)
    assert got == want
