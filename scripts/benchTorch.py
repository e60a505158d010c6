#!/usr/bin/env python3
"""PyTorch columns of `npm run bench`, measured on the same shapes and the same numbers.

Usage: benchTorch.py DIR. scripts/bench.ts writes DIR/spec.json and the inputs as raw
little-endian float64 files (matrices, initial weights, data); this script

1. computes, per dtype, the *check values* of every case from those inputs -- the matmul
   product, or the loss and every parameter gradient of one forward/backward in evaluation
   mode -- and writes them to DIR/check_<bench>_<size>_<dtype>.bin (float64), so bench.ts can
   compare them with the simple backend before any timing counts;
2. times every case for every dtype and thread count (median of the samples of two rounds over
   all cases, each after a warm-up; see time_samples)
   and writes DIR/result.json.

The networks are written out functionally so they match MiniTorch's exactly: convolutions
anchored on the left with zeros past the right and bottom edges (stride 1, output the size of
the input), average pooling, `F.linear` layers (W is [out, in], as MiniTorch stores it), dropout 0.25 while
training, log-softmax and NLL; the epoch's MLP uses ReLU, a sigmoid output and binary
cross-entropy. Optimisers are torch's own Adam and SGD (same formulas and defaults).
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(directory, name, shape, dtype):
    data = np.fromfile(os.path.join(directory, name), dtype="<f8").reshape(shape)
    return torch.tensor(data, dtype=dtype)


def lenet_loss(p, x, labels, training):
    # MiniTorch stores weights as PyTorch does (Linear [out, in], conv bias [out]).
    h = F.relu(F.conv2d(F.pad(x, (0, 2, 0, 2)), p["conv1.weight"], p["conv1.bias"]))
    h = F.relu(F.conv2d(F.pad(h, (0, 2, 0, 2)), p["conv2.weight"], p["conv2.bias"]))
    h = F.avg_pool2d(h, 4).reshape(x.shape[0], -1)
    h = F.dropout(F.relu(F.linear(h, p["linear1.weight"], p["linear1.bias"])), 0.25, training)
    return F.nll_loss(F.log_softmax(F.linear(h, p["linear2.weight"], p["linear2.bias"]), 1), labels)


def mlp_loss(p, x, y, layers):
    h = x
    for i in range(layers):
        h = F.linear(h, p[f"layers.{i}.weight"], p[f"layers.{i}.bias"])
        h = F.relu(h) if i < layers - 1 else torch.sigmoid(h)
    return F.binary_cross_entropy(h.reshape(-1), y)


def prepare(directory, case, dtype):
    """(check, run): check() -> flat float64 array; run() does one timed unit of work."""
    if case["bench"] == "matmul":
        n = case["size"]
        a = load(directory, case["a"], [n, n], dtype)
        b = load(directory, case["b"], [n, n], dtype)
        return (lambda: (a @ b).double().reshape(-1).numpy()), (lambda: a @ b)
    params = {
        name: load(directory, file, shape, dtype).requires_grad_()
        for name, file, shape in case["params"]
    }
    names = [name for name, _, _ in case["params"]]

    def check_of(loss_fn):
        for t in params.values():
            t.grad = None
        loss = loss_fn()
        loss.backward()
        parts = [loss.detach().double().reshape(-1)] + [params[k].grad.double().reshape(-1) for k in names]
        return torch.cat(parts).numpy()

    if case["bench"] == "lenet":
        x = load(directory, case["x"], case["xShape"], dtype)
        labels = torch.tensor(case["labels"], dtype=torch.long)
        # The check runs before the optimiser exists, so timing starts from the same weights.
        check = lambda: check_of(lambda: lenet_loss(params, x, labels, False))
        optim = torch.optim.Adam(list(params.values()), lr=case["lr"])

        def run():
            optim.zero_grad()
            loss = lenet_loss(params, x, labels, True)
            loss.backward()
            optim.step()
            loss.item()

        return check, run
    # The epoch: mini-batches of an MLP with SGD.
    X = load(directory, case["X"], case["XShape"], dtype)
    y = load(directory, case["y"], [case["XShape"][0]], dtype)
    layers = len(names) // 2
    batch = case["batch"]
    check = lambda: check_of(lambda: mlp_loss(params, X[:batch], y[:batch], layers))
    optim = torch.optim.SGD(list(params.values()), lr=case["lr"])

    def run():
        for i in range(0, X.shape[0], batch):
            optim.zero_grad()
            loss = mlp_loss(params, X[i : i + batch], y[i : i + batch], layers)
            loss.backward()
            optim.step()
            loss.item()

    return check, run


ROUNDS = 2
WARMUP_S = [0.3, 0.1]


def time_samples(run, warmup_s, budget_s=0.6, min_runs=4, max_runs=150, min_sample_s=0.0005):
    """Sample times in ms of `run`, as bench.ts's timeSamples: calls for `warmup_s` first (at
    least two), then at least `min_runs` samples, more while `budget_s` lasts; calls shorter
    than `min_sample_s` are timed in groups."""
    calls = 0
    warm = time.perf_counter()
    while calls < 2 or time.perf_counter() - warm < warmup_s:
        run()
        calls += 1
    group = max(1, int(np.ceil(min_sample_s / ((time.perf_counter() - warm) / calls))))
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or (len(times) < max_runs and time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        for _ in range(group):
            run()
        times.append((time.perf_counter() - t) * 1000 / group)
    return times


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "spec.json")) as f:
        spec = json.load(f)
    dtypes = {"float64": torch.float64, "float32": torch.float32}
    # Round 1 prepares, checks and times every case; later rounds add samples (as bench.ts does).
    timed = []
    for dtype_name in spec["dtypes"]:
        dtype = dtypes[dtype_name]
        for case in spec["cases"]:
            torch.set_num_threads(1)
            torch.manual_seed(0)
            check, _ = prepare(directory, case, dtype)
            name = f"check_{case['bench']}_{case['size']}_{dtype_name}.bin"
            np.asarray(check(), dtype="<f8").tofile(os.path.join(directory, name))
            for threads in spec["threads"]:
                torch.set_num_threads(threads)
                _, run = prepare(directory, case, dtype)
                samples = time_samples(run, WARMUP_S[0])
                timed.append(dict(bench=case["bench"], size=case["size"], dtype=dtype_name, threads=threads, run=run, samples=samples))
                print(f"  torch-{dtype_name[5:]}-{threads} {case['bench']} {case['size']}: {statistics.median(samples):.2f} ms", file=sys.stderr)
    for _ in range(1, ROUNDS):
        for entry in timed:
            torch.set_num_threads(entry["threads"])
            entry["samples"] += time_samples(entry["run"], WARMUP_S[1])
    results = [
        dict(bench=e["bench"], size=e["size"], dtype=e["dtype"], threads=e["threads"], ms=statistics.median(e["samples"]),
             min=min(e["samples"]), max=max(e["samples"]), runs=len(e["samples"]))
        for e in timed
    ]
    with open(os.path.join(directory, "result.json"), "w") as f:
        json.dump(dict(version=torch.__version__, results=results), f)


if __name__ == "__main__":
    main()
