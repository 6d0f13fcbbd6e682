#!/usr/bin/env python
"""Record PyTorch's attention layers for tests/test_nn_attention.py (the suite never imports
torch).

Run from the repository root with a Python that has PyTorch:

    PYTHONPATH=python /work/venv-torch/bin/python scripts/record_attention_reference.py

It writes tests/data/attention_reference.npz (NumPy only, no pickles):

- ``meta``: a JSON string ``{"torch": version, "cases": [...], "reprs": [...], "errors": [...]}``.
  A case is ``{"id", "module" (an expression building the module after
  ``torch.manual_seed(0)``, or null), "call" (an expression of ``m``, ``F``, ``torch``, ``nn``
  and the inputs ``a0, a1, ...``), "inputs" ([name, kind]: "x" a float input that requires
  grad, "c" a float constant, "b" a boolean mask, "l" an int64 tensor; or ["a1", "=a0"] the same
  tensor again), "train" (the module's mode), "seed" (``torch.manual_seed`` right before the
  call, for dropout), "outputs" (how many tensors the call returned; None entries are
  skipped), "grad_fn" (the first output's), "params" (the module's parameter names)}``.
  A repr is ``{"expr", "repr"}``; an error is ``{"expr", "type", "message"}``.
- ``"<id>|<input name>"``: the inputs; ``"<id>|out<i>"`` the outputs and ``"<id>|g<i>"`` the
  upstream gradients of ``sum((out_i * g_i).sum())``; ``"<id>|grad|<input>"`` and
  ``"<id>|pgrad|<parameter>"`` the gradients; ``"<id>|param|<parameter>"`` the seeded module's
  parameters (the forward runs on exactly these).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "attention_reference.npz"

SDPA = "F.scaled_dot_product_attention"
MHA = "nn.MultiheadAttention"

# (id, module expr or None, call expr, inputs [(name, kind, shape)], train, seed)
CASES = [
    # scaled_dot_product_attention
    ("sdpa_basic", None, f"{SDPA}(a0, a1, a2)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 8))], 0, None),
    ("sdpa_3d", None, f"{SDPA}(a0, a1, a2)",
     [("a0", "x", (3, 4, 6)), ("a1", "x", (3, 5, 6)), ("a2", "x", (3, 5, 7))], 0, None),
    ("sdpa_2d", None, f"{SDPA}(a0, a1, a2)",
     [("a0", "x", (4, 6)), ("a1", "x", (5, 6)), ("a2", "x", (5, 6))], 0, None),
    ("sdpa_causal", None, f"{SDPA}(a0, a1, a2, is_causal=True)",
     [("a0", "x", (2, 2, 5, 8)), ("a1", "x", (2, 2, 5, 8)), ("a2", "x", (2, 2, 5, 8))], 0, None),
    ("sdpa_causal_short_q", None, f"{SDPA}(a0, a1, a2, is_causal=True)",
     [("a0", "x", (2, 2, 3, 8)), ("a1", "x", (2, 2, 6, 8)), ("a2", "x", (2, 2, 6, 8))], 0, None),
    ("sdpa_causal_long_q", None, f"{SDPA}(a0, a1, a2, is_causal=True)",
     [("a0", "x", (1, 2, 6, 4)), ("a1", "x", (1, 2, 3, 4)), ("a2", "x", (1, 2, 3, 4))], 0, None),
    ("sdpa_bool_mask", None, f"{SDPA}(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 8)),
      ("a3", "b", (4, 5))], 0, None),
    ("sdpa_bool_mask_4d", None, f"{SDPA}(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 8)),
      ("a3", "b", (2, 1, 4, 5))], 0, None),
    ("sdpa_float_mask", None, f"{SDPA}(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 8)),
      ("a3", "x", (4, 5))], 0, None),
    ("sdpa_float_mask_3d", None, f"{SDPA}(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 8)),
      ("a3", "x", (3, 4, 5))], 0, None),
    ("sdpa_mask_and_causal", None, f"{SDPA}(a0, a1, a2, attn_mask=a3, is_causal=True)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 8)),
      ("a3", "b", (4, 5))], 0, None),
    ("sdpa_scale", None, f"{SDPA}(a0, a1, a2, scale=0.7)",
     [("a0", "x", (2, 2, 4, 8)), ("a1", "x", (2, 2, 5, 8)), ("a2", "x", (2, 2, 5, 8))], 0, None),
    ("sdpa_neg_scale", None, f"{SDPA}(a0, a1, a2, scale=-0.3)",
     [("a0", "x", (2, 2, 4, 8)), ("a1", "x", (2, 2, 5, 8)), ("a2", "x", (2, 2, 5, 8))], 0, None),
    ("sdpa_gqa", None, f"{SDPA}(a0, a1, a2, enable_gqa=True)",
     [("a0", "x", (2, 6, 4, 8)), ("a1", "x", (2, 2, 5, 8)), ("a2", "x", (2, 2, 5, 8))], 0, None),
    ("sdpa_broadcast_heads", None, f"{SDPA}(a0, a1, a2)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 1, 5, 8)), ("a2", "x", (2, 1, 5, 8))], 0, None),
    ("sdpa_vdim", None, f"{SDPA}(a0, a1, a2)",
     [("a0", "x", (2, 3, 4, 8)), ("a1", "x", (2, 3, 5, 8)), ("a2", "x", (2, 3, 5, 6))], 0, None),
    ("sdpa_masked_row", None, f"{SDPA}(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (1, 2, 3, 4)), ("a1", "x", (1, 2, 5, 4)), ("a2", "x", (1, 2, 5, 4)),
      ("a3", "b0", (3, 5))], 0, None),
    ("sdpa_masked_row_3d", None, f"{SDPA}(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (2, 3, 4)), ("a1", "x", (2, 5, 4)), ("a2", "x", (2, 5, 4)),
      ("a3", "b0", (3, 5))], 0, None),
    ("sdpa_dropout", None, f"{SDPA}(a0, a1, a2, dropout_p=0.3)",
     [("a0", "x", (2, 2, 4, 8)), ("a1", "x", (2, 2, 5, 8)), ("a2", "x", (2, 2, 5, 8))], 0, 7),
    ("sdpa_self", None, f"{SDPA}(a0, a1, a2, is_causal=True)",
     [("a0", "x", (1, 2, 4, 8)), ("a1", "=a0", None), ("a2", "=a0", None)], 0, None),
    # MultiheadAttention
    ("mha_self", f"{MHA}(8, 2)", "m(a0, a1, a2)",
     [("a0", "x", (5, 3, 8)), ("a1", "=a0", None), ("a2", "=a0", None)], 0, None),
    ("mha_cross", f"{MHA}(8, 2)", "m(a0, a1, a2)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 0, None),
    ("mha_kv_same", f"{MHA}(8, 4)", "m(a0, a1, a1)",
     [("a0", "x", (4, 2, 8)), ("a1", "x", (6, 2, 8))], 0, None),
    ("mha_batch_first", f"{MHA}(8, 2, batch_first=True)", "m(a0, a0, a0)",
     [("a0", "x", (3, 5, 8))], 0, None),
    ("mha_no_bias", f"{MHA}(8, 2, bias=False)", "m(a0, a1, a2)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 0, None),
    ("mha_bias_kv", f"{MHA}(8, 2, add_bias_kv=True)", "m(a0, a1, a2, key_padding_mask=a3)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "b1", (3, 6))], 0, None),
    ("mha_zero_attn", f"{MHA}(8, 2, add_zero_attn=True)", "m(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "b1", (4, 6))], 0, None),
    ("mha_bias_kv_zero_attn", f"{MHA}(8, 2, add_bias_kv=True, add_zero_attn=True)",
     "m(a0, a1, a2, need_weights=False)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 0, None),
    ("mha_kdim_vdim", f"{MHA}(8, 2, kdim=5, vdim=3)", "m(a0, a1, a2)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 5)), ("a2", "x", (6, 3, 3))], 0, None),
    ("mha_kdim_vdim_nw", f"{MHA}(8, 2, kdim=5, vdim=3, batch_first=True)",
     "m(a0, a1, a2, need_weights=False, key_padding_mask=a3)",
     [("a0", "x", (3, 4, 8)), ("a1", "x", (3, 6, 5)), ("a2", "x", (3, 6, 3)),
      ("a3", "b1", (3, 6))], 0, None),
    ("mha_per_head", f"{MHA}(8, 4)", "m(a0, a1, a2, average_attn_weights=False)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 0, None),
    ("mha_no_weights", f"{MHA}(8, 4)", "m(a0, a1, a2, need_weights=False)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 0, None),
    ("mha_kpm_bool", f"{MHA}(8, 2)", "m(a0, a1, a2, key_padding_mask=a3)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "b1", (3, 6))], 0, None),
    ("mha_kpm_float_nw", f"{MHA}(8, 2)", "m(a0, a1, a2, key_padding_mask=a3, need_weights=False)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "c", (3, 6))], 0, None),
    ("mha_mask_2d_float", f"{MHA}(8, 2)", "m(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "c", (4, 6))], 0, None),
    ("mha_mask_3d_bool_nw", f"{MHA}(8, 2)",
     "m(a0, a1, a2, attn_mask=a3, key_padding_mask=a4, need_weights=False)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "b1", (6, 4, 6)), ("a4", "b1", (3, 6))], 0, None),
    ("mha_causal", f"{MHA}(8, 2, batch_first=True)",
     "m(a0, a0, a0, attn_mask=nn.Transformer.generate_square_subsequent_mask(5), "
     "is_causal=True, need_weights=False)",
     [("a0", "x", (2, 5, 8))], 0, None),
    ("mha_causal_weights", f"{MHA}(8, 2)",
     "m(a0, a0, a0, attn_mask=nn.Transformer.generate_square_subsequent_mask(5), "
     "is_causal=True)",
     [("a0", "x", (5, 2, 8))], 0, None),
    ("mha_unbatched", f"{MHA}(8, 2)", "m(a0, a1, a2, key_padding_mask=a3)",
     [("a0", "x", (4, 8)), ("a1", "x", (6, 8)), ("a2", "x", (6, 8)), ("a3", "b1", (6,))],
     0, None),
    ("mha_unbatched_mask3d", f"{MHA}(8, 2)", "m(a0, a1, a2, attn_mask=a3)",
     [("a0", "x", (4, 8)), ("a1", "x", (6, 8)), ("a2", "x", (6, 8)), ("a3", "b1", (2, 4, 6))],
     0, None),
    ("mha_dropout", f"{MHA}(8, 2, dropout=0.25)", "m(a0, a1, a2)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 1, 11),
    ("mha_dropout_nw", f"{MHA}(8, 2, dropout=0.25)", "m(a0, a1, a2, need_weights=False)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8))], 1, 12),
    ("mha_functional", None,
     "F.multi_head_attention_forward(a0, a1, a2, 8, 2, a3, a4, None, None, False, 0.0, a5, a6, "
     "training=False, key_padding_mask=a7)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "x", (6, 3, 8)),
      ("a3", "x", (24, 8)), ("a4", "x", (24,)), ("a5", "x", (8, 8)), ("a6", "x", (8,)),
      ("a7", "b1", (3, 6))], 0, None),
    # Transformer layers
    ("enc_layer", "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)", "m(a0)",
     [("a0", "x", (5, 3, 8))], 0, None),
    ("enc_layer_norm_first_gelu",
     "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation='gelu', norm_first=True, "
     "batch_first=True, layer_norm_eps=1e-3)",
     "m(a0, src_key_padding_mask=a1)", [("a0", "x", (3, 5, 8)), ("a1", "b1", (3, 5))], 0, None),
    ("enc_layer_callable_nobias",
     "nn.TransformerEncoderLayer(8, 4, 12, dropout=0.0, activation=torch.tanh, bias=False)",
     "m(a0, src_mask=nn.Transformer.generate_square_subsequent_mask(5), is_causal=True)",
     [("a0", "x", (5, 2, 8))], 0, None),
    ("enc_layer_module_act",
     "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=nn.GELU(), batch_first=True)",
     "m(a0, src_mask=a1)", [("a0", "x", (2, 5, 8)), ("a1", "c", (5, 5))], 0, None),
    ("enc_layer_unbatched", "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)", "m(a0)",
     [("a0", "x", (5, 8))], 0, None),
    ("enc_layer_dropout", "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.2, batch_first=True)",
     "m(a0)", [("a0", "x", (2, 5, 8))], 1, 5),
    ("dec_layer", "nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0)",
     "m(a0, a1, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4), "
     "memory_key_padding_mask=a2)",
     [("a0", "x", (4, 3, 8)), ("a1", "x", (6, 3, 8)), ("a2", "b1", (3, 6))], 0, None),
    ("dec_layer_norm_first",
     "nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True, batch_first=True, "
     "activation='gelu')",
     "m(a0, a1, tgt_key_padding_mask=a2, memory_mask=a3)",
     [("a0", "x", (3, 4, 8)), ("a1", "x", (3, 6, 8)), ("a2", "b1", (3, 4)),
      ("a3", "b1", (4, 6))], 0, None),
    ("encoder", "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, "
     "batch_first=True), 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)",
     "m(a0, mask=nn.Transformer.generate_square_subsequent_mask(5), src_key_padding_mask=a1)",
     [("a0", "x", (3, 5, 8)), ("a1", "b1", (3, 5))], 0, None),
    ("encoder_causal", "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),"
     " 2)", "m(a0, mask=nn.Transformer.generate_square_subsequent_mask(5))",
     [("a0", "x", (5, 2, 8))], 0, None),
    ("decoder", "nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2, "
     "norm=nn.LayerNorm(8))", "m(a0, a1, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))",
     [("a0", "x", (4, 2, 8)), ("a1", "x", (6, 2, 8))], 0, None),
    ("transformer", "nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True)",
     "m(a0, a1, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4), "
     "src_key_padding_mask=a2)",
     [("a0", "x", (2, 6, 8)), ("a1", "x", (2, 4, 8)), ("a2", "b1", (2, 6))], 0, None),
    # AdaptiveLogSoftmaxWithLoss
    ("asm", "nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0)", "m(a0, a1)",
     [("a0", "x", (9, 8)), ("a1", "l20", (9,))], 0, None),
    ("asm_head_bias", "nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3], head_bias=True)", "m(a0, a1)",
     [("a0", "x", (5, 8)), ("a1", "l12", (5,))], 0, None),
    ("asm_single_row", "nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 6])", "m(a0, a1)",
     [("a0", "x", (3, 8)), ("a1", "t1_4_10", None)], 0, None),
    ("asm_unbatched", "nn.AdaptiveLogSoftmaxWithLoss(8, 12, [3, 6])", "m(a0, a1)",
     [("a0", "x", (8,)), ("a1", "t7", None)], 0, None),
    ("asm_log_prob", "nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0)",
     "m.log_prob(a0)", [("a0", "x", (6, 8))], 0, None),
    ("asm_predict", "nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0)",
     "m.predict(a0)", [("a0", "c", (40, 8))], 0, None),
]

REPRS = [
    "nn.MultiheadAttention(8, 2)",
    "nn.MultiheadAttention(8, 2, kdim=4, vdim=6, bias=False, add_bias_kv=True)",
    "nn.TransformerEncoderLayer(8, 2, 16, activation='gelu', norm_first=True, bias=False)",
    "nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)",
    "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, enable_nested_tensor=False)",
    "nn.Transformer(8, 2, 1, 1, 16)",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0, head_bias=True)",
]

Q, K, V = "torch.zeros(2, 3, 4, 8)", "torch.zeros(2, 3, 5, 8)", "torch.zeros(2, 3, 5, 8)"
ERRORS = [
    f"{SDPA}({Q}, torch.zeros(2, 3, 5, 7), {V})",
    f"{SDPA}({Q}[0], {K}[0], torch.zeros(3, 6, 8))",
    f"{SDPA}({Q}.double(), {K}, {V})",
    f"{SDPA}(torch.zeros(8), torch.zeros(8), torch.zeros(8))",
    f"{SDPA}({Q}, {K}, {V}, attn_mask=torch.ones(4, 5, dtype=torch.int64))",
    f"{SDPA}({Q}, {K}, {V}, attn_mask=torch.ones(3, 3, dtype=torch.bool))",
    f"{SDPA}({Q}, {K}, {V}, attn_mask=torch.ones(3, 4, 5, dtype=torch.bool), is_causal=True)",
    f"{SDPA}({Q}, {K}, {V}, attn_mask=torch.ones(4, 5, dtype=torch.bool), is_causal=True, "
    "dropout_p=0.1)",
    f"{SDPA}({Q}[0], {K}[0], {V}[0], attn_mask=torch.ones(4, 5, dtype=torch.bool), "
    "is_causal=True)",
    f"{SDPA}({Q}, torch.zeros(2, 2, 5, 8), torch.zeros(2, 2, 5, 8), enable_gqa=True)",
    f"{SDPA}({Q}, torch.zeros(2, 2, 5, 8), torch.zeros(2, 2, 5, 8))",
    f"{SDPA}({Q}, {K}, {V}, dropout_p=1.5)",
    "nn.MultiheadAttention(10, 3)",
    "nn.MultiheadAttention(0, 3)",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8), attn_mask=torch.zeros(4, 5))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8), attn_mask=torch.zeros(5, 4, 6))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8), attn_mask=torch.zeros(4, 6, dtype=torch.int64))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8), key_padding_mask=torch.zeros(3, 5, dtype=torch.bool))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8), key_padding_mask=torch.zeros(3, 6, 1, dtype=torch.bool))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(1, 4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3), torch.zeros(6, 3, 8))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 6), torch.zeros(6, 3, 6), "
    "torch.zeros(6, 3, 6))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(5, 3, 8))",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 8), "
    "torch.zeros(6, 3, 8), is_causal=True)",
    "nn.MultiheadAttention(8, 2)(torch.zeros(4, 8), torch.zeros(6, 8), torch.zeros(6, 8), "
    "attn_mask=torch.zeros(3, 4, 6))",
    "nn.MultiheadAttention(8, 2, kdim=4, vdim=4)(torch.zeros(4, 3, 8), torch.zeros(6, 3, 5), "
    "torch.zeros(6, 3, 4))",
    "nn.TransformerEncoderLayer(8, 2, 16, activation='tanh')",
    "nn.TransformerEncoderLayer(8, 3)",
    "nn.Transformer(8, 2, 1, 1, 16)(torch.zeros(5, 2, 8), torch.zeros(4, 3, 8))",
    "nn.Transformer(8, 2, 1, 1, 16)(torch.zeros(5, 2, 8), torch.zeros(4, 2, 6))",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [])",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 3])",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10])",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(torch.zeros(4, 8), torch.tensor([1, 2, 10, 3]))",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(torch.zeros(4, 8), torch.tensor([1, 2, 3]))",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(torch.zeros(4, 2, 8), torch.tensor([1, 2, 3, 4]))",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(torch.zeros(4, 8), torch.tensor(1))",
    "nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3])(torch.zeros(4, 8), torch.zeros(4, 2).long())",
]


def make_input(rng, kind, shape, store):
    """The array for one input kind (see the module doc)."""
    if kind in ("x", "c"):
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "b":  # True = attend (SDPA); at least one True per row
        a = rng.random(shape) > 0.4
        a[..., 0] = True
        return a
    if kind == "b0":  # SDPA mask with a fully masked row
        a = rng.random(shape) > 0.4
        a[..., 0] = True
        a[1] = False
        return a
    if kind == "b1":  # True = masked (MHA); the first key always kept
        a = rng.random(shape) > 0.6
        a[..., 0] = False
        return a
    if kind.startswith("l"):
        return rng.integers(0, int(kind[1:]), shape).astype(np.int64)
    if kind.startswith("t"):
        return np.array([int(v) for v in kind[1:].split("_")], dtype=np.int64).reshape(
            () if "_" not in kind else (-1,))
    raise ValueError(kind)


def tensors_of(result):
    if isinstance(result, torch.Tensor):
        return [result]
    return [t for t in result if t is not None]


def record_case(case, rng, arrays, meta_cases):
    cid, module_expr, call, inputs, train, seed = case
    env = {"torch": torch, "nn": nn, "F": F}
    names = []
    for name, kind, shape in inputs:
        if kind.startswith("="):
            env[name] = env[kind[1:]]
            continue
        a = make_input(rng, kind, shape, arrays)
        arrays[f"{cid}|{name}"] = a
        t = torch.from_numpy(a.copy())
        if kind == "x":
            t.requires_grad_()
        env[name] = t
        names.append(name)
    m = None
    params = []
    if module_expr is not None:
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = eval(module_expr, env)
        m.train(bool(train))
        env["m"] = m
        for pname, p in m.named_parameters():
            params.append(pname)
            arrays[f"{cid}|param|{pname}"] = p.detach().numpy().copy()
    if seed is not None:
        torch.manual_seed(seed)
    outs = tensors_of(eval(call, env))
    loss = None
    for i, o in enumerate(outs):
        arrays[f"{cid}|out{i}"] = o.detach().numpy().copy()
        if o.dtype.is_floating_point and o.requires_grad:
            g = rng.standard_normal(tuple(o.shape)).astype(np.float32)
            arrays[f"{cid}|g{i}"] = g
            term = (o * torch.from_numpy(g)).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    for name, kind, _ in inputs:
        if kind == "x" and env[name].grad is not None:
            arrays[f"{cid}|grad|{name}"] = env[name].grad.numpy().copy()
    if m is not None:
        for pname, p in m.named_parameters():
            if p.grad is not None:
                arrays[f"{cid}|pgrad|{pname}"] = p.grad.numpy().copy()
    grad_fn = outs[0].grad_fn
    meta_cases.append({
        "id": cid, "module": module_expr, "call": call,
        "inputs": [[n, k] for n, k, _ in inputs], "train": train, "seed": seed,
        "outputs": len(outs), "grad_fn": None if grad_fn is None else type(grad_fn).__name__,
        "params": params,
    })


def main():
    rng = np.random.default_rng(2024)
    arrays, cases = {}, []
    for case in CASES:
        record_case(case, rng, arrays, cases)
    reprs = []
    for expr in REPRS:
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reprs.append({"expr": expr, "repr": repr(eval(expr))})
    errors = []
    for expr in ERRORS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr)
        except Exception as e:  # noqa: BLE001  (recording whatever PyTorch raises)
            errors.append({"expr": expr, "type": type(e).__name__, "message": str(e)})
        else:
            raise SystemExit(f"no error from {expr}")
    meta = {"torch": torch.__version__, "cases": cases, "reprs": reprs, "errors": errors}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT}: {len(cases)} cases, {len(reprs)} reprs, {len(errors)} errors")


if __name__ == "__main__":
    main()
