"""``rtensor.save`` / ``rtensor.load``: PyTorch's checkpoint formats, read and written.

Files ``save`` writes are PyTorch's zip checkpoints byte for byte, so ``torch.load`` reads them
and a file re-saved by rtensor is identical to the one PyTorch wrote:

- a zip archive whose entries sit under one directory (the file's stem, ``archive`` for
  buffers): ``data.pkl``, ``.format_version``, ``.storage_alignment``, ``byteorder``, one
  ``data/<key>`` per storage (raw little-endian bytes), ``version`` and
  ``.data/serialization_id``, written the way PyTorch's miniz writer does (see ``_ZipWriter``);
- ``data.pkl`` is a protocol-2 pickle in which every tensor is
  ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`` and
  every storage the persistent id ``('storage', torch.<Type>Storage, key, 'cpu', numel)``.
  The pickle names ``torch`` globals, which rtensor writes itself (``_Pickler``); tensors that
  share a storage write it once and share it again after loading.

``load`` reads that format and PyTorch's legacy one (before 1.6: consecutive pickles followed by
raw storages) through a restricted unpickler (NOTE [ What load admits ]). Loading never runs
code from the file: a global outside the allowlist raises ``pickle.UnpicklingError`` naming it,
before anything is called.
"""

import _compat_pickle
import collections
import contextlib
import io
import os
import pickle
import struct
import sys

import numpy as np

from . import _C
from . import _serialization_tensor as _st
from . import _serialization_zip as _zip
from ._C import Tensor
from ._device import device as _device
from ._dtype import _BY_NAME, uint8
from ._size import Size

__all__ = [
    "DEFAULT_PROTOCOL",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "save",
]

DEFAULT_PROTOCOL = 2

# The legacy format's header values (torch/serialization.py).
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL_VERSION = 1001
# The newest zip container version PyTorch reads (caffe2/serialize/inline_container.h).
_MAX_FILE_FORMAT_VERSION = 10

# One object per string that PyTorch's pickles repeat, so that the pickle memo writes each once.
_STORAGE = "storage"
_CPU = "cpu"
_CUDA0 = "cuda:0"


# ---------------------------------------------------------------------------------------------
# Names the pickles use
# ---------------------------------------------------------------------------------------------


class _TorchGlobal:
    """Stands for the PyTorch global ``module.name`` while pickling: ``_Pickler`` writes it as a
    GLOBAL opcode, since there is no ``torch`` module to look the object up in."""

    def __init__(self, module, name):
        self.module, self.qualname = module, name

    def __call__(self, *args):  # save_reduce insists that the function is callable
        raise TypeError(f"{self!r} only stands for a PyTorch global in a pickle")

    def __repr__(self):
        return f"{self.module}.{self.qualname}"


_REBUILD_TENSOR_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _TorchGlobal("torch", "Size")
_TORCH_DEVICE = _TorchGlobal("torch", "device")
_DTYPE_GLOBALS = {d: _TorchGlobal("torch", name) for name, d in _BY_NAME.items()}


class _StorageType:
    """What ``torch.FloatStorage`` and the other storage classes load as: a dtype tag that only
    persistent ids may use."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"torch.{self.name}"


_STORAGE_TYPES = {
    name: _StorageType(name, d)
    for d in _BY_NAME.values()
    for name in [d._legacy_name.replace("Tensor", "Storage")]
}
_STORAGE_GLOBALS = {t.dtype: _TorchGlobal("torch", name) for name, t in _STORAGE_TYPES.items()}
# Byte storages of recent PyTorch (and of ``_rebuild_tensor_v3``) carry no dtype of their own.
_UNTYPED = _StorageType("UntypedStorage", uint8)


def _parameter_class():
    try:
        from .nn.parameter import Parameter
    except ImportError:
        return None
    return Parameter


# ---------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------


class _StorageRecord:
    """A storage being saved: its key, dtype and a 1-D tensor over all of it."""

    def __init__(self, key, tensor):
        self.key = key
        self.dtype = tensor.dtype
        self.numel = tensor._storage_nbytes() // tensor.element_size()
        self.whole = tensor._storage_view([self.numel], [1], 0)
        # GPU storages are written with PyTorch's device tag and read back to the host.
        self.location = _CUDA0 if tensor.is_cuda else _CPU

    def array(self):
        host = self.whole.cpu() if self.whole.is_cuda else self.whole
        return _st.storage_bytes(host, 0, self.numel)


class _Storages:
    """Assigns keys "0", "1"... to storages in the order the pickle meets them; tensors that
    share a storage get the same record."""

    def __init__(self, key=None):
        self.records = []
        self._by_ptr = {}
        self._key = key or (lambda n: str(n))

    def of(self, t):
        # The storage's base address narrows the search; _same_storage decides (empty
        # storages may all report one dangling address).
        base = t.data_ptr() - t.storage_offset() * t.element_size()
        bucket = self._by_ptr.setdefault(base, [])
        for rec in bucket:
            if rec.whole._same_storage(t):
                if rec.dtype != t.dtype:
                    raise RuntimeError(
                        "Cannot save multiple tensors or storages that view the same data as "
                        "different types"
                    )
                return rec
        rec = _StorageRecord(self._key(len(self.records)), t)
        bucket.append(rec)
        self.records.append(rec)
        return rec


class _Pickler(pickle._Pickler):
    """Writes tensors, dtypes, sizes and devices under PyTorch's names. The pure-Python pickler
    is used because only it lets a subclass emit a GLOBAL for an object it cannot import; it
    produces the same opcodes as the C pickler."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol, storages, legacy=False):
        super().__init__(file, protocol)
        self.storages = storages
        self.legacy = legacy
        self.parameter = _parameter_class()

    def save_torch_global(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.qualname}\n".encode("ascii"))
        self.memoize(obj)

    dispatch[_TorchGlobal] = save_torch_global

    def save_dtype(self, obj):
        self.save(_DTYPE_GLOBALS[obj])

    dispatch[_C.dtype] = save_dtype

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRecord):
            pid = (_STORAGE, _STORAGE_GLOBALS[obj.dtype], obj.key, obj.location, obj.numel)
            return pid + (None,) if self.legacy else pid
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            if self.parameter is not None and isinstance(obj, self.parameter):
                return (_REBUILD_PARAMETER, (obj.detach(), obj.requires_grad,
                                             collections.OrderedDict()))
            # Python attributes set on a tensor are not saved (PyTorch would save them).
            args = (self.storages.of(obj), obj.storage_offset(), tuple(obj.shape), obj.stride(),
                    obj.requires_grad, collections.OrderedDict())
            return (_REBUILD_TENSOR_V2, args)
        if isinstance(obj, Size):
            return (_TORCH_SIZE, (tuple(obj),))
        if isinstance(obj, _device):
            kind = "cuda" if obj.type == "gpu" else obj.type
            return (_TORCH_DEVICE, (kind,) if obj.index is None else (kind, obj.index))
        return NotImplemented


def _check_protocol(pickle_module, pickle_protocol):
    if pickle_module is not pickle:
        raise ValueError("rtensor.save writes with the standard pickle module only")
    if not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        # Protocol 0/1 would pickle bytes and tensors differently from PyTorch's layout.
        raise ValueError(f"pickle_protocol must be between 2 and {pickle.HIGHEST_PROTOCOL}")


def _archive_name(path):
    """The record directory PyTorch's writer derives from a file name: the base name without
    its last extension (``archive`` when PyTorch writes through a Python stream: non-ASCII
    names, buffers)."""
    if not path.isascii():
        return "archive"
    start = max(path.rfind("/"), path.rfind("\\")) + 1
    base = path[start:]
    dot = base.rfind(".")
    base = base[:dot] if dot >= 0 else base
    return base or "archive"


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Saves ``obj`` to ``f`` (a path or a binary file object) as a PyTorch checkpoint.

    ``_use_new_zipfile_serialization=False`` writes PyTorch's legacy format instead.
    """
    _check_protocol(pickle_module, pickle_protocol)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with open(path, "wb") as out:
            _save_to(obj, out, _archive_name(path), pickle_protocol,
                     _use_new_zipfile_serialization, _disable_byteorder_record)
    elif hasattr(f, "write"):
        _save_to(obj, f, "archive", pickle_protocol, _use_new_zipfile_serialization,
                 _disable_byteorder_record)
    else:
        raise AttributeError(
            "expected 'f' to be string, path, or a file-like object with a 'write' attribute"
        )


def _save_to(obj, out, archive_name, protocol, zip_format, no_byteorder):
    if not zip_format:
        _legacy_save(obj, out, protocol)
        return
    storages = _Storages()
    buf = io.BytesIO()
    _Pickler(buf, protocol, storages).dump(obj)
    writer = _zip.ZipWriter(out, archive_name)
    writer.write_record("data.pkl", buf.getbuffer())
    writer.write_record(".format_version", b"1")
    writer.write_record(".storage_alignment", str(_zip.ALIGNMENT).encode())
    if not no_byteorder:
        writer.write_record("byteorder", sys.byteorder.encode())
    for rec in storages.records:
        writer.write_record(f"data/{rec.key}", rec.array())
    writer.close()


def _legacy_save(obj, out, protocol):
    # Keys only need to be unique; PyTorch uses storage addresses.
    storages = _Storages(key=lambda n: str(1000000 + n))
    for header in (
        _LEGACY_MAGIC,
        _LEGACY_PROTOCOL_VERSION,
        {"protocol_version": _LEGACY_PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
         "type_sizes": {"short": 2, "int": 4, "long": struct.calcsize("l")}},
    ):
        pickle.dump(header, out, protocol=protocol)
    _Pickler(out, protocol, storages, legacy=True).dump(obj)
    keys = sorted(rec.key for rec in storages.records)
    pickle.dump(keys, out, protocol=protocol)
    by_key = {rec.key: rec for rec in storages.records}
    for key in keys:
        rec = by_key[key]
        out.write(struct.pack("<q", rec.numel))
        out.write(memoryview(rec.array()).cast("B"))


# ---------------------------------------------------------------------------------------------
# load: what the unpickler admits
# ---------------------------------------------------------------------------------------------

# NOTE [ What load admits ]
# The unpickler resolves a global only through find_class, which hands out objects from the
# tables below; every other name raises UnpicklingError before anything is called. A pickle
# can call (REDUCE, NEWOBJ, INST, OBJ) only those of them that build values from data: classes
# that would allocate from a size (Tensor, ndarray) serve only as values. BUILD (setting state)
# is allowed only on OrderedDicts, tensors, the data classes below and classes the user allowed.
# weights_only=True admits what PyTorch's weights-only loader admits by default: tensor and
# parameter rebuilding, storage types, dtypes, torch.Size, torch.device, OrderedDict and plain
# containers and numbers. weights_only=False adds NumPy arrays, scalars and dtypes, the
# collections containers and argparse.Namespace (data, never code); rtensor cannot run code
# from a file at all, so even then arbitrary globals are refused, unlike PyTorch.

_user_safe_globals = []


def add_safe_globals(safe_globals):
    """Allows these classes and functions (or ``(obj, "module.name")`` pairs) in loaded files,
    as ``torch.serialization.add_safe_globals`` does: only for objects you trust."""
    _user_safe_globals.extend(safe_globals)


def clear_safe_globals():
    _user_safe_globals.clear()


def get_safe_globals():
    return list(_user_safe_globals)


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Allows ``safe_globals`` inside the ``with`` block only."""
    n = len(_user_safe_globals)
    _user_safe_globals.extend(safe_globals)
    try:
        yield
    finally:
        del _user_safe_globals[n:]


def _user_globals():
    out = {}
    for g in _user_safe_globals:
        if isinstance(g, tuple):
            obj, name = g
        else:
            obj, name = g, f"{g.__module__}.{g.__qualname__}"
        out[name] = obj
    return out


def _latin1_encode(text, encoding="latin1", errors="strict"):
    # Protocol 2 pickles bytes as _codecs.encode(text, "latin1"); admit only that use.
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return text.encode(encoding, errors)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    # Backward hooks and tensor metadata (conjugate/negative bits) have no rtensor meaning.
    t = _as_storage(storage).typed(storage.dtype)._storage_view(
        list(size), list(stride), storage_offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    t = _as_storage(storage).typed(dtype)._storage_view(list(size), list(stride),
                                                        storage_offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _set_state(obj, state):
    # PyTorch's _set_obj_state: a dict, or (dict, slots); private names are not set.
    if isinstance(state, tuple) and len(state) == 2:
        dict_state, slots = state
        state = {**(dict_state or {}), **(slots or {})}
    if not isinstance(state, dict):
        raise pickle.UnpicklingError(f"unexpected tensor state {type(state).__name__}")
    for k, v in state.items():
        if not isinstance(k, str) or k.startswith("__"):
            raise pickle.UnpicklingError(f"refusing to set attribute {k!r} on a tensor")
        setattr(obj, k, v)
    return obj


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError("_rebuild_parameter expects a tensor")
    parameter = _parameter_class()
    if parameter is None:
        return data.requires_grad_(requires_grad)
    return parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(_rebuild_parameter(data, requires_grad), state)


_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter)


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS:
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 cannot call {func!r}")
    if new_type not in (Tensor, _parameter_class()):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 cannot make a {new_type!r}")
    ret = func(*args)
    if new_type is not Tensor and not isinstance(ret, new_type):
        ret = new_type(ret, ret.requires_grad)
    return _set_state(ret, state) if state else ret


def _weights_only_globals():
    g = {
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Tensor": Tensor,
        "torch.Size": Size,
        "torch.device": _device,
        "torch.storage.UntypedStorage": _UNTYPED,
        "torch.UntypedStorage": _UNTYPED,
        "collections.OrderedDict": collections.OrderedDict,
        "_codecs.encode": _latin1_encode,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.bytearray": _bytearray,
        "builtins.complex": complex,
        "builtins.slice": slice,
    }
    parameter = _parameter_class()
    if parameter is not None:
        g["torch.nn.parameter.Parameter"] = parameter
    for name, t in _STORAGE_TYPES.items():
        g[f"torch.{name}"] = t
    for name, d in _BY_NAME.items():
        g[f"torch.{name}"] = d
    return g


def _data_globals():
    import argparse

    g = {
        "collections.defaultdict": collections.defaultdict,
        "collections.Counter": collections.Counter,
        "collections.deque": collections.deque,
        "argparse.Namespace": argparse.Namespace,
        "builtins.list": list,
        "builtins.dict": dict,
        "builtins.tuple": tuple,
        "builtins.int": int,
        "builtins.float": float,
        "builtins.bool": bool,
        "builtins.str": str,
        "numpy.ndarray": np.ndarray,
        "numpy.dtype": np.dtype,
    }
    # NumPy 1 pickles name numpy.core, NumPy 2 numpy._core; both build arrays of plain data.
    for core in ("numpy.core.multiarray", "numpy._core.multiarray"):
        g[f"{core}._reconstruct"] = _np_reconstruct
        g[f"{core}.scalar"] = _np_scalar
    return g


def _bytearray(*args):
    # Pickles make bytearrays from (text, encoding); bytearray(n) would allocate n bytes.
    if args and not isinstance(args[0], (str, bytes)):
        raise pickle.UnpicklingError("bytearray may only be rebuilt from its contents")
    return bytearray(*args)


def _np_reconstruct(subtype, shape, dtype):
    # NumPy pickles an empty array here and fills it with BUILD; any other shape would only
    # serve to allocate memory.
    if subtype is not np.ndarray or tuple(shape) != (0,):
        raise pickle.UnpicklingError("numpy _reconstruct with unexpected arguments")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _np_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype):
        raise pickle.UnpicklingError("numpy scalar without a dtype")
    if dtype.hasobject:
        return data  # an object scalar is the (already vetted) object itself
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _buildable(weights_only):
    kinds = [collections.OrderedDict, Tensor]
    if not weights_only:
        import argparse

        kinds += [np.ndarray, np.dtype, argparse.Namespace, collections.defaultdict,
                  collections.Counter, collections.deque]
    return tuple(kinds)


class _Unpickler(pickle._Unpickler):
    """The restricted unpickler (NOTE [ What load admits ]). The pure-Python implementation is
    used because its memo is a dict: a corrupted memo index cannot make it allocate a table of
    that size."""

    dispatch = pickle._Unpickler.dispatch.copy()

    def __init__(self, file, weights_only, persistent_load, what):
        # Python 2 pickles (legacy files) hold text as bytes: decode it as PyTorch does.
        super().__init__(file, encoding="utf-8")
        self._allowed = _weights_only_globals()
        if not weights_only:
            self._allowed.update(_data_globals())
        self._user = _user_globals()
        self._buildable = _buildable(weights_only) + tuple(
            o for o in self._user.values() if isinstance(o, type))
        # Classes that only serve as values (_rebuild_from_type_v2's type, storage types) are
        # never called: Tensor(10**12) or ndarray(10**12) would allocate that much.
        parameter = _parameter_class()
        value_only = (Tensor, parameter, np.ndarray)
        self._callables = {
            id(o): o for o in [*self._allowed.values(), *self._user.values()]
            if callable(o) and not any(o is v for v in value_only)
            and not isinstance(o, (_StorageType, _C.dtype))
        }
        self._persistent_load = persistent_load
        self._what = what
        self._weights_only = weights_only

    def find_class(self, module, name):
        if self.proto < 3:
            # Protocol 2 writes Python 2 names (__builtin__.set): map them back, as pickle does.
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        if full in self._allowed:
            return self._allowed[full]
        if full in self._user:
            return self._user[full]
        policy = ("is not an allowed global by default" if self._weights_only
                  else "is not allowed: rtensor.load never runs code from a file")
        raise pickle.UnpicklingError(
            f"Weights only load failed: Unsupported global: GLOBAL {full} {policy} (in "
            f"{self._what}). If you trust this file and the object is plain data, allow it "
            f"with rtensor.serialization.add_safe_globals([{full}])."
        )

    def persistent_load(self, pid):
        return self._persistent_load(pid)

    def load_build(self):
        state = self.stack[-1]
        inst = self.stack[-2]
        if not isinstance(inst, self._buildable):
            raise pickle.UnpicklingError(
                f"Weights only load failed: setting the state of a {type(inst).__name__} "
                "object is not allowed"
            )
        if isinstance(inst, Tensor):
            self.stack.pop()
            _set_state(inst, state)
            return
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build

    def _check_callable(self, func):
        if id(func) not in self._callables and not any(
            func is o for o in self._user.values()
        ):
            raise pickle.UnpicklingError(
                f"Weights only load failed: the pickle calls {func!r}, which loading does not "
                "allow"
            )

    def load_reduce(self):
        self._check_callable(self.stack[-2])
        super().load_reduce()

    dispatch[pickle.REDUCE[0]] = load_reduce

    def load_newobj(self):
        self._check_callable(self.stack[-2])
        super().load_newobj()

    dispatch[pickle.NEWOBJ[0]] = load_newobj

    def load_newobj_ex(self):
        self._check_callable(self.stack[-3])
        super().load_newobj_ex()

    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex

    def _instantiate(self, klass, args):  # INST and OBJ
        self._check_callable(klass)
        super()._instantiate(klass, args)


# ---------------------------------------------------------------------------------------------
# load: storages
# ---------------------------------------------------------------------------------------------


class _LoadedStorage:
    """A storage read from a file: raw bytes in a NumPy buffer, viewed as tensors of a dtype
    (once per dtype, so all tensors of that dtype share one rtensor storage). This is also what
    a ``map_location`` callable receives."""

    def __init__(self, raw, dtype, location, target=None):
        self.raw = raw  # writable, aligned np.uint8 array
        self.dtype = dtype
        self.location = location
        # Where the tensors built on this storage live: the bytes are moved there once per
        # dtype, so tensors sharing a storage in the file share one on the device too.
        self.target = _device("cpu") if target is None else target
        self._typed = {}

    @property
    def device(self):
        return self.target

    def nbytes(self):
        return self.raw.size

    def size(self):
        return self.raw.size // self.dtype.itemsize

    __len__ = size

    def element_size(self):
        return self.dtype.itemsize

    def cpu(self):
        return self.to("cpu")

    def to(self, device=None, **kwargs):
        if device is None:
            return self
        d = _device(device)
        d._check_available()
        if d == self.target:
            return self
        return _LoadedStorage(self.raw, self.dtype, self.location, d)

    def cuda(self, device=None, non_blocking=False):
        return self.to("cuda" if device is None else device)

    def typed(self, dtype):
        t = self._typed.get(dtype)
        if t is None:
            if self.raw.size % dtype.itemsize:
                raise RuntimeError(
                    f"a storage of {self.raw.size} bytes cannot hold {dtype} elements"
                )
            np_dtype = np.dtype(np.int16) if dtype._name == "bfloat16" else _st._np_dtype(dtype)
            t = _C.from_numpy(self.raw.view(np_dtype))
            if dtype._name == "bfloat16":
                t = t.view(dtype)
            if self.target._is_gpu:
                t = t.to(self.target)
            self._typed[dtype] = t
        return t

    def sanitize(self):
        # A bool storage must hold only 0 and 1 for the core to read it.
        if self.dtype._name == "bool":
            np.not_equal(self.raw, 0, out=self.raw.view(np.bool_))

    def __repr__(self):
        return f"<rtensor storage of {self.size()} {self.dtype} on {self.location}>"


def _as_storage(obj):
    if not isinstance(obj, _LoadedStorage):
        raise pickle.UnpicklingError(f"expected a storage, got {type(obj).__name__}")
    return obj


def _aligned_empty(nbytes):
    # NumPy's allocator aligns to at least 16 bytes: enough for every dtype.
    return np.empty(nbytes, dtype=np.uint8)


def _gpu_available():
    from . import gpu

    return gpu.is_available()


def _restore_location(map_location):
    """PyTorch's ``_get_restore_location``: storage, file location -> storage on a device."""

    def default(storage, location):
        if location.startswith(("cuda", "gpu")) and _gpu_available():
            return storage.to(location)  # saved on the GPU: restored there, as PyTorch does
        if location.startswith(("cuda", "gpu", "mps", "xpu", "hpu", "meta", "privateuse")):
            raise RuntimeError(
                f"Attempting to deserialize object on a {location.split(':')[0].upper()} device "
                "but rtensor has no such device. If you are running on a CPU-only machine, "
                "please use rtensor.load with map_location=rtensor.device('cpu') to map your "
                "storages to the CPU."
            )
        if location != "cpu":
            raise RuntimeError(
                f"don't know how to restore data location of {storage!r} (tagged with "
                f"{location})"
            )
        return storage

    def to(storage, location):
        return storage.to(location)

    if map_location is None:
        return default
    if isinstance(map_location, dict):
        return lambda s, loc: default(s, str(map_location.get(loc, loc)))
    if isinstance(map_location, (str, bytes)):
        loc = map_location.decode() if isinstance(map_location, bytes) else map_location
        return lambda s, _: to(s, loc)
    if isinstance(map_location, _device):
        return lambda s, _: to(s, str(map_location))
    if callable(map_location):
        def call(storage, location):
            try:
                result = map_location(storage, location)
            except Exception as e:
                raise _UserError(e) from e
            return default(storage, location) if result is None else _as_storage(result)
        return call
    raise TypeError(f"unsupported map_location type {type(map_location).__name__}")


class _UserError(Exception):
    """Carries an exception of the user's map_location out of the unpickler unchanged."""


def _decode(x):
    return x.decode("ascii") if isinstance(x, bytes) else x


def _check_pid(pid):
    if not isinstance(pid, tuple) or not pid or _decode(pid[0]) != "storage":
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r:.100}")


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Loads an object saved by ``rtensor.save`` or ``torch.save`` (zip or legacy format).

    ``map_location`` may be ``'cpu'``, a device, a dict from saved to new locations, or a
    callable ``(storage, location) -> storage or None``. ``weights_only`` (default True) and
    ``False`` choose between the allowlists in NOTE [ What load admits ]; neither runs code
    from the file. ``mmap=True`` maps the file's storages instead of reading them (``f`` must
    be a path; the mapping is private, so writes to the tensors never reach the file).
    """
    if weights_only is None:
        weights_only = True
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("rtensor.load reads with its own restricted unpickler: pickle_module "
                         "must be None or pickle")
    if pickle_load_args.get("encoding", "utf-8") != "utf-8":
        raise ValueError("rtensor.load decodes Python 2 strings as utf-8 only")
    restore = _restore_location(map_location)
    try:
        if isinstance(f, (str, os.PathLike)):
            path = os.fsdecode(os.fspath(f))
            with open(path, "rb") as fh:
                return _load_file(fh, restore, weights_only, path if mmap else None)
        if mmap:
            raise ValueError("f must be a file path in order to use the mmap argument")
        if not (hasattr(f, "read") and hasattr(f, "seek")):
            raise AttributeError(
                "expected 'f' to be string, path, or a file-like object with 'read' and 'seek' "
                "attributes"
            )
        return _load_file(f, restore, weights_only, None)
    except _UserError as e:
        raise e.args[0] from None


def _load_file(fh, restore, weights_only, mmap_path):
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if magic == b"PK\x03\x04":
        return _load_zip(fh, restore, weights_only, mmap_path)
    if mmap_path is not None:
        raise RuntimeError("mmap can only be used with files saved with the zip format "
                           "(rtensor.save, or torch.save since PyTorch 1.6)")
    return _load_legacy(fh, restore, weights_only)


def _unpickle(data_file, weights_only, persistent_load, what):
    unpickler = _Unpickler(data_file, weights_only, persistent_load, what)
    try:
        return unpickler.load()
    except (pickle.UnpicklingError, RuntimeError, _UserError):
        raise
    except Exception as e:
        # Truncation and corruption surface as all sorts of errors inside pickle.
        raise pickle.UnpicklingError(
            f"{what} is corrupted or not a checkpoint: {type(e).__name__}: {e}") from e


def _load_zip(fh, restore, weights_only, mmap_path):
    reader = _zip.ZipReader(fh, mmap_path)
    if reader.has("constants.pkl"):
        raise RuntimeError("this file is a TorchScript archive (torch.jit.save); rtensor cannot "
                           "load TorchScript")
    version_name = ".data/version" if reader.has(".data/version") else "version"
    raw_version = reader.read(version_name)
    try:
        version = int(raw_version.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise RuntimeError(f"PytorchStreamReader failed reading the version record: "
                           f"{raw_version[:20]!r}") from None
    if not 1 <= version <= _MAX_FILE_FORMAT_VERSION:
        raise RuntimeError(
            f"Attempted to read a PyTorch file with version {version}, but the maximum supported "
            f"version for reading is {_MAX_FILE_FORMAT_VERSION}.")
    byteorder = sys.byteorder
    if reader.has("byteorder"):
        byteorder = reader.read("byteorder").decode("ascii", "replace")
        if byteorder not in ("little", "big"):
            raise RuntimeError(f"Unknown endianness type: {byteorder}")

    loaded = {}

    def persistent_load(pid):
        _check_pid(pid)
        if len(pid) != 5:
            raise pickle.UnpicklingError(f"malformed storage id {pid!r:.100}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"malformed storage id {pid!r:.100}")
        key, location = str(_decode(key)), str(_decode(location))
        if key in loaded:
            return loaded[key]
        dtype = storage_type.dtype
        raw = reader.read_into(f"data/{key}", numel * dtype.itemsize)
        if byteorder != sys.byteorder and dtype.itemsize > 1:
            raw.view(f"u{dtype.itemsize}").byteswap(inplace=True)
        storage = _LoadedStorage(raw, dtype, location)
        storage.sanitize()
        storage = restore(storage, location)
        loaded[key] = storage
        return storage

    data = reader.read("data.pkl")
    return _unpickle(io.BytesIO(data), weights_only, persistent_load, "data.pkl")


class _Bounded:
    """A read-only view of a file that never asks it for more bytes than remain: a corrupted
    length in a pickle must not make a buffered file allocate that much."""

    def __init__(self, fh):
        self.fh = fh
        start = fh.tell()
        fh.seek(0, os.SEEK_END)
        self.end = fh.tell()
        fh.seek(start)

    def remaining(self):
        return max(self.end - self.fh.tell(), 0)

    def read(self, n=-1):
        left = self.remaining()
        return self.fh.read(left if n is None or n < 0 or n > left else n)

    def readline(self, limit=-1):
        return self.fh.readline(self.remaining() if limit is None or limit < 0 else limit)

    def readinto(self, b):
        view = memoryview(b).cast("B")
        return self.fh.readinto(view[: self.remaining()])


def _load_legacy(fh, restore, weights_only):
    """PyTorch's format before 1.6: pickles of the magic number, the protocol version, system
    information and the object, a pickled list of storage keys, then per key an int64 element
    count and the raw bytes. Tensors are rebuilt before their bytes are read, so storages are
    allocated first and filled in place."""
    fh = _Bounded(fh)
    remaining = fh.remaining()

    def header(what):
        return _unpickle(fh, True, _refuse_pid, what)

    try:
        magic = header("the file header")
    except pickle.UnpicklingError as e:
        raise RuntimeError(f"Invalid magic number; corrupt file? ({e})") from e
    if magic != _LEGACY_MAGIC:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol = header("the file header")
    if protocol != _LEGACY_PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {protocol!r:.50}")
    sys_info = header("the file header")
    if not isinstance(sys_info, dict):
        raise RuntimeError("corrupt file: bad system information record")
    if not sys_info.get("little_endian", True):
        raise RuntimeError("loading big-endian legacy checkpoints is not supported")

    storages = {}
    views = {}

    def persistent_load(pid):
        _check_pid(pid)
        if _decode(pid[0]) == "storage" and len(pid) == 6:
            _, storage_type, root_key, location, numel, view_metadata = pid
        else:
            raise pickle.UnpicklingError(f"malformed storage id {pid!r:.100}")
        if not isinstance(storage_type, _StorageType) or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"malformed storage id {pid!r:.100}")
        root_key, location = str(_decode(root_key)), str(_decode(location))
        dtype = storage_type.dtype
        if root_key not in storages:
            nbytes = numel * dtype.itemsize
            if nbytes > remaining:
                raise pickle.UnpicklingError(
                    f"storage {root_key} claims {nbytes} bytes, more than the file holds")
            storages[root_key] = restore(_LoadedStorage(_aligned_empty(nbytes), dtype, location),
                                         location)
        storage = storages[root_key]
        if view_metadata is None:
            return storage
        # Storage views of very old files: a byte range of the root storage.
        view_key, offset, view_size = view_metadata
        if view_key not in views:
            lo, hi = offset * dtype.itemsize, (offset + view_size) * dtype.itemsize
            if not 0 <= lo <= hi <= storage.raw.size:
                raise pickle.UnpicklingError("storage view out of bounds")
            views[view_key] = _LoadedStorage(storage.raw[lo:hi], dtype, location, storage.target)
        return views[view_key]

    result = _unpickle(fh, weights_only, persistent_load, "the pickled object")
    keys = _unpickle(fh, True, _refuse_pid, "the storage key list")
    if not isinstance(keys, list):
        raise RuntimeError("corrupt file: bad storage key list")
    for key in keys:
        key = str(_decode(key))
        if key not in storages:
            raise RuntimeError(f"corrupt file: storage {key} is listed but never used")
        storage = storages[key]
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(f"corrupt file: storage {key} is truncated")
        (numel,) = struct.unpack("<q", head)
        if numel * storage.dtype.itemsize != storage.raw.size:
            raise RuntimeError(f"storage has wrong byte size: expected {storage.raw.size} got "
                               f"{numel * storage.dtype.itemsize}")
        if fh.readinto(memoryview(storage.raw)) != storage.raw.size:
            raise RuntimeError(f"corrupt file: storage {key} is truncated")
        storage.sanitize()
    return result


def _refuse_pid(pid):
    raise pickle.UnpicklingError(f"unexpected persistent id {pid!r:.100}")
