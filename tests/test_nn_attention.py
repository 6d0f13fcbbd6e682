"""Attention: F.scaled_dot_product_attention, nn.MultiheadAttention /
F.multi_head_attention_forward, the Transformer modules and nn.AdaptiveLogSoftmaxWithLoss
against PyTorch's answers recorded by scripts/record_attention_reference.py into
tests/data/attention_reference.npz (outputs, gradients of every input and parameter, seeded
parameters, reprs, errors); float64 gradcheck; the GPU against the CPU."""

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
from gpu_util import close
from rtensor.autograd import gradcheck

REF = np.load(Path(__file__).parent / "data" / "attention_reference.npz")
META = json.loads(str(REF["meta"]))
CASES = {c["id"]: c for c in META["cases"]}
RTOL, ATOL = 1e-4, 1e-5

# PyTorch's math path ends in UnsafeViewBackward0 (its batched matmul reshapes the bmm result);
# rtensor's batched matmul ends in a ViewBackward0, so that name is not compared. The fused
# path's node (ScaledDotProductFlashAttentionForCpuBackward0) is.
_COMPOSED_NAMES = {"UnsafeViewBackward0"}


def _build(case, device="cpu", dtype=None):
    """(module or None, env, differentiable inputs) for one recorded case."""
    cid = case["id"]
    env = {"torch": torch, "nn": nn, "F": F}
    leaves = {}
    for name, kind in case["inputs"]:
        if kind.startswith("="):
            env[name] = env[kind[1:]]
            continue
        a = REF[f"{cid}|{name}"]
        t = torch.tensor(a, device=device)
        if dtype is not None and t.dtype.is_floating_point:
            t = t.to(dtype)
        if kind == "x":
            t.requires_grad_()
            leaves[name] = t
        env[name] = t
    m = None
    if case["module"] is not None:
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = eval(case["module"], env)
        with torch.no_grad():
            for pname, p in m.named_parameters():
                p.copy_(torch.tensor(REF[f"{cid}|param|{pname}"]))
        m = m.to(device)
        if dtype is not None:
            m = m.to(dtype)
        m.train(bool(case["train"]))
        env["m"] = m
    return m, env, leaves


def _run(case, device="cpu", dtype=None, backward=True):
    m, env, leaves = _build(case, device, dtype)
    if case["seed"] is not None:
        torch.manual_seed(case["seed"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = eval(case["call"], env)
    outs = [res] if isinstance(res, torch.Tensor) else [t for t in res if t is not None]
    loss = None
    for i, o in enumerate(outs):
        key = f"{case['id']}|g{i}"
        if key in REF and backward:
            g = torch.tensor(REF[key], device=device, dtype=o.dtype)
            term = (o * g).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    return m, outs, leaves


@pytest.mark.parametrize("cid", list(CASES))
def test_matches_pytorch(cid):
    case = CASES[cid]
    m, outs, leaves = _run(case)
    assert len(outs) == case["outputs"]
    for i, o in enumerate(outs):
        ref = REF[f"{cid}|out{i}"]
        assert tuple(o.shape) == ref.shape, (i, o.shape, ref.shape)
        np.testing.assert_allclose(o.detach().numpy(), ref, rtol=RTOL, atol=ATOL)
    name = None if outs[0].grad_fn is None else outs[0].grad_fn.name()
    if case["grad_fn"] not in _COMPOSED_NAMES:
        assert name == case["grad_fn"]
    for name, t in leaves.items():
        key = f"{cid}|grad|{name}"
        if key in REF:
            np.testing.assert_allclose(t.grad.numpy(), REF[key], rtol=RTOL, atol=ATOL,
                                       err_msg=name)
        else:
            assert t.grad is None or not t.grad.abs().sum().item(), name
    if m is not None:
        assert [n for n, _ in m.named_parameters()] == case["params"]
        for pname, p in m.named_parameters():
            key = f"{cid}|pgrad|{pname}"
            if key in REF:
                np.testing.assert_allclose(p.grad.numpy(), REF[key], rtol=RTOL, atol=ATOL,
                                           err_msg=pname)
            else:
                assert p.grad is None, pname


@pytest.mark.parametrize("cid", [c for c in CASES if CASES[c]["module"] is not None])
def test_seeded_parameters_match_pytorch(cid):
    case = CASES[cid]
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = eval(case["module"], {"torch": torch, "nn": nn, "F": F})
    assert [n for n, _ in m.named_parameters()] == case["params"]
    for pname, p in m.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), REF[f"{cid}|param|{pname}"], pname)


@pytest.mark.parametrize("r", META["reprs"], ids=lambda r: r["expr"])
def test_repr_matches_pytorch(r):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(eval(r["expr"], {"nn": nn, "torch": torch})) == r["repr"]


@pytest.mark.parametrize("e", META["errors"], ids=lambda e: e["expr"])
def test_errors_match_pytorch(e):
    cls = {"RuntimeError": RuntimeError, "ValueError": ValueError, "IndexError": IndexError,
           "AssertionError": AssertionError}
    with pytest.raises(cls[e["type"]]) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eval(e["expr"], {"F": F, "nn": nn, "torch": torch})
    assert type(info.value) is cls[e["type"]]
    # Shapes print as rtensor.Size where PyTorch prints torch.Size.
    assert str(info.value) == e["message"].replace("torch.Size", "rtensor.Size")


# ----- properties beyond the recorded cases -----


def test_sdpa_equals_explicit_softmax():
    g = np.random.default_rng(0)
    q, k, v = (torch.tensor(g.standard_normal(s).astype(np.float32))
               for s in ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5)))
    mask = torch.tensor(g.random((4, 6)) > 0.3)
    mask[:, 0] = True
    s = q.numpy() @ k.numpy().swapaxes(-1, -2) / math.sqrt(8)
    s = np.where(mask.numpy(), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    np.testing.assert_allclose(out.numpy(), p @ v.numpy(), rtol=1e-5, atol=1e-6)


def test_mha_attention_weights_are_rows_of_probabilities():
    torch.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, batch_first=True)
    x = torch.randn(2, 5, 8)
    kpm = torch.tensor([[False] * 4 + [True], [False] * 5])
    _, w = m(x, x, x, key_padding_mask=kpm, average_attn_weights=False)
    assert tuple(w.shape) == (2, 2, 5, 5)
    np.testing.assert_allclose(w.sum(-1).detach().numpy(), np.ones((2, 2, 5)), rtol=1e-6)
    assert (w[0, :, :, 4] == 0).all().item()


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(mask.numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf],
                                                 [0, 0, 0]])
    assert mask.dtype == torch.float32
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=torch.float64).dtype == \
        torch.float64


def test_transformer_modules_keep_pytorch_attributes():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)
    assert enc.use_nested_tensor is False and enc.enable_nested_tensor is True
    assert any("enable_nested_tensor is True" in str(w.message) for w in caught)
    assert enc.layers[0] is not enc.layers[1]
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    layer = nn.TransformerEncoderLayer(8, 2, activation="gelu")
    assert layer.activation is F.gelu and layer.activation_relu_or_gelu == 2
    m = nn.MultiheadAttention(8, 2, kdim=4)
    assert m.in_proj_weight is None and tuple(m.k_proj_weight.shape) == (8, 4)
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(m.out_proj, nn.Linear)
    out = nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3])(torch.randn(4, 8), torch.tensor([0, 5, 2, 11]))
    assert out._fields == ("output", "loss")


def test_adaptive_log_prob_is_normalised_and_predict_is_its_argmax():
    torch.manual_seed(0)
    m = nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0)
    x = torch.randn(30, 8) * 3
    lp = m.log_prob(x)
    np.testing.assert_allclose(lp.exp().sum(1).detach().numpy(), np.ones(30), rtol=1e-5)
    np.testing.assert_array_equal(m.predict(x).numpy(), lp.argmax(1).numpy())
    target = torch.tensor(np.arange(30) % 20)
    out = m(x, target)
    np.testing.assert_allclose(out.output.detach().numpy(),
                               lp.gather(1, target.unsqueeze(1)).squeeze(1).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# ----- the fused kernel against the composition -----


def _qkv(b, h, lq, s, d, dv, seed, dtype=np.float32):
    g = np.random.default_rng(seed)
    return [torch.tensor(g.standard_normal(shape).astype(dtype), requires_grad=True)
            for shape in ((b, h, lq, d), (b, h, s, d), (b, h, s, dv))]


@pytest.mark.parametrize("lq,s,causal,mask", [
    (150, 130, False, None), (150, 130, True, None), (70, 200, True, "bool"),
    (130, 65, False, "float"), (66, 66, True, "bool_dead"),
], ids=str)
def test_fused_attention_equals_composition(lq, s, causal, mask):
    q, k, v = _qkv(2, 3, lq, s, 16, 16, seed=lq + s)
    kw = {"is_causal": causal}
    g = np.random.default_rng(1)
    if mask == "bool" or mask == "bool_dead":
        m = torch.tensor(g.random((lq, s)) > 0.3)
        if mask == "bool_dead":
            m[3] = False
        kw["attn_mask"] = m
    elif mask == "float":
        kw["attn_mask"] = torch.tensor(g.standard_normal((1, 3, lq, s)).astype(np.float32))
    out = F.scaled_dot_product_attention(q, k, v, **kw)
    assert out.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
    gout = torch.tensor(g.standard_normal(tuple(out.shape)).astype(np.float32))
    (out * gout).sum().backward()
    fused = [out.detach().numpy()] + [t.grad.numpy() for t in (q, k, v)]
    # The composed path: a float mask that requires grad leaves the flash path, in PyTorch too;
    # the causal mask then goes into that float mask (the math path refuses both together).
    q2, k2, v2 = (t.detach().requires_grad_() for t in (q, k, v))
    bias = torch.zeros(lq, s)
    if "attn_mask" in kw:
        am = kw["attn_mask"]
        bias = bias + (torch.zeros(lq, s).masked_fill(~am, float("-inf")) if am.dtype ==
                       torch.bool else am)
    if causal:
        bias = bias + nn.Transformer.generate_square_subsequent_mask(max(lq, s))[:lq, :s]
    bias.requires_grad_()
    ref = F.scaled_dot_product_attention(q2, k2, v2, attn_mask=bias)
    assert ref.grad_fn.name() != "ScaledDotProductFlashAttentionForCpuBackward0"
    (ref * gout).sum().backward()
    composed = [ref.detach().numpy()] + [t.grad.numpy() for t in (q2, k2, v2)]
    for name, a, b in zip(("out", "dq", "dk", "dv"), fused, composed):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5, err_msg=name)
    if mask == "bool_dead":
        assert (out[:, :, 3] == 0).all().item() and (q.grad[:, :, 3] == 0).all().item()


def test_fused_attention_second_derivative_is_refused_as_in_pytorch():
    q, k, v = _qkv(1, 2, 3, 4, 4, 4, seed=0, dtype=np.float64)
    out = F.scaled_dot_product_attention(q, k, v)
    with pytest.raises(RuntimeError, match="derivative for aten::_scaled_dot_product_flash_"
                       "attention_for_cpu_backward is not implemented"):
        torch.autograd.grad(out.sum(), q, create_graph=True)


def test_fused_attention_native_checks():
    q = torch.zeros(1, 2, 3, 4)
    with pytest.raises(RuntimeError, match="do not match"):
        torch._C._sdpa_flash(q, torch.zeros(1, 2, 5, 3), torch.zeros(1, 2, 5, 4), None, False,
                             1.0)
    with pytest.raises(RuntimeError, match="attn_mask"):
        torch._C._sdpa_flash(q, q, q, torch.zeros(3, 3), False, 1.0)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        z = torch.zeros(1, 2, 3, 4, dtype=torch.int64)
        torch._C._sdpa_flash(z, z, z, None, False, 1.0)
    e = torch.zeros(1, 2, 0, 4)
    assert tuple(torch._C._sdpa_flash(e, q, q, None, True, 1.0).shape) == (1, 2, 0, 4)
    # A value width other than the key width (PyTorch's math path; the kernel takes it too).
    q, k, v = _qkv(2, 2, 5, 7, 4, 6, seed=3)
    fused = torch._C._sdpa_flash(q, k, v, None, True, 0.5)
    ref = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.5)
    np.testing.assert_allclose(fused.detach().numpy(), ref.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


# ----- float64 gradcheck -----


def _rand(*shape, seed=0):
    g = np.random.default_rng(seed + sum(shape))
    return torch.tensor(g.standard_normal(shape), dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("kw", [
    {}, {"is_causal": True}, {"scale": 0.4}, {"mask": "bool"}, {"mask": "float"},
    {"mask": "bool", "is_causal": True}, {"gqa": True},
], ids=str)
def test_sdpa_gradcheck(kw):
    kw = dict(kw)
    q = _rand(1, 2, 3, 4)
    heads = 1 if kw.pop("gqa", False) else 2
    k, v = _rand(1, heads, 5, 4, seed=1), _rand(1, heads, 5, 4, seed=2)
    mask = kw.pop("mask", None)
    args = [q, k, v]
    if mask == "bool":
        m = torch.tensor(np.random.default_rng(3).random((3, 5)) > 0.4)
        m[:, 0] = True
        kw["attn_mask"] = m
    elif mask == "float":
        args.append(_rand(3, 5, seed=4))

    def f(q, k, v, *rest):
        extra = {"attn_mask": rest[0]} if rest else {}
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=heads == 1, **kw, **extra)

    assert gradcheck(f, tuple(args))


@pytest.mark.parametrize("bias_kv,zero_attn,need_weights,separate", [
    (False, False, True, False),
    (True, True, False, False),
    (False, False, True, True),
    (True, False, False, True),
], ids=str)
def test_multi_head_attention_forward_gradcheck(bias_kv, zero_attn, need_weights, separate):
    e, heads = 4, 2
    q, k, v = _rand(3, 2, e), _rand(5, 2, 3 if separate else e, seed=1), _rand(5, 2, 5 if
                                                                              separate else e,
                                                                              seed=2)
    kpm = torch.tensor([[False, False, True, False, False], [False] * 5])
    in_w = _rand(e, e, seed=3), _rand(e, k.shape[-1], seed=4), _rand(e, v.shape[-1], seed=5)
    in_b, out_w, out_b = _rand(3 * e, seed=6), _rand(e, e, seed=7), _rand(e, seed=8)
    bias_k, bias_v = _rand(1, 1, e, seed=9), _rand(1, 1, e, seed=10)

    def f(q, k, v, wq, wk, wv, in_b, out_w, out_b, bias_k, bias_v):
        packed = None if separate else torch.cat([wq, wk, wv])
        out, w = F.multi_head_attention_forward(
            q, k, v, e, heads, packed, in_b, bias_k if bias_kv else None,
            bias_v if bias_kv else None, zero_attn, 0.0, out_w, out_b, key_padding_mask=kpm,
            need_weights=need_weights, use_separate_proj_weight=separate, q_proj_weight=wq,
            k_proj_weight=wk, v_proj_weight=wv, average_attn_weights=False)
        return out if w is None else (out, w)

    assert gradcheck(f, (q, k, v, *in_w, in_b, out_w, out_b, bias_k, bias_v))


def test_encoder_layer_gradcheck():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=True, activation="gelu",
                                       dtype=torch.float64)
    x = _rand(3, 2, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    assert gradcheck(lambda x: layer(x, src_mask=mask, is_causal=True), (x,))


# ----- GPU -----


@pytest.mark.parametrize("cid", ["sdpa_basic", "sdpa_causal", "sdpa_bool_mask", "sdpa_gqa",
                                 "sdpa_masked_row", "mha_self", "mha_bias_kv",
                                 "mha_kdim_vdim_nw", "enc_layer_norm_first_gelu", "dec_layer_norm_first",
                                 "asm"])
def test_gpu_matches_cpu(gpu, cid):
    case = CASES[cid]
    cm, c_outs, c_leaves = _run(case)
    gm, g_outs, g_leaves = _run(case, gpu)
    for g, c in zip(g_outs, c_outs):
        close(g.detach(), c.detach(), rtol=1e-4, atol=1e-5)
    for name in c_leaves:
        close(g_leaves[name].grad, c_leaves[name].grad, rtol=1e-4, atol=1e-5)
    if cm is not None:
        for cp, gp in zip(cm.parameters(), gm.parameters()):
            if cp.grad is not None:
                close(gp.grad, cp.grad, rtol=1e-4, atol=1e-5)
