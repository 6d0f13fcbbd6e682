"""Learning PyTorch with Examples: "PyTorch: Control Flow + Weight Sharing".

A third-to-fifth order polynomial that on each forward pass picks 4 or 5 terms at random and
reuses the parameter ``e`` for the fourth and fifth order.
"""

import math
import random

import rtensor as torch
import rtensor.nn  # noqa: F401  (makes torch.nn available, as `import torch` does)
from _common import steps


class DynamicNet(torch.nn.Module):
    def __init__(self):
        """Five parameters, registered by assigning them as attributes."""
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        """Ordinary Python control flow builds a different graph on each pass, and reusing
        ``self.e`` several times in one graph is safe (its gradients add up)."""
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


random.seed(0)
torch.manual_seed(0)

# Create Tensors to hold input and outputs.
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

# Construct our model by instantiating the class defined above
model = DynamicNet()

# Training this strange model with vanilla stochastic gradient descent is tough, so we use
# momentum.
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(steps(30000)):
    # Forward pass: Compute predicted y by passing x to the model
    y_pred = model(x)

    # Compute and print loss
    loss = criterion(y_pred, y)
    if t % 2000 == 1999:
        print(t, loss.item())

    # Zero gradients, perform a backward pass, and update the weights.
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
