#!/usr/bin/env python3
"""Convolution timings, rtensor against PyTorch CPU in one process, interleaved (each
repetition times every library once, in rotating order; medians reported, ratio = rtensor /
torch; the ratio of the fastest repetitions is shown too, which is steadier on a loaded
machine). Run with a Python that has PyTorch and sees rtensor:

    PYTHONPATH=python /work/venv-torch/bin/python benches/conv_compare.py --threads 2

Workloads (issue 13): the small CNN of PyTorch's tutorials, Conv2d(1,16,3) -> ReLU ->
MaxPool2d(2) -> Conv2d(16,32,3) -> Flatten -> Linear(32*11*11, 10) on (32,1,28,28), forward and
backward (with ``nn.MaxPool2d`` where rtensor has it, else the 2x2 max pool written as reshape +
amax in both libraries: the name says which); its two convolutions alone; Conv2d(64,64,3,padding=1)
forward and backward on (16,64,32,32); and a depthwise and a pointwise layer.
"""

import argparse
import statistics
import time

import numpy as np
import rtensor
import torch

HAVE_POOL = hasattr(rtensor.nn, "MaxPool2d")


def pool2(lib, x):
    if HAVE_POOL:
        return lib.nn.functional.max_pool2d(x, 2)
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).amax((3, 5))


def small_cnn(lib):
    lib.manual_seed(0)
    nn = lib.nn
    c1, c2, fc = nn.Conv2d(1, 16, 3), nn.Conv2d(16, 32, 3), nn.Linear(32 * 11 * 11, 10)
    x = lib.tensor(np.random.default_rng(0).standard_normal((32, 1, 28, 28), dtype=np.float32))

    def step():
        for p in (*c1.parameters(), *c2.parameters(), *fc.parameters()):
            p.grad = None
        h = pool2(lib, c1(x).relu())
        out = fc(c2(h).relu().flatten(1))
        out.sum().backward()

    return step


def layer(cin, cout, k, shape, **kw):
    def make(lib):
        lib.manual_seed(0)
        m = lib.nn.Conv2d(cin, cout, k, **kw)
        x = lib.tensor(np.random.default_rng(0).standard_normal(shape, dtype=np.float32),
                       requires_grad=True)

        def step():
            x.grad = None
            for p in m.parameters():
                p.grad = None
            m(x).sum().backward()

        return step

    return make


WORKLOADS = {
    f"small CNN fwd+bwd (32,1,28,28){'' if HAVE_POOL else ' [amax pool]'}": small_cnn,
    "Conv2d(1,16,3) fwd+bwd (32,1,28,28)": layer(1, 16, 3, (32, 1, 28, 28)),
    "Conv2d(16,32,3) fwd+bwd (32,16,13,13)": layer(16, 32, 3, (32, 16, 13, 13)),
    "Conv2d(64,64,3,p=1) fwd+bwd (16,64,32,32)": layer(64, 64, 3, (16, 64, 32, 32), padding=1),
    "depthwise Conv2d(64,64,3,p=1,g=64) (16,64,32,32)": layer(64, 64, 3, (16, 64, 32, 32),
                                                             padding=1, groups=64),
    "pointwise Conv2d(64,128,1) (16,64,32,32)": layer(64, 128, 1, (16, 64, 32, 32)),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rtensor.set_num_threads(args.threads)
    libs = {"rtensor": rtensor, "torch": torch}
    for name, make in WORKLOADS.items():
        if args.only and args.only not in name:
            continue
        fns = {k: make(lib) for k, lib in libs.items()}
        for f in fns.values():
            f()
            f()
        times = {k: [] for k in fns}
        order = list(fns)
        for r in range(args.reps):
            for k in order[r % 2:] + order[: r % 2]:
                t = time.perf_counter()
                fns[k]()
                times[k].append(time.perf_counter() - t)
        med = {k: statistics.median(v) for k, v in times.items()}
        best = {k: min(v) for k, v in times.items()}
        print(f"{name:52s} rtensor {med['rtensor'] * 1e3:8.2f} ms  torch "
              f"{med['torch'] * 1e3:8.2f} ms  ratio {med['rtensor'] / med['torch']:5.2f}x  "
              f"(fastest: {best['rtensor'] / best['torch']:5.2f}x)", flush=True)


if __name__ == "__main__":
    main()
