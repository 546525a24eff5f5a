"""DataLoader with worker processes: order, sharding, errors and deaths, all within a few seconds."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import jtorch
from _data_common import canon

d = jtorch.utils.data
X = np.arange(60, dtype=np.float32).reshape(20, 3)


@pytest.fixture
def deadline():
    """Fail a test that takes longer than its bound (seconds) instead of hanging the suite. The default bound is
    wide enough for a loaded machine and below the 30 s a missed DataLoader timeout would take (test_timeout)."""
    start = time.monotonic()
    bound = {"s": 20.0}
    yield bound
    assert time.monotonic() - start < bound["s"]


def tensor_loader(lib, **kwargs):
    ds = lib.utils.data.TensorDataset(lib.from_numpy(X.copy()), lib.arange(20))
    return lib.utils.data.DataLoader(ds, batch_size=3, **kwargs)


def test_workers_deliver_torchs_batches_in_order(deadline):
    got = canon(list(tensor_loader(jtorch, num_workers=2)))
    assert got == canon(list(tensor_loader(jtorch))) == canon(list(tensor_loader(__import__("torch"))))
    assert len(tensor_loader(jtorch, num_workers=2, drop_last=True)) == len(list(tensor_loader(jtorch, num_workers=2,
                                                                                              drop_last=True)))


class Shards(d.IterableDataset):
    """range(start, stop), split between workers with get_worker_info."""

    def __init__(self, lib, start, stop):
        self.lib, self.start, self.stop = lib, start, stop

    def __iter__(self):
        info = self.lib.utils.data.get_worker_info()
        if info is None:
            return iter(range(self.start, self.stop))
        per = -(-(self.stop - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.stop)))


def torch_shards():
    import torch
    return type("TorchShards", (torch.utils.data.IterableDataset,), dict(Shards.__dict__))


@pytest.mark.parametrize("kwargs", [dict(batch_size=2), dict(batch_size=2, drop_last=True), dict(batch_size=None)])
def test_iterable_dataset_sharded_between_workers_matches_torch(kwargs, deadline):
    import torch
    got = list(d.DataLoader(Shards(jtorch, 3, 14), num_workers=3, **kwargs))
    want = list(torch.utils.data.DataLoader(torch_shards()(torch, 3, 14), num_workers=3, **kwargs))
    assert canon(got) == canon(want)


class Faulty(d.Dataset):
    def __getitem__(self, i):
        if i == 4:
            raise ValueError("bad sample 4")
        return np.array([i])

    def __len__(self):
        return 8


def test_worker_exception_reraised_with_traceback(deadline):
    with pytest.raises(ValueError) as info:
        list(d.DataLoader(Faulty(), batch_size=2, num_workers=2))
    text = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in text and "Original Traceback" in text
    assert "bad sample 4" in text and "__getitem__" in text


class Killer(d.Dataset):
    def __getitem__(self, i):
        if i == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.array([i])

    def __len__(self):
        return 12


def test_killed_worker_raises_runtime_error(deadline):
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(d.DataLoader(Killer(), batch_size=2, num_workers=2))


class Healthy(d.Dataset):
    """Samples that never fail, so a killed worker is the only error."""

    def __getitem__(self, i):
        return np.array([i])

    def __len__(self):
        return 64


def test_worker_killed_from_outside(deadline):
    it = iter(d.DataLoader(Healthy(), batch_size=1, num_workers=2, persistent_workers=True))
    next(it)
    for w in it._workers:
        os.kill(w.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(it)


class Slow(d.Dataset):
    def __getitem__(self, i):
        time.sleep(30)

    def __len__(self):
        return 2


def test_timeout(deadline):
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(iter(d.DataLoader(Slow(), num_workers=1, timeout=0.5)))


class WhoAmI(d.Dataset):
    """Samples tell which worker made them, that worker's init_fn mark and its pid."""
    mark = -1

    def __getitem__(self, i):
        info = d.get_worker_info()
        return np.array([info.id, WhoAmI.mark, os.getpid(), info.num_workers, info.dataset is not None])

    def __len__(self):
        return 6


def _init(worker_id):
    WhoAmI.mark = 100 + worker_id


def test_worker_init_fn_and_worker_info(deadline):
    rows = np.concatenate([b.numpy() for b in d.DataLoader(WhoAmI(), batch_size=1, num_workers=2,
                                                           worker_init_fn=_init)])
    assert rows[:, 0].tolist() == [0, 1] * 3
    assert rows[:, 1].tolist() == [100, 101] * 3
    assert set(rows[:, 3]) == {2} and set(rows[:, 4]) == {1} and d.get_worker_info() is None


def test_persistent_workers_reused_across_epochs(deadline):
    loader = d.DataLoader(WhoAmI(), batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [np.concatenate([b.numpy() for b in loader]) for _ in range(3)]
    assert all(set(e[:, 2]) == set(epochs[0][:, 2]) for e in epochs) and all(len(e) == 6 for e in epochs)
    early = iter(loader)
    next(early)
    assert len(np.concatenate([b.numpy() for b in loader])) == 6  # a new epoch after breaking out early
    stream = d.DataLoader(Shards(jtorch, 0, 7), batch_size=2, num_workers=2, persistent_workers=True)
    assert [canon(list(stream)) for _ in range(2)] == [canon(list(d.DataLoader(Shards(jtorch, 0, 7), batch_size=2,
                                                                              num_workers=2)))] * 2


class UsesJax(d.Dataset):
    """Indexes a stored Tensor (or draws random numbers) in __getitem__: JAX work a forked worker cannot do."""

    def __init__(self, draw):
        self.data, self.draw = jtorch.arange(4), draw

    def __getitem__(self, i):
        return jtorch.randn(2) if self.draw else self.data[i]

    def __len__(self):
        return 2


@pytest.mark.parametrize("draw", [False, True])
def test_jax_in_forked_worker_fails_fast(draw, deadline):
    with pytest.raises(RuntimeError, match="cannot run JAX"):
        list(d.DataLoader(UsesJax(draw), num_workers=1))


def test_breaking_out_early_does_not_hang(deadline):
    for _ in range(3):
        for batch in tensor_loader(jtorch, num_workers=2, shuffle=True):
            break


def test_script_without_main_guard(tmp_path, deadline):
    deadline["s"] = 40
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import jtorch as torch
        from jtorch.utils.data import DataLoader, TensorDataset
        x = torch.randn(64, 4) * 2
        loader = DataLoader(TensorDataset(x, torch.arange(64)), batch_size=16, shuffle=True, num_workers=2)
        seen = sorted(int(i) for _, y in loader for i in y.numpy())
        assert seen == list(range(64)), seen
        print("done", (x.sum() * 0).item())
    """))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=35, env=env)
    assert out.returncode == 0 and "done" in out.stdout, out.stderr


def test_spawn_context(deadline):
    deadline["s"] = 40
    got = list(tensor_loader(jtorch, num_workers=1, multiprocessing_context="spawn"))
    assert canon(got) == canon(list(tensor_loader(jtorch)))


class Uneven(d.Dataset):
    """Sample 0 is slow, so with in_order=False later batches overtake it."""

    def __getitem__(self, i):
        time.sleep(0.3 if i == 0 else 0)
        return np.array([i])

    def __len__(self):
        return 6


def test_out_of_order_delivery(deadline):
    got = [int(b[0, 0]) for b in d.DataLoader(Uneven(), num_workers=2, in_order=False)]
    assert sorted(got) == list(range(6)) and got[0] != 0
    assert [int(b[0, 0]) for b in d.DataLoader(Uneven(), num_workers=2)] == list(range(6))
