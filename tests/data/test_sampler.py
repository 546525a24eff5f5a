"""Samplers: deterministic ones equal torch's, random ones have the right distribution."""
import numpy as np
import pytest

import jtorch
from _data_common import LIBS, both, outcome

d = jtorch.utils.data


def test_sequential_and_batch_sampler_match_torch():
    def case(lib):
        s = lib.utils.data
        seq = s.SequentialSampler(range(7))
        return [list(seq), len(seq), list(s.BatchSampler(seq, 3, False)), list(s.BatchSampler(seq, 3, True)),
                len(s.BatchSampler(seq, 3, False)), len(s.BatchSampler(seq, 3, True)),
                list(s.BatchSampler([5, 1, 4, 2], 3, False)), list(s.BatchSampler(iter(range(5)), 2, True))]
    got, want = both(case)
    assert got == want


BAD = [("RandomSampler", (range(3),), {"replacement": 1}), ("RandomSampler", (range(3),), {"num_samples": 0}),
       ("RandomSampler", (range(3),), {"num_samples": 2.0}), ("BatchSampler", (range(3), 0, False), {}),
       ("BatchSampler", (range(3), 2, 1), {}), ("BatchSampler", (range(3), True, False), {}),
       ("WeightedRandomSampler", ([1.0, 2.0], 0), {}), ("WeightedRandomSampler", ([1.0, 2.0], 2, 1), {}),
       ("WeightedRandomSampler", ([[1.0, 2.0]], 2), {})]


@pytest.mark.parametrize("name,args,kwargs", BAD)
def test_sampler_argument_errors(name, args, kwargs):
    got, want = (outcome(getattr(lib.utils.data, name), *args, **kwargs) for lib in LIBS)
    assert got == want


def test_random_sampler_is_a_fresh_permutation_each_epoch():
    s = d.RandomSampler(range(50))
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(50)) and a != b and len(s) == 50


def test_random_sampler_num_samples_without_replacement_repeats_permutations():
    idx = list(d.RandomSampler(range(10), num_samples=25))
    assert len(idx) == 25 and sorted(idx[:10]) == sorted(idx[10:20]) == list(range(10)) and len(set(idx[20:])) == 5


def test_random_sampler_with_replacement_is_uniform():
    idx = np.array(list(d.RandomSampler(range(10), replacement=True, num_samples=20000)))
    counts = np.bincount(idx, minlength=10)
    assert idx.min() >= 0 and idx.max() < 10 and np.all(np.abs(counts / 20000 - 0.1) < 0.015)


def test_weighted_sampler_frequencies_follow_weights():
    w = np.array([1.0, 0.0, 3.0, 6.0])
    idx = np.array(list(d.WeightedRandomSampler(w.tolist(), 20000)))
    np.testing.assert_allclose(np.bincount(idx, minlength=4) / 20000, w / w.sum(), atol=0.015)
    without = list(d.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False))
    assert sorted(without) == [0, 1, 2]


def test_weighted_sampler_too_many_without_replacement():
    got, want = (outcome(lambda: list(lib.utils.data.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)))
                 for lib in LIBS)
    assert got[0] == want[0] == "RuntimeError"


def test_subset_random_sampler():
    s = d.SubsetRandomSampler([3, 8, 11, 40])
    assert sorted(s) == [3, 8, 11, 40] and len(s) == 4


def test_generator_and_manual_seed_make_sampling_reproducible():
    draw = lambda g=None: list(d.RandomSampler(range(30), generator=g))  # noqa: E731
    assert draw(jtorch.Generator().manual_seed(1)) == draw(jtorch.Generator().manual_seed(1))
    jtorch.manual_seed(7)
    first = draw()
    jtorch.manual_seed(7)
    assert draw() == first
    g = jtorch.Generator().manual_seed(2)
    assert draw(g) != draw(g)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 4, False)])
def test_distributed_sampler(n, replicas, drop_last):
    def case(lib, shuffle):
        return [list(lib.utils.data.DistributedSampler(range(n), replicas, r, shuffle=shuffle, drop_last=drop_last))
                for r in range(replicas)]
    got, want = (case(lib, False) for lib in LIBS)
    assert got == want
    shuffled = case(jtorch, True)
    assert [len(s) for s in shuffled] == [len(s) for s in want]
    if not drop_last and n >= replicas:
        assert sorted(set(i for s in shuffled for i in s)) == list(range(n))


def test_distributed_sampler_epochs_and_errors():
    s = d.DistributedSampler(range(20), 2, 0, seed=4)
    first = list(s)
    assert list(d.DistributedSampler(range(20), 2, 0, seed=4)) == first
    s.set_epoch(1)
    assert list(s) != first
    for args in [(range(4),), (range(4), 2, 2), (range(4), 2, -1)]:
        got, want = (outcome(lib.utils.data.DistributedSampler, *args) for lib in LIBS)
        assert got == want


def test_weighted_sampler_weights_attribute_matches_torch():
    def case(lib):
        w = lib.utils.data.WeightedRandomSampler([1, 2.5, 4], 2).weights
        return type(w).__name__, str(w.dtype), w.tolist()
    got, want = both(case)
    assert got == want
