"""Word Embeddings: Encoding Lexical Semantics — "Exercise: Computing Word Embeddings:
Continuous Bag-of-Words", completed.

CBOW predicts a word from the words around it: with q_w the embedding of word w and C the
context, it minimises -log softmax(A (sum_{w in C} q_w) + b) at the target word.
"""

import rtensor as torch
import rtensor.nn as nn
import rtensor.nn.functional as F
import rtensor.optim as optim
from _common import steps

torch.manual_seed(1)

CONTEXT_SIZE = 2  # 2 words to the left, 2 to the right
EMBEDDING_DIM = 10
raw_text = """We are about to study the idea of a computational process.
Computational processes are abstract beings that inhabit computers.
As they evolve, processes manipulate other abstract things called data.
The evolution of a process is directed by a pattern of rules
called a program. People create programs to direct processes. In effect,
we conjure the spirits of the computer with our spells.""".split()

# By deriving a set from `raw_text`, we deduplicate the array; sorted, so that the indices
# (and the printed losses) are the same on every run.
vocab = set(raw_text)
vocab_size = len(vocab)

word_to_ix = {word: i for i, word in enumerate(sorted(vocab))}
data = []
for i in range(CONTEXT_SIZE, len(raw_text) - CONTEXT_SIZE):
    context = (
        [raw_text[i - j - 1] for j in range(CONTEXT_SIZE)]
        + [raw_text[i + j + 1] for j in range(CONTEXT_SIZE)]
    )
    target = raw_text[i]
    data.append((context, target))
print(data[:5])


class CBOW(nn.Module):

    def __init__(self, vocab_size, embedding_dim):
        super().__init__()
        self.embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.linear = nn.Linear(embedding_dim, vocab_size)

    def forward(self, inputs):
        # Sum the context embeddings into one (1, embedding_dim) vector, then score every word.
        embeds = self.embeddings(inputs).sum(dim=0).view((1, -1))
        return F.log_softmax(self.linear(embeds), dim=1)


# Create your model and train. Here are some functions to help you make
# the data ready for use by your module.


def make_context_vector(context, word_to_ix):
    idxs = [word_to_ix[w] for w in context]
    return torch.tensor(idxs, dtype=torch.long)


print(make_context_vector(data[0][0], word_to_ix))  # example

losses = []
loss_function = nn.NLLLoss()
model = CBOW(vocab_size, EMBEDDING_DIM)
optimizer = optim.SGD(model.parameters(), lr=0.01)

for _epoch in range(steps(20)):
    total_loss = 0
    for context, target in data:
        context_idxs = make_context_vector(context, word_to_ix)
        model.zero_grad()
        log_probs = model(context_idxs)
        loss = loss_function(log_probs, torch.tensor([word_to_ix[target]], dtype=torch.long))
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    losses.append(total_loss)
print(losses)  # The loss decreases every epoch.

# The word the trained model predicts for the first context.
context, target = data[0]
predicted = model(make_context_vector(context, word_to_ix)).argmax(dim=1).item()
ix_to_word = {i: w for w, i in word_to_ix.items()}
print(f"context {context} -> predicted {ix_to_word[predicted]!r}, target {target!r}")
