""""Learn the Basics" (PyTorch's quickstart) on scikit-learn's bundled 8x8 digits, so that
nothing is downloaded: TensorDataset, DataLoader(shuffle=True), a Sequential MLP,
CrossEntropyLoss, Adam with a StepLR schedule, train and test loops with a progress
display, then a state-dict save/load round trip that must leave the predictions unchanged.
"""

import os
import tempfile

import rtensor as torch
from _common import device_from_args, steps
from rtensor import nn
from rtensor.optim.lr_scheduler import StepLR
from rtensor.utils.data import DataLoader, TensorDataset, random_split
from sklearn.datasets import load_digits

device = device_from_args()  # torch.device("cpu"), or "cuda" with `--device gpu`
torch.manual_seed(0)

digits = load_digits()
features = torch.tensor(digits.data, dtype=torch.float32) / 16.0  # pixel values 0..16
labels = torch.tensor(digits.target)
dataset = TensorDataset(features, labels)
training_data, test_data = random_split(
    dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(42))

batch_size = 64
train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(64, 128),
            nn.ReLU(),
            nn.Linear(128, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)

learning_rate = 3e-3
epochs = steps(20)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
scheduler = StepLR(optimizer, step_size=8, gamma=0.5)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 10 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct


for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    accuracy = test_loop(test_dataloader, model, loss_fn)
    scheduler.step()
print("Done!")

# Save the learned parameters, load them into a fresh model, and check that nothing changed.
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "model_weights.pth")
    torch.save(model.state_dict(), path)
    restored = NeuralNetwork().to(device)
    restored.load_state_dict(torch.load(path, weights_only=True))
restored.eval()
with torch.no_grad():
    X_test = torch.stack([x for x, _ in test_data]).to(device)
    same = torch.equal(model(X_test), restored(X_test))
print(f"Final accuracy: {100 * accuracy:.1f}%")
print(f"Predictions unchanged after save/load: {same}")
