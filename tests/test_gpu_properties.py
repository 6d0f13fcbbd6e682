"""Property tests: indexing, gathers, scatters, scans and sorts on the GPU equal the CPU's for
random shapes, views and index tensors (hypothesis draws them; the CPU path is the oracle)."""

import numpy as np
import pytest
import rtensor as torch
from gpu_util import close
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.usefixtures("gpu")

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def tensors(draw, max_dims=3):
    """A float32 CPU tensor, possibly a transposed or stepped view, and its GPU copy (same view)."""
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=max_dims))
    seed = draw(st.integers(0, 2**31 - 1))
    base = np.random.default_rng(seed).integers(-4, 5, shape).astype(np.float32)
    c, g = torch.from_numpy(base), torch.from_numpy(base).cuda()
    view = draw(st.sampled_from(["plain", "transposed", "stepped"]))
    if view == "transposed" and c.ndim >= 2:
        c, g = c.transpose(0, -1), g.transpose(0, -1)
    elif view == "stepped":
        c, g = c[::2], g[::2]
    return c, g


@SETTINGS
@given(tensors(), st.data())
def test_advanced_get_and_put(pair, data):
    c, g = pair
    dim = data.draw(st.integers(0, c.ndim - 1))
    size = c.shape[dim]
    idx = data.draw(st.lists(st.integers(-size, size - 1), min_size=0, max_size=6))
    i = torch.tensor(idx, dtype=torch.int64)
    key = (slice(None),) * dim + (i,)
    close(g[key], c[key])
    close(g[(slice(None),) * dim + (i.cuda(),)], c[key])
    mask = c > 0
    close(g[mask.cuda()], c[mask])
    vc, vg = c.clone(), g.clone()
    vc[key] = -7.0
    vg[key] = -7.0
    close(vg, vc)
    vc[mask] = 3.0
    vg[mask.cuda()] = 3.0
    close(vg, vc)


@SETTINGS
@given(tensors(), st.data())
def test_gather_scatter_index_add(pair, data):
    c, g = pair
    dim = data.draw(st.integers(0, c.ndim - 1))
    size = c.shape[dim]
    seed = data.draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    ishape = [rng.integers(1, s + 1) for s in c.shape]
    idx = torch.from_numpy(rng.integers(0, size, ishape).astype(np.int64))
    close(g.gather(dim, idx.cuda()), c.gather(dim, idx))
    src = torch.from_numpy(rng.standard_normal(ishape).astype(np.float32))
    close(g.clone().scatter_add_(dim, idx.cuda(), src.cuda()),
          c.clone().scatter_add_(dim, idx, src), 1e-5, 1e-5)
    close(g.clone().scatter_(dim, idx.cuda(), 2.5), c.clone().scatter_(dim, idx, 2.5))
    rows = torch.from_numpy(rng.integers(0, size, rng.integers(1, 7)).astype(np.int64))
    shape = list(c.shape)
    shape[dim] = len(rows)
    s = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
    close(g.clone().index_add_(dim, rows.cuda(), s.cuda()),
          c.clone().index_add_(dim, rows, s), 1e-5, 1e-5)
    close(g.index_select(dim, rows.cuda()), c.index_select(dim, rows))


@SETTINGS
@given(tensors(), st.data())
def test_scans_and_sorts(pair, data):
    c, g = pair
    dim = data.draw(st.integers(-c.ndim, c.ndim - 1))
    close(g.cumsum(dim), c.cumsum(dim), 1e-5, 1e-5)
    close(g.cumprod(dim), c.cumprod(dim), 1e-4, 1e-4)
    desc = data.draw(st.booleans())
    gv, gi = g.sort(dim, descending=desc)
    cv, ci = c.sort(dim, descending=desc)
    close(gv, cv)
    close(gi, ci)
    k = data.draw(st.integers(0, c.shape[dim]))
    gv, gi = g.topk(k, dim)
    cv, ci = c.topk(k, dim)
    close(gv, cv)
    close(gi, ci)
    close((g > 0).nonzero(), (c > 0).nonzero())
