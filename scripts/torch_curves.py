#!/usr/bin/env python3
"""PyTorch's loss curves for Module 2's network: run by `npm run torch-curves` (scripts/torchCurves.ts).

Reads the JSON that scripts/torchCurves.ts writes (for each 2-D data set: its points and
labels, the network's sizes, its initial weights as minitorch draws them from the seed,
the learning rate and the epochs) and trains the same network in PyTorch, float64:
nn.Linear layers with those weights, ReLU between, a sigmoid at the end,
binary cross-entropy (mean, with MiniTorch's 1e-6 inside the logs) and optim.SGD, full batch, one step per epoch. Prints, as
JSON on stdout, the loss of every `every`-th epoch (and the first) of each data set, and
torch's version.

Needs torch (see the top of scripts/fixtures.py for how to install it).
"""
import json
import sys

try:
    import torch
except ImportError:  # pragma: no cover - tells the user what to do
    sys.exit("torch_curves.py needs PyTorch: see the instructions at the top of scripts/fixtures.py")


EPS = 1e-6


def curve(case):
    """Train one data set as minitorch's trainTensor does; the recorded epochs' losses."""
    torch.manual_seed(0)  # nothing is random below: the weights come from the input
    dtype = torch.float64
    x = torch.tensor(case["X"], dtype=dtype)
    y = torch.tensor(case["y"], dtype=dtype).reshape(-1, 1)
    layers = []
    for layer in case["layers"]:
        out_size, in_size = len(layer["weight"]), len(layer["weight"][0])
        linear = torch.nn.Linear(in_size, out_size, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(layer["weight"], dtype=dtype))
            linear.bias.copy_(torch.tensor(layer["bias"], dtype=dtype))
        layers.append(linear)
    params = [p for layer in layers for p in layer.parameters()]
    opt = torch.optim.SGD(params, lr=case["lr"])
    losses = []
    for epoch in range(1, case["epochs"] + 1):
        opt.zero_grad()
        h = x
        for i, layer in enumerate(layers):
            h = layer(h)
            h = torch.relu(h) if i < len(layers) - 1 else torch.sigmoid(h)
        # MiniTorch's log is log(x + 1e-6) (operators.EPS), so its binary cross-entropy
        # is F.binary_cross_entropy with that epsilon inside the logs: written out here, so
        # that at learning rates where the loss spikes the curves do not drift apart.
        loss = -(y * torch.log(h + EPS) + (1 - y) * torch.log(1 - h + EPS)).mean()
        loss.backward()
        opt.step()
        if epoch == 1 or epoch % case["every"] == 0:
            losses.append([epoch, float(loss.item())])
    return losses


def main():
    with open(sys.argv[1], encoding="utf8") as f:
        cases = json.load(f)
    out = {"torch": torch.__version__, "curves": {c["name"]: curve(c) for c in cases}}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
