"""Layers: Linear, Bilinear, Identity, Embedding, EmbeddingBag, LayerNorm, Dropout, Flatten,
Unflatten.

Oracles: NumPy (forward), ``rtensor.autograd.gradcheck`` in float64 (backward, with respect to
inputs and parameters), PyTorch's own draws in ``tests/data/rng_cases.json`` (initialisation,
bit for bit), the documented draw order of each ``reset_parameters`` reproduced with the random
primitives, and PyTorch's error classes and messages.
"""

import json
import math
import pathlib

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
from hypothesis import given, settings
from hypothesis import strategies as st
from rtensor.autograd import gradcheck

ROOT = pathlib.Path(__file__).resolve().parents[1]
RNG_CASES = {c["call"]: c for c in json.loads((ROOT / "tests" / "data" / "rng_cases.json")
                                                 .read_text())}
f64 = torch.float64


def hexes(t):
    return [float.hex(float(v)) for v in t.detach().reshape(-1).tolist()]


def check_case(call, tensors):
    case = RNG_CASES[call]
    assert len(tensors) == len(case["results"])
    for t, expected in zip(tensors, case["results"]):
        assert str(t.dtype) == "rtensor." + expected["dtype"]
        assert list(t.shape) == expected["shape"]
        assert hexes(t) == expected["hex"]


def call_with(module, params, *inputs):
    """Calls ``module`` with its parameters replaced by ``params`` (in ``named_parameters``
    order), so that gradcheck can differentiate with respect to them too."""
    saved = dict(module._parameters)
    names = [n for n, p in saved.items() if p is not None]
    module._parameters.update(zip(names, params))
    try:
        return module(*inputs)
    finally:
        module._parameters.update(saved)


def gradcheck_module(module, *inputs):
    params = [p.detach().clone().requires_grad_(True) for p in module.parameters()]
    n = len(params)
    assert gradcheck(lambda *a: call_with(module, a[:n], *a[n:]), tuple(params) + inputs)


# ----- Linear --------------------------------------------------------------------------------


@pytest.mark.parametrize("call,seed,sizes", [
    ("nn.Linear(3, 1): weight, bias", 1, (3, 1)),
    ("nn.Linear(1, 1): weight, bias", 1, (1, 1)),
    ("nn.Linear(10, 128): weight, bias", 0, (10, 128)),
])
def test_linear_init_is_pytorchs(call, seed, sizes):
    torch.manual_seed(seed)
    lin = nn.Linear(*sizes)
    check_case(call, [lin.weight, lin.bias])


def test_linear_init_draw_order():
    # kaiming_uniform_(a=sqrt(5)) on the weight: bound = sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in)
    # computed in Python floats, then uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias.
    for seed, (fan_in, fan_out) in [(5, (7, 3)), (11, (16, 9))]:
        torch.manual_seed(seed)
        bound = math.sqrt(3.0) * (math.sqrt(2.0 / (1 + math.sqrt(5) ** 2)) / math.sqrt(fan_in))
        w = torch.empty(fan_out, fan_in).uniform_(-bound, bound)
        b = torch.empty(fan_out).uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
        torch.manual_seed(seed)
        lin = nn.Linear(fan_in, fan_out)
        assert hexes(lin.weight) == hexes(w) and hexes(lin.bias) == hexes(b)
    torch.manual_seed(2)
    no_bias = nn.Linear(4, 2, bias=False)
    assert no_bias.bias is None and [n for n, _ in no_bias.named_parameters()] == ["weight"]
    assert repr(no_bias) == "Linear(in_features=4, out_features=2, bias=False)"


def test_linear_forward_matches_numpy():
    lin = nn.Linear(4, 3)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    for shape in [(4,), (5, 4), (2, 3, 4)]:
        x = torch.randn(*shape)
        out = lin(x)
        assert out.shape == shape[:-1] + (3,)
        assert np.allclose(out.detach().numpy(), x.numpy() @ w.T + b, atol=1e-6)
    assert out.requires_grad and out.grad_fn is not None
    nb = nn.Linear(4, 3, bias=False)
    x = torch.randn(2, 4)
    assert np.allclose(nb(x).detach().numpy(), x.numpy() @ nb.weight.detach().numpy().T,
                       atol=1e-6)


def test_linear_gradcheck():
    torch.manual_seed(0)
    lin = nn.Linear(3, 2, dtype=f64)
    gradcheck_module(lin, torch.randn(4, 3, dtype=f64, requires_grad=True))
    gradcheck_module(nn.Linear(3, 2, bias=False, dtype=f64),
                     torch.randn(2, 5, 3, dtype=f64, requires_grad=True))


def test_linear_bad_shape_raises_with_sizes():
    lin = nn.Linear(3, 4)
    with pytest.raises(RuntimeError) as e:
        lin(torch.randn(2, 2))
    assert str(e.value) == "mat1 and mat2 shapes cannot be multiplied (2x2 and 3x4)"


def test_identity():
    ident = nn.Identity(54, unused="ignored")
    x = torch.randn(2)
    assert ident(x) is x and repr(ident) == "Identity()"


# ----- Bilinear ------------------------------------------------------------------------------


def test_bilinear_init_draw_order():
    # bound = 1/sqrt(in1_features); weight then bias, both uniform(-bound, bound).
    torch.manual_seed(4)
    bound = 1 / math.sqrt(3)
    w = torch.empty(5, 3, 2).uniform_(-bound, bound)
    b = torch.empty(5).uniform_(-bound, bound)
    torch.manual_seed(4)
    bil = nn.Bilinear(3, 2, 5)
    assert hexes(bil.weight) == hexes(w) and hexes(bil.bias) == hexes(b)
    assert repr(bil) == "Bilinear(in1_features=3, in2_features=2, out_features=5, bias=True)"


def test_bilinear_forward_matches_numpy():
    bil = nn.Bilinear(3, 2, 4)
    x1, x2 = torch.randn(6, 3), torch.randn(6, 2)
    w, b = bil.weight.detach().numpy(), bil.bias.detach().numpy()
    expected = np.einsum("ni,oij,nj->no", x1.numpy(), w, x2.numpy()) + b
    assert np.allclose(bil(x1, x2).detach().numpy(), expected, atol=1e-5)
    nb = nn.Bilinear(3, 2, 4, bias=False)
    expected = np.einsum("ni,oij,nj->no", x1.numpy(), nb.weight.detach().numpy(), x2.numpy())
    assert np.allclose(nb(x1, x2).detach().numpy(), expected, atol=1e-5)


def test_bilinear_gradcheck():
    bil = nn.Bilinear(3, 2, 2, dtype=f64)
    gradcheck_module(bil, torch.randn(4, 3, dtype=f64, requires_grad=True),
                     torch.randn(4, 2, dtype=f64, requires_grad=True))


def test_bilinear_bad_shape_raises():
    bil = nn.Bilinear(3, 2, 4)
    with pytest.raises(RuntimeError) as e:
        bil(torch.randn(5, 3), torch.randn(5, 7))
    assert "7" in str(e.value) and "2" in str(e.value)


# ----- Embedding -----------------------------------------------------------------------------


def test_embedding_init_is_pytorchs():
    torch.manual_seed(1)
    check_case("nn.Embedding(2, 5).weight", [nn.Embedding(2, 5).weight])
    torch.manual_seed(1)
    check_case("nn.Embedding(97, 10).weight", [nn.Embedding(97, 10).weight])


def test_ngram_model_init_order_is_pytorchs():
    torch.manual_seed(1)
    emb, lin1, lin2 = nn.Embedding(97, 10), nn.Linear(20, 128), nn.Linear(128, 97)
    check_case("n-gram model init in order: Embedding(97,10), Linear(20,128), Linear(128,97)",
               [emb.weight, lin1.weight, lin1.bias, lin2.weight, lin2.bias])


def test_embedding_lookup_matches_numpy_and_tutorial_print():
    torch.manual_seed(1)
    emb = nn.Embedding(2, 5)
    out = emb(torch.tensor([0], dtype=torch.long))
    # The Word Embeddings tutorial's printed "hello" embedding (tests/data/repr_cases.json).
    assert repr(out) == ("tensor([[ 0.6614,  0.2669,  0.0617,  0.6213, -0.4519]],\n"
                         "       grad_fn=<EmbeddingBackward0>)")
    emb = nn.Embedding(10, 3)
    idx = torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])
    out = emb(idx)
    assert out.shape == (2, 4, 3)
    assert np.array_equal(out.detach().numpy(), emb.weight.detach().numpy()[idx.numpy()])


def test_embedding_backward_accumulates_rows():
    emb = nn.Embedding(5, 2)
    idx = torch.tensor([0, 2, 0, 4])
    g = torch.randn(4, 2)
    (emb(idx) * g).sum().backward()
    expected = np.zeros((5, 2), dtype=np.float32)
    np.add.at(expected, idx.numpy(), g.numpy())
    assert np.allclose(emb.weight.grad.numpy(), expected)


def test_embedding_gradcheck():
    emb = nn.Embedding(6, 3, dtype=f64)
    idx = torch.tensor([[0, 5], [2, 2]])
    gradcheck_module(emb, idx)


def test_embedding_padding_idx():
    torch.manual_seed(0)
    emb = nn.Embedding(4, 3, padding_idx=1)
    assert emb.weight[1].tolist() == [0.0, 0.0, 0.0]
    # The other rows are the normal draw (the padding row is zeroed after drawing).
    torch.manual_seed(0)
    drawn = torch.empty(4, 3).normal_()
    keep = [0, 2, 3]
    assert hexes(emb.weight[keep]) == hexes(drawn[keep])
    emb(torch.tensor([1, 0, 1])).sum().backward()
    assert emb.weight.grad[1].tolist() == [0.0, 0.0, 0.0]  # no gradient into the padding row
    assert emb.weight.grad[0].tolist() == [1.0, 1.0, 1.0]
    neg = nn.Embedding(4, 3, padding_idx=-1)
    assert neg.padding_idx == 3 and repr(neg) == "Embedding(4, 3, padding_idx=3)"
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(4, 3, padding_idx=4)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(4, 3, padding_idx=-5)


def test_embedding_max_norm_renormalises_looked_up_rows_in_place():
    weight = torch.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 0.0]])
    emb = nn.Embedding.from_pretrained(weight.clone(), freeze=False, max_norm=1.0)
    out = emb(torch.tensor([0, 1, 0]))
    # Rows 0 (norm 5) and 1 (norm 0.5) were looked up: row 0 scaled by 1 / (5 + 1e-7);
    # row 2 (norm 10) was not looked up and keeps its values.
    w = emb.weight.detach().numpy()
    assert np.allclose(w[0], np.array([3.0, 4.0]) / (5 + 1e-7), rtol=1e-6)
    assert np.allclose(w[1], [0.3, 0.4]) and np.array_equal(w[2], [6.0, 8.0])
    assert np.allclose(out.detach().numpy(), w[[0, 1, 0]])
    assert emb.weight.grad_fn is None  # the renorm is not recorded
    l1 = nn.Embedding.from_pretrained(weight.clone(), max_norm=2.0, norm_type=1.0)
    l1(torch.tensor([2]))
    assert np.allclose(l1.weight[2].numpy(), np.array([6.0, 8.0]) * 2 / (14 + 1e-7), rtol=1e-6)
    assert repr(l1) == "Embedding(4, 2, max_norm=2.0, norm_type=1.0)"


def test_embedding_from_pretrained():
    weight = torch.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    emb = nn.Embedding.from_pretrained(weight)
    assert not emb.weight.requires_grad and isinstance(emb.weight, nn.Parameter)
    assert emb(torch.tensor([1])).tolist() == [[4.0, 5.099999904632568, 6.300000190734863]]
    with torch.no_grad():
        weight[0, 0] = 9.0
    assert emb.weight[0, 0].item() == 9.0  # shares the given tensor's data
    assert nn.Embedding.from_pretrained(weight, freeze=False).weight.requires_grad
    assert nn.Embedding.from_pretrained(weight, padding_idx=0).padding_idx == 0
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be "
                                             "2-dimensional"):
        nn.Embedding.from_pretrained(torch.ones(3))


def test_embedding_bad_indices():
    emb = nn.Embedding(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(torch.tensor([3]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        emb(torch.tensor([0.5]))


def test_embedding_repr_options():
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(nn.Embedding(10, 3, scale_grad_by_freq=True, sparse=True)) == (
        "Embedding(10, 3, scale_grad_by_freq=True, sparse=True)")


# ----- EmbeddingBag --------------------------------------------------------------------------


def bag_reference(weight, idx, offsets, mode, psw=None):
    """The bags ``idx[offsets[i]:offsets[i+1]]`` reduced with NumPy; empty bags give zeros."""
    ends = list(offsets[1:]) + [len(idx)]
    rows = []
    for start, end in zip(offsets, ends):
        sel = weight[idx[start:end]]
        if end == start:
            rows.append(np.zeros(weight.shape[1], dtype=weight.dtype))
        elif mode == "sum":
            w = np.ones(end - start) if psw is None else psw[start:end]
            rows.append((sel * w[:, None]).sum(0))
        elif mode == "mean":
            rows.append(sel.mean(0))
        else:
            rows.append(sel.max(0))
    return np.stack(rows)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_with_offsets_matches_numpy(mode):
    bag = nn.EmbeddingBag(10, 3, mode=mode)
    idx = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = torch.tensor([0, 4, 4, 6])  # the third bag is empty
    out = bag(idx, offsets)
    expected = bag_reference(bag.weight.detach().numpy(), idx.numpy(), offsets.tolist(), mode)
    assert out.shape == (4, 3)
    assert np.allclose(out.detach().numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_and_gradcheck(mode):
    bag = nn.EmbeddingBag(6, 2, mode=mode, dtype=f64)
    idx = torch.tensor([[0, 2, 5], [1, 1, 3]])  # two bags of three
    out = bag(idx)
    expected = bag_reference(bag.weight.detach().numpy(), idx.reshape(-1).numpy(), [0, 3], mode)
    assert np.allclose(out.detach().numpy(), expected)
    gradcheck_module(bag, idx)


def test_embedding_bag_per_sample_weights_and_last_offset():
    bag = nn.EmbeddingBag(10, 3, mode="sum", include_last_offset=True)
    idx = torch.tensor([1, 2, 4, 5, 4])
    offsets = torch.tensor([0, 2, 5])  # include_last_offset: two bags
    psw = torch.tensor([0.5, 2.0, 1.0, -1.0, 3.0])
    out = bag(idx, offsets, per_sample_weights=psw)
    expected = bag_reference(bag.weight.detach().numpy(), idx.numpy(), [0, 2], "sum",
                             psw.numpy())
    assert out.shape == (2, 3) and np.allclose(out.detach().numpy(), expected, atol=1e-6)
    mean = nn.EmbeddingBag(10, 3, mode="mean")
    with pytest.raises((NotImplementedError, RuntimeError, ValueError)):
        mean(idx, torch.tensor([0, 2]), per_sample_weights=psw)


def test_embedding_bag_repr_and_init():
    torch.manual_seed(6)
    drawn = torch.empty(10, 3).normal_()
    torch.manual_seed(6)
    bag = nn.EmbeddingBag(10, 3)
    assert hexes(bag.weight) == hexes(drawn)
    assert repr(bag) == "EmbeddingBag(10, 3, mode='mean')"
    assert repr(nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)) == (
        "EmbeddingBag(10, 3, mode='sum', padding_idx=2)")
    pre = nn.EmbeddingBag.from_pretrained(torch.ones(4, 2), mode="max")
    assert not pre.weight.requires_grad and pre.mode == "max"


# ----- LayerNorm -----------------------------------------------------------------------------


def layer_norm_reference(x, n_dims, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - n_dims, x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)  # biased, as LayerNorm uses
    y = (x - mean) / np.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def test_layer_norm_forward_matches_numpy():
    ln = nn.LayerNorm(4)
    assert ln.weight.tolist() == [1.0] * 4 and ln.bias.tolist() == [0.0] * 4
    assert ln.normalized_shape == (4,)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor([1.0, 2.0, 0.5, -1.0]))
        ln.bias.copy_(torch.tensor([0.0, 1.0, -1.0, 3.0]))
    x = torch.randn(3, 5, 4)
    expected = layer_norm_reference(x.numpy().astype(np.float64), 1,
                                    ln.weight.detach().numpy(), ln.bias.detach().numpy())
    assert np.allclose(ln(x).detach().numpy(), expected, atol=1e-5)
    ln2 = nn.LayerNorm([5, 4], elementwise_affine=False, eps=1e-3)
    assert ln2.weight is None and ln2.bias is None and list(ln2.parameters()) == []
    expected = layer_norm_reference(x.numpy().astype(np.float64), 2, eps=1e-3)
    assert np.allclose(ln2(x).detach().numpy(), expected, atol=1e-5)
    nb = nn.LayerNorm(4, bias=False)
    assert nb.bias is None and [n for n, _ in nb.named_parameters()] == ["weight"]


def test_layer_norm_gradcheck_and_repr():
    ln = nn.LayerNorm((2, 3), dtype=f64)
    with torch.no_grad():
        ln.weight.normal_()
        ln.bias.normal_()
    gradcheck_module(ln, torch.randn(4, 2, 3, dtype=f64, requires_grad=True))
    assert repr(ln) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.LayerNorm(4, elementwise_affine=False)) == (
        "LayerNorm((4,), eps=1e-05, elementwise_affine=False, bias=False)")


def test_layer_norm_bad_shape():
    with pytest.raises(RuntimeError) as e:
        nn.LayerNorm(4)(torch.randn(2, 3))
    assert str(e.value) == ("Given normalized_shape=[4], expected input with shape [*, 4], "
                            "but got input of size[2, 3]")


# ----- Dropout -------------------------------------------------------------------------------


def test_dropout_training_draws_pytorchs_mask():
    torch.manual_seed(2)
    out = nn.Dropout(p=0.5)(torch.ones(20))
    check_case("F.dropout(ones(20), p=0.5, training=True)", [out])


def test_dropout_scaling_and_eval():
    torch.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = torch.randn(1000)
    out = drop(x).numpy()
    kept = out != 0
    assert np.allclose(out[kept], x.numpy()[kept] / 0.75, rtol=1e-6)
    assert 0.65 < kept.mean() < 0.85
    drop.eval()
    assert np.array_equal(drop(x).numpy(), x.numpy())
    assert repr(drop) == "Dropout(p=0.25, inplace=False)"
    with pytest.raises(ValueError) as e:
        nn.Dropout(1.5)
    assert str(e.value) == "dropout probability has to be between 0 and 1, but got 1.5"
    assert nn.Dropout(0.0)(x).tolist() == x.tolist()


def test_feature_dropout_zeroes_whole_channels():
    torch.manual_seed(3)
    x = torch.randn(4, 6, 3, 3)
    out = nn.Dropout2d(0.5)(x).numpy().reshape(24, 9)
    ref = x.numpy().reshape(24, 9)
    dropped = (out == 0).all(1)
    assert dropped.any() and not dropped.all()
    assert np.allclose(out[~dropped], ref[~dropped] * 2, rtol=1e-6)
    out1 = nn.Dropout1d(0.5)(torch.ones(3, 8, 5)).numpy()
    assert all(len(set(row.tolist())) == 1 for row in out1.reshape(24, 5))
    for cls, shape in ((nn.Dropout1d, (2, 3, 4)), (nn.Dropout2d, (2, 3, 4, 4)),
                       (nn.Dropout3d, (2, 3, 2, 2, 2)), (nn.AlphaDropout, (5,)),
                       (nn.FeatureAlphaDropout, (2, 3, 4))):
        m = cls(0.3).eval()
        x = torch.randn(*shape)
        assert np.array_equal(m(x).numpy(), x.numpy())
        assert repr(m) == f"{cls.__name__}(p=0.3, inplace=False)"


# ----- Flatten / Unflatten -------------------------------------------------------------------


def test_flatten_defaults_and_repr():
    x = torch.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=5), st.data())
def test_flatten_matches_numpy_reshape(shape, data):
    n = len(shape)
    start = data.draw(st.integers(-n, n - 1))
    end = data.draw(st.integers(-n, n - 1))
    s, e = start % n, end % n
    x = torch.randn(*shape)
    if s > e:
        with pytest.raises(RuntimeError, match="flatten\\(\\) has invalid args: start_dim cannot "
                                               "come after end_dim"):
            nn.Flatten(start, end)(x)
        return
    expected = x.numpy().reshape(shape[:s] + [int(np.prod(shape[s:e + 1]))] + shape[e + 1:])
    assert np.array_equal(nn.Flatten(start, end)(x).numpy(), expected)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_unflatten_inverts_flatten(shape, data):
    n = len(shape)
    dim = data.draw(st.integers(0, n - 1))
    # Split shape[dim] into factors, one of which may be given as -1.
    size = shape[dim]
    factors = [f for f in range(1, size + 1) if size % f == 0]
    a = data.draw(st.sampled_from(factors))
    parts = (a, size // a)
    if data.draw(st.booleans()):
        parts = (a, -1)
    x = torch.randn(*shape)
    out = nn.Unflatten(dim, parts)(x)
    expected_shape = shape[:dim] + [a, size // a] + shape[dim + 1:]
    assert list(out.shape) == expected_shape
    assert np.array_equal(out.numpy(), x.numpy().reshape(expected_shape))
    assert np.array_equal(nn.Flatten(dim, dim + 1)(out).numpy(), x.numpy())


def test_unflatten_argument_errors():
    with pytest.raises(TypeError) as e:
        nn.Unflatten(1, [2, 5])
    assert str(e.value) == "unflattened_size must be a tuple of ints, but found type list"
    with pytest.raises(TypeError) as e:
        nn.Unflatten(1, (2, 5.0))
    assert str(e.value) == ("unflattened_size must be tuple of ints, but found element of type "
                            "float at pos 1")
    assert nn.Unflatten(1, torch.Size([2, 5]))(torch.ones(3, 10)).shape == (3, 2, 5)
    with pytest.raises(RuntimeError):
        nn.Unflatten(1, (3, 3))(torch.ones(2, 10))


def test_flatten_gradcheck():
    x = torch.randn(2, 3, 2, dtype=f64, requires_grad=True)
    assert gradcheck(nn.Flatten(), (x,))
    assert gradcheck(nn.Unflatten(1, (3, 1)), (x,))
