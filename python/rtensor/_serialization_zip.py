"""PyTorch's zip container (``caffe2/serialize/inline_container.cc``), written byte for byte
as PyTorch's miniz-based ``PyTorchStreamWriter`` writes it, and read with ``zipfile`` with
PyTorch's reader's checks and error messages."""

import mmap
import os
import struct
import zipfile
import zlib

import numpy as np

ALIGNMENT = 64
FILE_FORMAT_VERSION = 3


_U32_MAX = 0xFFFFFFFF
_U64 = (1 << 64) - 1


def _std_hash(data):
    """libstdc++'s ``std::hash<std::string>`` on 64-bit Linux (``_Hash_bytes``, seed
    0xc70f6907): PyTorch's serialization id hashes record names with it."""
    mul = (0xC6A4A793 << 32) + 0x5BD1E995

    def shift_mix(v):
        return v ^ (v >> 47)

    n = len(data)
    h = (0xC70F6907 ^ (n * mul)) & _U64
    aligned = n & ~7
    for p in range(0, aligned, 8):
        d = (shift_mix((int.from_bytes(data[p:p + 8], "little") * mul) & _U64) * mul) & _U64
        h = ((h ^ d) * mul) & _U64
    if n & 7:
        h = ((h ^ int.from_bytes(data[aligned:], "little")) * mul) & _U64
    h = (shift_mix(h) * mul) & _U64
    return shift_mix(h)


def _hash_combine(seed, value):
    """``c10::hash_combine``."""
    return (seed ^ ((value + 0x9E3779B9 + (seed << 6) + (seed >> 2)) & _U64)) & _U64


# Bucket counts of a libstdc++ unordered_set as it grows one element at a time (max load 1,
# growth factor 2, the next entry of its prime table): they decide its iteration order.
_BUCKET_COUNTS = (13, 29, 59, 127, 257, 541, 1109, 2357, 5087, 10273, 20753, 42043, 85229,
                  172933, 351061, 712697, 1447153, 2938679, 5967347)


def _unordered_set_order(hashes):
    """The iteration order of a libstdc++ ``std::unordered_set<std::string>`` after inserting
    elements with these hashes in turn: a new element goes in front of its bucket's run of the
    node list, or at the very front when its bucket is empty; a rehash re-inserts the list in
    order. (Past the table's last size the order is approximate.)"""
    nodes, buckets = [], None

    def insert(lst, h, n):
        b = h % n
        for i, other in enumerate(lst):
            if other % n == b:
                lst.insert(i, h)
                return
        lst.insert(0, h)

    for h in hashes:
        if buckets is None or len(nodes) + 1 > buckets:
            grown = [c for c in _BUCKET_COUNTS if buckets is None or c > buckets]
            buckets = grown[0] if grown else buckets * 2 + 1
            old, nodes = nodes, []
            for o in old:
                insert(nodes, o, buckets)
        insert(nodes, h, buckets)
    return nodes


class ZipWriter:
    """PyTorch's ``PyTorchStreamWriter`` (caffe2/serialize/inline_container.cc, on miniz),
    reproduced byte for byte: stored entries with zeroed local-header sizes and a data
    descriptor (flags 0x0808), an ``FB`` extra field of ``Z`` padding that puts each record's
    data at a multiple of 64 bytes, zip64 fields where sizes or offsets pass 4 GiB, a zip64
    end record always, and ``version`` plus ``.data/serialization_id`` written on close.
    Offsets count from the first byte written, as PyTorch's stream writer does."""

    def __init__(self, out, archive_name):
        self._out = out
        self._prefix = archive_name + "/"
        self._pos = 0
        self._central = []
        self._names = []  # record names in writing order, for the serialization id
        self._combined_crc = 0

    def _write(self, data):
        self._out.write(data)
        self._pos += len(data) if isinstance(data, bytes) else memoryview(data).nbytes

    def write_record(self, name, data):
        data = memoryview(data).cast("B")
        size = data.nbytes
        full = (self._prefix + name).encode("utf-8")
        offset = self._pos
        zip64 = b""
        if size >= _U32_MAX or offset >= _U32_MAX:
            fields = struct.pack("<QQ", size, size) if size >= _U32_MAX else b""
            fields += struct.pack("<Q", offset) if offset >= _U32_MAX else b""
            zip64 = struct.pack("<HH", 1, len(fields)) + fields
        start = offset + 30 + len(full) + len(zip64) + 4
        pad = -start % ALIGNMENT
        extra = zip64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        # UTF-8 names (0x0800); sizes in a data descriptor (0x0008), which miniz leaves out
        # for empty records.
        flags = 0x0808 if size else 0x0800
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, flags, 0, 0, 0, 0, 0, 0,
                                len(full), len(extra)))
        self._write(full + extra)
        crc = zlib.crc32(data)
        self._write(data)
        if size:
            self._write(struct.pack("<IIQQ" if zip64 else "<IIII", 0x08074B50, crc, size, size))
        self._central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, flags, 0, 0, 0, crc,
                        min(size, _U32_MAX), min(size, _U32_MAX), len(full), len(zip64), 0, 0,
                        0, 0, min(offset, _U32_MAX)) + full + zip64
        )
        self._names.append(name.encode("utf-8"))
        if size:
            self._combined_crc = _hash_combine(self._combined_crc, crc)

    def close(self):
        self.write_record("version", f"{FILE_FORMAT_VERSION}\n".encode())
        # A hash of the record names (in the order PyTorch's unordered_set yields them) and
        # one of the records' CRCs: unique per file, without reading the data again.
        names_hash = 0
        for h in _unordered_set_order([_std_hash(n) for n in self._names]):
            names_hash = _hash_combine(names_hash, h)
        self.write_record(".data/serialization_id",
                          f"{names_hash:020d}{self._combined_crc:020d}".encode())
        cd_offset = self._pos
        for entry in self._central:
            self._write(entry)
        cd_size = self._pos - cd_offset
        n = len(self._central)
        eocd64 = self._pos
        self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x002D, 0, 0, n, n,
                                cd_size, cd_offset))
        self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                                min(cd_size, _U32_MAX), min(cd_offset, _U32_MAX), 0))


class ZipReader:
    """Reads records of a PyTorch zip checkpoint; errors read as PyTorch's reader's."""

    def __init__(self, fh, mmap_path):
        fh.seek(0, os.SEEK_END)
        self.size = fh.tell()
        fh.seek(0)
        try:
            self.zf = zipfile.ZipFile(fh)
            names = self.zf.namelist()
        except Exception as e:
            raise RuntimeError(
                f"PytorchStreamReader failed reading zip archive: failed finding central "
                f"directory ({type(e).__name__}: {e})") from e
        if not names:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: no records")
        self.prefix = names[0].split("/", 1)[0] + "/"
        for n in names:
            if not n.startswith(self.prefix):
                raise RuntimeError(f"file in archive is not in a subdirectory {self.prefix}: {n}")
        self.names = set(names)
        self.fh = fh
        self.mm = None
        if mmap_path is not None:
            self.mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)

    def has(self, name):
        return self.prefix + name in self.names

    def info(self, name):
        try:
            return self.zf.getinfo(self.prefix + name)
        except KeyError:
            raise RuntimeError(
                f"PytorchStreamReader failed locating file {name}: file not found") from None

    def read(self, name):
        info = self.info(name)
        self._check_size(name, info)
        try:
            return self.zf.read(info)
        except Exception as e:
            raise RuntimeError(
                f"PytorchStreamReader failed reading file {name}: {type(e).__name__}: {e}"
            ) from e

    def _check_size(self, name, info):
        if info.compress_type == zipfile.ZIP_STORED and info.file_size > self.size:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: its size "
                               f"{info.file_size} exceeds the archive's {self.size} bytes")

    def read_into(self, name, nbytes):
        """The first ``nbytes`` of record ``name`` in a fresh aligned buffer (mapped from the
        file with mmap)."""
        info = self.info(name)
        if info.file_size < nbytes:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: it holds "
                               f"{info.file_size} bytes, the checkpoint expects {nbytes}")
        self._check_size(name, info)
        if self.mm is not None and info.compress_type == zipfile.ZIP_STORED:
            offset = self._data_offset(name, info)
            if offset % 16 == 0 and offset + nbytes <= self.size:
                return np.frombuffer(self.mm, dtype=np.uint8, count=nbytes, offset=offset)
        raw = np.empty(nbytes, dtype=np.uint8)  # NumPy aligns to 16 bytes at least
        try:
            with self.zf.open(info) as src:
                view = memoryview(raw)
                got = 0
                while got < nbytes:
                    n = src.readinto(view[got:])
                    if not n:
                        raise EOFError("record ended early")
                    got += n
                src.read()  # to the end: zipfile checks the CRC there
        except Exception as e:
            raise RuntimeError(
                f"PytorchStreamReader failed reading file {name}: {type(e).__name__}: {e}"
            ) from e
        return raw

    def _data_offset(self, name, info):
        header = self.mm[info.header_offset:info.header_offset + 30]
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: bad header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len
