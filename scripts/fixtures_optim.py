#!/usr/bin/env python3
"""Golden optimizer and learning-rate-schedule steps from PyTorch: part of `npm run fixtures`.

Writes tests/fixtures/optim.json: for each case (an optimizer with its options, optionally a
scheduler), the starting values of two parameters and, after each of STEPS steps, both
parameters and the learning rate. tests/optim.test.ts replays every case on every backend.

Each step minimises the same loss in both libraries, chosen so the gradient depends on the
parameters and one of them comes back transposed (a non-contiguous gradient):
    loss = sum(CA.T * A.T) + sum((A * A) * (A * A)) / 4 + sum(CB * B) + sum(B * B) / 2
Options are written in this library's camelCase and turned into PyTorch's keywords here.
Run with the torch venv: `.tmp/torchvenv/bin/python scripts/fixtures_optim.py`.
"""
import json
import os
import re
import sys

try:
    import torch
except ImportError:  # pragma: no cover - tells the user what to do
    sys.exit("fixtures_optim.py needs PyTorch: see the instructions at the top of scripts/fixtures.py")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "optim.json")
STEPS = 8

A0 = [[0.3, -0.7, 1.1], [0.05, -1.4, 0.6]]
B0 = [0.9, -0.2, 0.4]
CA = [[0.5, -1.0, 2.0], [0.25, -0.75, 1.5]]
CB = [-0.3, 0.8, 0.1]

CASES = [
    ("SGD", {"lr": 0.1}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weightDecay": 0.1}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weightDecay": 0.05}, None),
    ("Adam", {"lr": 0.05, "betas": [0.8, 0.9], "eps": 1e-3}, None),
    ("Adam", {"lr": 0.05, "weightDecay": 0.1}, None),
    ("AdamW", {"lr": 0.05, "weightDecay": 0.1}, None),
    ("AdamW", {"lr": 0.01}, None),
    ("RMSprop", {"lr": 0.01}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("RMSprop", {"lr": 0.02, "alpha": 0.9, "centered": True, "momentum": 0.5, "weightDecay": 0.1}, None),
    ("Adagrad", {"lr": 0.1}, None),
    ("Adagrad", {"lr": 0.1, "lrDecay": 0.1, "weightDecay": 0.1, "initialAccumulatorValue": 0.5}, None),
    ("Adadelta", {}, None),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weightDecay": 0.1}, None),
    ("SGD", {"lr": 0.1}, ("StepLR", [3], {"gamma": 0.5})),
    ("Adam", {"lr": 0.05}, ("ExponentialLR", [0.8], {})),
    ("SGD", {"lr": 0.1, "momentum": 0.5}, ("CosineAnnealingLR", [3], {"etaMin": 0.01})),
    ("RMSprop", {"lr": 0.02}, ("CosineAnnealingLR", [2], {})),
]


def snake(name):
    """camelCase option -> PyTorch's snake_case keyword (tMax is T_max)."""
    return {"tMax": "T_max"}.get(name, re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name))


def loss_of(a, b):
    ca, cb = torch.tensor(CA, dtype=torch.float64), torch.tensor(CB, dtype=torch.float64)
    aa = a * a
    return (ca.T * a.T).sum() + (aa * aa).sum() / 4 + (cb * b).sum() + (b * b).sum() / 2


def run(name, options, schedule):
    a = torch.tensor(A0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(B0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([a, b], **{snake(k): v for k, v in options.items()})
    sched = None
    if schedule is not None:
        sname, args, kw = schedule
        sched = getattr(torch.optim.lr_scheduler, sname)(opt, *args, **{snake(k): v for k, v in kw.items()})
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_of(a, b)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        steps.append(
            {
                "loss": loss.item(),
                "a": a.detach().flatten().tolist(),
                "b": b.detach().tolist(),
                "lr": opt.param_groups[0]["lr"],
            }
        )
    out = {"optimizer": name, "options": options, "steps": steps}
    if schedule is not None:
        out["scheduler"] = {"name": schedule[0], "args": schedule[1], "options": schedule[2]}
    return out


def main():
    torch.set_default_dtype(torch.float64)
    doc = {
        "torch": torch.__version__,
        "a0": A0,
        "b0": B0,
        "ca": CA,
        "cb": CB,
        "cases": [run(*c) for c in CASES],
    }
    path = sys.argv[1] if len(sys.argv) > 1 else OUT
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(CASES)} optimizer cases to {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
