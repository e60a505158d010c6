"""What the PyTorch originals record for their TypeScript ports (examples/replay.ts).

An original calls these beside its own steps (lines marked `# fixture`): the random draws
the port cannot reproduce (PyTorch's generator is not this library's), the initial weights,
the losses it prints and the final weights. `save()` writes them, as float64, to
tests/fixtures/examples/NAME.json, or to the path given as the first argument (the test
compares a fresh run with the committed file that way).
"""
import json
import os
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _tensor(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {"shape": list(t.shape), "values": t.flatten().tolist()}


class Recorder:
    def __init__(self, name, source):
        self.name = name
        self.doc = {"source": source, "values": {}, "draws": [], "states": {}, "logs": {}, "finals": {}}

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

    def log(self, name, x):
        """One number of a series the port must reproduce (a loss, an accuracy)."""
        self.doc["logs"].setdefault(name, []).append(float(x))
        return x

    def final(self, name, module_or_tensor):
        """Final weights the port must reproduce."""
        if isinstance(module_or_tensor, torch.nn.Module):
            self.doc["finals"][name] = {k: _tensor(v) for k, v in module_or_tensor.state_dict().items()}
        else:
            self.doc["finals"][name] = {"": _tensor(module_or_tensor)}

    def save(self):
        path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "fixtures", "examples", f"{self.name}.json")
        self.doc["torch"] = torch.__version__.split("+")[0]
        with open(path, "w") as f:
            json.dump(self.doc, f, separators=(",", ":"))
            f.write("\n")

    def shuffle(self, generator, n):
        """The order a DataLoader(shuffle=True, generator=generator) will take on its next pass
        (RandomSampler's first randperm), recorded without moving the generator."""
        state = generator.get_state()
        self.draw(torch.randperm(n, generator=generator))
        generator.set_state(state)
