"""rtensor's WGSL kernels checked by an independent WGSL implementation: wgpu-py (its own
naga and driver binding) compiles every shader variant the library can instantiate, and runs
the elementwise add and the sum reduction against NumPy. Skips when wgpu-py finds no adapter.
"""

import numpy as np
import pytest
from rtensor import _C

wgpu = pytest.importorskip("wgpu", reason="wgpu-py is not installed (pip install wgpu)")

MAXD = 8


@pytest.fixture(scope="module")
def device():
    try:
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
    except Exception as e:  # noqa: BLE001 (wgpu-py raises various types when there is no driver)
        pytest.skip(f"wgpu-py found no adapter: {e}")
    if adapter is None:
        pytest.skip("wgpu-py found no adapter")
    return adapter.request_device_sync()


SOURCES = dict(_C._gpu_shader_sources())


def test_variant_table_covers_the_families():
    keys = list(SOURCES)
    assert len(keys) > 200
    for prefix in ("map:", "reduce:Sum", "reduce:ArgMax", "matmul:F32", "matmul:I32"):
        assert any(k.startswith(prefix) for k in keys), prefix
    for src in SOURCES.values():
        assert "{{" not in src
        assert src.lstrip().startswith("//")  # each file names its technique first


def test_every_shader_compiles(device):
    failures = []
    for key, src in SOURCES.items():
        try:
            module = device.create_shader_module(code=src)
            device.create_compute_pipeline(layout="auto", compute={"module": module, "entry_point": "main"})
        except Exception as e:  # noqa: BLE001 (collects every failure, whatever its type)
            failures.append(f"{key}: {str(e)[:300]}")
    assert not failures, "\n".join(failures[:5])


def _run(device, key, meta, inputs, out_nbytes, groups, extra_out=0):
    module = device.create_shader_module(code=SOURCES[key])
    pipe = device.create_compute_pipeline(layout="auto", compute={"module": module, "entry_point": "main"})
    usage = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST
    words = np.zeros(64, np.uint32)
    words[: len(meta)] = np.array(meta, dtype=np.int64).astype(np.uint32)
    bufs = [device.create_buffer_with_data(data=words.tobytes(), usage=usage)]
    out = device.create_buffer(size=max(out_nbytes, 4), usage=usage)
    bufs.append(out)
    bufs += [device.create_buffer_with_data(data=np.ascontiguousarray(x).tobytes(), usage=usage) for x in inputs]
    entries = [{"binding": i, "resource": {"buffer": b, "offset": 0, "size": b.size}} for i, b in enumerate(bufs)]
    group = device.create_bind_group(layout=pipe.get_bind_group_layout(0), entries=entries)
    enc = device.create_command_encoder()
    p = enc.begin_compute_pass()
    p.set_pipeline(pipe)
    p.set_bind_group(0, group)
    p.dispatch_workgroups(groups, 1, 1)
    p.end()
    device.queue.submit([enc.finish()])
    return np.frombuffer(device.queue.read_buffer(out), dtype=np.float32)[: out_nbytes // 4]


def _map_meta(shape, operands):
    """Meta words of elementwise.wgsl: [n, ndim, shape[8], (offset, strides[8]) per operand]."""
    m = [0] * 64
    m[0] = int(np.prod(shape))
    m[1] = len(shape)
    m[2 : 2 + len(shape)] = shape
    for k, (off, strides) in enumerate(operands):
        base = 2 + MAXD + k * (MAXD + 1)
        m[base] = off
        m[base + 1 : base + 1 + len(strides)] = strides
    return m


def test_add_kernel_with_strided_and_broadcast_operands(device):
    rng = np.random.default_rng(0)
    r, c = 37, 300
    at = rng.standard_normal((c, r)).astype(np.float32)  # `a` is read transposed
    b = rng.standard_normal(c).astype(np.float32)  # broadcast along rows (stride 0)
    meta = _map_meta([r, c], [(0, [c, 1]), (0, [1, r]), (0, [0, 1])])
    got = _run(device, "map:F32:[Tensor(F32), Tensor(F32)]:F32:F32:keep_nan2(a, b, a + b)", meta, [at, b], r * c * 4,
               (r * c + 255) // 256)
    np.testing.assert_allclose(got.reshape(r, c), at.T + b, rtol=1e-6)


def test_sum_reduction_kernel(device):
    rng = np.random.default_rng(1)
    rows, k = 5, 3000  # longer than one workgroup: every invocation folds several elements
    x = rng.standard_normal((rows, k)).astype(np.float32)
    meta = [0] * 64
    meta[0:5] = [rows, k, 1, 1, 0]
    meta[8], meta[16] = rows, k  # kept dim: size, stride
    meta[24], meta[32] = k, 1  # reduced dim: size, stride
    got = _run(device, "reduce:Sum:F32:F32:F32", meta, [x], rows * 4, rows)
    np.testing.assert_allclose(got, x.sum(1, dtype=np.float64), rtol=1e-4, atol=1e-3)
