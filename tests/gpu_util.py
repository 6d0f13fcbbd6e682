"""Shared pieces of the GPU suites: CPU-oracle comparisons (the `gpu` fixture is in conftest)."""

import numpy as np
import rtensor as torch

RTOL, ATOL = 1e-5, 1e-6
RTOL_RED, ATOL_RED = 1e-4, 1e-5


def close(g, c, rtol=RTOL, atol=ATOL):
    """A GPU result equals the CPU one: device, dtype, shape, values."""
    assert g.device.type == "cuda", g.device
    h = g.cpu()
    assert h.device.type == "cpu"
    assert h.dtype == c.dtype, (h.dtype, c.dtype)
    assert tuple(h.shape) == tuple(c.shape), (h.shape, c.shape)
    np.testing.assert_allclose(h.numpy(), c.numpy(), rtol=rtol, atol=atol, equal_nan=True)


def views(base):
    """(name, cpu view, gpu view) of one base array: the same view taken on each device."""
    c = torch.from_numpy(base)
    g = c.to("cuda")
    out = [("contiguous", c, g)]
    if c.ndim >= 2:
        out.append(("transposed", c.transpose(0, 1), g.transpose(0, 1)))
    out.append(("step-slice", c[..., ::2], g[..., ::2]))
    out.append(("offset-slice", c[1:], g[1:]))
    e_shape = (3,) + tuple(c.shape)
    out.append(("expanded", c.unsqueeze(0).expand(*e_shape), g.unsqueeze(0).expand(*e_shape)))
    return out
