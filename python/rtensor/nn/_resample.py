"""Resampling and reshaping functions of ``rtensor.nn.functional`` other than
``interpolate`` (in _interpolate.py): ``grid_sample``, ``affine_grid``, ``pixel_shuffle``,
``pixel_unshuffle``, ``channel_shuffle``, ``unfold``/``fold`` (im2col/col2im) and ``pdist``.

``pdist`` is a native kernel with native backward on every device (NOTE [native pdist]). On
the CPU ``grid_sample`` is a native kernel with native backward (NOTE [native grid_sample]).
Elsewhere (the GPU), and for ``grid_sample``'s gradient under ``create_graph=True``,
``grid_sample`` is composed of differentiable tensor ops
on the grid (unnormalise, the padding transforms with ATen's gradients: zero at and beyond a
clipped border, the reflection's sign) and one ``index_select`` of all corner taps as rows of
channels, masked where a tap falls outside the input. The other functions record one node
under PyTorch's name (NOTE [named composites] in functional.py), so they run on every device.
"""

import numbers
import warnings

import numpy as np

import rtensor

from .. import _C
from .._C import Tensor


def _named(name, fn, *args):
    from .functional import _named as named

    return named(name, fn, *args)


def _node(name, inputs, out, backward):
    from .functional import _node as node

    return node(name, inputs, out, backward)


def _sizes(shape):
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _dtype_title(dtype):
    return dtype._legacy_name[: -len("Tensor")]


def _torch_name(dtype):
    """A dtype as PyTorch's messages print it (``torch.int64``)."""
    return "torch." + str(dtype).rsplit(".", 1)[-1]


def _torch_size(shape):
    return "torch.Size([" + ", ".join(str(int(s)) for s in shape) + "])"


def _opmath(dtype):
    """NumPy type of ATen's ``opmath_type`` for a floating dtype (float for half/bfloat16)."""
    return np.float64 if dtype == rtensor.float64 else np.float32


def _is_integer(x):
    return isinstance(x, numbers.Integral) or (isinstance(x, Tensor) and not x.dtype.is_floating_point
                                               and x.dim() == 0)


# ----- grid_sample / affine_grid -----

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details.")


def _unnormalize(coord, size, align_corners):
    """ATen's ``grid_sampler_unnormalize``: [-1, 1] to pixel coordinates."""
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(ix, size):
    """ATen's ``clip_coordinates`` with its gradient (1 strictly inside, else 0)."""
    inside = (ix > 0) & (ix < size - 1)
    return rtensor.where(inside, ix, ix.detach().clamp(0, size - 1))


def _reflect(ix, twice_low, twice_high):
    """ATen's ``reflect_coordinates`` with its gradient (the sign of each fold)."""
    if twice_low == twice_high:
        return ix * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    d = ix - low
    with rtensor.no_grad():
        sign = rtensor.where(d < 0, -1.0, 1.0).to(ix.dtype)
    a = d * sign
    with rtensor.no_grad():
        flips = (a / span).floor()
        extra = a.fmod(span)
        even = rtensor.remainder(flips, 2) == 0
        shift = a - extra
    extra = a - shift
    return rtensor.where(even, extra + low, span - extra + low)


def _pad_coord(ix, size, padding_mode, align_corners):
    """ATen's ``compute_coordinates``."""
    if padding_mode == "border":
        return _clip(ix, size)
    if padding_mode == "reflection":
        if align_corners:
            ix = _reflect(ix, 0, 2 * (size - 1))
        else:
            ix = _reflect(ix, -1, 2 * size - 1)
        return _clip(ix, size)
    return ix


def _gather_taps(x, taps):
    """Sum of ``weight * x[..., tap]`` over taps, zero for taps outside the input.

    ``x`` is (N, C, *spatial); each tap is (coords, weight): coords one integer tensor
    (N, P) per spatial dim (innermost last), weight (N, P) or None (1). The input is read as
    rows of C channels (one ``index_select`` of all taps' rows: a row copy per tap instead of
    an element gather per channel)."""
    n, c = x.shape[0], x.shape[1]
    spatial = list(x.shape[2:])
    hw = int(np.prod(spatial))
    rows = x.reshape(n, c, hw).transpose(1, 2).reshape(n * hw, c)
    lins, masks, weights = [], [], []
    for coords, w in taps:
        valid = None
        lin = None
        for ci, size in zip(coords, spatial):
            ok = (ci >= 0) & (ci < size)
            valid = ok if valid is None else valid & ok
            cc = ci.clamp(0, size - 1)
            lin = cc if lin is None else lin * size + cc
        lins.append(lin)
        masks.append(valid)
        weights.append(w)
    t, p = len(taps), lins[0].shape[1]
    batch = rtensor.arange(n, dtype=rtensor.int64, device=x.device).reshape(n, 1, 1) * hw
    idx = (rtensor.stack(lins, 1) + batch).reshape(-1)
    vals = rows.index_select(0, idx).reshape(n, t, p, c)
    mask = rtensor.stack(masks, 1).unsqueeze(-1)
    vals = rtensor.where(mask, vals, rtensor.zeros((), dtype=x.dtype, device=x.device))
    if weights[0] is None:
        out = vals[:, 0]
    else:
        out = (vals * rtensor.stack(weights, 1).unsqueeze(-1)).sum(1)
    return out.transpose(1, 2)


def _cubic_weights(t):
    """The four cubic-convolution coefficients (A=-0.75) of fractions ``t`` (differentiable)."""
    A = -0.75

    def cc1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def cc2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    return [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)]


def _grid_sampler(x, grid, mode, padding_mode, align_corners):
    nd = x.dim() - 2
    n, c = x.shape[0], x.shape[1]
    out_spatial = list(grid.shape[1:-1])
    sizes = list(x.shape[2:])  # (H, W) or (D, H, W)
    g = grid.reshape(n, -1, nd)
    coords = []  # innermost (W) last, matching ``sizes``
    for j in range(nd):
        comp = g[:, :, nd - 1 - j]  # grid's last dim is (x, y[, z]) = (W, H[, D])
        size = sizes[j]
        ix = _unnormalize(comp, size, align_corners)
        if mode != "bicubic":
            ix = _pad_coord(ix, size, padding_mode, align_corners)
        coords.append(ix)
    if mode == "nearest":
        with rtensor.no_grad():
            near = [ix.round().to(rtensor.int64) for ix in coords]
        # weight 1 whose derivative is 0: the grid's gradient is zeros, as ATen fills it
        one = rtensor.where(coords[0].isfinite(), coords[0], 0.0) * 0 + 1
        out = _gather_taps(x, [(near, one)])
    elif mode == "bilinear":
        with rtensor.no_grad():
            base = [ix.floor() for ix in coords]
        frac = [ix - b for ix, b in zip(coords, base)]
        base = [b.to(rtensor.int64) for b in base]
        taps = []
        for corner in range(2 ** nd):
            cs, w = [], None
            for j in range(nd):
                bit = (corner >> (nd - 1 - j)) & 1
                cs.append(base[j] + bit)
                wj = frac[j] if bit else 1 - frac[j]
                w = wj if w is None else w * wj
            taps.append((cs, w))
        out = _gather_taps(x, taps)
    else:  # bicubic, 2-d
        with rtensor.no_grad():
            base = [ix.floor() for ix in coords]
        frac = [ix - b for ix, b in zip(coords, base)]
        wy, wx = _cubic_weights(frac[0]), _cubic_weights(frac[1])
        taps = []
        with rtensor.no_grad():
            pos = []
            for j in range(2):
                row = []
                for i in range(4):
                    t = (base[j] - 1 + i)
                    if padding_mode != "zeros":
                        t = _pad_coord(t, sizes[j], padding_mode, align_corners)
                    row.append(t.to(rtensor.int64))  # truncation, as ATen's static_cast
                pos.append(row)
        for a in range(4):
            for b in range(4):
                taps.append(([pos[0][a], pos[1][b]], wy[a] * wx[b]))
        out = _gather_taps(x, taps)
    return out.reshape([n, c] + out_spatial)


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    # ATen's check_grid_sampler_common / _2d / _3d, in its order
    if input.device != grid.device:
        raise RuntimeError(
            "grid_sampler(): expected input and grid to be on same device, but input is on "
            f"{input.device} and grid is on {grid.device}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input with "
            f"sizes {_sizes(input.shape)} and grid with sizes {_sizes(grid.shape)}")
    if grid.shape[-1] != input.dim() - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.dim() - 2} in last dimension, "
            f"but got grid with sizes {_sizes(grid.shape)}")
    for i in range(2, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                f"has sizes {_sizes(input.shape)} with dimension {i} being empty")
    # torch.grid_sampler runs the 2-d sampler on 4-d input, the 3-d one on anything else
    want = 4 if input.dim() == 4 else 5
    if input.dim() != want or grid.dim() != want:
        raise RuntimeError(
            f"grid_sampler(): expected {want}D input and grid with same number of dimensions, "
            f"but got input with sizes {_sizes(input.shape)} and grid with sizes "
            f"{_sizes(grid.shape)}")
    if input.dim() == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_title(input.dtype)} but found "
                           f"{_dtype_title(grid.dtype)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"grid_sampler_{input.dim() - 2}d_cpu_kernel_impl\" not implemented for "
            f"'{_dtype_title(input.dtype)}'" if input.dim() == 4 else
            f"\"grid_sampler3d_cpu\" not implemented for '{_dtype_title(input.dtype)}'")
    name = "GridSampler2DBackward0" if input.dim() == 4 else "GridSampler3DBackward0"
    if input.device.type == "cpu":
        return _grid_sample_native(name, input, grid, mode, padding_mode, align_corners)
    return _named(name, lambda x, g: _grid_sampler(x, g, mode, padding_mode, align_corners),
                  input, grid)


def _grid_sample_native(name, input, grid, mode, padding_mode, align_corners):
    """NOTE [native grid_sample]: on the CPU the sampling and both gradients are native kernels
    (src/backend/cpu/grid_sample.rs, ATen's arithmetic), recorded as one node here. Its
    backward runs the native gradient kernels; under ``create_graph=True`` it differentiates
    the composition ``_grid_sampler`` instead, so that the gradient is differentiable again
    (PyTorch's ``grid_sampler_2d_backward`` has a derivative too)."""
    out = _C._grid_sampler(input, grid, mode, padding_mode, align_corners)
    diff = [t for t in (input, grid) if t.requires_grad]
    if not diff or not _C.is_grad_enabled():
        return out
    want = (input.requires_grad, grid.requires_grad)
    x0, g0 = input.detach(), grid.detach()

    def backward(g):
        if _C.is_grad_enabled():
            from .functional import _grad

            y = _grid_sampler(input, grid, mode, padding_mode, align_corners)
            return tuple(_grad(y, diff, g, create_graph=True))
        gx, gg = _C._grid_sampler_backward(g, x0, g0, mode, padding_mode, align_corners, *want)
        return tuple(t for t in (gx, gg) if t is not None)

    return _C._record_function(name, diff, [out], backward, False)[0]


def _linspace_from_neg_one(steps, align_corners, dtype, device):
    if steps <= 1:
        return rtensor.zeros(1, dtype=dtype, device=device)
    r = rtensor.linspace(-1, 1, steps, dtype=dtype, device=device)
    if not align_corners:
        r = r * (steps - 1) / steps
    return r


def _base_grid(spatial, align_corners, dtype, device):
    """(prod(spatial), nd + 1) rows ``[x, y(, z), 1]``, x varying fastest (ATen's)."""
    nd = len(spatial)
    axes = [_linspace_from_neg_one(s, align_corners, dtype, device) for s in spatial]
    spatial = [int(s) for s in spatial]

    def along(j):  # axis j broadcast over the whole (D,) H, W grid, flattened
        shape = [1] * nd
        shape[j] = spatial[j]
        return axes[j].reshape(shape).expand(*spatial).reshape(-1)

    cols = [along(nd - 1 - j) for j in range(nd)]  # x (W), y (H), z (D)
    cols.append(rtensor.ones(cols[0].shape, dtype=dtype, device=device))
    return rtensor.stack(cols, 1)


def affine_grid(theta, size, align_corners=None):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError("Expected theta to have floating point type, but got "
                         f"{_torch_name(theta.dtype)}")
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError("Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {_torch_size(theta.shape)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError("Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {_torch_size(theta.shape)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    n = int(size[0])
    if theta.shape[0] != n:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{n}, "
            f"{theta.shape[2]}] but got: [{theta.shape[0]}, {theta.shape[2]}].")
    base = _base_grid([int(s) for s in spatial], align_corners, theta.dtype, theta.device)
    nd = len(spatial)

    def f(th):
        return base.matmul(th.transpose(1, 2)).reshape([n] + [int(s) for s in spatial] + [nd])

    return _named("AffineGridGeneratorBackward0", f, theta)


# ----- pixel shuffle, channel shuffle -----


def _fresh(y, x):
    """``y`` (a permuted view of ``x``) copied contiguous once; a copy even where the
    permutation moves nothing, as PyTorch's result never aliases its input."""
    out = y.contiguous()
    return out.clone() if out._same_storage(x) else out


def pixel_shuffle(input, upscale_factor):
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    batch = list(input.shape[:-3])
    oc = c // (r * r)
    nb = len(batch)

    def f(x):
        y = x.reshape(batch + [oc, r, r, h, w])
        y = y.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
        return _fresh(y, x).reshape(batch + [oc, h * r, w * r])

    return _named("PixelShuffleBackward0", f, input)


def pixel_unshuffle(input, downscale_factor):
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    batch = list(input.shape[:-3])
    nb = len(batch)

    def f(x):
        y = x.reshape(batch + [c, h // r, r, w // r, r])
        y = y.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
        return _fresh(y, x).reshape(batch + [c * r * r, h // r, w // r])

    return _named("PixelUnshuffleBackward0", f, input)


def _channel_shuffle(input, groups, name):
    g = int(groups)
    if input.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {_sizes(input.shape)}")
    if g <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    c = input.shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {g} groups.")
    shape = list(input.shape)

    def f(x):
        y = x.reshape([shape[0], g, c // g] + shape[2:]).transpose(1, 2)
        return _fresh(y, x).reshape(shape)

    return _named(name, f, input)


def channel_shuffle(input, groups):
    return _channel_shuffle(input, groups, "ChannelShuffleBackward0")


def native_channel_shuffle(input, groups):
    # PyTorch defines no derivative for native_channel_shuffle: its node raises in backward
    from .. import _C

    with rtensor.no_grad():
        out = _channel_shuffle(input, groups, "ChannelShuffleBackward0")
    if not (input.requires_grad and _C.is_grad_enabled()):
        return out

    def backward(g):
        raise RuntimeError("derivative for aten::native_channel_shuffle is not implemented")

    return _C._record_function("NotImplemented", [input], [out], backward, False)[0]


# ----- unfold (im2col) / fold (col2im) -----


def _pair_arg(value, name):
    if isinstance(value, numbers.Integral):
        return [int(value)] * 2
    v = [int(x) for x in value]
    if len(v) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
    return v


def _im2col_checks(kernel, dilation, padding, stride):
    kh, kw = kernel
    if kh <= 0 or kw <= 0:
        raise RuntimeError("kernel size should be greater than zero, but got kernel_height: "
                           f"{kh} kernel_width: {kw}")
    if dilation[0] <= 0 or dilation[1] <= 0:
        raise RuntimeError("dilation should be greater than zero, but got dilation_height: "
                           f"{dilation[0]} dilation_width: {dilation[1]}")
    if padding[0] < 0 or padding[1] < 0:
        raise RuntimeError("padding should be non-negative, but got pad_height: "
                           f"{padding[0]} pad_width: {padding[1]}")
    if stride[0] <= 0 or stride[1] <= 0:
        raise RuntimeError("stride should be greater than zero, but got stride_height: "
                           f"{stride[0]} stride_width: {stride[1]}")


def _blocks(size, k, d, p, s):
    return (size + 2 * p - (d * (k - 1) + 1)) // s + 1


# NOTE [im2col by views]: unfold reads the (zero-padded) input through two Tensor.unfold views
# (windows of the dilated span every stride, then every dilation-th element of a window) and
# copies them once into (N, C*kh*kw, L); fold, its adjoint, adds each of the kh*kw kernel
# offsets' (N, C, bh, bw) block into a strided slice of the padded image (kh*kw in-place adds,
# not one per element). Each is the other's backward, recorded as PyTorch's node
# (Im2ColBackward0 / Col2ImBackward0), so second derivatives follow too.


def _im2col(x, kernel, dil, pad, st, blocks):
    batched = x.dim() == 4
    if not batched:
        x = x.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    if pad[0] or pad[1]:
        x = _zero_pad(x, pad)
    span = [dil[i] * (kernel[i] - 1) + 1 for i in range(2)]
    u = x.unfold(2, span[0], st[0]).unfold(3, span[1], st[1])  # n c bh bw span0 span1
    u = u[..., ::dil[0], ::dil[1]]
    out = u.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1],
                                               blocks[0] * blocks[1])
    return out if batched else out.squeeze(0)


def _col2im(cols, osize, kernel, dil, pad, st, blocks):
    batched = cols.dim() == 3
    if not batched:
        cols = cols.unsqueeze(0)
    n = cols.shape[0]
    kh, kw = kernel
    c = cols.shape[1] // (kh * kw)
    bh, bw = blocks
    hp, wp = osize[0] + 2 * pad[0], osize[1] + 2 * pad[1]
    img = rtensor.zeros(n, c, hp, wp, dtype=cols.dtype, device=cols.device)
    blk = cols.reshape(n, c, kh, kw, bh, bw)
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dil[0], j * dil[1]
            img[:, :, r0:r0 + st[0] * (bh - 1) + 1:st[0],
                c0:c0 + st[1] * (bw - 1) + 1:st[1]].add_(blk[:, :, i, j])
    out = img[:, :, pad[0]:pad[0] + osize[0], pad[1]:pad[1] + osize[1]]
    out = out.contiguous() if (pad[0] or pad[1]) else out
    return out if batched else out.squeeze(0)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    kernel = _pair_arg(kernel_size, "kernel_size")
    dil = _pair_arg(dilation, "dilation")
    pad = _pair_arg(padding, "padding")
    st = _pair_arg(stride, "stride")
    _im2col_checks(kernel, dil, pad, st)
    nd = input.dim()
    bad = nd not in (3, 4) or any(s == 0 for s in input.shape[nd - 3:])
    if nd < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(nd, 1)}, "
                         f"{max(nd, 1) - 1}], but got {nd})")
    if bad:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {_sizes(input.shape)}")
    h, w = input.shape[-2:]
    oh = _blocks(h, kernel[0], dil[0], pad[0], st[0])
    ow = _blocks(w, kernel[1], dil[1], pad[1], st[1])
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size=({kernel[0]}, {kernel[1]}), "
            f"dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, {pad[1]}), calculated shape of "
            f"the array of sliding blocks as ({oh}, {ow}), but its components must be at least "
            "one.")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"im2col_out_cpu\" not implemented for '{_dtype_title(input.dtype)}'")
    with rtensor.no_grad():
        out = _im2col(input, kernel, dil, pad, st, (oh, ow))

    def backward(g):
        return (fold(g, (h, w), kernel, dil, pad, st),)

    return _node("Im2ColBackward0", [input], out, backward)


def _zero_pad(x, pad):
    from .functional import pad as fpad

    return fpad(x, [pad[1], pad[1], pad[0], pad[0]])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    osize = _pair_arg(output_size, "output_size")
    kernel = _pair_arg(kernel_size, "kernel_size")
    dil = _pair_arg(dilation, "dilation")
    pad = _pair_arg(padding, "padding")
    st = _pair_arg(stride, "stride")
    if osize[0] <= 0 or osize[1] <= 0:
        raise RuntimeError("output size should be greater than zero, but got output_height: "
                           f"{osize[0]} output_width: {osize[1]}")
    _im2col_checks(kernel, dil, pad, st)
    nd = input.dim()
    if nd not in (2, 3) or any(s == 0 for s in input.shape[nd - 2:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{_sizes(input.shape)}")
    kk = kernel[0] * kernel[1]
    cin, length = input.shape[-2:]
    if cin % kk:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
            f"but got input.size(1)={cin} and kernel_size=({kernel[0]}, {kernel[1]}).")
    bh = _blocks(osize[0], kernel[0], dil[0], pad[0], st[0])
    bw = _blocks(osize[1], kernel[1], dil[1], pad[1], st[1])
    if bh * bw != length:
        raise RuntimeError(
            f"Given output_size=({osize[0]}, {osize[1]}), kernel_size=({kernel[0]}, "
            f"{kernel[1]}), dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, {pad[1]}), "
            f"stride=({st[0]}, {st[1]}), expected size of input's dimension 2 to match the "
            f"calculated number of sliding blocks {bh} * {bw} = {bh * bw}, but got "
            f"input.size(2)={length}.")
    if bh < 1 or bw < 1:
        raise RuntimeError(
            f"Given output_size=({osize[0]}, {osize[1]}), kernel_size=({kernel[0]}, "
            f"{kernel[1]}), dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, {pad[1]}), "
            f"stride=({st[0]}, {st[1]}), calculated shape of the array of sliding blocks as "
            f"({bh}, {bw}), which is too small (non-positive)")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"col2im_out_cpu\" not implemented for '{_dtype_title(input.dtype)}'")
    with rtensor.no_grad():
        out = _col2im(input, osize, kernel, dil, pad, st, (bh, bw))

    def backward(g):
        return (unfold(g, kernel, dil, pad, st),)

    return _node("Col2ImBackward0", [input], out, backward)


# ----- pdist -----

# NOTE [native pdist]: pdist is one native op on every device, recorded as ``PdistBackward0``:
# each pair's p-norm from the difference of its rows, as ATen computes it, and a native backward
# that gathers each element's gradient over the pairs of its row (one thread per row on the CPU,
# src/backend/cpu/distance.rs; one invocation per element on the GPU, float32,
# shaders/distance.wgsl; deterministic on both, no atomics). Its backward has no derivative, as
# in PyTorch.


def pdist(input, p=2):
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input.dtype in (rtensor.float16, rtensor.bfloat16):
        raise NotImplementedError(
            f"\"pdist\" not implemented for '{_dtype_title(input.dtype)}'")
    return _C._pdist(input, float(p))  # NOTE [native pdist]
