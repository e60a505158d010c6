"""What the PyTorch originals record for their TypeScript ports (examples/replay.ts).

An original calls these beside its own steps (lines marked `# fixture`): the random draws
the port cannot reproduce (PyTorch's generator is not this library's), the initial weights,
the losses it prints and the final weights. `save()` writes them, as float64, to
tests/fixtures/examples/NAME.json, or to the path given as the first argument (the test
compares a fresh run with the committed file that way).
"""
import base64
import json
import os
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


# Tensors larger than this are stored as base64 float64 (little-endian), a third of the text.
BINARY_ABOVE = 256
# Final weights larger than this are compared through a summary (SUMMARY_STRIDE), to keep
# the fixtures small: their per-step losses already depend on every weight.
SUMMARY_ABOVE = 4096
SUMMARY_STRIDE = 97


def _tensor(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    shape = list(t.shape)
    if t.numel() <= BINARY_ABOVE:
        return {"shape": shape, "values": t.flatten().tolist()}
    data = t.flatten().contiguous().numpy().astype("<f8").tobytes()
    return {"shape": shape, "base64": base64.b64encode(data).decode("ascii")}


def _final(t):
    """Final weights: all values, or for a large tensor its sum, its sum of squares and every
    SUMMARY_STRIDE-th value (examples/replay.ts computes the same)."""
    t = torch.as_tensor(t).detach().to(torch.float64)
    if t.numel() <= SUMMARY_ABOVE:
        return {"shape": list(t.shape), "values": t.flatten().tolist()}
    flat = t.flatten()
    summary = [flat.sum().item(), (flat * flat).sum().item()] + flat[::SUMMARY_STRIDE].tolist()
    return {"shape": list(t.shape), "summary": summary}


class Recorder:
    def __init__(self, name, source):
        self.name = name
        self.doc = {"source": source, "values": {}, "draws": [], "states": {}, "modules": [], "logs": {}, "finals": {}}

    def value(self, name, t):
        """A tensor the port starts from (targets, seed-dependent constants)."""
        self.doc["values"][name] = _tensor(t)
        return t

    def draw(self, t):
        """A random draw the port replays in order (a tensor, or a plain int)."""
        self.doc["draws"].append(t if isinstance(t, int) else _tensor(t))
        return t

    def state(self, name, module):
        """A module's weights (state_dict), to start the port's module from."""
        self.doc["states"][name] = {k: _tensor(v) for k, v in module.state_dict().items()}
        return module

    def module(self, module):
        """A module's weights, to start the port's next new module from (in order)."""
        self.doc["modules"].append({k: _tensor(v) for k, v in module.state_dict().items()})
        return module

    def log(self, name, x):
        """One number of a series the port must reproduce (a loss, an accuracy)."""
        self.doc["logs"].setdefault(name, []).append(float(x))
        return x

    def final(self, name, module_or_tensor):
        """Final weights the port must reproduce."""
        if isinstance(module_or_tensor, torch.nn.Module):
            self.doc["finals"][name] = {k: _final(v) for k, v in module_or_tensor.state_dict().items()}
        else:
            self.doc["finals"][name] = {"": _final(module_or_tensor)}

    def save(self):
        path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "examples", f"{self.name}.json")
        self.doc["torch"] = torch.__version__.split("+")[0]
        with open(path, "w") as f:
            json.dump(self.doc, f, separators=(",", ":"))
            f.write("\n")

    def shuffle(self, n, generator=None):
        """The order the next pass of a DataLoader(..., shuffle=True, generator=generator)
        over n items will take, recorded without moving the generator (the global one when
        None): a probe loader over the indices 0..n-1, started from a copy of its state,
        draws exactly what the real one will."""
        from torch.utils.data import DataLoader, TensorDataset

        state = torch.get_rng_state() if generator is None else generator.get_state()
        probe_generator = None
        if generator is not None:
            probe_generator = torch.Generator()
            probe_generator.set_state(state)
        probe = DataLoader(TensorDataset(torch.arange(n)), batch_size=n, shuffle=True, generator=probe_generator)
        (order,) = next(iter(probe))
        if generator is None:
            torch.set_rng_state(state)
        self.draw(order)
