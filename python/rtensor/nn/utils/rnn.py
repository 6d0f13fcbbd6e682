"""``rtensor.nn.utils.rnn``: packed sequences, as ``torch.nn.utils.rnn``.

A ``PackedSequence`` holds a batch of sequences of decreasing length time step by time step:
``data`` stacks, for each step ``t``, the rows of the ``batch_sizes[t]`` sequences still running
(``batch_sizes`` is a CPU int64 tensor). ``sorted_indices`` maps the packed order back to the
caller's batch (``None`` when the caller's batch was already sorted).
"""

from collections.abc import Iterable
from typing import NamedTuple

import rtensor

from ..._C import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """A batch of variable-length sequences packed step by step (see the module doc); made by
    ``pack_padded_sequence`` and ``pack_sequence``, accepted by the recurrent modules."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        return super().__new__(
            cls, *_packed_sequence_init_args(data, batch_sizes, sorted_indices, unsorted_indices)
        )

    def pin_memory(self):
        return self

    def to(self, *args, **kwargs):
        """``data.to(*args, **kwargs)``; the index tensors follow ``data``'s device (``batch_sizes``
        stays on the CPU). Returns ``self`` when ``data`` does not change."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def call_to(t):
            return t.to(data.device)

        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, call_to),
                          _bind(self.unsorted_indices, call_to))

    def cuda(self, *args, **kwargs):
        ex = rtensor.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.is_cuda:
            return self.to(*args, **kwargs)
        kwargs["device"] = "cuda"
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        ex = rtensor.tensor((), dtype=self.data.dtype, device=self.data.device).to(*args, **kwargs)
        if ex.device.type == "cpu":
            return self.to(*args, **kwargs)
        kwargs["device"] = "cpu"
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=rtensor.double)

    def float(self):
        return self.to(dtype=rtensor.float)

    def half(self):
        return self.to(dtype=rtensor.half)

    def long(self):
        return self.to(dtype=rtensor.long)

    def int(self):
        return self.to(dtype=rtensor.int)

    def short(self):
        return self.to(dtype=rtensor.short)

    def char(self):
        return self.to(dtype=rtensor.int8)

    def byte(self):
        return self.to(dtype=rtensor.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _packed_sequence_init_args(data, batch_sizes=None, sorted_indices=None,
                               unsorted_indices=None):
    if unsorted_indices is None:
        unsorted_indices = invert_permutation(sorted_indices)
    if batch_sizes is not None:
        if batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence"
            )
        return data, batch_sizes, sorted_indices, unsorted_indices
    if not (isinstance(data, (list, tuple)) and len(data) == 2):
        raise AssertionError("Expected data to be a list or tuple of length 2")
    return data[0], data[1], sorted_indices, unsorted_indices


def invert_permutation(permutation):
    """The inverse of a permutation given as an index tensor (``None`` stays ``None``)."""
    if permutation is None:
        return None
    output = rtensor.empty_like(permutation)
    output.scatter_(0, permutation,
                    rtensor.arange(0, permutation.numel(), device=permutation.device))
    return output


def _lengths_list(lengths, batch_size):
    """ATen's checks of ``_pack_padded_sequence`` on ``lengths`` (an int64 tensor)."""
    if lengths.dim() != 1 or lengths.device.type != "cpu":
        raise RuntimeError(
            "'lengths' argument should be a 1D CPU int64 tensor, but got "
            f"{lengths.dim()}D {lengths.device.type} {lengths.dtype._legacy_name[:-len('Tensor')]}"
            " tensor"
        )
    values = [int(v) for v in lengths.tolist()]
    if len(values) != batch_size:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} "
            f"(batch_size={batch_size})"
        )
    return values


def _pack_padded(input, lengths, batch_first):
    """``_VF._pack_padded_sequence``: (data, batch_sizes) from a padded (T, B, *) tensor."""
    x = input.transpose(0, 1) if batch_first else input
    if x.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    steps, batch = x.shape[0], x.shape[1]
    lens = _lengths_list(lengths, batch)
    if lens[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    for i in range(batch - 1):
        if lens[batch - 1 - i] > lens[batch - 2 - i]:
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
    if lens[0] > steps:
        # PyTorch reads past the end of the input here; rtensor refuses.
        raise RuntimeError(
            f"Expected all lengths to be at most the sequence length {steps}, but got "
            f"{lens[0]}"
        )
    batch_sizes = [sum(1 for v in lens if v > t) for t in range(lens[0])]
    rows = [t * batch + j for t, b in enumerate(batch_sizes) for j in range(b)]
    idx = rtensor.tensor(rows, dtype=rtensor.int64, device=x.device)
    from .. import functional as F

    def f(t):
        return t.reshape(steps * batch, *t.shape[2:]).index_select(0, idx)

    data = F._named("PackPaddedSequenceBackward0", f, x)
    return data, rtensor.tensor(batch_sizes, dtype=rtensor.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch of sequences (``lengths`` sorted decreasingly unless
    ``enforce_sorted=False``, which sorts the batch and records the permutation)."""
    if not isinstance(lengths, Tensor):
        lengths = rtensor.as_tensor(lengths, dtype=rtensor.int64, device="cpu")
    else:
        lengths = lengths.to(dtype=rtensor.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = rtensor.sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        batch_dim = 0 if batch_first else 1
        input = input.index_select(batch_dim, sorted_indices)
    data, batch_sizes = _pack_padded(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _pad_packed(data, batch_sizes, batch_first, padding_value, total_length):
    """``_VF._pad_packed_sequence``: the padded (T, B, *) tensor and the lengths."""
    sizes = [int(v) for v in batch_sizes.tolist()]
    batch = sizes[0]
    out = rtensor.full((total_length, batch, *data.shape[1:]), padding_value, dtype=data.dtype,
                       device=data.device)
    offset = 0
    for t, b in enumerate(sizes):
        out[t, :b] = data[offset:offset + b]
        offset += b
    lengths = [sum(1 for b in sizes if b > j) for j in range(batch)]
    if batch_first:
        out = out.transpose(0, 1)
    return out, rtensor.tensor(lengths, dtype=rtensor.int64)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: (padded tensor, lengths as an int64 tensor)."""
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_seq_length}"
            )
        max_seq_length = total_length
    padded_output, lengths = _pad_packed(sequence.data, sequence.batch_sizes, batch_first,
                                         padding_value, max_seq_length)
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return (padded_output.index_select(batch_dim, unsorted_indices),
                lengths[unsorted_indices.cpu()])
    return padded_output, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks sequences of different lengths into one padded (T, B, *) (or (B, T, *)) tensor,
    padded on the right (or the left with ``padding_side='left'``)."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences)}"
        )
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    first = sequences[0]
    max_len = max(s.size(0) for s in sequences)
    trailing = tuple(first.shape[1:])
    dims = (len(sequences), max_len) if batch_first else (max_len, len(sequences))
    out = rtensor.full(dims + trailing, padding_value, dtype=first.dtype, device=first.device)
    for i, seq in enumerate(sequences):
        n = seq.size(0)
        start = max_len - n if padding_side == "left" else 0
        # Indexed assignment (a CopySlices node, as PyTorch's copy_ into a view records).
        if batch_first:
            out[i, start:start + n] = seq
        else:
            out[start:start + n, i] = seq
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The sequences of a padded batch as a list, each cut to its length."""
    unpadded_sequences = []
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    max_length = padded_sequences.shape[1]
    idx = rtensor.arange(max_length, device=lengths.device)
    for seq, length in zip(padded_sequences, lengths, strict=True):
        mask = idx < length
        unpadded_sequences.append(seq[mask])
    return unpadded_sequences


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of sequences (each (L_i, *)), longest first unless ``enforce_sorted=False``."""
    lengths = rtensor.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The sequences of a ``PackedSequence`` as a list of tensors, in the caller's order."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
