"""``interpolate`` (and the deprecated ``upsample*``) of ``rtensor.nn.functional``.

NOTE [resampling by taps]: every mode of ``interpolate`` is separable: an output position along
one spatial dim reads a few input positions ("taps") along that dim with fixed weights, and the
N-d result is the 1-d resampling applied dim after dim, innermost first (ATen's separable
kernels nest the sums in the same order, so ``h0*(w0*a + w1*b) + ...`` rounds alike). The taps
and weights of one dim depend only on the sizes, the scale and the mode; they are computed here
with NumPy in ATen's arithmetic (``area_pixel_compute_scale``,
``area_pixel_compute_source_index`` with its fused multiply-add, ``guard_index_and_lambda``,
the cubic coefficients with A=-0.75, the antialias filters of
``_compute_indices_min_size_weights_aa`` (bilinear, bicubic with a=-0.5, Lanczos-3), the adaptive-pool windows
``floor(i*in/out) .. ceil((i+1)*in/out)``, in the input's opmath type), then applied by one
native kernel per dim (NOTE [native resampling]). The whole call is one native node under
PyTorch's name whose backward applies the adjoint tables.
"""

import functools
import math
import warnings

import numpy as np

import rtensor
from rtensor import _C
from rtensor import _memory_format as _mf

from ._resample import _dtype_title, _is_integer, _opmath, _sizes

# ----- interpolate: the taps of one dim -----


def _area_pixel_scale(insz, outsz, align_corners, scale, T):
    """ATen's ``area_pixel_compute_scale`` in opmath type ``T``."""
    if align_corners:
        return T(insz - 1) / T(outsz - 1) if outsz > 1 else T(0)
    if scale is not None and scale > 0:
        return T(1.0 / scale)
    return T(insz) / T(outsz)


def _source_index(scale, outsz, align_corners, cubic, T):
    """ATen's ``area_pixel_compute_source_index`` for every output position."""
    i = np.arange(outsz).astype(T)
    if align_corners:
        return (scale * i).astype(T)
    src = _fma_half(scale, i, T)
    return src if cubic else np.maximum(src, T(0))


def _fma_half(scale, i, T):
    """``scale * (i + 0.5) - 0.5`` as ATen's CPU build computes it in float: one fused
    multiply-add, rounded once (a float product is exact in double, so double arithmetic
    rounded to float is the FMA). In double the plain expression is used."""
    if T is np.float32:
        return (np.float64(scale) * (i.astype(np.float64) + 0.5) - 0.5).astype(T)
    return (scale * (i + T(0.5)) - T(0.5)).astype(T)


def _guard(src, insz, T):
    """ATen's ``guard_index_and_lambda``: the floor index (``floorf``) and the fraction."""
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), insz - 1)
    lam = np.clip(src - i0.astype(T), T(0), T(1)).astype(T)
    return i0, lam


def _cubic_coefficients(t, A, T):
    """ATen's ``get_cubic_upsample_coefficients`` (cubic convolution with parameter ``A``)."""
    A = T(A)

    def cc1(x):
        return ((A + T(2)) * x - (A + T(3))) * x * x + T(1)

    def cc2(x):
        return ((A * x - T(5) * A) * x + T(8) * A) * x - T(4) * A

    t = t.astype(T)
    one, two = T(1), T(2)
    return np.stack([cc2(t + one), cc1(t), cc1(one - t), cc2(two - t)], 1).astype(T)


def _aa_taps(insz, outsz, scale, align_corners, mode, T):
    """ATen's ``_compute_indices_min_size_weights_aa`` (antialiased bilinear, bicubic with
    a=-0.5, Lanczos-3)."""
    interp = {"bilinear": 2, "bicubic": 4, "lanczos": 6}[mode]
    sc = _area_pixel_scale(insz, outsz, align_corners, scale, T)
    support = T(interp * 0.5) * sc if sc >= 1.0 else T(interp * 0.5)
    kmax = int(math.ceil(support)) * 2 + 1
    i = np.arange(outsz)
    center = (np.float64(sc) * (i + 0.5)).astype(T)
    invscale = T(1.0 / np.float64(sc)) if sc >= 1.0 else T(1.0)
    # ``center -/+ support`` in the opmath type, ``+ 0.5`` in double, truncated (as ATen)
    xmin = np.maximum(((center - support).astype(T).astype(np.float64) + 0.5).astype(np.int64), 0)
    xmax = np.minimum(((center + support).astype(T).astype(np.float64) + 0.5).astype(np.int64),
                      insz)
    xsize = np.clip(xmax - xmin, 0, kmax)
    j = np.arange(kmax)
    arg = ((j[None, :] + xmin[:, None]).astype(T) - center[:, None]).astype(np.float64) + 0.5
    x = np.abs((arg * np.float64(invscale)).astype(T))
    if mode == "lanczos":  # sinc(x) * sinc(x / 3) on |x| < 3
        with np.errstate(invalid="ignore", divide="ignore"):
            px = x.astype(np.float64) * np.pi
            w = np.where(x == 0, 1.0, np.sin(px) * np.sin(px / 3) / (px * px / 3))
        w = np.where(x < 3, w, 0.0).astype(T)
    elif mode == "bicubic":
        a = T(-0.5)
        w1 = ((a + T(2)) * x - (a + T(3))) * x * x + T(1)
        w2 = ((a * x - T(5) * a) * x + T(8) * a) * x - T(4) * a
        w = np.where(x < 1, w1, np.where(x < 2, w2, T(0)))
    else:
        w = np.where(x < 1, T(1) - x, T(0))
    w = np.where(j[None, :] < xsize[:, None], w, T(0)).astype(T)
    total = np.zeros(outsz, T)
    for k in range(kmax):  # ATen's sequential sum, over the (few) taps
        total = (total + w[:, k]).astype(T)
    w = np.where(total[:, None] != 0, w / np.where(total == 0, T(1), total)[:, None], w)
    idx = np.minimum(xmin[:, None] + j[None, :], insz - 1)
    return idx, w.astype(T), j[None, :] < xsize[:, None]


def _area_taps(insz, outsz, T):
    """The adaptive-average-pool window of each output position as taps of equal weight."""
    i = np.arange(outsz)
    start = (i * insz) // outsz
    end = ((i + 1) * insz + outsz - 1) // outsz
    length = end - start
    k = int(length.max()) if outsz else 1
    j = np.arange(k)
    idx = np.minimum(start[:, None] + j[None, :], np.maximum(end - 1, 0)[:, None])
    valid = j[None, :] < length[:, None]
    w = np.where(valid, 1.0 / np.maximum(length, 1)[:, None], 0.0)
    return idx, w.astype(T), valid


@functools.lru_cache(maxsize=64)
def _dim_plan(mode, insz, outsz, scale, align_corners, antialias, T):
    """The native tap table of one dim (NOTE [native resampling]); it depends only on these
    arguments, so it is cached."""
    idx, w, valid = _taps(mode, insz, outsz, scale, align_corners, antialias, T)
    if w is None:
        return _C._ResampleTaps(insz, 1, idx.reshape(-1).tolist())
    if valid is not None:
        idx = np.where(valid, idx, -1)  # a padded tap reads nothing (not 0 * x)
    return _C._ResampleTaps(insz, idx.shape[1], idx.reshape(-1).tolist(),
                            w.astype(np.float64).reshape(-1).tolist())


def _taps(mode, insz, outsz, scale, align_corners, antialias, T):
    """(index, weight, valid) of one dim: index (out,) and no weight for the nearest modes,
    else (out, K) indices and weights, and where some rows have fewer taps (area, antialias)
    the mask of the real ones (a padded tap reads nothing, not 0 * x)."""
    if mode in ("nearest", "nearest-exact"):
        sc = _area_pixel_scale(insz, outsz, False, scale, T)
        i = np.arange(outsz).astype(T)
        if mode == "nearest":
            src = (sc * i).astype(T)
        else:
            src = np.maximum(_fma_half(sc, i, T), T(0)) + T(0.5)
        idx = np.floor(src.astype(np.float32)).astype(np.int64)
        return np.minimum(idx, insz - 1), None, None
    if mode == "area":
        return _area_taps(insz, outsz, T)
    if antialias:
        return _aa_taps(insz, outsz, scale, align_corners, mode, T)
    sc = _area_pixel_scale(insz, outsz, align_corners, scale, T)
    cubic = mode == "bicubic"
    src = _source_index(sc, outsz, align_corners, cubic, T)
    i0, lam = _guard(src, insz, T)
    if cubic:
        idx = np.clip(i0[:, None] - 1 + np.arange(4)[None, :], 0, insz - 1)
        return idx, _cubic_coefficients(lam, -0.75, T), None
    i1 = i0 + (i0 < insz - 1)
    return np.stack([i0, i1], 1), np.stack([T(1) - lam, lam], 1).astype(T), None


# NOTE [native resampling]: the taps of each dim become one native table
# (``_C._ResampleTaps``, src/spec/resample.rs) and ``_C._resample`` applies the tables dim
# after dim (innermost first) with one kernel per dim (src/backend/cpu/resample.rs,
# shaders/resample.wgsl): each output sums its taps in order, so non-finite inputs propagate
# as in ATen. The call is one node under PyTorch's name whose backward applies the transposed
# tables (each input position gathers the outputs that read it: deterministic, no atomics)
# and whose double backward is the forward again (src/autograd/ops_resample.rs).


# ----- interpolate: argument handling (torch.nn.functional.interpolate) -----

_GRAD_NAMES = {
    "nearest": "UpsampleNearest{k}DBackward0",
    "nearest-exact": "UpsampleNearestExact{k}DBackward0",
    "linear": "UpsampleLinear1DBackward0",
    "bilinear": "UpsampleBilinear2DBackward0",
    "bicubic": "UpsampleBicubic2DBackward0",
    "trilinear": "UpsampleTrilinear3DBackward0",
    "area": "AdaptiveAvgPool{k}DBackward0",
}
_KERNEL_NAMES = {  # the kernel ATen names when a dtype has none
    "nearest": "compute_indices_weights_nearest",
    "nearest-exact": "compute_indices_weights_nearest",
    "linear": "compute_indices_weights_linear",
    "bilinear": "compute_indices_weights_linear",
    "trilinear": "compute_indices_weights_linear",
    "bicubic": "compute_indices_weights_cubic",
}
_AXES = {1: "W", 2: "HW", 3: "DHW"}


def _upsample_checks(input, mode, out_sizes):
    k = input.dim() - 2
    in_sizes = list(input.shape[2:])
    if mode == "area":
        # ATen's adaptive_avg_pool{2,3}d checks (a 1-d pool runs as a 2-d one, unsqueezed)
        kp = max(k, 2)
        shape = list(input.shape) if k > 1 else list(input.shape[:2]) + [1] + in_sizes
        if any(s < 0 for s in out_sizes):
            sizes = ([1] if k == 1 else []) + list(out_sizes)
            raise RuntimeError(
                f"adaptive_avg_pool{kp}d: elements of output_size must be greater than or equal "
                "to 0 but received {" + ", ".join(str(v) for v in sizes) + "}")
        for dim in range(len(shape) - kp, len(shape)):
            if shape[dim] == 0:
                raise RuntimeError(
                    f"adaptive_avg_pool{kp}d(): Expected input to have non-zero size for "
                    f"non-batch dimensions, but input has sizes {_sizes(shape)} with dimension "
                    f"{dim} being empty")
        return
    if any(s <= 0 for s in in_sizes + list(out_sizes)):
        axes = _AXES[k]
        sep = " and " if k == 1 else " "
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{a}: {s}" for a, s in zip(axes, in_sizes)) + f"){sep}output ("
            + ", ".join(f"{a}: {s}" for a, s in zip(axes, out_sizes)) + ")")
    if input.numel() == 0 and math.prod(input.shape[1:]) == 0:
        raise RuntimeError(f"Non-empty {k + 2}D data tensor expected but got a tensor with sizes "
                           f"{_sizes(input.shape)}")


def _upsample(input, mode, out_sizes, scales, align_corners, antialias):
    k = input.dim() - 2
    dt = input.dtype
    if mode == "area":
        if not dt.is_floating_point:
            raise NotImplementedError(
                f'"{"adaptive_avg_pool3d_cpu" if k == 3 else "adaptive_avg_pool2d"}" not '
                f"implemented for '{_dtype_title(dt)}'")
    elif not dt.is_floating_point:
        if mode in ("nearest", "nearest-exact") and dt != rtensor.uint8:
            kern = ("upsample_nearest2d_channels_last" if k == 2 and mode == "nearest"
                    else _KERNEL_NAMES[mode])
            raise NotImplementedError(f"\"{kern}\" not implemented for '{_dtype_title(dt)}'")
        if mode not in ("nearest", "nearest-exact"):
            if antialias:
                kern = "compute_index_ranges_weights"
            elif mode == "bilinear" and dt != rtensor.uint8:
                kern = "upsample_bilinear2d_channels_last"
            else:
                kern = _KERNEL_NAMES[mode]
            if dt == rtensor.uint8 and mode in ("bilinear", "bicubic"):
                raise NotImplementedError(
                    f"rtensor: interpolate mode '{mode}' is not implemented for uint8 "
                    "(PyTorch rounds uint8 results with its own integer weights)")
            raise NotImplementedError(f"\"{kern}\" not implemented for '{_dtype_title(dt)}'")
    if antialias and dt in (rtensor.float16, rtensor.bfloat16):
        raise NotImplementedError(
            f"\"compute_index_ranges_weights\" not implemented for '{_dtype_title(dt)}'")
    _upsample_checks(input, mode, out_sizes)
    T = _opmath(dt) if dt.is_floating_point else np.float32
    plan = []
    for j in range(k - 1, -1, -1):  # innermost dim first (NOTE [resampling by taps])
        insz, outsz = input.shape[2 + j], out_sizes[j]
        scale = None if scales is None else scales[j]
        plan.append((2 + j, _dim_plan(mode, insz, outsz, scale, align_corners, antialias, T)))
    if mode == "area":
        if k == 1:
            return _area_1d(input, plan)
        name = _GRAD_NAMES["area"].format(k=k)
    elif antialias:
        name = f"Upsample{mode.capitalize()}2DAaBackward0"
    else:
        name = _GRAD_NAMES[mode].format(k=k)
    return _C._resample(input, plan, name, name[:-1] + "Backward0", mode == "area")


def _area_1d(input, plan):
    """``adaptive_avg_pool1d`` as PyTorch runs it: a 2-d pool of the unsqueezed input."""
    plan = [(d + 1, t) for d, t in plan]
    return _C._resample(input.unsqueeze(-2), plan, "AdaptiveAvgPool2DBackward0",
                        "AdaptiveAvgPool2DBackwardBackward0", True).squeeze(-2)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    out = _resampled(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
                     antialias)
    return _mf.keep_layout(input, out)


def _resampled(input, size, scale_factor, mode, align_corners, recompute_scale_factor,
               antialias):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    elif size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size) for _ in range(dim)]
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, "
                    "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor) for _ in range(dim)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor is not None and recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
            "a 4-D tensor as input")
    wanted = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4,
              "trilinear": 5, "bicubic": 4, "lanczos": 4}
    if mode == "lanczos" and input.dim() == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if mode in wanted and input.dim() in (3, 4, 5) and wanted[mode] in (None, input.dim()):
        if output_size is None:
            # ATen's compute_output_size: the product in double, truncated
            output_size = [int(float(input.shape[i + 2]) * scale_factors[i]) for i in range(dim)]
        return _upsample(input, mode, output_size, scale_factors, align_corners, antialias)
    need = {"linear": 3, "bilinear": 4, "trilinear": 5}
    if input.dim() in (3, 4, 5) and mode in need:
        raise NotImplementedError(
            f"Got {input.dim()}D input, but {mode} mode needs {need[mode]}D input")
    raise NotImplementedError(
        "Input Error: Only 3D, 4D and 5D input Tensors supported"
        f" (got {input.dim()}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
        f"| lanczos | area | nearest-exact (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
