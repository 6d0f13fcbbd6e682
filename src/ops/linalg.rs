//! Matrix products. float32/float64/float16 go through `backend/cpu/gemm.rs` (GEMM crates,
//! which take strides, so transposed views are multiplied without a copy); integer products
//! use a plain loop.

use crate::backend::cpu::gemm::gemm_batched;
use crate::backend::cpu::threads::pool;
use crate::dispatch;
use crate::dtype::{DType, Element, Scalar};
use crate::error::{Error, Result};
use crate::ops::elementwise::{BinaryOp, Operand, binary, type_title};
use crate::ops::{reduce, view};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

fn check_same_dtype(a: &Tensor, b: &Tensor, what: &str) -> Result<()> {
    if a.dtype() != b.dtype() {
        return Err(Error::Runtime(format!(
            "{} to have the same dtype, but got: {} != {}",
            what,
            a.dtype()
                .name()
                .replace("float32", "float")
                .replace("float64", "double")
                .replace("int64", "long"),
            b.dtype()
                .name()
                .replace("float32", "float")
                .replace("float64", "double")
                .replace("int64", "long")
        )));
    }
    if a.dtype() == DType::Bool {
        return Err(crate::spec::elementwise::not_implemented_for(
            "addmm_impl_cpu_",
            a.dtype(),
        ));
    }
    Ok(())
}

/// out[b] = a[b] @ rhs[b] for 3-d inputs of one dtype (any strides); out is fresh.
fn bmm_raw(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.is_gpu() || b.is_gpu() {
        return bmm_gpu(a, b);
    }
    Ok(bmm_cpu(a, b))
}

/// Batched product of 3-d tensors on the GPU (float32 or integers; one dtype).
fn bmm_gpu(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    use crate::backend::gpu;
    gpu::same_device(&[a, b])?;
    gpu::check_dtype(a.dtype())?;
    if a.dtype() == DType::Bool {
        return Err(gpu::not_implemented("matmul (bool)"));
    }
    let (bs, m, k, n) = (a.shape()[0], a.shape()[1], a.shape()[2], b.shape()[2]);
    let tiles = bs * m.div_ceil(64) * n.div_ceil(64);
    if tiles < 4 && k >= 512 && bs * m * n * k <= 1 << 22 {
        // A few output tiles over a long K (a linear layer's weight gradient, x @ w for a
        // narrow w): the tiled kernel would walk K with one workgroup per tile. The product of
        // broadcast views reduced over K spreads each output over a 256-invocation workgroup.
        let p = crate::ops::elementwise::binary(
            crate::ops::elementwise::BinaryOp::Mul,
            &crate::ops::elementwise::Operand::Tensor(crate::ops::view::unsqueeze(a, 3)?),
            &crate::ops::elementwise::Operand::Tensor(crate::ops::view::unsqueeze(b, 1)?),
        )?;
        return crate::ops::gpu::reduce::sum(&p, Some(&[2]), false, Some(a.dtype()));
    }
    gpu::kernels::bmm(a, b)
}

fn bmm_cpu(a: &Tensor, b: &Tensor) -> Tensor {
    let (bs, m, k) = (a.shape()[0], a.shape()[1], a.shape()[2]);
    let n = b.shape()[2];
    let out = Tensor::zeros(&[bs, m, n], a.dtype());
    let (sa, sb) = (a.strides(), b.strides());
    let threads = pool().current_num_threads();
    macro_rules! run {
        ($T:ty) => {
            // SAFETY: the strides describe valid views of the three buffers; the output is
            // fresh and contiguous.
            unsafe {
                gemm_batched::<$T>(
                    bs,
                    m,
                    n,
                    k,
                    ((a.data_ptr() as *const $T, sa[1], sa[2]), sa[0]),
                    ((b.data_ptr() as *const $T, sb[1], sb[2]), sb[0]),
                    ((out.data_ptr() as *mut $T, n as isize, 1), (m * n) as isize),
                    false,
                    threads,
                )
            }
        };
    }
    match a.dtype() {
        DType::F32 => run!(f32),
        DType::F64 => run!(f64),
        DType::F16 => run!(half::f16),
        DType::C64 => run!(num_complex::Complex32),
        DType::C128 => run!(num_complex::Complex64),
        d => dispatch!(d, T => int_bmm::<T>(a, b, &out), complex => unreachable!("matched above")),
    }
    out
}

/// Integer (and bfloat16) products: exact wrapping arithmetic in int64 / float32.
fn int_bmm<T: Element>(a: &Tensor, b: &Tensor, out: &Tensor) {
    let (bs, m, k) = (a.shape()[0], a.shape()[1], a.shape()[2]);
    let n = b.shape()[2];
    let (sa, sb) = (a.strides(), b.strides());
    let (pa, pb, po) = (a.ptr::<T>(), b.ptr::<T>(), out.ptr::<T>());
    for bi in 0..bs {
        for i in 0..m {
            for j in 0..n {
                // SAFETY: indices within each view's shape.
                unsafe {
                    if T::DTYPE.is_float() {
                        let mut acc = 0f64;
                        for l in 0..k {
                            let x = *pa.offset(
                                bi as isize * sa[0] + i as isize * sa[1] + l as isize * sa[2],
                            );
                            let y = *pb.offset(
                                bi as isize * sb[0] + l as isize * sb[1] + j as isize * sb[2],
                            );
                            acc += x.to_f64() * y.to_f64();
                        }
                        *po.add((bi * m + i) * n + j) = T::from_f64(acc);
                    } else {
                        let mut acc = 0i64;
                        for l in 0..k {
                            let x = *pa.offset(
                                bi as isize * sa[0] + i as isize * sa[1] + l as isize * sa[2],
                            );
                            let y = *pb.offset(
                                bi as isize * sb[0] + l as isize * sb[1] + j as isize * sb[2],
                            );
                            acc = acc.wrapping_add(x.to_i64().wrapping_mul(y.to_i64()));
                        }
                        *po.add((bi * m + i) * n + j) = T::from_i64(acc);
                    }
                }
            }
        }
    }
}

fn dims_str(t: &Tensor) -> String {
    t.shape()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("x")
}

pub fn mm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 2 {
        return Err(Error::Runtime("self must be a matrix".to_string()));
    }
    if b.ndim() != 2 {
        return Err(Error::Runtime("mat2 must be a matrix".to_string()));
    }
    if a.shape()[1] != b.shape()[0] {
        return Err(Error::Runtime(format!(
            "mat1 and mat2 shapes cannot be multiplied ({} and {})",
            dims_str(a),
            dims_str(b)
        )));
    }
    check_same_dtype(a, b, "expected m1 and m2")?;
    let r = bmm_raw(&view::unsqueeze(a, 0)?, &view::unsqueeze(b, 0)?)?;
    view::squeeze(&r, Some(&[0]))
}

pub fn bmm(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 3 {
        return Err(Error::Runtime("batch1 must be a 3D tensor".into()));
    }
    if b.ndim() != 3 {
        return Err(Error::Runtime("batch2 must be a 3D tensor".into()));
    }
    if a.shape()[0] != b.shape()[0] || a.shape()[2] != b.shape()[1] {
        return Err(Error::Runtime(format!(
            "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
            a.shape()[0],
            a.shape()[2],
            b.shape()[0],
            b.shape()[1]
        )));
    }
    check_same_dtype(a, b, "expected scalar type")?;
    bmm_raw(a, b)
}

pub fn mv(a: &Tensor, v: &Tensor) -> Result<Tensor> {
    if a.ndim() != 2 || v.ndim() != 1 {
        return Err(Error::Runtime(format!(
            "vector + matrix @ vector expected, got {}, {}, {}",
            1,
            a.ndim(),
            v.ndim()
        )));
    }
    if a.shape()[1] != v.shape()[0] {
        return Err(Error::Runtime(format!(
            "size mismatch, got input ({}), mat ({}), vec ({})",
            a.shape()[0],
            dims_str(a),
            v.shape()[0]
        )));
    }
    let r = mm(a, &view::unsqueeze(v, 1)?)?;
    view::squeeze(&r, Some(&[1]))
}

pub fn dot(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.ndim() != 1 || b.ndim() != 1 {
        return Err(Error::Runtime(format!(
            "1D tensors expected, but got {}D and {}D tensors",
            a.ndim(),
            b.ndim()
        )));
    }
    if a.numel() != b.numel() {
        return Err(Error::Runtime(format!(
            "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of elements, but got {} and {} elements respectively",
            a.numel(),
            b.numel(),
            a.numel(),
            b.numel()
        )));
    }
    if a.dtype() != b.dtype() {
        return Err(Error::Runtime(format!(
            "dot : expected both vectors to have same dtype, but found {} and {}",
            type_title(a.dtype()),
            type_title(b.dtype())
        )));
    }
    let r = mm(&view::unsqueeze(a, 0)?, &view::unsqueeze(b, 1)?)?;
    view::reshape(&r, &[])
}

/// PyTorch's argument check for `outer` (shared with the autograd wrapper).
pub fn check_outer(a: &Tensor, b: &Tensor) -> Result<()> {
    for (t, name) in [(a, "self"), (b, "vec2")] {
        if t.ndim() != 1 {
            return Err(Error::Runtime(format!(
                "outer: Expected 1-D argument {}, but got {}-D",
                name,
                t.ndim()
            )));
        }
    }
    Ok(())
}

pub fn outer(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    check_outer(a, b)?;
    binary(
        BinaryOp::Mul,
        &Operand::Tensor(view::unsqueeze(a, 1)?),
        &Operand::Tensor(view::unsqueeze(b, 0)?),
    )
}

/// `matmul` with NumPy's rules for 1-d operands and broadcast batch dims.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (da, db) = (a.ndim(), b.ndim());
    if da == 0 || db == 0 {
        return Err(Error::Runtime(format!(
            "both arguments to matmul need to be at least 1D, but they are {}D and {}D",
            da, db
        )));
    }
    match (da, db) {
        (1, 1) => return dot(a, b),
        (2, 1) => return mv(a, b),
        (1, 2) => return view::squeeze(&mm(&view::unsqueeze(a, 0)?, b)?, Some(&[0])),
        (2, 2) => return mm(a, b),
        _ => {}
    }
    if da >= 3 && db <= 2 {
        // PyTorch folds the batch of `a` into its rows and calls mm/mv when that is a view
        // (one GEMM instead of a batch; also where its shape errors come from).
        let k = a.shape()[da - 1] as i64;
        let rows = a.shape()[..da - 1].iter().product::<usize>() as i64;
        if let Ok(folded) = view::view(a, &[rows, k]) {
            let r = if db == 2 {
                mm(&folded, b)?
            } else {
                mv(&folded, b)?
            };
            let mut out: Vec<i64> = a.shape()[..da - 1].iter().map(|&v| v as i64).collect();
            if db == 2 {
                out.push(b.shape()[1] as i64);
            }
            return view::reshape(&r, &out);
        }
    }
    let a2 = if da == 1 {
        view::unsqueeze(a, 0)?
    } else {
        a.clone()
    };
    let b2 = if db == 1 {
        view::unsqueeze(b, 1)?
    } else {
        b.clone()
    };
    let (n, k1) = (a2.shape()[a2.ndim() - 2], a2.shape()[a2.ndim() - 1]);
    let (k2, p) = (b2.shape()[b2.ndim() - 2], b2.shape()[b2.ndim() - 1]);
    let batch = broadcast_shapes(&a2.shape()[..a2.ndim() - 2], &b2.shape()[..b2.ndim() - 2])?;
    let bsz: usize = batch.iter().product();
    if k1 != k2 {
        return Err(Error::Runtime(format!(
            "Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
            bsz, k1, bsz, k2
        )));
    }
    check_same_dtype(&a2, &b2, "expected m1 and m2")?;
    let mut ta: Vec<usize> = batch.to_vec();
    ta.extend([n, k1]);
    let mut tb: Vec<usize> = batch.to_vec();
    tb.extend([k2, p]);
    let ea = a2.with_layout(a2.layout().broadcast_to(&ta)?);
    let eb = b2.with_layout(b2.layout().broadcast_to(&tb)?);
    let ra = view::reshape(&ea, &[bsz as i64, n as i64, k1 as i64])?;
    let rb = view::reshape(&eb, &[bsz as i64, k2 as i64, p as i64])?;
    let r = bmm_raw(&ra, &rb)?;
    let mut out: Vec<i64> = batch.iter().map(|&v| v as i64).collect();
    if da > 1 {
        out.push(n as i64);
    }
    if db > 1 {
        out.push(p as i64);
    }
    view::reshape(&r, &out)
}

/// `beta * input + alpha * prod` (shared tail of addmm/addmv/baddbmm).
fn add_scaled(input: &Tensor, prod: Tensor, beta: Scalar, alpha: Scalar) -> Result<Tensor> {
    let p = if alpha.to_f64() == 1.0 {
        prod
    } else {
        binary(
            BinaryOp::Mul,
            &Operand::Tensor(prod),
            &Operand::Scalar(alpha),
        )?
    };
    if beta.to_f64() == 0.0 {
        // PyTorch ignores `input` entirely (NaN included) when beta is 0.
        return Ok(p);
    }
    let i = if beta.to_f64() == 1.0 {
        input.clone()
    } else {
        binary(
            BinaryOp::Mul,
            &Operand::Tensor(input.clone()),
            &Operand::Scalar(beta),
        )?
    };
    if i.dtype() == p.dtype() && !p.is_gpu() {
        // The product is fresh and `input` broadcasts to its shape: add in place (a + b ==
        // b + a exactly) rather than allocating a third buffer.
        if add_row_vector(&p, &i) {
            return Ok(p);
        }
        crate::ops::elementwise::binary_(BinaryOp::Add, &p, &Operand::Tensor(i))?;
        return Ok(p);
    }
    binary(BinaryOp::Add, &Operand::Tensor(i), &Operand::Tensor(p))
}

/// `p[r, :] += v` for a fresh contiguous float matrix and a contiguous vector of its row length
/// (a linear layer's bias): one pass over the rows. False where the operands do not fit.
fn add_row_vector(p: &Tensor, v: &Tensor) -> bool {
    let n = match p.shape() {
        [_, n] => *n,
        _ => return false,
    };
    let row = v.shape() == [n] || v.shape() == [1, n];
    if !row || !p.is_contiguous() || !v.is_contiguous() || p.same_storage(v) {
        return false;
    }
    fn go<T: Element + std::ops::AddAssign>(p: &Tensor, v: &Tensor, n: usize) {
        let bias = v.as_slice::<T>();
        let base = p.ptr::<T>();
        for r in 0..p.shape()[0] {
            // SAFETY: row r of the contiguous (rows, n) product; `p` is fresh and shares no
            // storage with `v`.
            let out = unsafe { std::slice::from_raw_parts_mut(base.add(r * n), n) };
            for (o, &b) in out.iter_mut().zip(bias) {
                *o += b;
            }
        }
    }
    match p.dtype() {
        DType::F32 => go::<f32>(p, v, n),
        DType::F64 => go::<f64>(p, v, n),
        _ => return false,
    }
    true
}

pub fn addmm(
    input: &Tensor,
    a: &Tensor,
    b: &Tensor,
    beta: Scalar,
    alpha: Scalar,
) -> Result<Tensor> {
    let p = mm(a, b)?;
    check_broadcastable(input, &p, "addmm")?;
    add_scaled(input, p, beta, alpha)
}

pub fn addmv(
    input: &Tensor,
    a: &Tensor,
    v: &Tensor,
    beta: Scalar,
    alpha: Scalar,
) -> Result<Tensor> {
    let p = mv(a, v)?;
    check_broadcastable(input, &p, "addmv")?;
    add_scaled(input, p, beta, alpha)
}

pub fn baddbmm(
    input: &Tensor,
    a: &Tensor,
    b: &Tensor,
    beta: Scalar,
    alpha: Scalar,
) -> Result<Tensor> {
    let p = bmm(a, b)?;
    check_broadcastable(input, &p, "baddbmm")?;
    add_scaled(input, p, beta, alpha)
}

fn check_broadcastable(input: &Tensor, p: &Tensor, name: &str) -> Result<()> {
    if input.layout().broadcast_to(p.shape()).is_err() {
        return Err(Error::Runtime(format!(
            "{}: The expanded size of the input [{}] must be broadcastable to the product [{}]",
            name,
            input
                .shape()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            p.shape()
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Letters of one einsum term and where its ellipsis sits among them (`None`: no ellipsis).
fn parse_subscripts(s: &str, eq: &str, what: &str) -> Result<(Vec<char>, Option<usize>)> {
    let cs: Vec<char> = s.chars().collect();
    let (mut letters, mut ell) = (vec![], None);
    let mut i = 0;
    while i < cs.len() {
        if cs[i] == '.' {
            if ell.is_some() || cs.get(i + 1) != Some(&'.') || cs.get(i + 2) != Some(&'.') {
                return Err(Error::Runtime(format!(
                    "einsum(): found '.' for {} that is not part of any ellipsis",
                    what
                )));
            }
            ell = Some(letters.len());
            i += 3;
            continue;
        }
        if !cs[i].is_ascii_alphabetic() {
            return Err(Error::Runtime(format!(
                "einsum(): invalid subscript given in the equation string: {}",
                eq
            )));
        }
        letters.push(cs[i]);
        i += 1;
    }
    Ok((letters, ell))
}

/// `einsum` for one or two operands: diagonals and summed-out letters are handled first, then
/// the contraction becomes one batched matrix product.
pub fn einsum(eq: &str, ops: &[Tensor]) -> Result<Tensor> {
    let eq: String = eq.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l.to_string(), Some(r.to_string())),
        None => (eq.clone(), None),
    };
    let raw: Vec<&str> = lhs.split(',').collect();
    if raw.len() != ops.len() {
        return Err(Error::Runtime(format!(
            "einsum(): {} operands were provided than specified in the equation",
            if ops.len() > raw.len() {
                "more"
            } else {
                "fewer"
            }
        )));
    }
    if ops.is_empty() || ops.len() > 2 {
        return Err(Error::NotImplemented(
            "einsum(): only one or two operands are supported".into(),
        ));
    }
    // An ellipsis stands for the dims no letter names; they get placeholder labels (outside
    // ASCII), aligned from the right across operands and broadcast, as in PyTorch.
    let mut parsed = vec![];
    for (k, (s, t)) in raw.iter().zip(ops).enumerate() {
        let (letters, ell) = parse_subscripts(s, &eq, &format!("operand {}", k))?;
        if ell.is_none() && letters.len() != t.ndim() {
            return Err(Error::Runtime(format!(
                "einsum(): the number of subscripts in the equation ({}) does not match the number of dimensions ({}) for operand {} and no ellipsis was given",
                letters.len(),
                t.ndim(),
                k
            )));
        }
        if ell.is_some() && letters.len() > t.ndim() {
            return Err(Error::Runtime(format!(
                "einsum(): the number of subscripts in the equation ({}) is more than the number of dimensions ({}) for operand {}",
                letters.len(),
                t.ndim(),
                k
            )));
        }
        parsed.push((letters, ell));
    }
    let ell_ndim = |k: usize| ops[k].ndim() - parsed[k].0.len();
    let max_ell = (0..ops.len())
        .filter(|&k| parsed[k].1.is_some())
        .map(ell_ndim)
        .max()
        .unwrap_or(0);
    let label = |i: usize| char::from_u32(0x100 + i as u32).unwrap_or('\u{100}');
    let expand_ell = |letters: &[char], ell: Option<usize>, n: usize| -> Vec<char> {
        match ell {
            None => letters.to_vec(),
            Some(p) => {
                let mut v = letters[..p].to_vec();
                v.extend((max_ell - n..max_ell).map(label));
                v.extend_from_slice(&letters[p..]);
                v
            }
        }
    };
    let inputs: Vec<Vec<char>> = (0..ops.len())
        .map(|k| {
            expand_ell(
                &parsed[k].0,
                parsed[k].1,
                if parsed[k].1.is_some() {
                    ell_ndim(k)
                } else {
                    0
                },
            )
        })
        .collect();
    let output: Vec<char> = match rhs {
        // Without `...` in the output, the ellipsis dims are summed (PyTorch).
        Some(r) => {
            let (letters, ell) = parse_subscripts(&r, &eq, "output")?;
            expand_ell(&letters, ell, max_ell)
        }
        None => {
            let mut all: Vec<char> = parsed.iter().flat_map(|(l, _)| l.clone()).collect();
            all.sort();
            let mut once: Vec<char> = (0..max_ell).map(label).collect();
            for &c in &all {
                if all.iter().filter(|&&x| x == c).count() == 1 {
                    once.push(c);
                }
            }
            once
        }
    };
    for (i, &c) in output.iter().enumerate() {
        if output[..i].contains(&c) {
            return Err(Error::Runtime(format!(
                "einsum(): output subscript {} appears more than once in the output",
                c
            )));
        }
        if !inputs.iter().any(|s| s.contains(&c)) {
            return Err(Error::Runtime(format!(
                "einsum(): output subscript {} does not appear in the equation for any input operand",
                c
            )));
        }
    }
    // Take diagonals for repeated letters and sum letters used by one operand only.
    let mut reduced: Vec<(Tensor, Vec<char>)> = vec![];
    for (k, (s, t)) in inputs.iter().zip(ops).enumerate() {
        let mut t = t.clone();
        let mut s = s.clone();
        loop {
            let dup =
                (0..s.len()).find_map(|i| (i + 1..s.len()).find(|&j| s[j] == s[i]).map(|j| (i, j)));
            let Some((i, j)) = dup else { break };
            if t.shape()[i] != t.shape()[j] {
                return Err(Error::Runtime(format!(
                    "einsum(): subscript {} is repeated for operand {} but the sizes don't match, {} != {}",
                    s[i],
                    k,
                    t.shape()[i],
                    t.shape()[j]
                )));
            }
            t = view::diagonal(&t, 0, i as i64, j as i64)?;
            let c = s.remove(j);
            s.remove(i);
            s.push(c);
        }
        let other: Vec<char> = inputs
            .iter()
            .enumerate()
            .filter(|(o, _)| *o != k)
            .flat_map(|(_, v)| v.clone())
            .collect();
        let drop: Vec<i64> = (0..s.len())
            .filter(|&i| !output.contains(&s[i]) && !other.contains(&s[i]))
            .map(|i| i as i64)
            .collect();
        if !drop.is_empty() {
            t = reduce::sum(&t, Some(&drop), false, None)?;
            s = s
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !drop.contains(&(*i as i64)))
                .map(|(_, c)| c)
                .collect();
        }
        reduced.push((t, s));
    }
    if reduced.len() == 2 {
        // Labels both operands share broadcast: a size-1 dim is expanded to the other's size.
        let (sa, sb) = (reduced[0].1.clone(), reduced[1].1.clone());
        for (ia, c) in sa.iter().enumerate() {
            let Some(ib) = sb.iter().position(|x| x == c) else {
                continue;
            };
            let (na, nb) = (reduced[0].0.shape()[ia], reduced[1].0.shape()[ib]);
            if na == nb {
                continue;
            }
            let (which, dim, size) = match (na, nb) {
                (1, _) => (0, ia, nb),
                (_, 1) => (1, ib, na),
                _ => {
                    return Err(Error::Runtime(format!(
                        "einsum(): operands do not broadcast with remapped shapes (original->remapped): [{}] and [{}]",
                        ops[0]
                            .shape()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        ops[1]
                            .shape()
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            };
            let t = &reduced[which].0;
            let mut sizes: Vec<i64> = t.shape().iter().map(|&v| v as i64).collect();
            sizes[dim] = size as i64;
            reduced[which].0 = view::expand(t, &sizes)?;
        }
    }
    let size_of = |c: char| -> usize {
        for (t, s) in &reduced {
            if let Some(i) = s.iter().position(|&x| x == c) {
                return t.shape()[i];
            }
        }
        1
    };
    let permute_to = |t: &Tensor, s: &[char], order: &[char]| -> Result<Tensor> {
        let perm: Vec<i64> = order
            .iter()
            .map(|c| s.iter().position(|x| x == c).unwrap_or(0) as i64)
            .collect();
        view::permute(t, &perm)
    };
    if reduced.len() == 1 {
        let (t, s) = &reduced[0];
        return permute_to(t, s, &output)?.try_contiguous();
    }
    let (a, sa) = &reduced[0];
    let (b, sb) = &reduced[1];
    let batch: Vec<char> = output
        .iter()
        .copied()
        .filter(|c| sa.contains(c) && sb.contains(c))
        .collect();
    let left: Vec<char> = sa
        .iter()
        .copied()
        .filter(|c| output.contains(c) && !sb.contains(c))
        .collect();
    let right: Vec<char> = sb
        .iter()
        .copied()
        .filter(|c| output.contains(c) && !sa.contains(c))
        .collect();
    let contr: Vec<char> = sa
        .iter()
        .copied()
        .filter(|c| !output.contains(c) && sb.contains(c))
        .collect();
    let prod = |cs: &[char]| cs.iter().map(|&c| size_of(c)).product::<usize>() as i64;
    let mut oa = batch.clone();
    oa.extend(&left);
    oa.extend(&contr);
    let mut ob = batch.clone();
    ob.extend(&contr);
    ob.extend(&right);
    let pa = permute_to(a, sa, &oa)?;
    let pb = permute_to(b, sb, &ob)?;
    let dtype = crate::ops::elementwise::result_type(
        &Operand::Tensor(pa.clone()),
        &Operand::Tensor(pb.clone()),
    );
    let ra = view::reshape(
        &pa.try_to_dtype(dtype)?,
        &[prod(&batch), prod(&left), prod(&contr)],
    )?;
    let rb = view::reshape(
        &pb.try_to_dtype(dtype)?,
        &[prod(&batch), prod(&contr), prod(&right)],
    )?;
    let r = bmm(&ra, &rb)?;
    let mut rs: Vec<char> = batch.clone();
    rs.extend(&left);
    rs.extend(&right);
    let shape: Vec<i64> = rs.iter().map(|&c| size_of(c) as i64).collect();
    let r = view::reshape(&r, &shape)?;
    permute_to(&r, &rs, &output)?.try_contiguous()
}
