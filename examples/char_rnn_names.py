"""NLP From Scratch: Classifying Names with a Character-Level RNN.

The tutorial reads 20,000 surnames from data/names/*.txt; this example types a few names per
language in (no download), keeps the tutorial's structure (one-hot letters, ``nn.RNN`` + linear
+ log-softmax, minibatches of names summed into one loss, gradient clipping, SGD) and ends with
the confusion matrix, printed, and saved as char_rnn_confusion.png when matplotlib is
installed."""

import random
import string
import time
import unicodedata

import numpy as np
import rtensor as torch
import rtensor.nn as nn
from _common import device_from_args, steps

device = device_from_args()  # torch.device("cpu"), or "cuda" with `--device gpu`
torch.manual_seed(2024)
random.seed(2024)

# We can use "_" to represent an out-of-vocabulary character, that is, any character we are not
# handling in our model
allowed_characters = string.ascii_letters + " .,;'" + "_"
n_letters = len(allowed_characters)


# Turn a Unicode string to plain ASCII, thanks to https://stackoverflow.com/a/518232/2809427
def unicodeToAscii(s):
    return "".join(
        c for c in unicodedata.normalize("NFD", s)
        if unicodedata.category(c) != "Mn"
        and c in allowed_characters
    )


print(f"converting 'Ślusàrski' to {unicodeToAscii('Ślusàrski')}")


# Find letter index from all_letters, e.g. "a" = 0
def letterToIndex(letter):
    # return our out-of-vocabulary character if we encounter a letter unknown to our model
    if letter not in allowed_characters:
        return allowed_characters.find("_")
    else:
        return allowed_characters.find(letter)


# Turn a line into a <line_length x 1 x n_letters>,
# or an array of one-hot letter vectors
def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor.to(device)


print(f"The letter 'a' becomes {lineToTensor('a')}")  # the first position in the tensor = 1
print(f"The name 'Ahn' becomes {lineToTensor('Ahn')}")  # 'A' sets the 27th index to 1

# A few surnames per language, in place of the tutorial's data/names/<Language>.txt files.
NAMES = {
    "Arabic": "Nader Haddad Kassab Asfour Tahan Sleiman Nassar Antar Bazzi Shadid Khouri Bata",
    "Chinese": "Zhang Wang Liu Chen Yang Huang Zhao Zhou Xiong Qian Sun Hsiao Tsang Chow",
    "Czech": "Novak Dvorak Svoboda Cerny Prochazka Kucera Vesely Horak Nemec Pokorny Maly",
    "Dutch": "Jansen Visser Smit Bakker Meijer Bosch Vos Peters Hendriks Dekker Brouwer Kuiper",
    "English": "Smith Johnson Williams Brown Taylor Wilson Davies Evans Thomas Roberts Walker",
    "French": "Martin Bernard Dubois Durand Lefebvre Moreau Laurent Simon Michel Garnier Roux",
    "German": "Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Koch Richter",
    "Greek": "Papadopoulos Pappas Nikolaidis Georgiou Karagiannis Vlachos Antonopoulos Dimas",
    "Irish": "Murphy Kelly Sullivan Walsh Byrne Ryan Connor Neill Reilly Doyle Gallagher Quinn",
    "Italian": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno",
    "Japanese": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato",
    "Korean": "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin Seo Kwon Hwang Ahn",
    "Polish": "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski",
    "Portuguese": "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa",
    "Russian": "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov",
    "Scottish": "Campbell Stewart MacDonald Robertson Thomson Anderson Scott Murray MacLeod Reid",
    "Spanish": "Garcia Fernandez Gonzalez Rodriguez Lopez Martinez Sanchez Perez Gomez Jimenez",
    "Vietnamese": "Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Ho Ngo Duong Ly Vuong Trinh",
}


class NamesDataset(torch.utils.data.Dataset):

    def __init__(self, names):
        self.load_time = time.localtime  # for provenance of the dataset
        labels_set = set()  # set of all classes

        self.data = []
        self.data_tensors = []
        self.labels = []
        self.labels_tensors = []

        for label, lines in names.items():
            labels_set.add(label)
            for name in lines.split():
                self.data.append(name)
                self.data_tensors.append(lineToTensor(name))
                self.labels.append(label)

        # Cache the tensor representation of the labels. (The tutorial lists the set itself,
        # whose order changes with Python's string hashing; sorted, every run is the same.)
        self.labels_uniq = sorted(labels_set)
        for idx in range(len(self.labels)):
            temp_tensor = torch.tensor([self.labels_uniq.index(self.labels[idx])],
                                       dtype=torch.long, device=device)
            self.labels_tensors.append(temp_tensor)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        data_item = self.data[idx]
        data_label = self.labels[idx]
        data_tensor = self.data_tensors[idx]
        label_tensor = self.labels_tensors[idx]

        return label_tensor, data_tensor, data_label, data_item


alldata = NamesDataset(NAMES)
print(f"loaded {len(alldata)} items of data")
print(f"example = {alldata[0][2:]}")

train_set, test_set = torch.utils.data.random_split(
    alldata, [.85, .15], generator=torch.Generator().manual_seed(2024))

print(f"train examples = {len(train_set)}, validation examples = {len(test_set)}")


class CharRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(CharRNN, self).__init__()

        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)

        return output


n_hidden = 128
rnn = CharRNN(n_letters, n_hidden, len(alldata.labels_uniq)).to(device)
print(rnn)


def label_from_output(output, output_labels):
    top_n, top_i = output.topk(1)
    label_i = top_i[0].item()
    return output_labels[label_i], label_i


input = lineToTensor("Albert")
output = rnn(input)  # this is equivalent to ``output = rnn.forward(input)``
print(output)
print(label_from_output(output, alldata.labels_uniq))


def train(rnn, training_data, n_epoch=10, n_batch_size=64, report_every=50, learning_rate=0.2,
          criterion=None):
    """Learn on a batch of training_data for a specified number of iterations and reporting
    thresholds."""
    criterion = nn.NLLLoss() if criterion is None else criterion
    # Keep track of losses for plotting
    current_loss = 0
    all_losses = []
    rnn.train()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=learning_rate)

    print(f"training on data set with n = {len(training_data)}")

    for iter in range(1, n_epoch + 1):
        rnn.zero_grad()  # clear the gradients

        # create some minibatches
        # we cannot use dataloaders because each of our names is a different length
        batches = list(range(len(training_data)))
        random.shuffle(batches)
        batches = np.array_split(batches, len(batches) // n_batch_size)

        for batch in batches:
            batch_loss = 0
            for i in batch:  # for each example in this batch
                (label_tensor, text_tensor, label, text) = training_data[i]
                output = rnn.forward(text_tensor)
                loss = criterion(output, label_tensor)
                batch_loss += loss

            # optimize parameters
            batch_loss.backward()
            nn.utils.clip_grad_norm_(rnn.parameters(), 3)
            optimizer.step()
            optimizer.zero_grad()

            current_loss += batch_loss.item() / len(batch)

        all_losses.append(current_loss / len(batches))
        if iter % report_every == 0:
            print(f"{iter} ({iter / n_epoch:.0%}): \t average batch loss = {all_losses[-1]:.4f}")
        current_loss = 0

    return all_losses


start = time.time()
# The tutorial's 27 epochs of minibatches of 64 over 17,000 names; here 16 names a batch.
all_losses = train(rnn, train_set, n_epoch=steps(60), n_batch_size=16, learning_rate=0.15,
                   report_every=5)
end = time.time()
print(f"training took {end - start:.1f}s")


def evaluate(rnn, testing_data, classes, what):
    confusion = torch.zeros(len(classes), len(classes))

    rnn.eval()  # set to eval mode
    with torch.no_grad():  # do not record the gradients during eval phase
        for i in range(len(testing_data)):
            (label_tensor, text_tensor, label, text) = testing_data[i]
            output = rnn(text_tensor)
            guess, guess_i = label_from_output(output, classes)
            label_i = classes.index(label)
            confusion[label_i][guess_i] += 1

    correct = confusion.diagonal().sum().item()
    print(f"accuracy on the {len(testing_data)} {what} names: {correct / len(testing_data):.1%}")
    # Normalize by dividing every row by its sum
    for i in range(len(classes)):
        denom = confusion[i].sum()
        if denom > 0:
            confusion[i] = confusion[i] / denom
    return confusion


classes = alldata.labels_uniq
evaluate(rnn, train_set, classes, "training")
confusion = evaluate(rnn, test_set, classes, "held-out")
print("confusion matrix of the held-out names (rows: language, columns: guess):")
for name, row in zip(classes, confusion.tolist()):
    print(f"{name:>10} " + " ".join(f"{v:4.2f}" for v in row))

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker as ticker
except ImportError:
    print("matplotlib is not installed: no plots")
else:
    plt.figure()
    plt.plot(all_losses)
    plt.savefig("char_rnn_losses.png")

    # Set up plot
    fig = plt.figure()
    ax = fig.add_subplot(111)
    cax = ax.matshow(confusion.cpu().numpy())  # numpy uses cpu here
    fig.colorbar(cax)

    # Set up axes
    ax.set_xticks(np.arange(len(classes)), labels=classes, rotation=90)
    ax.set_yticks(np.arange(len(classes)), labels=classes)

    # Force label at every tick
    ax.xaxis.set_major_locator(ticker.MultipleLocator(1))
    ax.yaxis.set_major_locator(ticker.MultipleLocator(1))
    fig.savefig("char_rnn_confusion.png", bbox_inches="tight")
    print("saved char_rnn_losses.png and char_rnn_confusion.png")
