"""``rtensor.return_types``: the named (values, indices) results of ``max(dim)``, ``sort``...

PyTorch returns structseq types (``torch.return_types.max``) that are tuples with named fields
and print one field a line; these are named tuples that behave and print the same way.
"""

import collections

__all__ = ["aminmax", "cummax", "cummin", "frexp", "kthvalue", "linalg_cholesky_ex", "linalg_eigh",
           "linalg_inv_ex", "linalg_lstsq", "linalg_qr", "linalg_slogdet", "linalg_solve_ex",
           "linalg_svd", "max", "median", "min", "mode", "slogdet", "sort", "topk", "nanmedian",
           "histogram", "histogramdd"]


def _repr(self):
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
    return f"rtensor.return_types.{type(self).__name__}(\n{fields})"


def _make(name, fields=("values", "indices")):
    base = collections.namedtuple(name, fields)
    cls = type(name, (base,), {"__slots__": (), "__repr__": _repr, "__str__": _repr})
    cls.__module__ = __name__
    cls.__qualname__ = name
    return cls


max = _make("max")  # shadows the builtin on purpose: PyTorch's names
min = _make("min")
sort = _make("sort")
topk = _make("topk")
median = _make("median")
kthvalue = _make("kthvalue")
mode = _make("mode")
nanmedian = _make("nanmedian")
histogram = _make("histogram", ("hist", "bin_edges"))
histogramdd = _make("histogramdd", ("hist", "bin_edges"))
cummax = _make("cummax")
cummin = _make("cummin")
aminmax = _make("aminmax", ("min", "max"))
frexp = _make("frexp", ("mantissa", "exponent"))
slogdet = _make("slogdet", ("sign", "logabsdet"))
linalg_slogdet = _make("linalg_slogdet", ("sign", "logabsdet"))
linalg_qr = _make("linalg_qr", ("Q", "R"))
linalg_eigh = _make("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_svd = _make("linalg_svd", ("U", "S", "Vh"))
linalg_cholesky_ex = _make("linalg_cholesky_ex", ("L", "info"))
linalg_inv_ex = _make("linalg_inv_ex", ("inverse", "info"))
linalg_solve_ex = _make("linalg_solve_ex", ("result", "info"))
linalg_lstsq = _make("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
# the rest of torch.linalg and its legacy names
linalg_lu_factor = _make("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _make("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _make("linalg_lu", ("P", "L", "U"))
lu_unpack = _make("lu_unpack", ("P", "L", "U"))
linalg_ldl_factor = _make("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _make("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
geqrf = _make("geqrf", ("a", "tau"))
triangular_solve = _make("triangular_solve", ("solution", "cloned_coefficient"))
svd = _make("svd", ("U", "S", "V"))
qr = _make("qr", ("Q", "R"))
__all__ += ["geqrf", "linalg_ldl_factor", "linalg_ldl_factor_ex", "linalg_lu", "linalg_lu_factor",
            "linalg_lu_factor_ex", "lu_unpack", "qr", "svd", "triangular_solve"]
# linalg.eig
linalg_eig = _make("linalg_eig", ("eigenvalues", "eigenvectors"))
__all__ += ["linalg_eig"]
