""""Training a Classifier" (PyTorch's 60-minute blitz) on scikit-learn's bundled 8x8 digits
(one channel, ten classes; nothing is downloaded) instead of CIFAR-10: a small CNN with
Conv2d, BatchNorm2d, ReLU, MaxPool2d and Dropout, trained with SGD and momentum, the tutorial's
running-loss printout, then the overall and per-class test accuracy.
"""

import rtensor as torch
import rtensor.nn as nn
import rtensor.optim as optim
from _common import device_from_args, steps
from rtensor.utils.data import DataLoader, TensorDataset, random_split
from sklearn.datasets import load_digits

device = device_from_args()  # torch.device("cpu"), or "cuda" with `--device gpu`
torch.manual_seed(0)

digits = load_digits()
# (N, 1, 8, 8) images scaled to [0, 1], normalized as the tutorial's transforms.Normalize does.
images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
images = (images - 0.5) / 0.5
labels = torch.tensor(digits.target)
trainset, testset = random_split(TensorDataset(images, labels), [0.8, 0.2],
                                 generator=torch.Generator().manual_seed(42))

batch_size = 32
trainloader = DataLoader(trainset, batch_size=batch_size, shuffle=True)
testloader = DataLoader(testset, batch_size=batch_size, shuffle=False)
classes = tuple(str(d) for d in range(10))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),   # 16 x 8 x 8
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),                  # 16 x 4 x 4
            nn.Conv2d(16, 32, 3, padding=1),  # 32 x 4 x 4
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),                  # 32 x 2 x 2
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(32 * 2 * 2, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


net = Net().to(device)
print(net)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

for epoch in range(steps(8)):  # loop over the dataset multiple times

    running_loss = 0.0
    net.train()
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data[0].to(device), data[1].to(device)

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % 15 == 14:    # print every 15 mini-batches
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 15:.3f}')
            running_loss = 0.0

print('Finished Training')

net.eval()
correct = 0
total = 0
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in testloader:
        images, labels = data[0].to(device), data[1].to(device)
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
        for label, prediction in zip(labels, predicted):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1

print(f'Accuracy of the network on the {total} test images: {100 * correct / total:.1f} %')

# print accuracy for each class
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / total_pred[classname]
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
