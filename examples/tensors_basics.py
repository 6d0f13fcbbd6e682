"""Creating tensors, indexing, operations and views: a first tour of rtensor."""

import rtensor as torch

x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(x)
print(x.shape, x.dtype)
print(x[1], x[:, 0], x[x > 2.5])
print(x + 10, x * x, x @ x.t())
print(x.sum(), x.mean(dim=0), x.max(dim=1))
print(torch.cat([x, x], dim=0).view(3, 4))
print(torch.arange(6).view(2, 3).numpy())
