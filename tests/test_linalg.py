"""Linear algebra (issue "Core tensor engine", part 8): mm, mv, bmm, matmul, dot, outer,
addmm, addmv, baddbmm, einsum.

Oracle: NumPy (``np.matmul`` for every broadcasting case, ``np.einsum``), computed in float64
and compared with a tolerance for float32/float16; integer products are exact.
"""

import numpy as np
import pytest
import rtensor as torch
from hypothesis import given, settings
from hypothesis import strategies as st

NP = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16,
      torch.int64: np.int64, torch.int32: np.int32, torch.int16: np.int16, torch.int8: np.int8,
      torch.uint8: np.uint8}
FLOATS = [torch.float32, torch.float64, torch.float16]
INTS = [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8]

rng = np.random.default_rng(1)


def data(shape, dtype=torch.float32):
    if dtype.is_floating_point:
        a = rng.standard_normal(shape)
    else:
        a = rng.integers(0 if dtype == torch.uint8 else -4, 5, shape)
    a = np.asarray(a).astype(NP[dtype])
    return torch.from_numpy(a.copy()), a


def close(t, expect, dtype=None):
    assert isinstance(t, torch.Tensor)
    expect = np.asarray(expect)
    assert tuple(t.shape) == expect.shape, (tuple(t.shape), expect.shape)
    if dtype is not None:
        assert t.dtype == dtype, (t.dtype, dtype)
    got = t.numpy()
    if t.dtype == torch.float64:
        np.testing.assert_allclose(got, expect, rtol=1e-10, atol=1e-10)
    elif t.dtype == torch.float32:
        np.testing.assert_allclose(got, expect, rtol=1e-4, atol=1e-4)
    elif t.dtype == torch.float16:
        np.testing.assert_allclose(got.astype(np.float64), expect, rtol=1e-2, atol=1e-2)
    else:
        np.testing.assert_array_equal(got, expect.astype(got.dtype))


def ref_matmul(a, b):
    """np.matmul in float64 (or int64) wrapped back the way the dtype wraps."""
    if np.issubdtype(a.dtype, np.floating):
        return np.matmul(a.astype(np.float64), b.astype(np.float64))
    return np.matmul(a.astype(np.int64), b.astype(np.int64)).astype(a.dtype)


# ----- mm / mv / bmm / dot / outer -------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS + INTS)
@pytest.mark.parametrize("m,k,n", [(2, 3, 4), (1, 1, 1), (5, 1, 3), (0, 3, 2), (3, 0, 2),
                                   (4, 3, 0), (17, 33, 9)])
def test_mm(dtype, m, k, n):
    a_t, a = data((m, k), dtype)
    b_t, b = data((k, n), dtype)
    r = a_t.mm(b_t)
    close(r, ref_matmul(a, b), dtype)
    close(torch.mm(a_t, b_t), ref_matmul(a, b))
    close(a_t @ b_t, ref_matmul(a, b))
    close(torch.matmul(a_t, b_t), ref_matmul(a, b))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_mm_non_contiguous_operands(dtype):
    a_t, a = data((6, 8), dtype)
    b_t, b = data((8, 6), dtype)
    cases = [
        (a_t.t(), a.T, a_t, a),  # (8,6) @ (6,8)
        (a_t[::2], a[::2], b_t[:, 1:4], b[:, 1:4]),
        (a_t[:, ::2], a[:, ::2], b_t[::2, :], b[::2, :]),
        (a_t.t()[1:5], a.T[1:5], b_t.t()[:, 2:5], b.T[:, 2:5]),
        (a_t[:1].expand(4, 8), np.broadcast_to(a[:1], (4, 8)), b_t, b),
        (a_t, a, b_t[:, :1].expand(8, 3), np.broadcast_to(b[:, :1], (8, 3))),
    ]
    for x, xa, y, ya in cases:
        close(x.mm(y), ref_matmul(xa, ya), dtype)
        close(x @ y, ref_matmul(xa, ya), dtype)


def test_t_mm():
    a_t, a = data((5, 3), torch.float64)
    close(a_t.t().mm(a_t), a.T @ a)
    close(a_t.mm(a_t.t()), a @ a.T)
    close(a_t.t() @ a_t, a.T @ a)


def test_large_mm_float32_and_float64():
    for dtype in (torch.float32, torch.float64):
        a_t, a = data((150, 260), dtype)
        b_t, b = data((260, 130), dtype)
        close(a_t.mm(b_t), ref_matmul(a, b))
        close(a_t.t().t().mm(b_t.t().contiguous().t()), ref_matmul(a, b))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_large_products_in_bands(threads):
    """Products big enough to be cut into bands of rows or columns across threads, with the
    large-block kernel (all sides >= 128) and without, over transposed and expanded operands."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for dtype in (torch.float32, torch.float64, torch.float16):
            for (m, k, n) in [(300, 140, 129), (129, 200, 400), (64, 500, 900), (700, 40, 3)]:
                a_t, a = data((m, k), dtype)
                b_t, b = data((n, k), dtype)
                close(a_t @ b_t.t(), ref_matmul(a, b.T))
                close(a_t.t().contiguous().t() @ b_t.t(), ref_matmul(a, b.T))
            x_t, x = data((1, 256), dtype)
            y_t, y = data((256, 200), dtype)
            close(x_t.expand(180, 256) @ y_t, ref_matmul(np.broadcast_to(x, (180, 256)), y))
            p_t, p = data((3, 150, 70), dtype)
            q_t, q = data((3, 70, 160), dtype)
            close(torch.bmm(p_t, q_t), ref_matmul(p, q))
            close(p_t[1] @ q_t.transpose(1, 2).contiguous().transpose(1, 2)[2],
                  ref_matmul(p[1], q[2]))
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_products_on_every_kernel_path(threads, dtype):
    """backend/cpu/gemm.rs picks a kernel per layout and splits large products over the pool:
    B stored transposed with few rows of A or a long K (C^T computed, then transposed into
    place, also into bands of a wider C), with K a multiple of 256 (B transposed first, or
    matrixmultiply), a single row, a few columns, square K = 256 blocks (the gemm crate), a
    long K with a tiny C (the crate's own split), batches that do and do not divide among the
    threads, and an empty K (zeros)."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for (m, k, n) in [(64, 256, 256), (16, 512, 64), (1, 256, 256), (64, 256, 10),
                          (256, 256, 256), (40, 1024, 33), (8, 256, 300), (32, 1024, 257),
                          (128, 784, 130), (200, 64, 70)]:
            a_t, a = data((m, k), dtype)
            w_t, w = data((n, k), dtype)
            close(a_t @ w_t.t(), ref_matmul(a, w.T))
            close(torch.nn.functional.linear(a_t, w_t), ref_matmul(a, w.T))
            close(a_t.t().contiguous().t() @ w_t.t(), ref_matmul(a, w.T))
            # The bias added in place into the fresh product: a vector, a (1, n) row, a
            # strided view (the general path).
            b_t, b = data((2, n), dtype)
            expect = ref_matmul(a, w.T) + b[0].astype(np.float64)
            close(torch.nn.functional.linear(a_t, w_t, b_t[0]), expect)
            close(torch.addmm(b_t[:1], a_t, w_t.t()), expect)
            c_t, c = data((n, 2), dtype)
            close(torch.addmm(c_t[:, 0], a_t, w_t.t()), ref_matmul(a, w.T) + c[:, 0])
        x_t, x = data((4, 200000), dtype)
        y_t, y = data((200000, 3), dtype)
        close(x_t @ y_t, ref_matmul(x, y))
        for bs in (1, 3, 4, 9):
            p_t, p = data((bs, 70, 90), dtype)
            q_t, q = data((bs, 90, 110), dtype)
            close(torch.bmm(p_t, q_t), ref_matmul(p, q))
            close(torch.bmm(p_t, q_t.transpose(1, 2).contiguous().transpose(1, 2)),
                  ref_matmul(p, q))
        z = torch.zeros(2048, 0, dtype=dtype) @ torch.zeros(0, 1100, dtype=dtype)
        assert z.shape == (2048, 1100) and not z.any()
        # An accumulating product into rows of a larger buffer (addmm with beta).
        c_t, c = data((300, 200), dtype)
        a_t, a = data((300, 256), dtype)
        b_t, b = data((200, 256), dtype)
        close(torch.addmm(c_t, a_t, b_t.t(), beta=0.5, alpha=2.0),
              0.5 * c.astype(np.float64) + 2.0 * ref_matmul(a, b.T))
    finally:
        torch.set_num_threads(before)


def test_mm_errors():
    a, b = torch.zeros(2, 3), torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        a.mm(b)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        a @ b
    with pytest.raises(RuntimeError, match="self must be a matrix"):
        torch.zeros(3).mm(b)
    with pytest.raises(RuntimeError, match="mat2 must be a matrix"):
        a.mm(torch.zeros(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        a.mm(torch.zeros(3, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="not implemented for 'Bool'"):
        torch.zeros(2, 2, dtype=torch.bool).mm(torch.zeros(2, 2, dtype=torch.bool))
    with pytest.raises(TypeError):
        a.mm(3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.int32])
def test_mv_dot_outer(dtype):
    m_t, m = data((4, 3), dtype)
    v_t, v = data((3,), dtype)
    w_t, w = data((4,), dtype)
    close(m_t.mv(v_t), ref_matmul(m, v), dtype)
    close(torch.mv(m_t.t(), w_t), ref_matmul(m.T, w))
    close(m_t.t().mv(w_t), ref_matmul(m.T, w))
    close(v_t.dot(v_t), ref_matmul(v, v), dtype)
    close(torch.dot(w_t[::2], w_t[1::2]), ref_matmul(w[::2], w[1::2]))
    close(v_t.outer(w_t), np.outer(v, w).astype(v.dtype), dtype)
    close(torch.outer(w_t, v_t), np.outer(w, v).astype(v.dtype))
    close(torch.zeros(0, dtype=dtype).dot(torch.zeros(0, dtype=dtype)), np.array(0))
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(4\), mat \(4x3\), vec \(4\)"):
        m_t.mv(w_t)
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[3\] and src "
                       r"\[4\] to have the same number of elements, but got 3 and 4 elements"):
        v_t.dot(w_t)
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        m_t.dot(v_t)
    with pytest.raises(RuntimeError, match="dot : expected both vectors to have same dtype"):
        v_t.float().dot(v_t.double())
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument self, but got 2-D"):
        m_t.outer(v_t)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_bmm(dtype):
    a_t, a = data((3, 2, 4), dtype)
    b_t, b = data((3, 4, 5), dtype)
    close(a_t.bmm(b_t), ref_matmul(a, b), dtype)
    close(torch.bmm(a_t, b_t), ref_matmul(a, b))
    # non-contiguous batches
    close(a_t.transpose(1, 2).bmm(a_t), ref_matmul(np.swapaxes(a, 1, 2), a))
    close(b_t.permute(2, 0, 1)[:3].transpose(0, 1).bmm(b_t[:, :, :2]),
          ref_matmul(np.swapaxes(b.transpose(2, 0, 1)[:3], 0, 1), b[:, :, :2]))
    e_t = a_t[:1].expand(3, 2, 4)
    close(e_t.bmm(b_t), ref_matmul(np.broadcast_to(a[:1], (3, 2, 4)), b))
    close(torch.zeros(0, 2, 3, dtype=dtype).bmm(torch.zeros(0, 3, 4, dtype=dtype)),
          np.zeros((0, 2, 4)))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 "
                       r"tensor to be: \[3, 4\] but got: \[3, 5\]\."):
        a_t.bmm(b_t.transpose(1, 2))
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        a_t[0].bmm(b_t)
    with pytest.raises(RuntimeError, match="batch2 must be a 3D tensor"):
        a_t.bmm(b_t[0])


# ----- matmul: every broadcasting case -------------------------------------------------------


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)),
    ((6, 1, 1, 2, 3), (1, 4, 3, 2)),
    ((2, 2, 0), (0, 3)),
    ((0, 2, 3), (3, 4)),
    ((4, 0, 3), (3,)),
    ((1, 3), (2, 2, 3, 1)),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_matches_numpy(dtype, sa, sb):
    a_t, a = data(sa, dtype)
    b_t, b = data(sb, dtype)
    expect = ref_matmul(a, b)
    close(a_t.matmul(b_t), expect, dtype)
    close(torch.matmul(a_t, b_t), expect)
    close(a_t @ b_t, expect)


def test_matmul_non_contiguous_batched():
    a_t, a = data((4, 3, 5), torch.float64)
    b_t, b = data((5, 3, 2), torch.float64)
    # (3, 4, 5) @ (3, 5, 2) from permuted views
    close(a_t.transpose(0, 1) @ b_t.permute(1, 0, 2), np.swapaxes(a, 0, 1) @ b.transpose(1, 0, 2))
    close(a_t.mT @ a_t, np.swapaxes(a, -1, -2) @ a)
    c_t, c = data((1, 5, 1), torch.float64)
    col_t, col = c_t.expand(2, 5, 1), np.broadcast_to(c, (2, 5, 1))  # stride-0 batch dim
    close(a_t[::2] @ col_t, a[::2] @ col)
    close(a_t[:, ::2] @ b_t[:, 0], a[:, ::2] @ b[:, 0])


def test_matmul_errors():
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D, but "
                       "they are 0D and 1D"):
        torch.tensor(1.0).matmul(torch.zeros(3))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x5\)"):
        torch.zeros(3) @ torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"):
        torch.zeros(2, 3) @ torch.zeros(4)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 4x5\)"):
        torch.zeros(2, 2, 3) @ torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor "
                       r"to be: \[2, 3\] but got: \[2, 4\]\."):
        torch.zeros(2, 3) @ torch.zeros(2, 4, 5)
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor "
                       r"to be: \[6, 3\] but got: \[6, 4\]\."):
        torch.zeros(2, 1, 2, 3) @ torch.zeros(3, 4, 5)
    with pytest.raises(RuntimeError, match="must match the size"):
        torch.zeros(2, 2, 3) @ torch.zeros(3, 3, 4)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_matmul_random_broadcasting(d):
    batch = d.draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    n, k, p = (d.draw(st.integers(0, 4)) for _ in range(3))

    def operand(last2, vec_ok):
        nb = d.draw(st.integers(0, len(batch)))
        b = [s if not d.draw(st.booleans()) else 1 for s in batch[len(batch) - nb:]]
        if vec_ok and d.draw(st.booleans()) and nb == 0:
            return (last2[1] if vec_ok == "left" else last2[0],)
        return tuple(b) + last2

    sa = operand((n, k), "left")
    sb = operand((k, p), "right")
    a_t, a = data(sa, torch.float64)
    b_t, b = data(sb, torch.float64)
    if d.draw(st.booleans()) and len(sa) >= 2:  # a transposed-layout operand with equal values
        a_t = torch.from_numpy(np.swapaxes(a, -1, -2).copy()).mT
    close(a_t @ b_t, np.matmul(a, b))


# ----- addmm / addmv / baddbmm ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_addmm_addmv_baddbmm(dtype):
    m1_t, m1 = data((3, 4), dtype)
    m2_t, m2 = data((4, 2), dtype)
    inp_t, inp = data((3, 2), dtype)
    row_t, row = data((2,), dtype)
    close(inp_t.addmm(m1_t, m2_t), inp + m1.astype(np.float64) @ m2, dtype)
    close(torch.addmm(inp_t, m1_t, m2_t, beta=0.5, alpha=2), 0.5 * inp + 2 * (m1 @ m2))
    close(torch.addmm(row_t, m1_t, m2_t), row + m1 @ m2)  # input broadcasts
    nan_t = torch.full((3, 2), float("nan"), dtype=dtype)
    close(torch.addmm(nan_t, m1_t, m2_t, beta=0), m1 @ m2)  # beta=0 ignores input, NaN too
    v_t, v = data((4,), dtype)
    b_t, b = data((3,), dtype)
    close(b_t.addmv(m1_t, v_t), b + m1 @ v)
    close(torch.addmv(b_t, m1_t, v_t, beta=2, alpha=-1), 2 * b - m1 @ v)
    x_t, x = data((5, 3, 4), dtype)
    y_t, y = data((5, 4, 2), dtype)
    z_t, z = data((5, 3, 2), dtype)
    close(z_t.baddbmm(x_t, y_t), z + x @ y)
    close(torch.baddbmm(inp_t, x_t, y_t, beta=3, alpha=0.5), 3 * inp + 0.5 * (x @ y))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied"):
        inp_t.addmm(m1_t, m1_t)
    with pytest.raises(RuntimeError, match="broadcast"):
        torch.zeros(4, 4, dtype=dtype).addmm(m1_t, m2_t)


# ----- einsum -------------------------------------------------------------------------------


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("ji,jk->ki", [(3, 2), (3, 4)]),
    ("ik,kj->ji", [(2, 3), (3, 4)]),
    ("ba,ca", [(2, 3), (4, 3)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("i,ij->j", [(3,), (3, 4)]),
    ("ij,k->ijk", [(2, 3), (4,)]),
    ("ij,kl->", [(2, 3), (4, 5)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ii->", [(4, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij->i", [(2, 3)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("bii->bi", [(2, 3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ij", [(2, 3)]),
    ("ji", [(2, 3)]),
    ("i->", [(5,)]),
    ("->", [()]),
    (" ij , jk -> ik ", [(2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(5, 1, 2, 3), (4, 3, 2)]),
    ("...ij,...jk", [(2, 3), (6, 3, 4)]),
    ("...ij,jk->...ik", [(6, 2, 3), (3, 4)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("...i,...i->...", [(4, 1, 3), (5, 3)]),
    ("i...,i...", [(2, 3), (2, 1)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...ij->...ji", [(2, 2, 3, 4)]),
    ("i...j->j...i", [(2, 3, 4, 5)]),
    ("...", [(2, 3)]),
    ("i...", [(2,)]),
    ("ij,jk->ik", [(1, 3), (3, 4)]),
    ("i,i->i", [(0,), (0,)]),
    ("ij,jk->ik", [(2, 0), (0, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.int64])
def test_einsum_matches_numpy(eq, shapes, dtype):
    ops = [data(s, dtype) for s in shapes]
    r = torch.einsum(eq, *[t for t, _ in ops])
    expect = np.einsum(eq.replace(" ", ""), *[a for _, a in ops])
    close(r, expect, dtype)
    close(torch.einsum(eq, [t for t, _ in ops]), expect)  # operands as one list


def test_einsum_ellipsis_left_out_of_the_output_is_summed():
    # PyTorch sums the ellipsis dims when an explicit output leaves them out (NumPy refuses).
    x_t, x = data((2, 3, 4), torch.float64)
    close(torch.einsum("...i->i", x_t), x.sum((0, 1)))
    close(torch.einsum("i...->i", x_t), x.sum((1, 2)))
    y_t, y = data((3, 4), torch.float64)
    close(torch.einsum("...j,...j->j", x_t, y_t), (x * y).sum((0, 1)))
    close(torch.einsum("b...,b...->b", x_t, x_t), (x * x).sum((1, 2)))
    close(torch.einsum("ij...->", x_t), x.sum())


def test_einsum_non_contiguous_operands():
    a_t, a = data((4, 6), torch.float64)
    b_t, b = data((6, 5), torch.float64)
    close(torch.einsum("ij,jk->ik", a_t[:, ::2], b_t[::2]), np.einsum("ij,jk->ik", a[:, ::2],
                                                                          b[::2]))
    close(torch.einsum("ji,kj->ik", a_t, b_t.t()[:, :4]), np.einsum("ji,kj->ik", a, b.T[:, :4]))
    close(torch.einsum("ii->i", a_t[:, :4]), np.einsum("ii->i", a[:, :4]))


def test_einsum_errors():
    a, b = torch.zeros(2, 3), torch.zeros(4, 5)
    with pytest.raises(RuntimeError, match="einsum\\(\\)"):
        torch.einsum("ij,jk->ik", a, b)
    with pytest.raises(RuntimeError, match="more operands were provided than specified"):
        torch.einsum("ij->ij", a, b)
    with pytest.raises(RuntimeError, match="fewer operands were provided than specified"):
        torch.einsum("ij,jk->ik", a)
    with pytest.raises(RuntimeError, match=r"the number of subscripts in the equation \(3\) does not "
                       r"match the number of dimensions \(2\) for operand 1"):
        torch.einsum("ij,jkl->ik", a, torch.zeros(3, 4))
    with pytest.raises(RuntimeError, match="output subscript k does not appear in the equation for "
                       "any input operand"):
        torch.einsum("ij->ik", a)
    with pytest.raises(RuntimeError, match="output subscript i appears more than once in the output"):
        torch.einsum("ij->ii", a)
    with pytest.raises(RuntimeError, match="subscript i is repeated for operand 0 but the sizes "
                       "don't match, 2 != 3"):
        torch.einsum("ii->i", a)
    with pytest.raises(RuntimeError, match="invalid subscript"):
        torch.einsum("i1->i", a)
    with pytest.raises(RuntimeError, match="found '.' for operand 0 that is not part of any "
                       "ellipsis"):
        torch.einsum("i..j->i", a)
    with pytest.raises(RuntimeError, match=r"the number of subscripts in the equation \(3\) is "
                       r"more than the number of dimensions \(2\) for operand 0"):
        torch.einsum("ijk...->i", a)
    with pytest.raises(RuntimeError, match="do not broadcast"):
        torch.einsum("...i,...i->...", torch.zeros(2, 3), torch.zeros(4, 3))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_einsum_random_two_operand_contractions(d):
    letters = "abcdef"
    sizes = {c: d.draw(st.integers(1, 3)) for c in letters}
    s1 = d.draw(st.lists(st.sampled_from(letters), min_size=0, max_size=4, unique=True))
    s2 = d.draw(st.lists(st.sampled_from(letters), min_size=0, max_size=4, unique=True))
    used = sorted(set(s1) | set(s2))
    out = d.draw(st.lists(st.sampled_from(used), unique=True, max_size=len(used))) if used else []
    eq = "".join(s1) + "," + "".join(s2) + "->" + "".join(out)
    a_t, a = data(tuple(sizes[c] for c in s1), torch.float64)
    b_t, b = data(tuple(sizes[c] for c in s2), torch.float64)
    close(torch.einsum(eq, a_t, b_t), np.einsum(eq, a, b))
