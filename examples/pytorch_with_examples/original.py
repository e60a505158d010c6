#!/usr/bin/env python
""""Learning PyTorch with Examples", written again step by step:
https://pytorch.org/tutorials/beginner/pytorch_with_examples.html
Fits y = sin(x) on [-pi, pi] with a third-order polynomial seven ways: tensors with
hand-written gradients, autograd, a custom autograd Function (Legendre polynomial), nn,
optim, a custom nn.Module, and control flow with weight sharing. Lines marked `# fixture`
record what the TypeScript port (port.ts) replays and must reproduce; all in float64.
"""
import math
import os
import random
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from record import Recorder  # noqa: E402  # fixture

torch.set_default_dtype(torch.float64)  # fixture: float64, as the port
torch.manual_seed(0)  # fixture: a repeatable run
random.seed(0)  # fixture
rec = Recorder("pytorch_with_examples", "https://pytorch.org/tutorials/beginner/pytorch_with_examples.html")  # fixture

# Steps of each training loop: the tutorial takes 2000 (30000 for DynamicNet); 600 here keep
# the port's test short, and stop before RMSprop's steps part from PyTorch's (NOTES.md).
STEPS = 600


def tensors():
    """PyTorch: Tensors. The forward and backward passes by hand."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    a = rec.draw(torch.randn(()))
    b = rec.draw(torch.randn(()))
    c = rec.draw(torch.randn(()))
    d = rec.draw(torch.randn(()))

    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            print(t, rec.log("tensors", loss))

        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()

        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    rec.final("tensors", torch.stack([a, b, c, d]))  # fixture


def autograd():
    """PyTorch: Tensors and autograd."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    a = rec.draw(torch.randn(())).requires_grad_()
    b = rec.draw(torch.randn(())).requires_grad_()
    c = rec.draw(torch.randn(())).requires_grad_()
    d = rec.draw(torch.randn(())).requires_grad_()

    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, rec.log("autograd", loss.item()))
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    rec.final("autograd", torch.stack([a, b, c, d]))  # fixture


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, with its derivative written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


def custom_function():
    """PyTorch: Defining new autograd functions."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    # Weights start close enough to the answer for P3 to converge.
    a = torch.full((), 0.0, requires_grad=True)
    b = torch.full((), -1.0, requires_grad=True)
    c = torch.full((), 0.0, requires_grad=True)
    d = torch.full((), 0.3, requires_grad=True)

    learning_rate = 5e-6
    for t in range(STEPS):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, rec.log("custom_function", loss.item()))
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
    rec.final("custom_function", torch.stack([a, b, c, d]))  # fixture


def nn():
    """PyTorch: nn."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)

    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    rec.state("nn", model)  # fixture
    loss_fn = torch.nn.MSELoss(reduction="sum")

    learning_rate = 1e-6
    for t in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, rec.log("nn", loss.item()))
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad

    linear_layer = model[0]
    print(
        f"Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x"
        f" + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3"
    )
    rec.final("nn", model)  # fixture


def optim():
    """PyTorch: optim."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)

    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    rec.state("optim", model)  # fixture
    loss_fn = torch.nn.MSELoss(reduction="sum")

    learning_rate = 1e-3
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for t in range(STEPS):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, rec.log("optim", loss.item()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    linear_layer = model[0]
    print(
        f"Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x"
        f" + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3"
    )
    rec.final("optim", model)  # fixture


class Polynomial3(torch.nn.Module):
    """Four parameters a, b, c, d of a + b x + c x^2 + d x^3."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.b = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.c = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.d = torch.nn.Parameter(rec.draw(torch.randn(())))

    def forward(self, x):
        return self.a + self.b * x + self.c * x**2 + self.d * x**3

    def string(self):
        return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"


def custom_module():
    """PyTorch: Custom nn Modules."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(STEPS):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, rec.log("custom_module", loss.item()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f"Result: {model.string()}")
    rec.final("custom_module", model)  # fixture


class DynamicNet(torch.nn.Module):
    """A polynomial of degree 3, 4 or 5, chosen at random on each forward; e is shared."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.b = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.c = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.d = torch.nn.Parameter(rec.draw(torch.randn(())))
        self.e = torch.nn.Parameter(rec.draw(torch.randn(())))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x**2 + self.d * x**3
        for exp in range(4, rec.draw(random.randint(4, 6))):
            y = y + self.e * x**exp
        return y

    def string(self):
        return (
            f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"
            f" + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?"
        )


def dynamic_net():
    """PyTorch: Control Flow + Weight Sharing."""
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for t in range(STEPS):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99:
            print(t, rec.log("dynamic_net", loss.item()))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f"Result: {model.string()}")
    rec.final("dynamic_net", model)  # fixture


tensors()
autograd()
custom_function()
nn()
optim()
custom_module()
dynamic_net()
rec.save()  # fixture
