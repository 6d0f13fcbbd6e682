"""The GPU issue's two targets, measured in one run on one machine.

1. float32 matmul n x n x n (default 4096) on rtensor's GPU device as a fraction of PyTorch's
   CUDA (cuBLAS, TF32 off so that both compute in float32) GFLOP/s;
2. elementwise add bandwidth (``x + y``: two reads and a write) as a fraction of a
   device-to-device copy (``y.copy_(x)``: a read and a write), both through rtensor, with
   PyTorch's figures beside them for reference.

Timings are medians over repetitions after warm-ups, each repetition ending in a device
synchronize. Run on a GPU machine: ``python benches/gpu_targets.py [--n 4096] [--markdown]``
(``RTENSOR_ALLOW_SOFTWARE_GPU=1`` lets it run on lavapipe, whose figures mean nothing).
"""

import argparse
import statistics
import time

import rtensor as rt


def timed(fn, sync, reps, warmup=3):
    for _ in range(warmup):
        fn()
    sync()
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=4096, help="matmul size")
    p.add_argument("--elems", type=int, default=1 << 26, help="elements for add/copy")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()
    if not rt.cuda.is_available():
        raise SystemExit(f"no GPU adapter: {rt._C._gpu_unavailable_reason()}")
    try:
        import torch

        has_torch = torch.cuda.is_available()
    except ImportError:
        has_torch = False
    rows = []
    print(f"rtensor GPU: {rt.cuda.get_device_name()}")
    n = a.n
    flop = 2.0 * n * n * n
    x = rt.randn(n, n, device="cuda")
    y = rt.randn(n, n, device="cuda")
    t_rt = timed(lambda: x @ y, rt.cuda.synchronize, a.reps)
    rt_gflops = flop / t_rt / 1e9
    line = {"what": f"fp32 matmul {n}^3", "rtensor": f"{rt_gflops:.0f} GFLOP/s"}
    if has_torch:
        torch.backends.cuda.matmul.allow_tf32 = False
        tx = torch.randn(n, n, device="cuda")
        ty = torch.randn(n, n, device="cuda")
        t_t = timed(lambda: tx @ ty, torch.cuda.synchronize, a.reps)
        t_gflops = flop / t_t / 1e9
        line["torch"] = f"{t_gflops:.0f} GFLOP/s ({torch.cuda.get_device_name()})"
        line["ratio"] = f"{rt_gflops / t_gflops:.2f} (target >= 0.5)"
    rows.append(line)
    m = a.elems
    bx = rt.randn(m, device="cuda")
    by = rt.randn(m, device="cuda")
    out = rt.empty(m, device="cuda")
    t_add = timed(lambda: bx + by, rt.cuda.synchronize, a.reps)
    t_copy = timed(lambda: out.copy_(bx), rt.cuda.synchronize, a.reps)
    add_bw = 3 * 4 * m / t_add / 1e9
    copy_bw = 2 * 4 * m / t_copy / 1e9
    line = {
        "what": f"add bandwidth, {m} float32",
        "rtensor": f"add {add_bw:.0f} GB/s, copy {copy_bw:.0f} GB/s",
        "ratio": f"{add_bw / copy_bw:.2f} (target >= 0.7)",
    }
    if has_torch:
        tx = torch.randn(m, device="cuda")
        ty = torch.randn(m, device="cuda")
        tout = torch.empty(m, device="cuda")
        ta = timed(lambda: tx + ty, torch.cuda.synchronize, a.reps)
        tc = timed(lambda: tout.copy_(tx), torch.cuda.synchronize, a.reps)
        line["torch"] = f"add {3 * 4 * m / ta / 1e9:.0f} GB/s, copy {2 * 4 * m / tc / 1e9:.0f} GB/s"
    rows.append(line)
    for r in rows:
        print("  ".join(f"{k}={v}" for k, v in r.items()))
    if a.markdown:
        print("\n| workload | rtensor | PyTorch | ratio |\n|---|---|---|---|")
        for r in rows:
            print(f"| {r['what']} | {r['rtensor']} | {r.get('torch', '-')} | {r.get('ratio', '-')} |")


if __name__ == "__main__":
    main()
