"""Language Modeling with nn.Transformer: a small Transformer encoder, with sinusoidal
positional encoding and a causal mask, learns to predict the next word of Shakespeare's
Sonnet 2 (the text of the n-gram example). Training clips the gradient norm and lowers the
learning rate with StepLR, as the tutorial does."""

import math

import rtensor as torch
import rtensor.nn as nn
from _common import device_from_args, steps

device = device_from_args()  # torch.device("cpu"), or "cuda" with `--device gpu`
torch.manual_seed(0)

text = """When forty winters shall besiege thy brow,
And dig deep trenches in thy beauty's field,
Thy youth's proud livery so gazed on now,
Will be a totter'd weed of small worth held:
Then being asked, where all thy beauty lies,
Where all the treasure of thy lusty days;
To say, within thine own deep sunken eyes,
Were an all-eating shame, and thriftless praise.
How much more praise deserv'd thy beauty's use,
If thou couldst answer 'This fair child of mine
Shall sum my count, and make my old excuse,'
Proving his beauty by succession thine!
This were to be new made when thou art old,
And see thy blood warm when thou feel'st it cold.""".split()
vocab = sorted(set(text))  # sorted: the same indices on every run
word_to_ix = {w: i for i, w in enumerate(vocab)}
data = torch.tensor([word_to_ix[w] for w in text], dtype=torch.long)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        """x: (seq_len, batch, d_model)"""
        x = x + self.pe[: x.size(0)]
        return self.dropout(x)


class TransformerModel(nn.Module):
    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.1):
        super().__init__()
        self.model_type = "Transformer"
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers,
                                                         enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)
        self.init_weights()

    def init_weights(self):
        initrange = 0.1
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.linear.bias.data.zero_()
        self.linear.weight.data.uniform_(-initrange, initrange)

    def forward(self, src, src_mask):
        """src: (seq_len, batch) word indices; returns (seq_len, batch, ntoken) logits."""
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, src_mask, is_causal=True)
        return self.linear(output)


def batchify(data, bsz):
    """The word sequence cut into ``bsz`` columns: (len // bsz, bsz)."""
    seq_len = data.size(0) // bsz
    data = data[: seq_len * bsz]
    return data.view(bsz, seq_len).t().contiguous().to(device)


bptt = 8


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


train_data = batchify(data, 4)  # (28, 4)
ntokens = len(vocab)
model = TransformerModel(ntokens, d_model=32, nhead=2, d_hid=64, nlayers=2,
                         dropout=0.1).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
print(model.transformer_encoder.layers[0])

for epoch in range(1, steps(30) + 1):
    model.train()
    total_loss, batches = 0.0, 0
    for i in range(0, train_data.size(0) - 1, bptt):
        inputs, targets = get_batch(train_data, i)
        mask = nn.Transformer.generate_square_subsequent_mask(inputs.size(0), device=device)
        output = model(inputs, mask)
        loss = criterion(output.view(-1, ntokens), targets)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total_loss += loss.item()
        batches += 1
    lr = scheduler.get_last_lr()[0]
    loss = total_loss / batches
    print(f"| epoch {epoch:3d} | lr {lr:02.4f} | loss {loss:6.4f} | ppl {math.exp(loss):8.2f}")
    scheduler.step()

# Greedy continuation of the sonnet's first words.
model.eval()
words = text[:3]
with torch.no_grad():
    for _ in range(8):
        src = torch.tensor([[word_to_ix[w]] for w in words[-bptt:]], device=device)
        mask = nn.Transformer.generate_square_subsequent_mask(src.size(0), device=device)
        words.append(vocab[model(src, mask)[-1, 0].argmax().item()])
print(" ".join(words))
