#!/usr/bin/env python3
"""Times rtensor against NumPy (and PyTorch, when it can be imported) on the same workloads.

All libraries run in ONE process, interleaved: every repetition times each library once, in
an order that rotates from one repetition to the next, so drifts in machine load hit every
library alike. Reported figures are medians over the repetitions (`--best`: the fastest
repetition of each library); ratios are rtensor's time
divided by the reference library's time (below 1 means rtensor is faster), and for matmul
also GFLOP/s.

    python benches/compare.py            # full run
    python benches/compare.py --quick    # a few repetitions, smaller matmuls skipped
    python benches/compare.py --only add,exp --threads 2 --markdown

Adding a workload: append a `Workload` to `WORKLOADS` (or call `register`) with a name and a
`make` function per library. `make(lib_module)` builds the inputs once and returns the
zero-argument callable that is timed. Libraries a workload does not list are skipped for it.
PyTorch is optional and never required; tests do not import this file.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np

try:  # running from a source checkout without installing: `python benches/compare.py`
    import rtensor
except ImportError:  # pragma: no cover
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
    import rtensor

try:
    import torch  # noqa: F401  (optional reference)
except Exception:  # pragma: no cover - torch is optional
    torch = None

LIBS: Dict[str, object] = {"rtensor": rtensor, "numpy": np}
if torch is not None:
    LIBS["torch"] = torch

Make = Callable[[object], Callable[[], object]]


@dataclass
class Workload:
    """One benchmark: `make[lib](module)` returns the callable to time for that library."""

    name: str
    make: Dict[str, Make]
    #: calls per timed sample (small ops need many calls to rise above timer resolution)
    number: int = 1
    #: floating-point operations per call, to report GFLOP/s (0: not reported)
    flops: float = 0.0
    #: group label for the report (targets are judged per group)
    group: str = ""
    #: included in --quick runs
    quick: bool = True
    description: str = ""
    extra: dict = field(default_factory=dict)


WORKLOADS: List[Workload] = []


def register(w: Workload) -> Workload:
    WORKLOADS.append(w)
    return w


# ----------------------------------------------------------------------------------------
# Inputs. Every library gets the same values (float32), made once by NumPy.

_RNG = np.random.default_rng(0)
_CACHE: Dict[tuple, np.ndarray] = {}


def data(shape, seed=0, lo=-1.0, hi=1.0) -> np.ndarray:
    key = (tuple(shape), seed, lo, hi)
    if key not in _CACHE:
        rng = np.random.default_rng(seed)
        _CACHE[key] = rng.uniform(lo, hi, size=shape).astype(np.float32)
    return _CACHE[key]


def to_lib(lib, arr: np.ndarray):
    """The NumPy array as a tensor/array of `lib` (a private copy, contiguous)."""
    arr = np.ascontiguousarray(arr).copy()
    if lib is np:
        return arr
    if lib is rtensor:
        return rtensor.tensor(arr)
    return lib.from_numpy(arr)


def per_lib(fn: Callable[[object], Callable[[], object]]) -> Dict[str, Make]:
    """The same `make` for every library whose API matches (rtensor, NumPy, PyTorch)."""
    return {name: fn for name in LIBS}


# ----------------------------------------------------------------------------------------
# Workloads

def _overhead_add(lib):
    x, y = to_lib(lib, data((3,), 1)), to_lib(lib, data((3,), 2))
    return lambda: x + y


register(Workload("add 3-elem (per-call overhead)", per_lib(_overhead_add), number=20000,
                  group="overhead"))

N_EW = 10_000_000


def _binary(opname):
    def make(lib):
        x, y = to_lib(lib, data((N_EW,), 1)), to_lib(lib, data((N_EW,), 2))
        if opname == "add":
            return lambda: x + y
        return lambda: x * y
    return make


def _exp(lib):
    x = to_lib(lib, data((N_EW,), 1, -5.0, 5.0))
    if lib is np:
        return lambda: np.exp(x)
    return lambda: lib.exp(x)


register(Workload("add 1e7 f32", per_lib(_binary("add")), group="elementwise"))
register(Workload("mul 1e7 f32", per_lib(_binary("mul")), group="elementwise"))
register(Workload("exp 1e7 f32", per_lib(_exp), group="elementwise"))


def _add_broadcast(lib):
    x, y = to_lib(lib, data((1000, 10_000), 1)), to_lib(lib, data((10_000,), 2))
    return lambda: x + y


def _add_transposed(lib):
    x, y = to_lib(lib, data((3162, 3162), 1)), to_lib(lib, data((3162, 3162), 2))
    if lib is np:
        xt = x.T
    else:
        xt = x.t()
    return lambda: xt + y


register(Workload("add 1e7 f32 broadcast (1000x10000 + 10000)", per_lib(_add_broadcast),
                  group="elementwise-extra", quick=False))
register(Workload("add 1e7 f32 transposed (3162^2, x.T + y)", per_lib(_add_transposed),
                  group="elementwise-extra", quick=False))


def _sum(dim):
    def make(lib):
        x = to_lib(lib, data((1000, 10_000), 3))
        if dim is None:
            return lambda: x.sum()
        if lib is np:
            return lambda: x.sum(axis=dim)
        return lambda: x.sum(dim=dim)
    return make


register(Workload("sum 1e7 f32 (all)", per_lib(_sum(None)), group="sum"))
register(Workload("sum 1000x10000 f32 dim=0", per_lib(_sum(0)), group="sum"))
register(Workload("sum 1000x10000 f32 dim=-1", per_lib(_sum(-1)), group="sum"))


def _matmul(n):
    def make(lib):
        a, b = to_lib(lib, data((n, n), 4)), to_lib(lib, data((n, n), 5))
        return lambda: a @ b
    return make


def _number_for(flops):
    """Calls per sample so that one sample takes a few milliseconds (then the runner rests,
    so that one library's spinning BLAS threads do not take the cores from the next)."""
    return max(1, min(2000, int(3e8 / flops)))


for _n, _quick in [(256, False), (1024, True), (2048, True)]:
    register(Workload(f"matmul {_n} f32", per_lib(_matmul(_n)), number=_number_for(2.0 * _n ** 3),
                      flops=2.0 * _n ** 3, group="matmul", quick=_quick))


def _product(shape_a, shape_b, dtype, form):
    """`form` of two operands built from (shape_a, shape_b) of `dtype`:
    "ab": a @ b; "atb": a.T @ b (a stored as (k, m)); "abt": a @ b.T (b stored as (n, k));
    "bmm": batched a @ b; "linear": F.linear(a, b, bias) (b stored as (out, in))."""
    def make(lib):
        a = to_lib(lib, data(shape_a, 4).astype(dtype))
        b = to_lib(lib, data(shape_b, 5).astype(dtype))
        tr = (lambda t: t.T) if lib is np else (lambda t: t.mT)
        if form == "atb":
            a = tr(a)
        elif form == "abt":
            b = tr(b)
        if form == "linear":
            bias = to_lib(lib, data((shape_b[0],), 6).astype(dtype))
            if lib is np:
                return lambda: a @ b.T + bias
            F = lib.nn.functional
            return lambda: F.linear(a, b, bias)
        if form == "addmm":
            bias = to_lib(lib, data((shape_b[1],), 6).astype(dtype))
            if lib is np:
                return lambda: bias + a @ b
            return lambda: lib.addmm(bias, a, b)
        return lambda: a @ b
    return make


def _register_product(name, shape_a, shape_b, dtype, form, m, k, n, batch=1, quick=False):
    flops = 2.0 * batch * m * k * n
    register(Workload(name, per_lib(_product(shape_a, shape_b, dtype, form)),
                      number=_number_for(flops), flops=flops, group="matmul-sizes", quick=quick))


# Square products at every size the speed issue lists, float32 and float64.
for _dt, _tag in [(np.float32, "f32"), (np.float64, "f64")]:
    for _n in [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]:
        _register_product(f"mm {_n} {_tag}", (_n, _n), (_n, _n), _dt, "ab", _n, _n, _n)
    # The skinny shapes of MLP layers: batch x in @ in x out.
    for _b, _i, _o in [(1, 256, 256), (16, 256, 256), (64, 256, 256), (64, 64, 256),
                       (64, 256, 10), (128, 784, 512), (256, 1024, 1024), (256, 512, 128)]:
        _register_product(f"mm {_b}x{_i} @ {_i}x{_o} {_tag}", (_b, _i), (_i, _o), _dt, "ab",
                          _b, _i, _o)
    # What backward multiplies: A^T B (weight gradient), A B^T (input gradient), and linear.
    for _b, _i, _o in [(64, 256, 256), (256, 1024, 1024)]:
        _register_product(f"linear {_b}x{_i} -> {_o} {_tag}", (_b, _i), (_o, _i), _dt,
                          "linear", _b, _i, _o)
        _register_product(f"addmm {_b}x{_i} @ {_i}x{_o} {_tag}", (_b, _i), (_i, _o), _dt,
                          "addmm", _b, _i, _o)
        _register_product(f"mm A^T B ({_b}x{_i})^T @ {_b}x{_o} {_tag}", (_b, _i), (_b, _o), _dt,
                          "atb", _i, _b, _o)
        _register_product(f"mm A B^T {_b}x{_o} @ ({_i}x{_o})^T {_tag}", (_b, _o), (_i, _o), _dt,
                          "abt", _b, _o, _i)
    for _n in [256, 1024]:
        _register_product(f"mm A^T B {_n} {_tag}", (_n, _n), (_n, _n), _dt, "atb", _n, _n, _n)
        _register_product(f"mm A B^T {_n} {_tag}", (_n, _n), (_n, _n), _dt, "abt", _n, _n, _n)
    for _bs, _n in [(32, 64), (8, 128), (4, 256)]:
        _register_product(f"bmm {_bs}x{_n}^3 {_tag}", (_bs, _n, _n), (_bs, _n, _n), _dt, "bmm",
                          _n, _n, _n, batch=_bs)


def _mlp_fwd_bwd(lib):
    """MLP 64-256-256-10 on a batch of 64: forward, cross-entropy, backward (grads cleared)."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    x = to_lib(lib, data((64, 64), 7))
    y = lib.tensor((np.arange(64) % 10).astype(np.int64))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(model(x), y)
        loss.backward()
        for p in model.parameters():
            p.grad = None
        return loss
    return step


# ----------------------------------------------------------------------------------------
# Autograd (rtensor and PyTorch only: NumPy has no autograd)

def _autograd_tiny(lib):
    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def step():
        ((a * 2 + 1) ** 2).sum().backward()
        a.grad = None
    return step


def _polynomial_fit(lib):
    """The 2000-step fit of sin(x) by a cubic from "Learning PyTorch with Examples" (autograd)."""
    x = lib.linspace(-math.pi, math.pi, 2000)
    y = lib.sin(x)

    def fit():
        a, b, c, d = (lib.tensor(v, requires_grad=True) for v in (0.1, -0.2, 0.3, -0.05))
        lr = 1e-6
        for _ in range(2000):
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            loss = (y_pred - y).pow(2).sum()
            loss.backward()
            with lib.no_grad():
                for p in (a, b, c, d):
                    p -= lr * p.grad
                    p.grad = None
        return loss
    return fit


def _autograd_libs(fn):
    return {n: fn for n in LIBS if n != "numpy"}


register(Workload("autograd tiny step ((a*2+1)**2).sum().backward()", _autograd_libs(_autograd_tiny),
                  number=2000, group="autograd"))
register(Workload("polynomial fit, 2000 autograd steps", _autograd_libs(_polynomial_fit),
                  group="autograd"))


# ----------------------------------------------------------------------------------------
# Training workloads (rtensor and PyTorch): nn + optim + data, as the examples run them

_SONNET = (
    "When forty winters shall besiege thy brow, And dig deep trenches in thy beauty's field, "
    "Thy youth's proud livery so gazed on now, Will be a totter'd weed of small worth held: "
    "Then being asked, where all thy beauty lies, Where all the treasure of thy lusty days; "
    "To say, within thine own deep sunken eyes, Were an all-eating shame, and thriftless "
    "praise. How much more praise deserv'd thy beauty's use, If thou couldst answer 'This "
    "fair child of mine Shall sum my count, and make my old excuse,' Proving his beauty by "
    "succession thine! This were to be new made when thou art old, And see thy blood warm "
    "when thou feel'st it cold.").split()


def _ngram_epoch(lib):
    """One epoch of the Word Embeddings tutorial's n-gram model (one sample per step)."""
    nn, F = lib.nn, lib.nn.functional
    vocab = sorted(set(_SONNET))
    ix = {w: i for i, w in enumerate(vocab)}
    samples = [(lib.tensor([ix[_SONNET[i]], ix[_SONNET[i + 1]]]),
                lib.tensor([ix[_SONNET[i + 2]]])) for i in range(len(_SONNET) - 2)]
    lib.manual_seed(1)
    emb, l1, l2 = nn.Embedding(len(vocab), 10), nn.Linear(20, 128), nn.Linear(128, len(vocab))
    params = list(emb.parameters()) + list(l1.parameters()) + list(l2.parameters())
    opt = lib.optim.SGD(params, lr=0.001)
    loss_fn = nn.NLLLoss()

    def epoch():
        total = 0.0
        for context, target in samples:
            opt.zero_grad()
            h = F.relu(l1(emb(context).view((1, -1))))
            loss = loss_fn(F.log_softmax(l2(h), dim=1), target)
            loss.backward()
            opt.step()
            total += loss.item()
        return total
    return epoch


def _digits_epoch(lib):
    """One epoch of the digits quickstart: DataLoader(shuffle=True), MLP, CrossEntropy, Adam."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    data = lib.utils.data
    X = lib.tensor(digits.data.astype(np.float32) / 16.0)
    y = lib.tensor(digits.target.astype(np.int64))
    loader = data.DataLoader(data.TensorDataset(X, y), batch_size=64, shuffle=True)
    nn = lib.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = lib.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss
    return epoch


def _adam_step(lib):
    """optimizer.step() of Adam over 100 parameters of 1000 elements (gradients preset)."""
    params = [lib.tensor(data((1000,), 100 + i), requires_grad=True) for i in range(100)]
    for i, p in enumerate(params):
        p.grad = lib.tensor(data((1000,), 300 + i))
    opt = lib.optim.Adam(params, lr=1e-3)
    return opt.step


def _have_sklearn():
    try:
        import sklearn.datasets  # noqa: F401
    except ImportError:
        return False
    return True


def _import_submodules(lib):
    if lib is not np:
        import importlib
        for sub in ("nn", "nn.functional", "optim", "utils.data"):
            importlib.import_module(f"{lib.__name__}.{sub}")


for _lib in LIBS.values():
    _import_submodules(_lib)

register(Workload("n-gram LM, 1 epoch (113 steps, batch 1)", _autograd_libs(_ngram_epoch),
                  group="training"))
if _have_sklearn():
    register(Workload("digits MLP, 1 epoch (DataLoader, Adam)", _autograd_libs(_digits_epoch),
                      group="training"))
register(Workload("Adam step, 100 params x 1000", _autograd_libs(_adam_step), number=20,
                  group="training"))
register(Workload("MLP 64-256-256-10, batch 64, fwd+bwd", _autograd_libs(_mlp_fwd_bwd), number=20,
                  group="training"))


# ----------------------------------------------------------------------------------------
# Spatial layers (rtensor and PyTorch): conv, batch norm, pooling, forward + backward

def _fwd_bwd(lib, shape, layer):
    """One forward + backward of `layer` (built after manual_seed(0)) on a fixed input."""
    x = to_lib(lib, data(shape, 40)).requires_grad_()
    lib.manual_seed(0)
    m = layer(lib.nn)

    def step():
        out = m(x)
        out.sum().backward()
        x.grad = None
        for p in m.parameters():
            p.grad = None
        return out
    return step


def _small_cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3),
                         nn.Flatten(), nn.Linear(32 * 11 * 11, 10))


def _spatial(name, shape, layer, number=1):
    register(Workload(name, _autograd_libs(lambda lib: _fwd_bwd(lib, shape, layer)),
                      number=number, group="spatial"))


_spatial("small CNN fwd+bwd, (32,1,28,28)", (32, 1, 28, 28), _small_cnn)
_spatial("Conv2d(64,64,3,p=1) fwd+bwd, (16,64,32,32)", (16, 64, 32, 32),
         lambda nn: nn.Conv2d(64, 64, 3, padding=1))
_spatial("BatchNorm2d(64) fwd+bwd, (32,64,32,32)", (32, 64, 32, 32),
         lambda nn: nn.BatchNorm2d(64))
_spatial("MaxPool2d(2) fwd+bwd, (32,64,32,32)", (32, 64, 32, 32), lambda nn: nn.MaxPool2d(2))


# ----------------------------------------------------------------------------------------
# Resampling (rtensor and PyTorch): interpolate, grid_sample, pdist, forward + backward

def _resample_fwd_bwd(lib, shapes, fn):
    """One forward + backward of `fn(F, *inputs)` on fixed inputs (grid values in [-1.1, 1.1])."""
    xs = [to_lib(lib, data(s, 60 + i, -1.1, 1.1)).requires_grad_() for i, s in enumerate(shapes)]
    F = lib.nn.functional

    def step():
        out = fn(F, *xs)
        out.sum().backward()
        for x in xs:
            x.grad = None
        return out
    return step


def _resample(name, shapes, fn, number=1):
    register(Workload(name, _autograd_libs(lambda lib: _resample_fwd_bwd(lib, shapes, fn)),
                      number=number, group="resample"))


_resample("interpolate bilinear x2 fwd+bwd, (8,16,64,64)", [(8, 16, 64, 64)],
          lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
_resample("interpolate bicubic x2 fwd+bwd, (8,16,64,64)", [(8, 16, 64, 64)],
          lambda F, x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False))
_resample("interpolate nearest x2 fwd+bwd, (8,16,64,64)", [(8, 16, 64, 64)],
          lambda F, x: F.interpolate(x, scale_factor=2, mode="nearest"))
_resample("grid_sample bilinear fwd+bwd, (8,16,64,64) grid (8,64,64,2)",
          [(8, 16, 64, 64), (8, 64, 64, 2)],
          lambda F, x, g: F.grid_sample(x, g, align_corners=False))
_resample("pdist fwd+bwd, (1000,64)", [(1000, 64)], lambda F, x: F.pdist(x))


# ----------------------------------------------------------------------------------------
# Recurrent layers (rtensor and PyTorch): forward + backward through time

def _rnn_fwd_bwd(lib, shape, layer):
    """One forward + backward of a recurrent `layer` (built after manual_seed(0)): the loss is
    the sum of the output sequence."""
    x = to_lib(lib, data(shape, 41)).requires_grad_()
    lib.manual_seed(0)
    m = layer(lib.nn)

    def step():
        out, _ = m(x)
        out.sum().backward()
        x.grad = None
        for p in m.parameters():
            p.grad = None
        return out
    return step


def _recurrent(name, shape, layer):
    register(Workload(name, _autograd_libs(lambda lib: _rnn_fwd_bwd(lib, shape, layer)),
                      group="recurrent"))


_recurrent("LSTM(64,128,batch_first) fwd+bwd, (16,32,64)", (16, 32, 64),
           lambda nn: nn.LSTM(64, 128, batch_first=True))
_recurrent("GRU(64,128,batch_first) fwd+bwd, (16,32,64)", (16, 32, 64),
           lambda nn: nn.GRU(64, 128, batch_first=True))


# ----------------------------------------------------------------------------------------
# Attention (rtensor and PyTorch): scaled_dot_product_attention, a Transformer encoder layer

def _sdpa_fwd_bwd(lib, shape, is_causal):
    """scaled_dot_product_attention forward + backward on (batch, heads, length, head_dim)."""
    q, k, v = (to_lib(lib, data(shape, 50 + i)).requires_grad_() for i in range(3))
    F = lib.nn.functional

    def step():
        out = F.scaled_dot_product_attention(q, k, v, is_causal=is_causal)
        out.sum().backward()
        q.grad = k.grad = v.grad = None
        return out
    return step


register(Workload("TransformerEncoderLayer(64,4,128,batch_first) fwd+bwd, (8,32,64)",
                  _autograd_libs(lambda lib: _fwd_bwd(
                      lib, (8, 32, 64), lambda nn: nn.TransformerEncoderLayer(
                          64, 4, 128, dropout=0.0, batch_first=True))),
                  number=5, group="attention"))
register(Workload("scaled_dot_product_attention causal fwd+bwd, (8,4,128,32)",
                  _autograd_libs(lambda lib: _sdpa_fwd_bwd(lib, (8, 4, 128, 32), True)),
                  number=5, group="attention"))


# ----------------------------------------------------------------------------------------
# torch.linalg (rtensor on faer, PyTorch on LAPACK, NumPy's np.linalg where it has the op):
# 512x512 float32, the target rows (solve, inv, eigh, svd) and lu_factor

def _linalg_input(n, kind):
    a = data((n, n), 60)
    if kind == "spd":
        return a @ a.T + n * np.eye(n, dtype=np.float32)
    return a + n ** 0.5 * np.eye(n, dtype=np.float32)


def _linalg(name, n, kind, call):
    def make(lib):
        A = to_lib(lib, _linalg_input(n, kind))
        B = to_lib(lib, data((n, n), 61))
        return lambda: call(lib, A, B)
    libs = {k: make for k in LIBS}
    if name == "lu_factor":  # NumPy has no LU
        libs.pop("numpy")
    register(Workload(f"linalg.{name} {n}x{n} f32", libs, group="linalg"))


for _n in (512,):
    _linalg("solve", _n, "general", lambda lib, A, B: lib.linalg.solve(A, B))
    _linalg("inv", _n, "general", lambda lib, A, B: lib.linalg.inv(A))
    _linalg("eigh", _n, "spd", lambda lib, A, B: lib.linalg.eigh(A))
    _linalg("svd", _n, "general", lambda lib, A, B: lib.linalg.svd(A))
    _linalg("lu_factor", _n, "general", lambda lib, A, B: lib.linalg.lu_factor(A))


# ----------------------------------------------------------------------------------------
# torch.fft (rtensor on rustfft, PyTorch on pocketfft/MKL, NumPy's pocketfft in float64):
# the 2^20 complex64 transform, and rfft of 2^20 float32

def _fft(name, make_input, call):
    def make(lib):
        x = to_lib(lib, make_input())
        return lambda: call(lib, x)
    register(Workload(name, {k: make for k in LIBS}, group="fft"))


_fft("fft 2^20 complex64",
     lambda: (data((1 << 20,), 70) + 1j * data((1 << 20,), 71)).astype(np.complex64),
     lambda lib, x: lib.fft.fft(x))
_fft("rfft 2^20 float32", lambda: data((1 << 20,), 72), lambda lib, x: lib.fft.rfft(x))
_fft("fft2 256x256 complex64",
     lambda: (data((256, 256), 73) + 1j * data((256, 256), 74)).astype(np.complex64),
     lambda lib, x: lib.fft.fft2(x))


# ----------------------------------------------------------------------------------------
# DLPack: a 100 MB float32 tensor handed over without a copy. "import": lib.from_dlpack of a
# NumPy array; "export": NumPy's from_dlpack of the library's tensor.

_DLPACK_N = 25 * 1024 * 1024


def _dlpack_import(lib):
    src = np.zeros(_DLPACK_N, np.float32)
    return lambda: lib.from_dlpack(src)


def _dlpack_export(lib):
    x = to_lib(lib, np.zeros(_DLPACK_N, np.float32))
    return lambda: np.from_dlpack(x)


register(Workload("dlpack import 100 MB f32", {k: _dlpack_import for k in LIBS}, number=100,
                  group="dlpack", quick=False))
register(Workload("dlpack export 100 MB f32", {k: _dlpack_export for k in LIBS}, number=100,
                  group="dlpack", quick=False))


# ----------------------------------------------------------------------------------------
# Runner

def time_calls(fn: Callable[[], object], number: int) -> float:
    """Seconds per call over `number` back-to-back calls (results dropped as they come)."""
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


#: Seconds to wait before timing a library after a sample that ran long enough to wake thread
#: pools. OpenBLAS's idle threads spin for ~0.1 s (2^28 cycles) and OpenMP's for up to 0.2 s;
#: on 2 cores, spinning threads of the library timed just before take a core from the next one.
SETTLE_AFTER = 1e-3


def run(workloads: List[Workload], reps: int, warmup: int, libs: Dict[str, object],
        settle: float = 0.25, best: bool = False):
    results = []
    for w in workloads:
        names = [n for n in libs if n in w.make]
        fns = {n: w.make[n](libs[n]) for n in names}
        for n in names:  # warm-up: first-touch, thread pools, caches
            for _ in range(warmup):
                time_calls(fns[n], w.number)
        samples: Dict[str, List[float]] = {n: [] for n in names}
        gc_was = gc.isenabled()
        gc.disable()
        try:
            for r in range(reps):
                k = r % len(names)
                for n in names[k:] + names[:k]:
                    t0 = time.perf_counter()
                    samples[n].append(time_calls(fns[n], w.number))
                    if time.perf_counter() - t0 > SETTLE_AFTER:
                        time.sleep(settle)
        finally:
            if gc_was:
                gc.enable()
        pick = min if best else statistics.median
        med = {n: pick(s) for n, s in samples.items()}
        results.append((w, med, samples))
        del fns
        gc.collect()
        print_row(w, med, list(libs))
    return results


def fmt_time(s: float) -> str:
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    return f"{s * 1e3:.2f} ms"


def print_row(w: Workload, med: Dict[str, float], libs: List[str]):
    parts = [f"{w.name:44s}"]
    for n in libs:
        if n in med:
            t = med[n]
            extra = f" ({w.flops / t / 1e9:.1f} GFLOP/s)" if w.flops else ""
            parts.append(f"{n}={fmt_time(t)}{extra}")
    for ref in libs:
        if ref != "rtensor" and ref in med and "rtensor" in med:
            parts.append(f"rt/{ref}={med['rtensor'] / med[ref]:.2f}x")
    print("  ".join(parts), flush=True)


def markdown(results, libs: List[str], stat: str = "median") -> str:
    refs = [n for n in libs if n != "rtensor"]
    head = ["workload"] + [f"{n} {stat}" for n in libs] + [f"time ratio rt/{r}" for r in refs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w, med, _ in results:
        row = [w.name]
        for n in libs:
            if n in med:
                cell = fmt_time(med[n])
                if w.flops:
                    cell += f" ({w.flops / med[n] / 1e9:.1f} GFLOP/s)"
                row.append(cell)
            else:
                row.append("-")
        for r in refs:
            row.append(f"{med['rtensor'] / med[r]:.2f}x" if r in med and "rtensor" in med else "-")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="few repetitions, fewer workloads")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions per library")
    p.add_argument("--only", default="", help="comma-separated substrings of workload names")
    p.add_argument("--threads", type=int, default=None,
                   help="rtensor.set_num_threads (and torch's) before timing")
    p.add_argument("--settle", type=float, default=0.25,
                   help="seconds of rest after each sample longer than 1 ms (idle thread pools)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--no-numpy", action="store_true", help="leave NumPy out (where only the "
                   "PyTorch ratio matters: fewer thread pools competing for the cores)")
    p.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    p.add_argument("--best", action="store_true",
                   help="report each library's fastest repetition instead of the median")
    args = p.parse_args(argv)

    libs = dict(LIBS)
    if args.no_torch:
        libs.pop("torch", None)
    if args.no_numpy:
        libs.pop("numpy", None)
    if args.threads:
        rtensor.set_num_threads(args.threads)
        if "torch" in libs:
            libs["torch"].set_num_threads(args.threads)
    ws = [w for w in WORKLOADS if w.quick or not args.quick]
    if args.only:
        keys = [k.strip() for k in args.only.split(",") if k.strip()]
        ws = [w for w in ws if any(k in w.name for k in keys)]
    reps = args.reps or (5 if args.quick else 21)
    warmup = 1 if args.quick else 2

    print(f"python {platform.python_version()}  numpy {np.__version__}  "
          f"rtensor threads={rtensor.get_num_threads()}"
          + (f"  torch {libs['torch'].__version__} threads={libs['torch'].get_num_threads()}"
             if "torch" in libs else "  torch: not installed")
          + f"  cpus={os.cpu_count()}  reps={reps}", flush=True)
    results = run(ws, reps, warmup, libs, args.settle, args.best)
    if args.markdown:
        print()
        print(markdown(results, list(libs), "best" if args.best else "median"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
