"""A university course's PyTorch introduction: linear regression with `Variable`, `nn.Linear` and
`F.mse_loss`, first with a manual update, then with `optim.SGD`.

Writes `linear_regression.png` (the data and both fits) when matplotlib is installed; pass an
output path as the first argument to put it elsewhere.
"""

import sys

import numpy as np
import rtensor as torch
import rtensor.nn.functional as F
import rtensor.optim as optim
from _common import steps
from rtensor.autograd import Variable

torch.manual_seed(0)

input_size = 1
output_size = 1
my_model = torch.nn.Linear(input_size, output_size)
# we can see A and b
print(list(my_model.parameters()))

# To call the model, we treat it as a function.
x = Variable(torch.Tensor([[0], [1], [2]]))  # three data points through the model
print(my_model(x))

# Some linear data: the parameters we are trying to learn, plus uniform noise.
N = 10
A = torch.Tensor([np.pi])
b = torch.Tensor([42])
x = torch.rand(N, input_size) * 5
y = A * x + b + torch.rand(N, input_size)

x_var = Variable(x)
y_var = Variable(y)
learning_rate = 0.05
num_epochs = steps(500)

# Gradient descent by hand: the gradients land in each parameter's .grad.
for idx in range(num_epochs):
    my_model.zero_grad()
    y_hat = my_model(x_var)
    loss = F.mse_loss(y_hat, y_var)  # the mean squared error
    loss.backward()  # it computes the gradient for us!
    for param in my_model.parameters():
        param.data.add_(-learning_rate * param.grad.data)
    if idx % 50 == 0:
        print(idx, loss.item())
print(list(my_model.parameters()))
manual_fit = my_model(Variable(torch.arange(0, 5, 0.01).view(-1, 1))).detach()

# The same with an optimizer doing the update.
my_model = torch.nn.Linear(input_size, output_size)  # reset model
opt = optim.SGD(my_model.parameters(), lr=learning_rate)
for idx in range(num_epochs):
    my_model.zero_grad()
    y_hat = my_model(x_var)
    loss = F.mse_loss(y_hat, y_var)
    loss.backward()
    opt.step()  # this does the parameter update for us!
    if idx % 50 == 0:
        print(idx, loss.item())

xs = Variable(torch.arange(0, 5, 0.01).view(-1, 1))
ys = my_model(xs)
print(list(my_model.parameters()))

try:
    import matplotlib
except ImportError:
    print("matplotlib is not installed: no plot written")
else:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = sys.argv[1] if len(sys.argv) > 1 else "linear_regression.png"
    plt.scatter(xs.data.numpy(), manual_fit.numpy(), marker='.', label="manual update")
    plt.scatter(xs.data.numpy(), ys.data.numpy(), marker='.', label="optim.SGD")
    plt.scatter(x.numpy(), y.numpy(), label="data")
    plt.legend()
    plt.savefig(out)
    print(f"plot written to {out}")
