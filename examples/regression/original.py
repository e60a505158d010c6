#!/usr/bin/env python
"""pytorch/examples regression/main.py, written again step by step:
https://github.com/pytorch/examples/blob/main/regression/main.py
Fits a random degree-4 polynomial with one nn.Linear on random batches, by hand-written SGD,
until the smooth L1 loss drops below 1e-3. Lines marked `# fixture` record what the
TypeScript port (port.ts) replays and what it must reproduce; everything is float64.
"""
import os
import sys
from itertools import count

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from record import Recorder  # noqa: E402  # fixture

torch.set_default_dtype(torch.float64)  # fixture: float64, as the port
torch.manual_seed(1)  # fixture: a repeatable run
rec = Recorder("regression", "https://github.com/pytorch/examples/blob/main/regression/main.py")  # fixture

POLY_DEGREE = 4
W_target = rec.value("W_target", torch.randn(POLY_DEGREE, 1) * 5)
b_target = rec.value("b_target", torch.randn(1) * 5)


def make_features(x):
    """Columns [x, x^2, x^3, x^4] of a batch of numbers."""
    x = x.unsqueeze(1)
    return torch.cat([x**i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    """The function to learn."""
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    """The polynomial as text."""
    result = "y = "
    for i, w in enumerate(W):
        result += "{:+.2f} x^{} ".format(w, i + 1)
    result += "{:+.2f}".format(b[0])
    return result


def get_batch(batch_size=32):
    """A batch of (features, targets) at random points."""
    random = rec.draw(torch.randn(batch_size))
    x = make_features(random)
    y = f(x)
    return x, y


fc = rec.state("fc", torch.nn.Linear(W_target.size(0), 1))

for batch_idx in count(1):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = rec.log("loss", output.item())
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    if loss < 1e-3:
        break

print("Loss: {:.6f} after {} batches".format(loss, batch_idx))
print("==> Learned function:\t" + poly_desc(fc.weight.view(-1), fc.bias))
print("==> Actual function:\t" + poly_desc(W_target.view(-1), b_target))
rec.final("fc", fc)  # fixture
rec.save()  # fixture
