"""``rtensor.utils.data``: datasets, samplers, collation and DataLoader.

Oracles:
- ``tests/data/rng_cases.json``: PyTorch's own outputs for ``RandomSampler`` and a seeded
  ``DataLoader(shuffle=True)``.
- The draws PyTorch's sources make (``tests/data/RNG.md`` and NOTE [ DataLoader random draws ]
  in ``dataloader.py``), composed here from rtensor's primitives (``randperm``, ``randint``,
  ``multinomial`` on a seeded ``Generator``) — which ``tests/test_rng.py`` checks against PyTorch.
- PyTorch's documented algorithms (DistributedSampler, random_split) and error texts.
- num_workers=0 as the reference for worker processes.
"""

import collections
import json
import math
import os
import pathlib
import pickle

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st
from rtensor.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = {c["call"]: c for c in json.loads((ROOT / "tests/data/rng_cases.json").read_text())}


def draw_seed(generator=None):
    """One ``empty((), int64).random_()``: how PyTorch's DataLoader and RandomSampler seed."""
    return int(torch.empty((), dtype=torch.int64).random_(generator=generator).item())


def gen(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


# ----- datasets ------------------------------------------------------------------------------


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i

    def __len__(self):
        return self.n


class Count(IterableDataset):
    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        return iter(range(self.start, self.stop))

    def __len__(self):
        return self.stop - self.start


def test_tensor_dataset():
    x, y = torch.arange(12).reshape(4, 3), torch.arange(4) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    a, b = ds[2]
    assert a.tolist() == [6, 7, 8] and b.item() == 20
    assert [t.tolist() for t in ds[1:3]] == [[[3, 4, 5], [6, 7, 8]], [10, 20]]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, torch.arange(3))


def test_concat_dataset():
    ds = ConcatDataset([Squares(3), Squares(2), Squares(4)])
    assert len(ds) == 9 and ds.cumulative_sizes == [3, 5, 9]
    assert [ds[i] for i in range(9)] == [0, 1, 4, 0, 1, 0, 1, 4, 9]
    assert ds[-1] == 9 and ds[-9] == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset"):
        ds[-10]
    assert len(Squares(2) + Squares(3)) == 5
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Count(0, 3)])


def test_chain_dataset():
    ds = Count(0, 3) + Count(10, 12)
    assert isinstance(ds, ChainDataset)
    assert list(ds) == [0, 1, 2, 10, 11] and len(ds) == 5
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Squares(2)]))


def test_subset_and_stack_dataset():
    sub = Subset(Squares(10), [9, 2, 5])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [81, 4, 25]
    assert sub.__getitems__([2, 0]) == [25, 81]
    stacked = StackDataset(Squares(3), TensorDataset(torch.arange(3)))
    assert stacked[2][0] == 4 and stacked[2][1][0].item() == 2
    assert StackDataset(a=Squares(3), b=Squares(3))[1] == {"a": 1, "b": 1}
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Squares(3), Squares(2))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 29), max_size=40), st.data())
def test_subset_maps_indices(indices, data):
    sub = Subset(Squares(30), indices)
    assert len(sub) == len(indices)
    for i in range(len(indices)):
        assert sub[i] == indices[i] ** 2
    picks = data.draw(st.lists(st.integers(0, max(len(indices) - 1, 0)), max_size=5)) if indices else []
    assert sub.__getitems__(picks) == [indices[i] ** 2 for i in picks]


def test_random_split_draws_one_randperm():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=gen(42))
    perm = torch.randperm(10, generator=gen(42)).tolist()
    assert [p.indices for p in parts] == [perm[:3], perm[3:]]
    # The default generator is used without generator=.
    torch.manual_seed(5)
    parts = random_split(ds, [5, 5])
    torch.manual_seed(5)
    perm = torch.randperm(10).tolist()
    assert [p.indices for p in parts] == [perm[:5], perm[5:]]


def test_random_split_fractions():
    # floor(10 * 0.33) = 3 each, the remainder 1 goes to the first split (round-robin).
    parts = random_split(Squares(10), [0.33, 0.33, 0.34], generator=gen(0))
    assert [len(p) for p in parts] == [4, 3, 3]
    assert sorted(sum((p.indices for p in parts), [])) == list(range(10))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = random_split(Squares(2), [1.0, 0.0], generator=gen(0))
    assert [len(p) for p in parts] == [2, 0]
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(Squares(10), [-0.5, 1.5])
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(Squares(10), [3, 3])


@pytest.mark.filterwarnings("ignore:Length of split at index")  # lengths like [1, 0] are fractions
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 8), min_size=1, max_size=5), st.integers(0, 2**31))
def test_random_split_partitions(lengths, seed):
    ds = Squares(sum(lengths))
    parts = random_split(ds, lengths, generator=gen(seed))
    assert [len(p) for p in parts] == lengths
    assert sorted(i for p in parts for i in p.indices) == list(range(len(ds)))


# ----- samplers ------------------------------------------------------------------------------


def test_sequential_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(SequentialSampler(range(4))) == 4


def test_random_sampler_matches_pytorch():
    case = CASES["list(RandomSampler(range(10))) (DataLoader shuffle=True order)"]
    torch.manual_seed(case["seed"])
    assert list(RandomSampler(range(10))) == case["results"][0]["values"]


def test_random_sampler_draws():
    # Without a generator: one int64 from the default generator seeds a fresh Generator, per
    # epoch.
    torch.manual_seed(11)
    expected = [torch.randperm(20, generator=gen(draw_seed())).tolist() for _ in range(2)]
    torch.manual_seed(11)
    sampler = RandomSampler(range(20))
    assert [list(sampler), list(sampler)] == expected
    # With a generator: its own stream; num_samples beyond n continues with new permutations.
    sampler = RandomSampler(range(5), num_samples=12, generator=gen(3))
    g = gen(3)
    expected = (torch.randperm(5, generator=g).tolist() + torch.randperm(5, generator=g).tolist()
                + torch.randperm(5, generator=g).tolist()[:2])
    assert list(sampler) == expected and len(sampler) == 12


def test_random_sampler_with_replacement_draws_in_chunks_of_32():
    sampler = RandomSampler(range(7), replacement=True, num_samples=70, generator=gen(9))
    g = gen(9)
    expected = []
    for size in (32, 32, 6):
        expected += torch.randint(high=7, size=(size,), dtype=torch.int64, generator=g).tolist()
    assert list(sampler) == expected


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler([])


def test_subset_and_weighted_random_samplers():
    indices = [10, 20, 30, 40]
    perm = torch.randperm(4, generator=gen(1)).tolist()
    assert list(SubsetRandomSampler(indices, generator=gen(1))) == [indices[i] for i in perm]
    weights = [0.1, 0.0, 2.0, 0.5]
    w = WeightedRandomSampler(weights, 9, generator=gen(2))
    expected = torch.multinomial(torch.tensor(weights, dtype=torch.float64), 9, True,
                                 generator=gen(2)).tolist()
    assert list(w) == expected and len(w) == 9 and 1 not in expected
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler(weights, True)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler(weights, 3, replacement=None)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights "
                                         r"have shape \(2, 2\)"):
        WeightedRandomSampler([[1.0, 2.0], [3.0, 4.0]], 3)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 60), st.integers(1, 12), st.booleans())
def test_batch_sampler_properties(n, batch_size, drop_last):
    batches = list(BatchSampler(range(n), batch_size, drop_last))
    sampler_len = len(BatchSampler(range(n), batch_size, drop_last))
    assert len(batches) == sampler_len
    flat = [i for b in batches for i in b]
    if drop_last:
        assert all(len(b) == batch_size for b in batches)
        assert flat == list(range(n // batch_size * batch_size))
    else:
        assert all(len(b) == batch_size for b in batches[:-1])
        assert flat == list(range(n))
        assert sampler_len == math.ceil(n / batch_size)


def test_batch_sampler_errors():
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            BatchSampler(range(4), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(4), 2, 0)


def reference_distributed(n, num_replicas, rank, shuffle, seed, epoch, drop_last):
    """PyTorch's DistributedSampler algorithm, written from its documentation."""
    if drop_last and n % num_replicas:
        num_samples = math.ceil((n - num_replicas) / num_replicas)
    else:
        num_samples = math.ceil(n / num_replicas)
    total = num_samples * num_replicas
    indices = torch.randperm(n, generator=gen(seed + epoch)).tolist() if shuffle else list(range(n))
    if drop_last:
        indices = indices[:total]
    else:
        while len(indices) < total:
            indices += indices[: total - len(indices)]
    return indices[rank:total:num_replicas]


def test_distributed_sampler_known_values():
    ranks = [list(DistributedSampler(range(10), 3, r, shuffle=False)) for r in range(3)]
    assert ranks == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    ranks = [list(DistributedSampler(range(10), 3, r, shuffle=False, drop_last=True))
             for r in range(3)]
    assert ranks == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.booleans(), st.booleans(),
       st.integers(0, 1000), st.integers(0, 5), st.data())
def test_distributed_sampler_algorithm(n, replicas, shuffle, drop_last, seed, epoch, data):
    rank = data.draw(st.integers(0, replicas - 1))
    if drop_last and n < replicas:
        return
    s = DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=seed,
                           drop_last=drop_last)
    s.set_epoch(epoch)
    got = list(s)
    assert got == reference_distributed(n, replicas, rank, shuffle, seed, epoch, drop_last)
    assert len(got) == len(s)
    covered = {i for r in range(replicas)
               for i in DistributedSampler(range(n), replicas, r, shuffle=shuffle, seed=seed,
                                           drop_last=drop_last)}
    assert covered == set(range(n)) if not drop_last else covered <= set(range(n))


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(4), num_replicas=3, rank=3)
    with pytest.raises(RuntimeError, match="Requires distributed package to be available"):
        DistributedSampler(range(4))


# ----- collation -----------------------------------------------------------------------------

Point = collections.namedtuple("Point", ["x", "y"])


def test_default_collate_tensors_and_numbers():
    out = default_collate([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])
    assert out.shape == (2, 2) and out.tolist() == [[1, 2], [3, 4]]
    ints = default_collate([1, 2, 3])
    assert ints.dtype == torch.int64 and ints.tolist() == [1, 2, 3]
    floats = default_collate([0.5, 1.5])
    assert floats.dtype == torch.float64 and floats.tolist() == [0.5, 1.5]
    bools = default_collate([True, False])
    assert bools.dtype == torch.bool and bools.tolist() == [True, False]


def test_default_collate_numpy():
    arrays = default_collate([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])
    assert arrays.dtype == torch.int32 and arrays.tolist() == [[1, 2], [3, 4]]
    scalars = default_collate([np.float32(1.5), np.float32(2.5)])
    assert scalars.dtype == torch.float32 and scalars.tolist() == [1.5, 2.5]
    f64 = default_collate([np.float64(1.0), np.float64(2.0)])  # also a Python float subclass
    assert f64.dtype == torch.float64
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_collate_containers():
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]
    out = default_collate([{"x": 1, "s": "a"}, {"x": 2, "s": "b"}])
    assert out["x"].tolist() == [1, 2] and out["s"] == ["a", "b"]
    od = default_collate([collections.OrderedDict(a=1.0), collections.OrderedDict(a=2.0)])
    assert type(od) is collections.OrderedDict and od["a"].tolist() == [1.0, 2.0]
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(p) is Point and p.x.tolist() == [1, 3] and p.y.dtype == torch.float64
    tup = default_collate([(1, "a"), (2, "b")])
    # Strings keep the container zip made of them: a tuple, as in PyTorch.
    assert type(tup) is list and tup[0].tolist() == [1, 2] and tup[1] == ("a", "b")
    nested = default_collate([[1, [2.0]], [3, [4.0]]])
    assert nested[0].tolist() == [1, 3] and nested[1][0].tolist() == [2.0, 4.0]


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[3\] at entry 0 and \[2\] at entry 1"):
        default_collate([torch.zeros(3), torch.zeros(2)])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy "
                                        "arrays, numbers, dicts or lists; found <class 'object'>"):
        default_collate([object(), object()])


def test_default_convert():
    assert default_convert(np.array([1, 2])).tolist() == [1, 2]
    assert isinstance(default_convert(np.float32(2.0)), torch.Tensor)
    t = torch.zeros(2)
    assert default_convert(t) is t
    out = default_convert({"a": np.array([1.0]), "b": "s", "c": (np.int64(3), 4)})
    assert out["a"].tolist() == [1.0] and out["b"] == "s"
    assert isinstance(out["c"], list) and out["c"][0].item() == 3 and out["c"][1] == 4
    p = default_convert(Point(np.array([1]), 2))
    assert type(p) is Point and p.x.tolist() == [1]
    strings = np.array(["a"])
    assert default_convert(strings) is strings


# ----- DataLoader ----------------------------------------------------------------------------


def batches(loader):
    return [[t.tolist() for t in b] if isinstance(b, list) else b.tolist() for b in loader]


def test_dataloader_shuffle_matches_pytorch():
    case = CASES["DataLoader(TensorDataset(arange(10)), batch_size=4, shuffle=True) batches"]
    torch.manual_seed(case["seed"])
    loader = DataLoader(TensorDataset(torch.arange(10)), batch_size=4, shuffle=True)
    assert [b[0].tolist() for b in loader] == [r["values"] for r in case["results"]]


def test_dataloader_draws_per_epoch():
    # NOTE [ DataLoader random draws ]: base_seed, then the sampler's seed, per epoch.
    def expected_epoch():
        draw_seed()
        return torch.randperm(10, generator=gen(draw_seed())).tolist()

    torch.manual_seed(123)
    expected = [expected_epoch() for _ in range(3)]
    after = torch.rand(1).item()
    torch.manual_seed(123)
    loader = DataLoader(list(range(10)), batch_size=10, shuffle=True)
    assert [next(iter(loader)).tolist() for _ in range(3)] == expected
    assert torch.rand(1).item() == after
    # With generator=, the loader's generator supplies both draws; the default one is untouched.
    torch.manual_seed(0)
    before = torch.get_rng_state()
    g = gen(8)
    got = next(iter(DataLoader(list(range(10)), batch_size=10, shuffle=True, generator=g))).tolist()
    g2 = gen(8)
    draw_seed(g2)
    assert got == torch.randperm(10, generator=g2).tolist()
    assert torch.equal(torch.get_rng_state(), before)


def test_dataloader_batching_options():
    ds = TensorDataset(torch.arange(10))
    assert len(DataLoader(ds, batch_size=3)) == 4
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(DataLoader(ds, batch_size=3, drop_last=True)) == 3
    # batch_size=None: samples one at a time, converted but not collated.
    unbatched = list(DataLoader(Squares(3), batch_size=None))
    assert unbatched == [0, 1, 4]
    custom = DataLoader(Squares(5), batch_size=2, collate_fn=lambda b: tuple(b))
    assert list(custom) == [(0, 1), (4, 9), (16,)]
    sampler = BatchSampler(SequentialSampler(range(5)), 2, False)
    assert [b.tolist() for b in DataLoader(Squares(5), batch_sampler=sampler)] == [
        [0, 1], [4, 9], [16]]
    chosen = DataLoader(Squares(5), sampler=[4, 0], batch_size=2)
    assert [b.tolist() for b in chosen] == [[16, 0]]


def test_dataloader_iterable_dataset():
    loader = DataLoader(Count(0, 7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    assert [b.tolist() for b in DataLoader(Count(0, 7), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiproc"),
        (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive "
                                                   "with batch_size, shuffle, sampler, and drop_last"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching "
                                                "and is mutually exclusive with drop_last"),
        (dict(multiprocessing_context="fork"), "multiprocessing_context can only be used with "
                                               "multi-process loading"),
        (dict(num_workers=1, multiprocessing_context="nope"), "multiprocessing_context option "
                                                              "should specify a valid start method"),
    ],
)
def test_dataloader_option_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Squares(4), **kwargs)


def test_dataloader_iterable_dataset_option_errors():
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified "
                                         "shuffle option, but got shuffle=True"):
        DataLoader(Count(0, 3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Count(0, 3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Count(0, 3), batch_sampler=[[0]])


def test_dataloader_attributes_are_frozen():
    loader = DataLoader(Squares(4), batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        loader.batch_size = 3
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found"):
        list(DataLoader(Squares(4), batch_size=2, pin_memory=True))


# ----- worker processes ----------------------------------------------------------------------
# Module-level classes and functions, so that the spawn start method can pickle them.


class WorkerReport(Dataset):
    """Each sample says which worker made it, with what seed, and what the worker's default
    generator, NumPy and init function produced."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "i": i,
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "same_dataset_type": type(info.dataset) is WorkerReport,
            "pid": os.getpid(),
            "initialised": os.environ.get("RTENSOR_TEST_WORKER_INIT", ""),
        }


def init_worker(worker_id):
    os.environ["RTENSOR_TEST_WORKER_INIT"] = f"worker {worker_id}"


class FirstDraws(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.rand(1).item(), float(np.random.rand())


class ShardedCount(IterableDataset):
    """Splits range(n) between workers, as PyTorch's IterableDataset docs show."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Failing(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("sample 2 is broken")
        return i


class Dying(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        os._exit(3)


def test_workers_give_the_same_batches():
    x = torch.randn(23, 3)
    ds = TensorDataset(x, torch.arange(23))
    for kwargs in (dict(shuffle=True, batch_size=4), dict(batch_size=5, drop_last=True),
                   dict(batch_size=None)):
        torch.manual_seed(3)
        reference = batches(DataLoader(ds, **kwargs))
        torch.manual_seed(3)
        assert batches(DataLoader(ds, num_workers=2, **kwargs)) == reference
        torch.manual_seed(3)
        assert batches(DataLoader(ds, num_workers=2, prefetch_factor=1, **kwargs)) == reference


def test_workers_with_spawn():
    ds = TensorDataset(torch.arange(10.0).reshape(5, 2))
    reference = batches(DataLoader(ds, batch_size=2))
    loader = DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    assert batches(loader) == reference


def test_worker_info_and_init_fn():
    assert get_worker_info() is None
    g = gen(77)
    loader = DataLoader(WorkerReport(), batch_size=None, num_workers=2, generator=g,
                        worker_init_fn=init_worker)
    samples = list(loader)
    base_seed = draw_seed(gen(77))
    assert [s["i"] for s in samples] == list(range(6))
    # Tasks go round-robin: sample i is made by worker i % 2.
    assert [s["id"] for s in samples] == [0, 1, 0, 1, 0, 1]
    assert all(s["num_workers"] == 2 and s["same_dataset_type"] for s in samples)
    assert [s["seed"] for s in samples] == [base_seed + s["id"] for s in samples]
    assert [s["initialised"] for s in samples] == [f"worker {s['id']}" for s in samples]
    assert len({s["pid"] for s in samples}) == 2 and os.getpid() not in {s["pid"] for s in samples}


def test_worker_seeding():
    loader = DataLoader(FirstDraws(), batch_size=None, num_workers=2, generator=gen(5))
    samples = list(loader)
    base_seed = draw_seed(gen(5))
    for worker in (0, 1):
        torch.manual_seed(base_seed + worker)
        expected = [torch.rand(1).item() for _ in range(2)]
        assert [samples[i][0] for i in (worker, worker + 2)] == expected
    # NumPy's global generator is seeded per worker too: the workers' draws differ.
    assert samples[0][1] != samples[1][1]


def test_iterable_dataset_with_workers():
    loader = DataLoader(ShardedCount(10), batch_size=2, num_workers=2)
    got = [b.tolist() for b in loader]
    # Worker 0 holds 0, 2, 4..., worker 1 holds 1, 3, 5...; batches alternate between them.
    assert got == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]


def test_persistent_workers():
    loader = DataLoader(WorkerReport(), batch_size=2, num_workers=2, persistent_workers=True)
    first = list(loader)
    second = list(loader)
    assert [b["i"].tolist() for b in first] == [b["i"].tolist() for b in second] == [
        [0, 1], [2, 3], [4, 5]]
    pids = lambda epoch: {p for b in epoch for p in b["pid"].tolist()}  # noqa: E731
    assert pids(first) == pids(second) and len(pids(first)) == 2


def test_worker_exception_is_reraised():
    loader = DataLoader(Failing(), batch_size=1, num_workers=2)
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0.\n"
                                         "Original Traceback") as info:
        list(loader)
    assert "sample 2 is broken" in str(info.value)


def test_dead_worker_is_detected():
    # No timeout: death is found by the periodic status check, however slowly the worker starts.
    loader = DataLoader(Dying(), batch_size=1, num_workers=1)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(loader)


def test_dataloader_iterator_cannot_be_pickled():
    with pytest.raises(NotImplementedError, match="cannot be pickled"):
        pickle.dumps(iter(DataLoader(Squares(3))))
