"""``nn.Module``, ``nn.Parameter`` and the containers.

Oracles: PyTorch's printed text in ``tests/data/repr_cases.json`` (module and Parameter reprs);
PyTorch's documented behaviour and its exact messages (``torch/nn/modules/module.py`` and
``container.py``), written out below where the JSON has no case — each such test says so; and
closed forms (a Linear layer's gradients) for the backward hooks.
"""

import copy
import json
import pathlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import rtensor as torch
import rtensor.nn as nn

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPR_CASES = json.loads((ROOT / "tests" / "data" / "repr_cases.json").read_text())


class Net(nn.Module):
    """Two children, a direct parameter and two buffers (one non-persistent)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.scale = nn.Parameter(torch.ones(()))
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.register_buffer("cache", torch.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu()) * self.scale


# ----- Parameter -----------------------------------------------------------------------------


def test_parameter_repr_matches_pytorch():
    case = next(c for c in REPR_CASES if c["construct"] == "torch.nn.Parameter(torch.tensor([1., 2.]))")
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    assert repr(p) == case["repr"]
    assert str(p) == case["repr"]  # print() shows the same text in PyTorch


def test_parameter_shares_data_and_is_a_leaf():
    data = torch.tensor([1.0, 2.0, 3.0])
    p = nn.Parameter(data)
    assert isinstance(p, torch.Tensor) and isinstance(p, nn.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert not data.requires_grad  # the wrapped tensor keeps its own autograd state
    with torch.no_grad():
        p[0] = 10.0
    assert data.tolist() == [10.0, 2.0, 3.0]
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]
    assert data.grad is None


def test_parameter_options_and_results_are_plain_tensors():
    p = nn.Parameter(torch.ones(2), requires_grad=False)
    assert not p.requires_grad
    assert repr(p) == "Parameter containing:\ntensor([1., 1.])"
    assert type(p + 1) is torch.Tensor
    assert type(p.detach()) is torch.Tensor
    assert nn.Parameter().shape == (0,)
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])


def test_parameter_deepcopy_and_pickle_keep_the_class_and_requires_grad():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter
        assert q.requires_grad and q.tolist() == [1.0, 2.0]
        with torch.no_grad():
            q[0] = 5.0
        assert p[0].item() == 1.0  # a copy, not a view
    frozen = pickle.loads(pickle.dumps(nn.Parameter(torch.ones(1), requires_grad=False)))
    assert not frozen.requires_grad


def test_buffer_marks_a_tensor_for_registration():
    m = nn.Module()
    m.running = nn.Buffer(torch.ones(2))
    m.tmp = nn.Buffer(torch.zeros(1), persistent=False)
    assert list(m._buffers) == ["running", "tmp"]
    assert list(m.state_dict()) == ["running"]
    assert isinstance(m.running, nn.Buffer) and not isinstance(torch.ones(1), nn.Buffer)


# ----- registration --------------------------------------------------------------------------


def test_setattr_registers_parameters_modules_and_buffers():
    m = Net()
    assert list(m._parameters) == ["scale"]
    assert list(m._modules) == ["fc1", "fc2"]
    assert list(m._buffers) == ["steps", "cache"]
    m.plain = torch.ones(1)  # a plain tensor is an ordinary attribute
    assert "plain" in m.__dict__ and "plain" not in m._buffers
    m.steps = torch.ones((), dtype=torch.int64)  # assigning to a buffer name replaces the buffer
    assert m._buffers["steps"].item() == 1
    m.scale = None
    assert m._parameters["scale"] is None and m.scale is None
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                    "fc2.bias"]


def test_reassigning_a_name_moves_it_between_kinds():
    m = nn.Module()
    m.x = nn.Linear(1, 1)
    m.x = nn.Parameter(torch.ones(1))  # a Parameter takes over any name
    assert "x" in m._parameters and "x" not in m._modules
    with pytest.raises(TypeError) as e:  # but a parameter's name accepts only Parameter/None
        m.x = nn.Linear(1, 1)
    assert str(e.value) == ("cannot assign 'rtensor.nn.modules.linear.Linear' as parameter 'x' "
                            "(rtensor.nn.Parameter or None expected)")
    m.register_buffer("y", torch.ones(1))
    m.y = nn.Linear(1, 1)  # a Module replaces a buffer
    assert "y" in m._modules and "y" not in m._buffers
    del m.x
    assert "x" not in m._parameters
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'x'"):
        _ = m.x


def test_registration_errors_match_pytorch():
    # Messages as in torch/nn/modules/module.py (with the class names spelled rtensor.*).
    m = nn.Module()
    with pytest.raises(TypeError) as e:
        m.register_parameter("w", torch.ones(1))
    assert str(e.value) == ("cannot assign 'rtensor.FloatTensor' object to parameter 'w' "
                            "(rtensor.nn.Parameter or None required)")
    m.w = nn.Parameter(torch.ones(1))
    with pytest.raises(TypeError) as e:
        m.w = torch.ones(1)
    assert str(e.value) == ("cannot assign 'rtensor.FloatTensor' as parameter 'w' "
                            "(rtensor.nn.Parameter or None expected)")
    with pytest.raises(KeyError) as e:
        m.register_parameter("a.b", None)
    assert e.value.args[0] == 'parameter name can\'t contain "."'
    with pytest.raises(KeyError) as e:
        m.register_parameter("", None)
    assert e.value.args[0] == 'parameter name can\'t be empty string ""'
    with pytest.raises(KeyError) as e:
        m.register_parameter("training", None)
    assert e.value.args[0] == "attribute 'training' already exists"
    with pytest.raises(TypeError, match="parameter name should be a string. Got int"):
        m.register_parameter(1, None)
    with pytest.raises(TypeError) as e:
        m.register_buffer("b", [1.0])
    assert str(e.value) == ("cannot assign 'list' object to buffer 'b' "
                            "(torch Tensor or None required)")
    with pytest.raises(KeyError) as e:
        m.register_buffer("a.b", torch.ones(1))
    assert e.value.args[0] == 'buffer name can\'t contain "."'
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("c", 3)
    with pytest.raises(KeyError) as e:
        m.add_module("a.b", nn.Linear(1, 1))
    assert e.value.args[0] == 'module name can\'t contain ".", got: a.b'
    with pytest.raises(TypeError) as e:
        m.child = nn.Linear(1, 1)
        m.child = 3
    assert str(e.value) == ("cannot assign 'int' as child module 'child' "
                            "(rtensor.nn.Module or None expected)")


def test_assigning_before_init_raises():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(torch.ones(1))
            super().__init__()

    with pytest.raises(AttributeError,
                       match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_missing_forward_raises_pytorch_text():
    with pytest.raises(NotImplementedError) as e:
        nn.Module()(torch.ones(1))
    assert str(e.value) == 'Module [Module] is missing the required "forward" function'


# ----- traversal -----------------------------------------------------------------------------


def test_named_parameters_order_prefix_and_recurse():
    m = Net()
    names = [n for n, _ in m.named_parameters()]
    # A module's own parameters first, then each child's, in registration order.
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_parameters(prefix="net")] == ["net." + n for n in names]
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert [p is q for p, (_, q) in zip(m.parameters(), m.named_parameters())] == [True] * 5
    assert len(list(m.parameters(recurse=False))) == 1


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, nn.ReLU() if hasattr(nn, "ReLU") else nn.Identity(), shared)
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert [n for n, _ in m.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in m.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [n for n, _ in m.named_children()] == ["0", "1"]
    # Tied weights inside one model (as in language models).
    tied = nn.Module()
    tied.enc = nn.Embedding(5, 3)
    tied.dec = nn.Linear(3, 5, bias=False)
    tied.dec.weight = tied.enc.weight
    assert [n for n, _ in tied.named_parameters()] == ["enc.weight"]
    assert list(tied.state_dict()) == ["enc.weight", "dec.weight"]


def test_buffers_children_modules():
    m = Net()
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in m.named_buffers(prefix="x")] == ["x.steps", "x.cache"]
    assert list(m.children()) == [m.fc1, m.fc2]
    assert list(m.modules()) == [m, m.fc1, m.fc2]
    outer = nn.Sequential(OrderedDict(net=m))
    assert [n for n, _ in outer.named_modules()] == ["", "net", "net.fc1", "net.fc2"]
    assert [n for n, _ in outer.named_buffers()] == ["net.steps", "net.cache"]


def test_get_submodule_parameter_buffer():
    outer = nn.Sequential(OrderedDict(net=Net()))
    assert outer.get_submodule("net.fc1") is outer.net.fc1
    assert outer.get_submodule("") is outer
    assert outer.get_parameter("net.fc2.bias") is outer.net.fc2.bias
    assert outer.get_buffer("net.steps") is outer.net.steps
    with pytest.raises(AttributeError) as e:
        outer.get_submodule("net.fc3")
    assert str(e.value) == "Net has no attribute `fc3`"
    with pytest.raises(AttributeError) as e:
        outer.get_submodule("net.scale")
    assert str(e.value) == "`scale` is not an nn.Module"
    with pytest.raises(AttributeError) as e:
        outer.get_parameter("net.steps")
    assert str(e.value) == "`steps` is not an nn.Parameter"


def test_dir_lists_registered_names_but_not_indices():
    names = dir(Net())
    for n in ("fc1", "fc2", "scale", "steps", "forward", "training"):
        assert n in names
    assert names == sorted(names)
    assert "0" not in dir(nn.Sequential(nn.Linear(1, 1)))


# ----- state_dict ----------------------------------------------------------------------------


def test_state_dict_keys_values_and_metadata():
    m = Net()
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    # Parameters before buffers within a module; the non-persistent buffer is left out.
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(type(v) is torch.Tensor and not v.requires_grad for v in sd.values())
    assert np.array_equal(sd["fc1.weight"].numpy(), m.fc1.weight.detach().numpy())
    with torch.no_grad():
        m.fc1.weight.fill_(3.0)
    assert sd["fc1.weight"].tolist()[0][0] == 3.0  # detached, not copied (as in PyTorch)
    assert sd._metadata[""] == {"version": 1} and "fc1" in sd._metadata
    kept = m.state_dict(keep_vars=True)
    assert kept["fc1.weight"] is m.fc1.weight
    assert list(m.state_dict(prefix="model."))[0] == "model.scale"


def test_state_dict_round_trip():
    torch.manual_seed(0)
    a, b = Net(), Net()
    with torch.no_grad():
        a.steps.fill_(7)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (na, pa), (nb, pb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert na == nb and np.array_equal(pa.numpy(), pb.numpy())
    assert b.steps.item() == 7
    x = torch.randn(5, 3)
    assert np.array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    # load_state_dict copies into the existing Parameter objects (optimizers keep them).
    w = b.fc1.weight
    b.load_state_dict(Net().state_dict())
    assert b.fc1.weight is w


def test_strict_load_errors_have_pytorch_text():
    # The texts of torch.nn.Module.load_state_dict, with rtensor.Size for torch.Size.
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError) as e:
        lin.load_state_dict({"weight": torch.zeros(2, 3)})
    assert str(e.value) == ('Error(s) in loading state_dict for Linear:\n\t'
                            'Missing key(s) in state_dict: "bias". ')
    with pytest.raises(RuntimeError) as e:
        lin.load_state_dict({"weight": torch.zeros(2, 3), "bias": torch.zeros(2),
                             "extra": torch.zeros(1), "more": torch.zeros(1)})
    assert str(e.value) == ('Error(s) in loading state_dict for Linear:\n\t'
                            'Unexpected key(s) in state_dict: "extra", "more". ')
    with pytest.raises(RuntimeError) as e:
        lin.load_state_dict({"weight": torch.zeros(3, 3), "bias": torch.zeros(2)})
    assert str(e.value) == (
        "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a "
        "param with shape rtensor.Size([3, 3]) from checkpoint, the shape in current model is "
        "rtensor.Size([2, 3]).")
    with pytest.raises(RuntimeError) as e:
        lin.load_state_dict({"weight": torch.zeros(3, 3), "x": torch.zeros(1)})
    assert str(e.value) == (
        'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
        '\n\tUnexpected key(s) in state_dict: "x". \n\tsize mismatch for weight: copying a '
        "param with shape rtensor.Size([3, 3]) from checkpoint, the shape in current model is "
        "rtensor.Size([2, 3]).")
    seq = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(RuntimeError) as e:
        seq.load_state_dict({"0.weight": torch.zeros(1, 1), "1.weight": torch.zeros(1)})
    assert str(e.value) == ('Error(s) in loading state_dict for Sequential:\n\tMissing key(s) '
                            'in state_dict: "0.bias". \n\tUnexpected key(s) in state_dict: '
                            '"1.weight". ')
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like, got <class 'list'>"):
        lin.load_state_dict([])


def test_non_strict_load_reports_keys_and_loads_the_rest():
    lin = nn.Linear(3, 2)
    result = lin.load_state_dict({"weight": torch.ones(2, 3), "extra": torch.zeros(1)},
                                 strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra'])"
    assert lin.weight.tolist() == [[1.0] * 3] * 2
    # Size mismatches are errors even when not strict.
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        lin.load_state_dict({"weight": torch.ones(1)}, strict=False)


def test_load_with_assign_replaces_the_parameters():
    lin = nn.Linear(2, 1)
    new_w = torch.ones(1, 2)
    lin.load_state_dict({"weight": new_w, "bias": torch.zeros(1)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    with torch.no_grad():
        new_w.fill_(5.0)
    assert lin.weight.tolist() == [[5.0, 5.0]]


def test_extra_state_and_state_dict_hooks():
    class Tagged(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)
            self.tag = "a"

        def get_extra_state(self):
            return {"tag": self.tag}

        def set_extra_state(self, state):
            self.tag = state["tag"]

    src, dst = Tagged(), Tagged()
    src.tag = "b"
    sd = src.state_dict()
    # A module's own entries (parameters, buffers, extra state) come before its children's.
    assert list(sd) == ["_extra_state", "lin.weight", "lin.bias"]
    dst.load_state_dict(sd)
    assert dst.tag == "b"
    del sd["_extra_state"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
        dst.load_state_dict(sd)
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "_extra_state"'):
        nn.Linear(1, 1).load_state_dict({"weight": torch.ones(1, 1), "bias": torch.ones(1),
                                         "_extra_state": 1})
    seen = []
    lin = nn.Linear(1, 1)
    lin.register_load_state_dict_post_hook(lambda mod, keys: seen.append(keys.missing_keys))
    lin.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(prefix))
    lin.state_dict(prefix="p.")
    lin.load_state_dict({"weight": torch.ones(1, 1)}, strict=False)
    assert seen == ["p.", ["bias"]]


# ----- modes, gradients, apply ---------------------------------------------------------------


def test_train_eval_propagate():
    m = nn.Sequential(Net(), nn.Dropout())
    assert m.training and m[0].fc1.training
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train(1)


def test_zero_grad_and_requires_grad():
    m = Net()
    m(torch.randn(2, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any().item() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())


def test_apply_visits_children_first():
    m = Net()
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "Linear", "Net"]


def test_to_dtype_converts_floating_tensors_only_and_keeps_parameter_objects():
    m = Net()
    w = m.fc1.weight
    m(torch.randn(2, 3)).sum().backward()
    assert m.to(torch.float64) is m
    assert m.fc1.weight is w and isinstance(w, nn.Parameter) and w.requires_grad
    assert w.dtype == torch.float64 and w.grad.dtype == torch.float64
    assert m.steps.dtype == torch.int64  # integer buffers keep their dtype
    assert m.cache.dtype == torch.float64
    assert m.float().fc2.bias.dtype == torch.float32
    assert m.double().scale.dtype == torch.float64
    assert m.half().scale.dtype == torch.float16
    m.to(dtype=torch.float32)
    assert m.scale.dtype == torch.float32
    m.to("cpu")
    m.to(torch.device("cpu"), torch.float64)
    assert m.scale.dtype == torch.float64
    m.to(torch.ones(1, dtype=torch.float32))
    assert m.scale.dtype == torch.float32
    with pytest.raises(TypeError) as e:
        m.to(torch.int64)
    assert str(e.value) == ("nn.Module.to only accepts floating point or complex dtypes, but got "
                            "desired dtype=rtensor.int64")


def test_cuda_moves_parameters_or_propagates_the_tensor_error():
    m = nn.Linear(1, 1)
    weight = m.weight.detach().numpy().copy()
    try:
        torch.ones(1).to("cuda")
    except Exception as e:
        # No GPU adapter: the module raises exactly what the tensor raises.
        with pytest.raises(type(e)) as got:
            m.cuda()
        assert str(got.value) == str(e)
        with pytest.raises(type(e)):
            m.to("cuda")
        return
    m.cuda()
    assert m.weight.is_cuda and m.bias.is_cuda and isinstance(m.weight, nn.Parameter)
    assert np.array_equal(m.weight.cpu().detach().numpy(), weight)
    m.to("cpu")
    assert not m.weight.is_cuda


# ----- hooks ---------------------------------------------------------------------------------


def test_forward_pre_hook_and_forward_hook():
    lin = nn.Linear(2, 2)
    seen = []
    pre = lin.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    post = lin.register_forward_hook(lambda mod, args, out: seen.append((mod, args, out)))
    x = torch.ones(1, 2)
    out = lin(x)
    assert np.allclose(out.detach().numpy(), lin.bias.detach().numpy())  # input was zeroed
    (mod, args, hook_out), = seen
    assert mod is lin and args[0].tolist() == [[0.0, 0.0]] and hook_out is out
    pre.remove()
    post.remove()
    assert lin(x).tolist() != out.tolist() and len(seen) == 1


def test_hook_results_replace_inputs_and_outputs():
    ident = nn.Identity()
    ident.register_forward_pre_hook(lambda mod, args: args[0] + 1)  # non-tuple result is wrapped
    ident.register_forward_hook(lambda mod, args, out: out * 10)
    assert ident(torch.tensor([1.0])).tolist() == [20.0]


def test_hooks_with_kwargs_prepend_and_context_manager():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m = Scale()
    order = []
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(("kw", kwargs)),
                            with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    assert m(torch.tensor([2.0])).tolist() == [6.0]
    assert order == ["first", ("kw", {"factor": 3.0})]
    with m.register_forward_hook(lambda mod, args, out: out + 1):
        assert m(torch.tensor([1.0])).tolist() == [4.0]
    assert m(torch.tensor([1.0])).tolist() == [3.0]
    bad = nn.Identity()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        bad(torch.ones(1))


def test_always_call_hook_runs_when_forward_raises():
    calls = []

    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    m.register_forward_hook(lambda mod, args, out: calls.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(torch.ones(1))
    assert calls == [None]


def test_full_backward_hook_sees_closed_form_gradients():
    # For y = x W^T + b and loss = sum(y * g): grad_output = g and grad_input = g W.
    lin = nn.Linear(3, 2).double()
    seen = []
    lin.register_full_backward_hook(lambda mod, gin, gout: seen.append((gin, gout)))
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    g = torch.randn(4, 2, dtype=torch.float64)
    (lin(x) * g).sum().backward()
    (gin, gout), = seen
    assert len(gin) == 1 and len(gout) == 1
    assert np.allclose(gout[0].numpy(), g.numpy())
    expected = g.numpy() @ lin.weight.detach().numpy()
    assert np.allclose(gin[0].numpy(), expected)
    assert np.allclose(x.grad.numpy(), expected)


def test_full_backward_hook_can_replace_grad_input_and_pre_hook_grad_output():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 0 + 1,))
    x = torch.randn(3, 2, requires_grad=True)
    lin(x).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0]] * 3
    # A pre-hook doubling grad_output doubles every gradient below the module.
    lin2 = nn.Linear(2, 2)
    h = lin2.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 2,))
    x2 = torch.randn(3, 2, requires_grad=True)
    lin2(x2).sum().backward()
    doubled = x2.grad.numpy().copy()
    h.remove()
    x2.grad = None
    lin2(x2).sum().backward()
    assert np.allclose(doubled, 2 * x2.grad.numpy())


def test_full_backward_hook_when_no_input_requires_grad():
    lin = nn.Linear(2, 1)
    seen = []
    lin.register_full_backward_hook(lambda mod, gin, gout: seen.append((gin, gout)))
    lin(torch.ones(1, 2)).sum().backward()
    (gin, gout), = seen
    assert gin == (None,) and gout[0].tolist() == [[1.0]]


# ----- pickling ------------------------------------------------------------------------------


def test_module_pickles_with_parameters_buffers_and_ties():
    torch.manual_seed(3)
    net = Net()
    m = nn.Module()
    m.net = net
    m.drop = nn.Dropout(0.2)
    m.shared = net.fc1  # the same module under two names
    m.eval()
    r = pickle.loads(pickle.dumps(m))
    assert repr(r) == repr(m)
    assert not r.training and not r.net.fc1.training
    assert isinstance(r.net.fc1.weight, nn.Parameter) and r.net.fc1.weight.requires_grad
    assert r.net.scale.shape == ()  # a 0-d Parameter keeps its shape
    assert r.shared is r.net.fc1
    assert list(r.state_dict()) == list(m.state_dict())
    for va, vb in zip(m.state_dict().values(), r.state_dict().values()):
        assert va.shape == vb.shape and np.array_equal(va.numpy(), vb.numpy())
    x = torch.randn(2, 3)
    assert np.array_equal(m.net(x).detach().numpy(), r.net(x).detach().numpy())
    c = copy.deepcopy(m)
    assert c.net.fc1.weight is not m.net.fc1.weight and c.shared is c.net.fc1


def test_module_with_a_0d_buffer_pickles():
    m = Net()
    with torch.no_grad():
        m.steps.fill_(4)
    r = pickle.loads(pickle.dumps(m))
    assert r.steps.shape == () and r.steps.item() == 4 and r.steps.dtype == torch.int64


# ----- printing ------------------------------------------------------------------------------


def _module_cases():
    return [c for c in REPR_CASES if c["construct"].endswith("(module repr)")]


@pytest.mark.parametrize("case", _module_cases(), ids=lambda c: c["construct"][:50])
def test_module_repr_matches_pytorch(case):
    expr = case["construct"][: -len(" (module repr)")]
    module = eval(expr, {"torch": torch})
    assert repr(module) == case["repr"]


def test_nested_repr_layout():
    # PyTorch's layout (Module.__repr__ with _addindent): multi-line extra_repr and children.
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(2, 2, bias=False)
            self.body = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.1))

        def extra_repr(self):
            return "first\nsecond"

    assert repr(Block()) == (
        "Block(\n"
        "  first\n"
        "  second\n"
        "  (proj): Linear(in_features=2, out_features=2, bias=False)\n"
        "  (body): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): Dropout(p=0.1, inplace=False)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Module()) == "Module()"
    assert repr(nn.Sequential()) == "Sequential()"
    m = nn.Module()
    m.gone = None
    m.add_module("empty", None)
    assert repr(m) == "Module(\n  (empty): None\n)"


def test_module_list_repr_groups_repeats():
    # PyTorch >= 1.13 prints runs of identical modules once (ModuleList.__repr__).
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 3), nn.Linear(2, 2)])
    assert repr(ml) == (
        "ModuleList(\n"
        "  (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n"
        "  (2): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (3): Linear(in_features=2, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(nn.ModuleList()) == "ModuleList()"


def test_parameter_container_reprs():
    # ParameterList/ParameterDict.extra_repr in PyTorch: one line per entry, indented twice
    # in multi-entry containers; a single entry prints on the opening line.
    pl = nn.ParameterList([nn.Parameter(torch.ones(2, 3)), torch.zeros(4, dtype=torch.float64)])
    assert repr(pl) == (
        "ParameterList(\n"
        "    (0): Parameter containing: [rtensor.float32 of size 2x3]\n"
        "    (1): Parameter containing: [rtensor.float64 of size 4]\n"
        ")"
    )
    assert repr(nn.ParameterList([nn.Parameter(torch.ones(3))])) == (
        "ParameterList(  (0): Parameter containing: [rtensor.float32 of size 3])")
    # (ParameterDict names the tensor type where ParameterList names the dtype.)
    pd = nn.ParameterDict({"b": torch.ones(1, dtype=torch.float64), "a": torch.ones(2, 2)})
    assert repr(pd) == (
        "ParameterDict(\n"
        "    (a): Parameter containing: [rtensor.FloatTensor of size 2x2]\n"
        "    (b): Parameter containing: [rtensor.DoubleTensor of size 1]\n"
        ")"
    )


# ----- Sequential ----------------------------------------------------------------------------


def _layers(n):
    return [nn.Linear(i + 1, i + 2) for i in range(n)]


def test_sequential_construction_indexing_and_forward():
    a, b, c = _layers(3)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and list(s) == [a, b, c]
    assert s[0] is a and s[-1] is c and s[-3] is a
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    with pytest.raises(IndexError, match="index -4 is out of range"):
        s[-4]
    tail = s[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert list(tail._modules) == ["1", "2"]  # a slice keeps the original keys
    named = nn.Sequential(OrderedDict([("first", a), ("second", b)]))
    assert list(named._modules) == ["first", "second"] and named.first is a
    x = torch.randn(4, 1)
    assert np.allclose(s(x).detach().numpy(), c(b(a(x))).detach().numpy())


def test_sequential_mutation():
    a, b, c, d = _layers(4)
    s = nn.Sequential(a, b)
    assert s.append(c) is s and list(s) == [a, b, c]
    s.insert(1, d)
    assert list(s) == [a, d, b, c] and list(s._modules) == ["0", "1", "2", "3"]
    s.insert(-1, a)
    assert list(s) == [a, d, b, a, c]
    with pytest.raises(IndexError, match="Index out of range: 9"):
        s.insert(9, a)
    with pytest.raises(AssertionError):
        s.insert(0, 3)
    del s[1]
    assert list(s) == [a, b, a, c] and list(s._modules) == ["0", "1", "2", "3"]
    del s[1:3]
    assert list(s) == [a, c]
    assert s.pop(0) is a and list(s) == [c]
    s[0] = b
    assert list(s) == [b]
    s.extend([c, d])
    assert list(s) == [b, c, d]
    assert list(s + nn.Sequential(a)) == [b, c, d, a]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential"):
        s + [a]
    s += nn.Sequential(a)
    assert list(s) == [b, c, d, a]
    doubled = nn.Sequential(a, b) * 2
    assert list(doubled) == [a, b, a, b] and list(doubled._modules) == ["0", "1", "2", "3"]
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        nn.Sequential(a) * 0


# ----- ModuleList / ModuleDict ---------------------------------------------------------------


def test_module_list():
    a, b, c = _layers(3)
    ml = nn.ModuleList([a, b])
    assert len(ml) == 2 and ml[-1] is b and list(ml) == [a, b]
    assert [n for n, _ in ml.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    ml.append(c)
    ml.insert(0, c)
    assert list(ml) == [c, a, b, c]
    assert ml.pop(0) is c and list(ml) == [a, b, c]
    del ml[0]
    assert list(ml) == [b, c] and list(ml._modules) == ["0", "1"]
    ml[1] = a
    assert list(ml) == [b, a]
    assert isinstance(ml[:1], nn.ModuleList) and list(ml[:1]) == [b]
    ml += [c]
    assert list(ml) == [b, a, c]
    assert list(ml + nn.ModuleList([a])) == [b, a, c, a]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        ml[5]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, "
                                        "but got Linear"):
        ml.extend(a)
    with pytest.raises(NotImplementedError, match="Module \\[ModuleList\\] is missing"):
        ml(torch.ones(1))


def test_module_dict():
    a, b, c = _layers(3)
    md = nn.ModuleDict({"b": b, "a": a})  # a dict keeps its insertion order
    assert list(md) == ["b", "a"] and md["a"] is a and "a" in md and len(md) == 2
    md["c"] = c
    assert list(md.keys()) == ["b", "a", "c"]
    assert list(md.values()) == [b, a, c]
    assert list(md.items())[0] == ("b", b)
    assert md.pop("b") is b and list(md) == ["a", "c"]
    del md["a"]
    assert list(md) == ["c"]
    md.update([("x", a), ("y", b)])
    assert list(md) == ["c", "x", "y"]
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0 has length 1; "
                                         "2 is required"):
        md.update([(a,)])
    with pytest.raises(TypeError, match="ModuleDict.update should be called with an iterable "
                                        "of key/value pairs, but got Linear"):
        md.update(a)
    md.clear()
    assert len(md) == 0


# ----- ParameterList / ParameterDict ---------------------------------------------------------


def test_parameter_list():
    p = nn.Parameter(torch.ones(2))
    pl = nn.ParameterList([p, torch.zeros(3)])
    assert len(pl) == 2 and pl[0] is p and isinstance(pl[1], nn.Parameter)
    assert pl[-1].shape == (3,)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    pl.append(torch.ones(1))
    pl.extend([torch.ones(4)])
    assert [tuple(q.shape) for q in pl] == [(2,), (3,), (1,), (4,)]
    sub = pl[1:3]
    assert isinstance(sub, nn.ParameterList) and [tuple(q.shape) for q in sub] == [(3,), (1,)]
    pl[0] = torch.full((2,), 5.0)
    assert isinstance(pl[0], nn.Parameter) and pl[0].tolist() == [5.0, 5.0]
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an "
                                        "iterable, but got Tensor"):
        pl.extend(torch.ones(1))
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        pl(torch.ones(1))
    with pytest.raises(IndexError, match="index 4 is out of range"):
        pl[4]


def test_parameter_dict():
    pd = nn.ParameterDict({"b": torch.ones(1), "a": torch.ones(2)})
    assert list(pd) == ["a", "b"]  # a plain dict is sorted, as in PyTorch
    pd2 = nn.ParameterDict(OrderedDict([("b", torch.ones(1)), ("a", torch.ones(2))]))
    assert list(pd2) == ["b", "a"]  # an OrderedDict keeps its order
    assert isinstance(pd["a"], nn.Parameter) and "a" in pd and len(pd) == 2
    assert [n for n, _ in pd.named_parameters()] == ["a", "b"]
    pd["c"] = nn.Parameter(torch.zeros(3))
    assert list(pd.keys()) == ["a", "b", "c"]
    assert pd.get("zz") is None and pd.get("c") is pd["c"]
    assert pd.setdefault("d", torch.ones(1)).tolist() == [1.0]
    assert pd.pop("d").tolist() == [1.0] and "d" not in pd
    key, val = pd.popitem()
    assert key == "c" and val.shape == (3,) and list(pd) == ["a", "b"]
    merged = pd | nn.ParameterDict({"z": torch.ones(1)})
    assert list(merged) == ["a", "b", "z"] and list(pd) == ["a", "b"]
    with pytest.raises(TypeError, match="Index given to ParameterDict cannot be used as a key"):
        pd[1]
    with pytest.raises(RuntimeError, match="ParameterDict should not be called."):
        pd(torch.ones(1))
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []
