"""``rtensor.save`` / ``rtensor.load`` and tensor pickling.

Oracles:
- ``tests/data/checkpoints/``: files written by PyTorch 2.13 with their contents in
  ``expected.json``; every one loads to those contents, and re-saving what was loaded gives
  the same bytes (PyTorch's layout, pickle and serialization id exactly).
- ``malicious.pt``, whose pickle calls ``posix.system``, and pickles crafted here for other
  ways a pickle can reach a callable: all refused by name, nothing runs.
- Truncated and randomly corrupted copies of the reference files: a clean exception each time.
"""

import collections
import copy
import copyreg
import io
import json
import os
import pathlib
import pickle
import pickletools
import random
import struct
import zipfile

import numpy as np
import pytest
import rtensor as torch
from rtensor import serialization

CKPT = pathlib.Path(__file__).resolve().parent / "data" / "checkpoints"
EXPECTED = json.loads((CKPT / "expected.json").read_text())
ZIP_FILES = sorted(p.name for p in CKPT.glob("*.pt") if p.stem in EXPECTED)
CLEAN_ERRORS = (RuntimeError, pickle.UnpicklingError)


def check(obj, exp, where="obj"):
    """``obj`` against expected.json's encoding of it."""
    if isinstance(exp, dict) and "dtype" in exp:
        assert isinstance(obj, torch.Tensor), where
        assert str(obj.dtype) == f"rtensor.{exp['dtype']}", where
        assert list(obj.shape) == exp["shape"], where
        assert obj.flatten().tolist() == exp["values"], where
    elif isinstance(exp, dict) and "__dict__" in exp:
        assert isinstance(obj, dict), where
        assert [str(k) for k in obj] == list(exp["__dict__"]), where
        for (k, v), e in zip(obj.items(), exp["__dict__"].values()):
            check(v, e, f"{where}[{k!r}]")
    elif isinstance(exp, dict) and ("__list__" in exp or "__tuple__" in exp):
        kind, items = (list, exp["__list__"]) if "__list__" in exp else (tuple, exp["__tuple__"])
        assert type(obj) is kind and len(obj) == len(items), where
        for i, (o, e) in enumerate(zip(obj, items)):
            check(o, e, f"{where}[{i}]")
    else:
        assert type(obj) is type(exp) and obj == exp, where


def bits(t):
    """The values of ``t`` as integers of the same width, so NaNs and -0.0 compare exactly."""
    as_int = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[t.element_size()]
    return t.contiguous().view(as_int).tolist() if t.dtype != torch.bool else t.tolist()


def roundtrip(obj, **save_kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **save_kwargs)
    buf.seek(0)
    return torch.load(buf)


# ----- the reference files -------------------------------------------------------------------


def test_reference_files_are_complete():
    expected = {f"{k}.pt" for k in EXPECTED} | {"legacy_format.pt", "malicious.pt"}
    assert {p.name for p in CKPT.glob("*.pt")} == expected


@pytest.mark.parametrize("name", ZIP_FILES)
def test_reference_checkpoint_loads(name):
    check(torch.load(CKPT / name), EXPECTED[name[:-3]])


def test_reference_state_dicts_keep_their_types():
    sd = torch.load(CKPT / "linear_state_dict.pt")
    assert type(sd) is collections.OrderedDict
    assert sd._metadata == collections.OrderedDict({"": {"version": 1}})
    sgd = torch.load(CKPT / "sgd_state_dict.pt")
    assert list(sgd["state"]) == [0]


def test_reference_shared_views_share_storage():
    sv = torch.load(CKPT / "shared_views.pt")
    assert all(t._same_storage(sv["base"]) for t in sv.values())
    assert sv["t"].stride() == (1, 4) and sv["slice"].storage_offset() == 2
    sv["base"][5] = -1.0
    assert sv["view"][1, 1].item() == -1.0 and sv["t"][1, 1].item() == -1.0
    assert sv["slice"][1].item() == -1.0


def test_reference_legacy_file_loads():
    assert torch.load(CKPT / "legacy_format.pt")["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("name", ZIP_FILES)
def test_resave_is_byte_identical_to_pytorch(name, tmp_path):
    # Entry names and order, 64-byte alignment, the pickle's opcodes and memo, the zip
    # headers and the serialization id: everything PyTorch wrote.
    out = tmp_path / name
    torch.save(torch.load(CKPT / name), out)
    assert out.read_bytes() == (CKPT / name).read_bytes()


def test_mmap_load(tmp_path):
    path = tmp_path / "w.pt"
    path.write_bytes((CKPT / "shared_views.pt").read_bytes())
    sv = torch.load(path, mmap=True)
    check(sv, EXPECTED["shared_views"])
    sv["base"][0] = 42.0  # a private mapping: the file is unchanged
    assert sv["t"][0, 0].item() == 42.0
    assert path.read_bytes() == (CKPT / "shared_views.pt").read_bytes()
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap"):
        torch.load(io.BytesIO(path.read_bytes()), mmap=True)


# ----- what save writes ----------------------------------------------------------------------


class _Stub:
    def __init__(self, name):
        self.name = name

    def __call__(self, *args):
        return (self.name, args)

    def __repr__(self):
        return self.name


class _Inspector(pickle.Unpickler):
    """Reads a data.pkl with every global replaced by a stub, collecting persistent ids."""

    def __init__(self, data):
        super().__init__(io.BytesIO(data))
        self.pids = []

    def find_class(self, module, name):
        return _Stub(f"{module}.{name}")

    def persistent_load(self, pid):
        self.pids.append(pid)
        return pid


def test_saved_layout(tmp_path):
    a = torch.arange(6.0)
    obj = {"a": a, "view": a[1:].reshape(5, 1), "ints": torch.tensor([[1, 2], [3, 4]]).t()}
    path = tmp_path / "ckpt.v2.pt"
    torch.save(obj, path)
    raw = path.read_bytes()
    zf = zipfile.ZipFile(path)
    assert zf.namelist() == [
        "ckpt.v2/data.pkl", "ckpt.v2/.format_version", "ckpt.v2/.storage_alignment",
        "ckpt.v2/byteorder", "ckpt.v2/data/0", "ckpt.v2/data/1", "ckpt.v2/version",
        "ckpt.v2/.data/serialization_id",
    ]
    read = lambda n: zf.read(f"ckpt.v2/{n}")  # noqa: E731
    assert (read(".format_version"), read(".storage_alignment"), read("byteorder"),
            read("version")) == (b"1", b"64", b"little", b"3\n")
    assert len(read(".data/serialization_id")) == 40 and read(".data/serialization_id").isdigit()
    for info in zf.infolist():
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:][:4])
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0
        assert info.compress_type == zipfile.ZIP_STORED
    # Storages: raw little-endian bytes of whole storages, one per shared storage.
    assert read("data/0") == np.arange(6, dtype="<f4").tobytes()
    assert read("data/1") == np.array([1, 2, 3, 4], dtype="<i8").tobytes()
    data = read("data.pkl")
    globals_ = {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}
    assert globals_ == {"torch._utils _rebuild_tensor_v2", "torch FloatStorage",
                        "torch LongStorage", "collections OrderedDict"}
    assert data[:2] == b"\x80\x02"  # protocol 2
    inspector = _Inspector(data)
    loaded = inspector.load()
    assert [(p[0], repr(p[1]), p[2], p[3], p[4]) for p in inspector.pids] == [
        ("storage", "torch.FloatStorage", "0", "cpu", 6),
        ("storage", "torch.FloatStorage", "0", "cpu", 6),
        ("storage", "torch.LongStorage", "1", "cpu", 4),
    ]
    func, args = loaded["view"]
    assert func == "torch._utils._rebuild_tensor_v2"
    assert args[1:] == (1, (5, 1), (1, 1), False, ("collections.OrderedDict", ()))
    assert loaded["ints"][1][1:4] == (0, (2, 2), (1, 2))


def test_buffer_archive_name_and_legacy_format():
    buf = io.BytesIO()
    torch.save({"x": torch.ones(2)}, buf)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()[0] == "archive/data.pkl"
    buf = io.BytesIO()
    torch.save({"x": torch.ones(2)}, buf, _use_new_zipfile_serialization=False)
    assert not buf.getvalue().startswith(b"PK")
    assert pickle.loads(buf.getvalue()) == 0x1950A86A20F9469CFC6C  # the legacy magic number


# ----- round trips ---------------------------------------------------------------------------

VALUES = {
    torch.float32: [0.0, -0.0, 1.5, float("inf"), -float("inf"), float("nan"), 3.4e38],
    torch.float64: [0.0, -0.0, 1e-300, float("nan"), -float("inf"), 2.0**60],
    torch.float16: [0.5, -2.0, 65504.0, float("nan"), -0.0],
    torch.bfloat16: [1.0, -3.5, 9999220736.0, float("nan"), -float("inf")],
    torch.int64: [-(2**63), 2**63 - 1, 0, 1099511627776],
    torch.int32: [-(2**31), 2**31 - 1, 7],
    torch.int16: [-(2**15), 2**15 - 1],
    torch.int8: [-128, 127, 0],
    torch.uint8: [0, 255, 7],
    torch.bool: [True, False, True],
}


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("dtype", list(VALUES), ids=str)
def test_dtype_roundtrip(dtype, legacy):
    t = torch.tensor(VALUES[dtype], dtype=dtype)
    back = roundtrip({"t": t, "scalar": t[0], "empty": t[:0]},
                     _use_new_zipfile_serialization=not legacy)
    assert back["t"].dtype == dtype and bits(back["t"]) == bits(t)
    assert back["scalar"].shape == () and bits(back["scalar"]) == bits(t[0])
    assert back["empty"].shape == (0,) and back["empty"].dtype == dtype


@pytest.mark.parametrize("legacy", [False, True])
def test_layouts_and_sharing_roundtrip(legacy):
    base = torch.arange(24.0)
    obj = {
        "base": base,
        "matrix": base.reshape(4, 6),
        "transposed": base.reshape(4, 6).t(),
        "strided": base[3::5],
        "expanded": base[:3].expand(4, 3),
        "other": torch.ones(2, 2, requires_grad=True),
    }
    back = roundtrip(obj, _use_new_zipfile_serialization=not legacy)
    for k, t in obj.items():
        assert back[k].shape == t.shape and back[k].stride() == t.stride(), k
        assert back[k].storage_offset() == t.storage_offset(), k
        assert back[k].tolist() == t.tolist(), k
    assert all(back[k]._same_storage(back["base"]) for k in ("matrix", "transposed", "strided",
                                                            "expanded"))
    assert not back["other"]._same_storage(back["base"])
    assert back["other"].requires_grad and not back["base"].requires_grad
    back["base"][8] = -5.0
    assert back["transposed"][2, 1].item() == -5.0 and back["strided"][1].item() == -5.0


def test_one_storage_record_per_shared_storage():
    base = torch.zeros(10)
    buf = io.BytesIO()
    torch.save([base, base[2:], base.reshape(2, 5), torch.zeros(3)], buf)
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert [n for n in names if "/data/" in n] == ["archive/data/0", "archive/data/1"]


def test_nested_containers_roundtrip():
    t = torch.randn(3)
    obj = collections.OrderedDict(
        epoch=3, loss=0.125, name="ngram", flags=[True, None], big=2**70, c=complex(1, 2),
        blob=b"\x00\xffraw", s={1, 2}, fs=frozenset({"a"}), pair=(t, None),
        nested={"list": [t, [t]], "dtype": torch.float16, "size": torch.Size([2, 3]),
                "device": torch.device("cpu")},
    )
    back = roundtrip(obj)
    assert type(back) is collections.OrderedDict and list(back) == list(obj)
    for k in ("epoch", "loss", "name", "flags", "big", "c", "blob", "s", "fs"):
        assert back[k] == obj[k] and type(back[k]) is type(obj[k]), k
    assert back["pair"][0].tolist() == t.tolist() and back["pair"][1] is None
    # The same tensor object comes back as one object.
    assert back["nested"]["list"][0] is back["pair"][0] is back["nested"]["list"][1][0]
    assert back["nested"]["dtype"] is torch.float16
    assert back["nested"]["size"] == (2, 3) and type(back["nested"]["size"]) is torch.Size
    assert back["nested"]["device"] == torch.device("cpu")


def test_save_errors(tmp_path):
    with pytest.raises(AttributeError, match="expected 'f' to be string, path, or a file-like "
                                             "object with a 'write' attribute"):
        torch.save(torch.zeros(1), 3)
    t = torch.zeros(4, dtype=torch.float32)
    with pytest.raises(RuntimeError, match="Cannot save multiple tensors or storages that view "
                                           "the same data as different types"):
        torch.save([t, t.view(torch.int32)], io.BytesIO())


class FakeParameter(torch.Tensor):
    """A stand-in for nn.Parameter (a Tensor subclass), so that this test does not depend on
    rtensor.nn."""

    def __new__(cls, data, requires_grad=True):
        self = super().__new__(cls, _wrap=data.detach())
        self.requires_grad_(requires_grad)
        return self


def test_parameters_roundtrip(monkeypatch):
    monkeypatch.setattr(serialization, "_parameter_class", lambda: FakeParameter)
    p = FakeParameter(torch.arange(3.0))
    buf = io.BytesIO()
    torch.save({"p": p}, buf)
    pkl = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    assert b"torch._utils\n_rebuild_parameter\n" in pkl
    buf.seek(0)
    back = torch.load(buf)["p"]
    assert type(back) is FakeParameter and back.requires_grad and back.tolist() == [0, 1, 2]
    # Without a Parameter class the tensor still comes back requiring grad.
    monkeypatch.setattr(serialization, "_parameter_class", lambda: None)
    buf.seek(0)
    back = torch.load(buf)["p"]
    assert type(back) is torch.Tensor and back.requires_grad


# ----- map_location --------------------------------------------------------------------------


def cuda_checkpoint():
    """linear_state_dict.pt as if saved from a GPU: its storages tagged 'cuda:0'."""
    src = zipfile.ZipFile(CKPT / "linear_state_dict.pt")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            out.writestr(name, data)
    return buf.getvalue()


def test_map_location_forms():
    data = cuda_checkpoint()
    if torch.cuda.is_available():
        # Restored on the GPU it was saved from, as PyTorch does.
        sd = torch.load(io.BytesIO(data))
        assert all(v.is_cuda for v in sd.values())
        check({k: v.cpu() for k, v in sd.items()}, EXPECTED["linear_state_dict"])
    else:
        with pytest.raises(RuntimeError, match="map_location=rtensor.device\\('cpu'\\)"):
            torch.load(io.BytesIO(data))
    for loc in ("cpu", torch.device("cpu"), {"cuda:0": "cpu"}, {"cuda:0": torch.device("cpu")}):
        check(torch.load(io.BytesIO(data), map_location=loc), EXPECTED["linear_state_dict"])
    seen = []
    sd = torch.load(io.BytesIO(data), map_location=lambda s, loc: seen.append(loc) or s.cpu())
    check(sd, EXPECTED["linear_state_dict"])
    assert seen == ["cuda:0", "cuda:0"]
    for loc in ("cuda", lambda s, loc: s.cuda(0)):
        if torch.cuda.is_available():
            sd = torch.load(CKPT / "linear_state_dict.pt", map_location=loc)
            assert all(v.is_cuda for v in sd.values())
            check({k: v.cpu() for k, v in sd.items()}, EXPECTED["linear_state_dict"])
        else:
            with pytest.raises(RuntimeError, match="not available|no GPU"):
                torch.load(CKPT / "linear_state_dict.pt", map_location=loc)


def test_map_location_callable_errors_pass_through():
    def fail(storage, location):
        raise KeyError("from the callable")

    with pytest.raises(KeyError, match="from the callable"):
        torch.load(CKPT / "linear_state_dict.pt", map_location=fail)


# ----- loading never runs code ---------------------------------------------------------------


@pytest.fixture
def no_code_runs(monkeypatch, tmp_path):
    """Any call of os.system & co. is recorded instead of run."""
    calls = []
    import posix
    import subprocess

    for mod, name in [(os, "system"), (posix, "system"), (subprocess, "Popen"),
                      (os, "popen"), (subprocess, "run")]:
        monkeypatch.setattr(mod, name, lambda *a, _n=name, **k: calls.append((_n, a)))
    return calls


def test_malicious_checkpoint_is_refused(no_code_runs):
    for weights_only in (True, False):
        with pytest.raises(pickle.UnpicklingError, match=r"posix\.system"):
            torch.load(CKPT / "malicious.pt", weights_only=weights_only)
    assert no_code_runs == []
    assert not os.path.exists("/tmp/rtensor_pwned")


def zip_with_pickle(data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", data)
        zf.writestr("archive/version", b"3\n")
    return buf.getvalue()


class Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return self.target


ATTACKS = {
    "stack_global": (pickle.dumps(Evil((os.system, ("true",))), protocol=4), "posix.system"),
    "eval": (pickle.dumps(Evil((eval, ("1+1",))), protocol=2), "builtins.eval"),
    "getattr": (pickle.dumps(Evil((getattr, (Evil, "x"))), protocol=2), "builtins.getattr"),
    "inst_opcode": (b"(S'true'\nios\nsystem\n.", "os.system"),
    "obj_class": (pickle.dumps(Evil((pickle.Unpickler, (io.BytesIO(),))), protocol=2),
                  "pickle.Unpickler"),
    "ext_registry": (b"\x80\x02\x82\xf0X\x04\x00\x00\x00trueq\x00\x85R.", "os.system"),
    "build_on_function": (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n}X\x01\x00\x00\x00a"
                          b"K\x01sb.", "setting the state of a function"),
    "codecs_other_encoding": (b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00"
                              b"rot13\x86R.", "encoding 'rot13'"),
    # Allowed names that must not be called with sizes (they would allocate them).
    "tensor_constructor": (b"\x80\x02ctorch\nTensor\nJ\x00\xca\x9a;\x85R.",
                           "which loading does not allow"),
    "tensor_newobj": (b"\x80\x02ctorch\nTensor\nJ\x00\xca\x9a;\x85\x81.",
                      "which loading does not allow"),
    "bytearray_size": (b"\x80\x02c__builtin__\nbytearray\nJ\x00\xca\x9a;\x85R.",
                       "bytearray may only be rebuilt from its contents"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack_pickles_are_refused(name, no_code_runs):
    data, message = ATTACKS[name]
    copyreg.add_extension("os", "system", 0xF0)
    try:
        for weights_only in (True, False):
            with pytest.raises(pickle.UnpicklingError, match=message.replace(".", r"\.")):
                torch.load(io.BytesIO(zip_with_pickle(data)), weights_only=weights_only)
    finally:
        copyreg.remove_extension("os", "system", 0xF0)
    assert no_code_runs == []


def test_numpy_needs_weights_only_false_or_an_allowlist():
    obj = {"array": np.arange(3.0), "scalar": np.float32(2.5)}
    buf = io.BytesIO()
    torch.save(obj, buf)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL numpy"):
        torch.load(io.BytesIO(buf.getvalue()))
    back = torch.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert back["array"].tolist() == [0.0, 1.0, 2.0] and back["scalar"] == np.float32(2.5)


class Config:
    def __init__(self, lr):
        self.lr = lr


def test_safe_globals():
    buf = io.BytesIO()
    torch.save({"cfg": Config(0.5)}, buf)
    with pytest.raises(pickle.UnpicklingError, match="test_serialization.Config"):
        torch.load(io.BytesIO(buf.getvalue()))
    with serialization.safe_globals([Config]):
        assert torch.load(io.BytesIO(buf.getvalue()))["cfg"].lr == 0.5
    assert serialization.get_safe_globals() == []
    serialization.add_safe_globals([Config])
    try:
        assert torch.load(io.BytesIO(buf.getvalue()))["cfg"].lr == 0.5
    finally:
        serialization.clear_safe_globals()


# ----- damaged files -------------------------------------------------------------------------


def load_bytes(data):
    return torch.load(io.BytesIO(data))


@pytest.mark.parametrize("name", ZIP_FILES + ["legacy_format.pt"])
def test_truncated_files_raise_clean_errors(name):
    data = (CKPT / name).read_bytes()
    step = 1 if name == "legacy_format.pt" else 11
    for cut in [*range(0, len(data), step), len(data) - 1, len(data) - 22]:
        with pytest.raises(CLEAN_ERRORS):
            load_bytes(data[:cut])


@pytest.mark.parametrize("name", ZIP_FILES + ["legacy_format.pt"])
def test_corrupted_files_raise_clean_errors(name):
    data = (CKPT / name).read_bytes()
    rng = random.Random(name)
    failures = 0
    for _ in range(150):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            load_bytes(bytes(damaged))
        except CLEAN_ERRORS:
            failures += 1
    assert failures > 0


def test_corrupted_storage_is_detected_by_crc():
    data = bytearray((CKPT / "linear_state_dict.pt").read_bytes())
    data[832] ^= 0xFF  # the first byte of data/0 (64-byte aligned)
    with pytest.raises(RuntimeError, match="CRC"):
        load_bytes(bytes(data))


def test_not_a_checkpoint():
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        load_bytes(b"")
    with pytest.raises(RuntimeError, match="Invalid magic number"):
        load_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="failed finding central directory"):
        load_bytes(b"PK\x03\x04" + b"\x00" * 100)
    bad_version = io.BytesIO()
    with zipfile.ZipFile(bad_version, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(1, protocol=2))
        zf.writestr("archive/version", b"99\n")
    with pytest.raises(RuntimeError, match="PyTorch file with version 99"):
        load_bytes(bad_version.getvalue())


# ----- pickling tensors ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", list(VALUES), ids=str)
def test_pickle_roundtrip(dtype):
    t = torch.tensor(VALUES[dtype], dtype=dtype)
    for x in (t, t[::2], t[1:], t[0], t[:0], t[:2].expand(3, 2)):
        back = pickle.loads(pickle.dumps(x))
        assert back.dtype == dtype and back.shape == x.shape and back.stride() == x.stride()
        assert bits(back) == bits(x)


def test_pickle_keeps_requires_grad_and_layout():
    x = torch.arange(12.0).reshape(3, 4).t().requires_grad_(False)
    y = torch.randn(2, 3, requires_grad=True)
    bx, by = pickle.loads(pickle.dumps([x, y]))
    assert bx.stride() == (1, 4) and bx.tolist() == x.tolist() and not bx.requires_grad
    assert by.requires_grad and by.is_leaf and by.tolist() == y.tolist()
    assert copy.copy(y).tolist() == y.tolist()


def test_pickle_of_a_small_view_carries_only_its_span():
    big = torch.zeros(1_000_000)
    assert len(pickle.dumps(big[10:13])) < 500
    back = pickle.loads(pickle.dumps(big[10:13]))
    assert back.shape == (3,) and back._storage_nbytes() == 12
