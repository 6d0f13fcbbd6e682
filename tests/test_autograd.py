"""Autograd recording, graph objects, the engine, errors, grad modes, hooks, custom Functions and
memory (issue "Autograd graph in Rust").

Oracles: closed-form derivatives worked by hand, and PyTorch's documented behaviour and error
messages (class and text) for each case.
"""

import gc
import re
import resource
import threading
import weakref

import numpy as np
import pytest
import rtensor as torch
from rtensor import autograd

F64 = torch.float64


def leaf(*values, dtype=None):
    return torch.tensor(list(values), dtype=dtype, requires_grad=True)


def vals(t):
    return t.detach().numpy().tolist()


# ----- recording -----


def test_requires_grad_flag_and_propagation():
    a = torch.tensor([1.0, 2.0])
    assert a.requires_grad is False
    b = torch.tensor([1.0, 2.0], requires_grad=True)
    assert b.requires_grad is True
    assert (a * 2).requires_grad is False
    assert (a * b).requires_grad is True
    assert torch.ones(2, requires_grad=True).requires_grad
    assert torch.zeros(2, 3, requires_grad=True).is_leaf


def test_requires_grad_setter_and_method():
    a = torch.tensor([1.0, 2.0])
    assert a.requires_grad_() is a
    assert a.requires_grad
    a.requires_grad_(False)
    assert not a.requires_grad
    a.requires_grad = True
    assert a.requires_grad and a.is_leaf


def test_requires_grad_on_integer_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        torch.tensor([1, 2]).requires_grad_()


def test_non_leaf_requires_grad_cannot_be_turned_off():
    x = leaf(1.0, 2.0)
    y = x * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        y.requires_grad = False


def test_is_leaf():
    x = leaf(1.0, 2.0)
    assert x.is_leaf
    y = x * 2
    assert not y.is_leaf
    # tensors that do not require grad are leaves by convention
    assert (torch.ones(2) * 2).is_leaf
    with torch.no_grad():
        assert (x * 2).is_leaf


def test_grad_read_assign_and_clear():
    x = leaf(1.0, 2.0, 3.0)
    assert x.grad is None
    (x * x).sum().backward()
    assert vals(x.grad) == [2.0, 4.0, 6.0]
    x.grad = torch.tensor([10.0, 10.0, 10.0])
    (x * 3).sum().backward()
    assert vals(x.grad) == [13.0, 13.0, 13.0]
    x.grad = None
    assert x.grad is None
    x.sum().backward()
    assert vals(x.grad) == [1.0, 1.0, 1.0]


def test_grad_assignment_checks_size_and_dtype():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="size"):
        x.grad = torch.zeros(3)
    with pytest.raises(RuntimeError, match="dtype"):
        x.grad = torch.zeros(2, dtype=F64)
    with pytest.raises(TypeError):
        x.grad = 3


def test_grad_of_non_leaf_warns_and_is_none():
    x = leaf(1.0, 2.0)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


def test_retain_grad():
    x = leaf(1.0, 2.0)
    y = x * 3
    assert not y.retains_grad and not x.retains_grad
    y.retain_grad()
    assert y.retains_grad
    z = (y * y).sum()
    z.backward()
    # dz/dy = 2 y = 6 x; dz/dx = 18 x
    assert vals(y.grad) == [6.0, 12.0]
    assert vals(x.grad) == [18.0, 36.0]
    assert y.grad.grad_fn is None and not y.grad.requires_grad
    x.retain_grad()  # no-op on a leaf
    assert not x.retains_grad


def test_retain_grad_accumulates_across_backward_calls():
    x = leaf(1.0, 2.0)
    y = x * 3
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert vals(y.grad) == [2.0, 2.0]


def test_retain_grad_sees_the_hook_modified_gradient():
    # PyTorch: tensor hooks run first, then .grad of a retain_grad tensor is updated
    x = leaf(1.0, 2.0)
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert vals(y.grad) == [10.0, 10.0]
    assert vals(x.grad) == [10.0, 10.0]


def test_retain_grad_requires_grad():
    with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(2).retain_grad()


def test_detach_shares_storage():
    x = leaf(1.0, 2.0, 3.0)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[0] = 100.0
    assert vals(y)[0] == 100.0
    xd = x.detach()
    xd.add_(1)
    assert vals(x) == [2.0, 3.0, 4.0]
    assert x.requires_grad and x.is_leaf


def test_detach_in_place():
    x = leaf(1.0, 2.0)
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    assert vals(y) == [2.0, 4.0]


def test_data_get_and_set():
    x = leaf(1.0, 2.0)
    d = x.data
    assert not d.requires_grad and d._same_storage(x)
    d.mul_(3)
    assert vals(x) == [3.0, 6.0]
    x.data = torch.tensor([5.0, 6.0, 7.0])
    assert x.requires_grad and x.is_leaf and tuple(x.shape) == (3,)
    (x * x).sum().backward()
    assert vals(x.grad) == [10.0, 12.0, 14.0]


def test_variable():
    t = torch.tensor([1.0, 2.0])
    v = autograd.Variable(t, requires_grad=True)
    assert isinstance(v, torch.Tensor)
    assert v.requires_grad and v.is_leaf and not t.requires_grad
    assert v._same_storage(t)
    (v * 2).sum().backward()
    assert vals(v.grad) == [2.0, 2.0]
    assert not autograd.Variable(t).requires_grad


# ----- grad_fn objects -----


def test_grad_fn_name_and_next_functions():
    x = leaf(1.0, 2.0, 3.0)
    y = leaf(4.0, 5.0, 6.0)
    c = torch.tensor([1.0, 1.0, 1.0])
    z = x + y
    assert x.grad_fn is None
    assert z.grad_fn.name() == "AddBackward0"
    nf = z.grad_fn.next_functions
    assert len(nf) == 2
    assert [n.name() for n, _ in nf] == ["AccumulateGrad", "AccumulateGrad"]
    assert [i for _, i in nf] == [0, 0]
    s = (z * c).sum()
    (mul, nr), = s.grad_fn.next_functions
    assert mul.name() == "MulBackward0" and nr == 0
    assert mul.next_functions[0][0].name() == "AddBackward0"
    assert mul.next_functions[1] == (None, 0)
    # one leaf has one accumulator, shared by every use
    w = x * 2 + x
    a1 = w.grad_fn.next_functions[0][0].next_functions[0][0]
    a2 = w.grad_fn.next_functions[1][0]
    assert a1 == a2


def test_multi_output_node_numbers_its_outputs():
    x = leaf(1.0, 2.0, 3.0, 4.0)
    a, b = x.split(2)
    assert a.grad_fn == b.grad_fn
    assert a.grad_fn.name() == "SplitBackward0"
    na, nb = (a * 1).grad_fn.next_functions[0], (b * 1).grad_fn.next_functions[0]
    assert na[0] == nb[0] == a.grad_fn
    assert (na[1], nb[1]) == (0, 1)


def test_grad_fn_repr_and_tensor_print():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)
    z = x + y
    assert re.fullmatch(r"<AddBackward0 object at 0x[0-9a-f]+>", repr(z.grad_fn))
    assert str(z) == "tensor([5., 7., 9.], grad_fn=<AddBackward0>)"
    assert repr(z.sum()) == "tensor(21., grad_fn=<SumBackward0>)"
    assert str(x) == "tensor([1., 2., 3.], requires_grad=True)"


# ----- the engine -----


def test_backward_with_gradient_argument():
    x = leaf(1.0, 2.0, 3.0)
    y = x * x
    y.backward(gradient=torch.tensor([1.0, 0.5, -1.0]))
    assert vals(x.grad) == [2.0, 2.0, -6.0]


def test_backward_gradient_shape_mismatch():
    x = leaf(1.0, 2.0, 3.0)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(torch.ones(2))


def test_backward_retain_graph_and_accumulation():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    assert vals(x.grad) == [2.0, 4.0]
    y.backward()
    assert vals(x.grad) == [4.0, 8.0]


def test_second_backward_through_freed_graph():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_backward_create_graph():
    x = leaf(1.0, 2.0)
    (x ** 3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    assert vals(g) == [3.0, 12.0]
    (gx,) = autograd.grad(g.sum(), x)
    assert vals(gx) == [6.0, 12.0]


def test_backward_inputs():
    x = leaf(1.0, 2.0)
    y = leaf(3.0, 4.0)
    (x * y).sum().backward(inputs=[x])
    assert vals(x.grad) == [3.0, 4.0]
    assert y.grad is None
    (x * y).sum().backward(inputs=y)
    assert vals(y.grad) == [1.0, 2.0]
    assert vals(x.grad) == [3.0, 4.0]


def test_backward_inputs_non_leaf():
    x = leaf(1.0, 2.0)
    h = x * 2
    (h * h).sum().backward(inputs=[h])
    assert vals(h.grad) == [4.0, 8.0]
    assert x.grad is None


def test_grad_function():
    x = leaf(1.0, 2.0)
    y = leaf(3.0, 4.0)
    z = (x * y + x).sum()
    gx, gy = autograd.grad(z, [x, y], retain_graph=True)
    assert vals(gx) == [4.0, 5.0] and vals(gy) == [1.0, 2.0]
    assert x.grad is None and y.grad is None
    (gx,) = autograd.grad(z, x)
    assert vals(gx) == [4.0, 5.0]


def test_grad_outputs_and_multiple_outputs():
    x = leaf(1.0, 2.0)
    a, b = x * 2, x * x
    (g,) = autograd.grad([a, b], [x], grad_outputs=[torch.tensor([1.0, 1.0]),
                                                     torch.tensor([0.5, 2.0])])
    assert vals(g) == [3.0, 10.0]


def test_grad_allow_unused():
    x = leaf(1.0, 2.0)
    y = leaf(3.0, 4.0)
    z = (x * 2).sum()
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors appears to not "
                                           "have been used in the graph"):
        autograd.grad(z, [x, y], retain_graph=True)
    gx, gy = autograd.grad(z, [x, y], allow_unused=True)
    assert vals(gx) == [2.0, 2.0] and gy is None


def test_grad_create_graph():
    x = leaf(2.0)
    (g,) = autograd.grad(x ** 4, x, create_graph=True)
    assert vals(g) == [32.0] and g.requires_grad
    (h,) = autograd.grad(g, x, create_graph=True)
    assert vals(h) == [48.0]
    (k,) = autograd.grad(h, x)
    assert vals(k) == [48.0]


def test_grad_of_intermediate():
    x = leaf(1.0, 2.0)
    h = x.exp()
    z = (h * 3).sum()
    (gh,) = autograd.grad(z, h)
    assert vals(gh) == [3.0, 3.0]


def test_autograd_backward_function():
    x = leaf(1.0, 2.0)
    a, b = (x * 2).sum(), (x * x).sum()
    autograd.backward([a, b])
    assert vals(x.grad) == [4.0, 6.0]
    c = x * 3
    autograd.backward(c, grad_tensors=torch.tensor([1.0, -1.0]))
    assert vals(x.grad) == [7.0, 3.0]


def test_gradients_meeting_at_a_node_are_summed():
    x = leaf(2.0)
    y = x * x
    z = y * y + y * 3 + y.exp() * 0  # y used three times
    z.backward()
    # dz/dx = (2y + 3) * 2x with y = 4
    assert vals(x.grad) == [44.0]


def test_deep_graph_does_not_overflow_the_stack():
    x = leaf(1.0, dtype=F64)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(vals(x.grad), [1.0001 ** 20000], rtol=1e-10)


def test_implicit_gradient_on_non_scalar():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        autograd.grad(x * 2, x)


def test_backward_on_tensor_not_requiring_grad():
    msg = "element 0 of tensors does not require grad and does not have a grad_fn"
    with pytest.raises(RuntimeError, match=msg):
        torch.ones(2).sum().backward()
    with pytest.raises(RuntimeError, match=msg):
        autograd.grad(torch.ones(1).sum(), [leaf(1.0)])
    x = leaf(1.0)
    with torch.no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match=msg):
        y.backward()


def test_inplace_modification_of_saved_tensor():
    x = leaf(1.0, 2.0, 3.0)
    y = x * 1
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="one of the variables needed for gradient "
                                           "computation has been modified by an inplace "
                                           "operation") as e:
        z.sum().backward()
    # PyTorch names the saved tensor by the node that produced it, and its versions
    assert "which is output 0 of MulBackward0" in str(e.value)
    assert "is at version 1; expected version 0 instead" in str(e.value)


def test_inplace_modification_through_detached_alias_is_detected():
    x = leaf(0.5, 1.0)
    y = x.sin()  # saves x
    x.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_unsaved_tensor_is_fine():
    x = leaf(1.0, 2.0)
    y = x * 2
    z = y + 1  # add saves nothing
    y.mul_(3)
    z.sum().backward()
    assert vals(x.grad) == [2.0, 2.0]


def test_inplace_on_leaf_requiring_grad():
    x = leaf(1.0, 2.0)
    msg = re.escape("a leaf Variable that requires grad is being used in an in-place operation.")
    for f in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(),
              lambda: x.__setitem__(0, 5.0), lambda: x.exp_(), lambda: x.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match=msg):
            f()
    with pytest.raises(RuntimeError, match=msg):
        x += 1
    assert vals(x) == [1.0, 2.0]


def test_inplace_update_under_no_grad_keeps_leaf():
    a = leaf(1.0, 2.0)
    (a * a).sum().backward()
    lr = 0.1
    with torch.no_grad():
        a -= lr * a.grad
    assert a.is_leaf and a.requires_grad and a.grad_fn is None
    np.testing.assert_allclose(vals(a), [0.8, 1.6])
    a.grad.zero_()
    (a * a).sum().backward()
    np.testing.assert_allclose(vals(a.grad), [1.6, 3.2])


def test_inplace_on_non_leaf_records_history():
    x = leaf(1.0, 2.0)
    y = x * 2
    y.mul_(x)  # y <- 2x^2, d/dx = 4x
    assert y.grad_fn is not None and not y.is_leaf
    y.sum().backward()
    assert vals(x.grad) == [4.0, 8.0]


def test_inplace_with_grad_requiring_operand_makes_result_require_grad():
    x = leaf(1.0, 2.0)
    b = torch.zeros(2)
    b.add_(x * 3)
    assert b.requires_grad and not b.is_leaf
    b.sum().backward()
    assert vals(x.grad) == [3.0, 3.0]


def test_setitem_on_non_leaf():
    x = leaf(1.0, 2.0, 3.0)
    v = leaf(10.0)
    y = x * 1
    y[1] = v * 2
    assert vals(y) == [1.0, 20.0, 3.0]
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert vals(x.grad) == [1.0, 0.0, 3.0]
    assert vals(v.grad) == [4.0]


# ----- grad modes -----


def test_no_grad_context():
    x = leaf(1.0)
    assert torch.is_grad_enabled()
    with torch.no_grad():
        assert not torch.is_grad_enabled()
        y = x * 2
        with torch.enable_grad():
            assert torch.is_grad_enabled()
            w = x * 2
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert w.requires_grad


def test_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with torch.no_grad():
            raise ValueError("boom")
    assert torch.is_grad_enabled()


def test_modes_as_decorators():
    x = leaf(1.0)

    @torch.no_grad()
    def f():
        return x * 2, torch.is_grad_enabled()

    @torch.no_grad
    def f_bare():
        return x * 2

    @torch.enable_grad()
    def g():
        return x * 2

    @torch.inference_mode()
    def h():
        return x * 2, torch.is_inference_mode_enabled()

    @torch.inference_mode
    def h_bare():
        return x * 2

    y, on = f()
    assert not y.requires_grad and not on
    assert not f_bare().requires_grad
    assert f.__name__ == "f"
    with torch.no_grad():
        assert g().requires_grad
    y, inf = h()
    assert not y.requires_grad and inf
    assert not h_bare().requires_grad
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def test_set_grad_enabled():
    x = leaf(1.0)
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert torch.is_grad_enabled()
    with torch.no_grad():
        with torch.set_grad_enabled(True):
            assert (x * 2).requires_grad
    # as a plain call it switches the mode at once
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)
    assert torch.is_grad_enabled()


def test_set_grad_enabled_as_decorator_does_not_change_mode_when_applied():
    x = leaf(1.0)

    @torch.set_grad_enabled(False)
    def f():
        return x * 2

    assert torch.is_grad_enabled()
    assert not f().requires_grad
    assert torch.is_grad_enabled()


def test_inference_mode():
    x = leaf(1.0)
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        assert not (x * 2).requires_grad
        with torch.inference_mode(False):
            assert not torch.is_inference_mode_enabled()
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
    assert autograd.grad_mode.inference_mode is torch.inference_mode


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["enabled"] = torch.is_grad_enabled()
        x = leaf(1.0)
        seen["requires_grad"] = (x * 2).requires_grad

    with torch.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        assert not torch.is_grad_enabled()
    assert seen == {"enabled": True, "requires_grad": True}

    # and no_grad inside a thread does not leak to the main thread
    def worker2():
        with torch.no_grad():
            ev.set()
            done.wait(5)

    ev, done = threading.Event(), threading.Event()
    th = threading.Thread(target=worker2)
    th.start()
    ev.wait(5)
    assert torch.is_grad_enabled()
    done.set()
    th.join()


def test_backward_inside_no_grad_still_computes_gradients():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    with torch.no_grad():
        y.backward()
    assert vals(x.grad) == [2.0, 4.0]


# ----- hooks -----


def test_hook_on_leaf_modifies_gradient():
    v = torch.tensor([0.0, 0.0, 0.0], requires_grad=True)
    h = v.register_hook(lambda grad: grad * 2)
    v.backward(torch.tensor([1.0, 2.0, 3.0]))
    assert vals(v.grad) == [2.0, 4.0, 6.0]
    h.remove()
    v.grad = None
    v.backward(torch.tensor([1.0, 2.0, 3.0]))
    assert vals(v.grad) == [1.0, 2.0, 3.0]


def test_hook_on_non_leaf():
    x = leaf(1.0, 2.0)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(vals(g)))
    y.register_hook(lambda g: g + 1)
    (y * 2).sum().backward()
    assert seen == [[2.0, 2.0]]
    assert vals(x.grad) == [9.0, 9.0]


def test_hooks_run_in_registration_order_and_see_earlier_changes():
    x = leaf(1.0)
    order = []
    x.register_hook(lambda g: (order.append(("a", vals(g))), g * 2)[1])
    x.register_hook(lambda g: (order.append(("b", vals(g))), None)[1])
    (x * 5).backward()
    assert order == [("a", [5.0]), ("b", [10.0])]
    assert vals(x.grad) == [10.0]


def test_hook_handle_remove_on_non_leaf_and_context():
    x = leaf(1.0)
    y = x * 1
    calls = []
    h = y.register_hook(lambda g: calls.append(1))
    h.remove()
    y.backward(retain_graph=True)
    assert calls == []
    with x.register_hook(lambda g: g * 0):
        y.backward(retain_graph=True)
    assert vals(x.grad) == [1.0]
    y.backward()
    assert vals(x.grad) == [2.0]


def test_leaf_hook_applies_to_autograd_grad():
    x = leaf(1.0, 2.0)
    x.register_hook(lambda g: g * 10)
    (g,) = autograd.grad((x * x).sum(), x)
    assert vals(g) == [20.0, 40.0]


def test_hook_on_tensor_not_requiring_grad():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't "
                                           "require gradient"):
        torch.ones(2).register_hook(lambda g: g)


def test_exception_in_hook_propagates():
    x = leaf(1.0)

    def bad(g):
        raise ValueError("hook failed")

    x.register_hook(bad)
    with pytest.raises(ValueError, match="hook failed"):
        (x * 2).backward()


# ----- custom Functions -----


class Exp(autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MulConst(autograd.Function):
    @staticmethod
    def forward(ctx, x, y, k):
        ctx.k = k
        ctx.save_for_backward(x, y)
        ctx.seen_needs = ctx.needs_input_grad
        ctx.grad_mode_in_forward = torch.is_grad_enabled()
        return x * y * k

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * y * ctx.k if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.k if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_custom_function_exp():
    x = leaf(0.0, 1.0, dtype=F64)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(vals(x.grad), np.exp([0.0, 1.0]))
    assert autograd.gradcheck(Exp.apply, (leaf(0.3, -0.7, dtype=F64),))


def test_custom_function_ctx_needs_input_grad_and_non_tensor_args():
    x = leaf(1.0, 2.0)
    y = torch.tensor([3.0, 4.0])
    seen = {}

    class Probe(MulConst):
        @staticmethod
        def forward(ctx, x, y, k):
            out = MulConst.forward(ctx, x, y, k)
            seen["needs"] = ctx.needs_input_grad
            seen["mode"] = ctx.grad_mode_in_forward
            return out

    out = Probe.apply(x, y, 2.0)
    assert seen["needs"] == (True, False, False)
    assert seen["mode"] is False
    out.sum().backward()
    assert vals(x.grad) == [6.0, 8.0]
    assert y.grad is None


def test_custom_function_gradcheck_two_inputs():
    a = leaf(0.5, -1.5, 2.0, dtype=F64)
    b = leaf(1.0, 2.0, -3.0, dtype=F64)
    assert autograd.gradcheck(lambda a, b: MulConst.apply(a, b, 3.0), (a, b))


def test_custom_function_without_grad_inputs_records_nothing():
    y = Exp.apply(torch.tensor([1.0]))
    assert y.grad_fn is None and not y.requires_grad
    with torch.no_grad():
        assert Exp.apply(leaf(1.0)).grad_fn is None


def test_custom_function_mark_non_differentiable():
    class Split(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * 3
            ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            return ga * 2

    x = leaf(3.0, 1.0)
    a, b = Split.apply(x)
    assert a.requires_grad and not b.requires_grad
    a.sum().backward()
    assert vals(x.grad) == [2.0, 2.0]


def test_custom_function_materialize_grads():
    received = {}

    class Two(autograd.Function):
        @staticmethod
        def forward(ctx, x, materialize):
            ctx.set_materialize_grads(materialize)
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            received["g2"] = g2
            g = g1 if g2 is None else g1 + g2 * 2
            return g, None

    x = leaf(1.0, 2.0)
    a, _ = Two.apply(x, True)
    a.sum().backward()
    assert vals(received["g2"]) == [0.0, 0.0]
    assert vals(x.grad) == [1.0, 1.0]
    x.grad = None
    a, _ = Two.apply(x, False)
    a.sum().backward()
    assert received["g2"] is None
    assert vals(x.grad) == [1.0, 1.0]


def test_custom_function_wrong_number_of_gradients():
    class Bad(autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    x, y = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients "
                                           r"\(expected 2, got 1\)"):
        Bad.apply(x, y).backward()


def test_custom_function_double_backward():
    class Cube(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = leaf(2.0, -1.0, dtype=F64)
    (g,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert vals(g) == [12.0, 3.0]
    (h,) = autograd.grad(g.sum(), x)
    assert vals(h) == [12.0, -6.0]


def test_custom_function_saved_tensor_modified_in_place():
    x = leaf(1.0, 2.0)
    h = x * 1
    y = Exp.apply(h)
    y.mul_(2)  # modifies the tensor saved by Exp.forward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_custom_function_composes_with_builtin_ops():
    x = leaf(0.5, 1.0, dtype=F64)
    assert autograd.gradcheck(lambda x: Exp.apply(x * 2).sin() * x, (x,))


def test_function_requires_static_methods():
    with pytest.raises(RuntimeError, match="Legacy autograd function"):
        Exp()


# ----- memory -----


def _rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_intermediates_die_after_backward():
    x = leaf(1.0, 2.0)
    y = x.exp()
    r = weakref.ref(y)
    loss = (y * y).sum()
    loss.backward()
    del y, loss
    gc.collect()
    assert r() is None


def test_custom_function_ctx_freed_after_backward():
    class Marker:
        pass

    class Keep(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.marker = Marker()
            refs.append(weakref.ref(ctx.marker))
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    refs = []
    x = leaf(1.0, 2.0)
    y = Keep.apply(x)
    y.sum().backward()
    del y
    gc.collect()
    assert refs[0]() is None
    # also without calling backward at all: the graph dies with its output
    y = Keep.apply(x)
    del y
    gc.collect()
    assert refs[1]() is None


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    w = torch.tensor(rng.standard_normal((8, 4)) * 0.1, requires_grad=True)
    b = torch.zeros(4, dtype=F64, requires_grad=True)
    data = torch.tensor(rng.standard_normal((16, 8)))
    target = torch.tensor(rng.standard_normal((16, 4)))

    def step():
        out = (data @ w + b).tanh()
        loss = ((out - target) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w.sub_(0.01 * w.grad)
            b.sub_(0.01 * b.grad)
        w.grad = None
        b.grad.zero_()
        return loss

    first = float(step())
    for _ in range(1000):
        step()
    gc.collect()
    before = _rss_kb()
    refs = []
    for i in range(9000):
        loss = step()
        if i % 1000 == 0:
            refs.append(weakref.ref(loss))
    del loss
    gc.collect()
    after = _rss_kb()
    assert all(r() is None for r in refs)
    assert float(((data @ w + b).tanh() - target).pow(2).mean()) < first
    # a leak of even a few hundred bytes a step would show as megabytes here
    assert after - before < 4096, (before, after)


def test_big_intermediates_are_released_each_step():
    x = torch.ones(256, 256, dtype=F64, requires_grad=True)  # 512 KiB per intermediate
    for _ in range(5):
        ((x * 2).exp() * x).sum().backward()
    gc.collect()
    before = _rss_kb()
    for _ in range(100):  # 100 steps x ~4 intermediates x 512 KiB = 200 MiB if leaked
        ((x * 2).exp() * x).sum().backward()
    gc.collect()
    assert _rss_kb() - before < 20 * 1024


# ----- gradient buffers and products (the per-step path) -----


def test_leaf_grad_never_aliases_a_tensor_someone_holds():
    """.grad adopts a gradient buffer only when nothing else refers to it (PyTorch's
    AccumulateGrad steals by use count); a user's gradient tensor or one shared by two
    inputs is copied."""
    x = torch.zeros(3, requires_grad=True)
    g = torch.tensor([1.0, 2.0, 3.0])
    x.backward(g)
    g.add_(10.0)
    assert vals(x.grad) == [1.0, 2.0, 3.0]
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(5.0)
    assert vals(b.grad) == [1.0, 1.0] and vals(a.grad) == [6.0, 6.0]
    # An adopted buffer is the leaf's own: a second backward accumulates into it.
    w = torch.ones(2, 2, requires_grad=True)
    (w @ torch.ones(2, 2)).sum().backward()
    first = w.grad
    (w @ torch.ones(2, 2)).sum().backward()
    assert first is w.grad or vals(first) == vals(w.grad)
    assert vals(w.grad) == [[4.0, 4.0], [4.0, 4.0]]


def test_linear_gradients_match_numpy_and_are_contiguous():
    rng = np.random.default_rng(3)
    xn, wn, bn, gn = (rng.standard_normal(s) for s in [(5, 7), (4, 7), (4,), (5, 4)])
    for x_requires in (True, False):
        x = torch.tensor(xn, requires_grad=x_requires)
        w, b = torch.tensor(wn, requires_grad=True), torch.tensor(bn, requires_grad=True)
        torch.nn.functional.linear(x, w, b).backward(torch.tensor(gn))
        np.testing.assert_allclose(w.grad.numpy(), gn.T @ xn, rtol=1e-12)
        np.testing.assert_allclose(b.grad.numpy(), gn.sum(0), rtol=1e-12)
        assert w.grad.is_contiguous() and w.grad.stride() == (7, 1)
        if x_requires:
            np.testing.assert_allclose(x.grad.numpy(), gn @ wn, rtol=1e-12)
        else:
            assert x.grad is None


def test_mm_saves_only_what_the_needed_gradients_read():
    """As PyTorch's generated mm node: mat2 is saved for mat1's gradient and mat1 for mat2's,
    so changing in place an operand no formula reads is no error."""
    rng = np.random.default_rng(4)
    an, bn = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    leaf_a = torch.tensor(an, requires_grad=True)
    a, b = leaf_a * 1.0, torch.tensor(bn)
    out = a @ b
    a.mul_(2.0)  # a is not saved: only b is, for a's gradient
    out.backward(torch.ones(3, 2, dtype=torch.float64))
    np.testing.assert_allclose(leaf_a.grad.numpy(), np.ones((3, 2)) @ bn.T, rtol=1e-12)
    a2 = torch.tensor(an, requires_grad=True)
    b2 = torch.tensor(bn)
    out2 = a2 @ b2
    b2.mul_(2.0)  # b is saved for a's gradient
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out2.backward(torch.ones(3, 2, dtype=torch.float64))
