"""dtype objects and their aliases, plus the legacy ``torch.FloatTensor`` style names."""

from . import _C

float32 = _C.float32
float64 = _C.float64
float16 = _C.float16
bfloat16 = _C.bfloat16
int64 = _C.int64
int32 = _C.int32
int16 = _C.int16
int8 = _C.int8
uint8 = _C.uint8
bool = _C.bool
complex64 = _C.complex64
complex128 = _C.complex128

_BY_NAME = {
    d._name: d
    for d in (
        float32,
        float64,
        float16,
        bfloat16,
        int64,
        int32,
        int16,
        int8,
        uint8,
        bool,
        complex64,
        complex128,
    )
}
_BY_LEGACY = {d._legacy_name: d for d in _BY_NAME.values()}


def by_name(name):
    return _BY_NAME[name]


def dtype_from_legacy_name(name):
    """``'torch.FloatTensor'`` / ``'rtensor.FloatTensor'`` / ``'FloatTensor'`` -> dtype."""
    short = name.split(".")[-1]
    if short not in _BY_LEGACY:
        raise ValueError(f"invalid type: '{name}'")
    return _BY_LEGACY[short]


def legacy_type_name(cls):
    return getattr(cls, "_legacy_name", getattr(cls, "__name__", str(cls)))
