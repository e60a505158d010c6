#!/usr/bin/env python3
"""Golden values from PyTorch for the tensor suites: `npm run fixtures`.

Writes tests/fixtures/tensor_ops.json: for every case, its inputs, the forward output and the
gradient of each input, computed by PyTorch in float64. tests/fixtures.test.ts replays every
case on every backend of this library and compares.

A case is one op applied to some inputs. Each input is a contiguous tensor of `shape` (the
leaf that receives the gradient), optionally permuted by `permute` before the op, so cases
cover non-contiguous inputs too. The gradient is that of sum(output * grad_output) for a
random `grad_output`, so a gradient that lands in the wrong place is caught.

To add an op: add it to OPS here and to FIXTURE_OPS in
tests/fixtures.test.ts under the same name, add cases to CASES, and rerun `npm run fixtures`.

Needs torch (CPU wheel is enough):
    python3 -m venv .tmp/torchvenv
    .tmp/torchvenv/bin/pip install --index-url file:///opt/pypi/simple \
        --extra-index-url file:///opt/pypi-more/simple torch
or Debian's python3-torch.
"""
import json
import os
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - tells the user what to do
    sys.exit("fixtures.py needs PyTorch: see the instructions at the top of scripts/fixtures.py")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "tensor_ops.json")


def _pool_args(kernel, stride):
    return kernel if stride is None else stride


# The op vocabulary shared with tests/fixtures.test.ts: name -> f(inputs, **args).
# Note: this library's log is log(x + 1e-6) and isClose is |x - y| < 1e-2, as in MiniTorch.
OPS = {
    "neg": lambda a: -a,
    "sigmoid": lambda a: torch.sigmoid(a),
    "relu": lambda a: torch.relu(a),
    "log": lambda a: torch.log(a + 1e-6),
    "exp": lambda a: torch.exp(a),
    "inv": lambda a: torch.reciprocal(a),
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "lt": lambda a, b: (a < b).double(),
    "gt": lambda a, b: (a > b).double(),
    "eq": lambda a, b: (a == b).double(),
    "isClose": lambda a, b: ((a - b).abs() < 1e-2).double(),
    "sum": lambda a, dim=None, keepdim=False: a.sum() if dim is None else a.sum(dim, keepdim=keepdim),
    "mean": lambda a, dim=None, keepdim=False: a.mean() if dim is None else a.mean(dim, keepdim=keepdim),
    "permute": lambda a, order: a.permute(*order),
    "view": lambda a, shape: a.contiguous().view(*shape),
    "contiguous": lambda a: a.contiguous(),
    "transpose": lambda a, dim0, dim1: a.transpose(dim0, dim1),
    "matmul": lambda a, b: a @ b,
    "linear": lambda x, w, b: x @ w + b,
    "sigmoidLayer": lambda x, w, b: torch.sigmoid(torch.relu(x @ w + b).sum(1, keepdim=True)),
    # Module 4. MiniTorch's convolutions have stride 1 and keep the input's size, reading zeros
    # past the right/bottom edge: torch's cross-correlation after padding by kernel - 1 there.
    "conv1d": lambda x, w: F.conv1d(F.pad(x, (0, w.shape[2] - 1)), w),
    "conv2d": lambda x, w: F.conv2d(F.pad(x, (0, w.shape[3] - 1, 0, w.shape[2] - 1)), w),
    "avgpool2d": lambda x, kernel: F.avg_pool2d(x, kernel),
    "maxpool2d": lambda x, kernel: F.max_pool2d(x, kernel),
    "max": lambda x, dim: x.max(dim, keepdim=True).values,
    "softmax": lambda x, dim: torch.softmax(x, dim),
    "logsoftmax": lambda x, dim: torch.log_softmax(x, dim),
    # PyTorch's everyday surface (issue 15): elementwise, reductions, shapes, joins.
    "pow": lambda a, exponent: a ** exponent,
    "powTensor": lambda a, b: a ** b,
    "sqrt": lambda a: torch.sqrt(a),
    "abs": lambda a: torch.abs(a),
    "tanh": lambda a: torch.tanh(a),
    "clamp": lambda a, min=None, max=None: torch.clamp(a, min, max),
    "where": lambda c, a, b: torch.where(c > 0.5, a, b),
    "ge": lambda a, b: (a >= b).double(),
    "le": lambda a, b: (a <= b).double(),
    "ne": lambda a, b: (a != b).double(),
    "prod": lambda a, dim=None, keepdim=False: a.prod() if dim is None else a.prod(dim, keepdim=keepdim),
    "amax": lambda a, dim, keepdim=False: a.amax(dim, keepdim=keepdim),
    "amin": lambda a, dim, keepdim=False: a.amin(dim, keepdim=keepdim),
    "maxAll": lambda a: a.max(),
    "maxValues": lambda a, dim, keepdim=False: a.max(dim, keepdim=keepdim).values,
    "maxIndices": lambda a, dim, keepdim=False: a.max(dim, keepdim=keepdim).indices.double(),
    "minValues": lambda a, dim, keepdim=False: a.min(dim, keepdim=keepdim).values,
    "minIndices": lambda a, dim, keepdim=False: a.min(dim, keepdim=keepdim).indices.double(),
    "argmax": lambda a, dim=None, keepdim=False: a.argmax(dim, keepdim=keepdim).double(),
    "argmin": lambda a, dim=None, keepdim=False: a.argmin(dim, keepdim=keepdim).double(),
    "logsumexp": lambda a, dim, keepdim=False: torch.logsumexp(a, dim, keepdim=keepdim),
    "var": lambda a, dim=None, correction=1, keepdim=False: a.var(dim, correction=correction, keepdim=keepdim),
    "std": lambda a, dim=None, correction=1, keepdim=False: a.std(dim, correction=correction, keepdim=keepdim),
    "squeeze": lambda a, dim=None: a.squeeze() if dim is None else a.squeeze(dim),
    "unsqueeze": lambda a, dim: a.unsqueeze(dim),
    "flatten": lambda a, start=0, end=-1: a.flatten(start, end),
    "reshape": lambda a, shape: a.reshape(*shape),
    "viewInfer": lambda a, shape: a.contiguous().view(*shape),
    "indexSelect": lambda a, dim, indices: a.index_select(dim, torch.tensor(indices)),
    "narrow": lambda a, dim, start, length: a.narrow(dim, start, length),
    "cat": lambda *xs, dim=0: torch.cat(xs, dim),
    "stack": lambda *xs, dim=0: torch.stack(xs, dim),
    "conv1dTorch": lambda x, w, b=None, stride=1, padding=0, dilation=1, groups=1: F.conv1d(
        x, w, b, stride, padding, dilation, groups
    ),
    "conv2dTorch": lambda x, w, b=None, stride=1, padding=0, dilation=1, groups=1: F.conv2d(
        x, w, b, stride, padding, dilation, groups
    ),
    "maxpool2dStride": lambda x, kernel, stride=None, padding=0: F.max_pool2d(
        x, kernel, _pool_args(kernel, stride), padding
    ),
    "avgpool2dStride": lambda x, kernel, stride=None, padding=0: F.avg_pool2d(
        x, kernel, _pool_args(kernel, stride), padding
    ),
    # torch.nn layers with the inputs as their parameters (nn.Linear(i, o) is F.linear, …).
    "linearLayer": lambda x, w, b=None: F.linear(x, w, b),
    "conv1dLayer": lambda x, w, b, stride=1, padding=0, dilation=1, groups=1: F.conv1d(
        x, w, b, stride, padding, dilation, groups
    ),
    "conv2dLayer": lambda x, w, b=None, stride=1, padding=0, dilation=1, groups=1: F.conv2d(
        x, w, b, stride, padding, dilation, groups
    ),
    "maxPool2dLayer": lambda x, kernel, stride=None, padding=0: torch.nn.MaxPool2d(kernel, stride, padding)(x),
    "avgPool2dLayer": lambda x, kernel, stride=None, padding=0: torch.nn.AvgPool2d(kernel, stride, padding)(x),
    # Issue 24: what whole PyTorch programs reach for.
    "sin": lambda a: torch.sin(a),
    "cos": lambda a: torch.cos(a),
    "maximum": lambda a, b: torch.maximum(a, b),
    "minimum": lambda a, b: torch.minimum(a, b),
    "powConstExponent": lambda a, b: a ** b.detach(),
    "squeezeDims": lambda a, dim: a.squeeze(tuple(dim)),
    "expand": lambda a, shape: a.expand(*shape),
    "at": lambda a, index: a[tuple(_index(s) for s in index)],
    "arange": lambda x, start, end, step=1: x * torch.arange(start, end, step, dtype=torch.float64),
    "linspace": lambda x, start, end, steps: x * torch.linspace(start, end, steps, dtype=torch.float64),
    "mseLoss": lambda a, b, reduction="mean": F.mse_loss(a, b, reduction=reduction),
    "l1Loss": lambda a, b, reduction="mean": F.l1_loss(a, b, reduction=reduction),
    "smoothL1Loss": lambda a, b, beta=1.0, reduction="mean": F.smooth_l1_loss(a, b, beta=beta, reduction=reduction),
    "bceWithLogits": lambda a, y, reduction="mean": F.binary_cross_entropy_with_logits(a, y, reduction=reduction),
    # The course's log(x + 1e-6) in place of PyTorch's clamped log.
    "binaryCrossEntropy": lambda p, y, reduction="mean": _reduce(
        -(y * torch.log(p + 1e-6) + (1 - y) * torch.log(1 - p + 1e-6)), reduction
    ),
    "nllLoss": lambda a, labels, reduction="mean", ignoreIndex=-100: F.nll_loss(
        a, torch.tensor(labels), reduction=reduction, ignore_index=ignoreIndex
    ),
    "crossEntropy": lambda a, labels, reduction="mean", ignoreIndex=-100: F.cross_entropy(
        a, torch.tensor(labels), reduction=reduction, ignore_index=ignoreIndex
    ),
    "crossEntropyProbs": lambda a, p, reduction="mean": F.cross_entropy(a, p, reduction=reduction),
    "all": lambda a, dim=None, keepdim=False: (
        a.all() if dim is None else a.all(dim=tuple(dim) if isinstance(dim, list) else dim, keepdim=keepdim)
    ).double(),
    "takeAlong": lambda a, dim, index, keepdim=False: _keep(torch.gather(a, dim, torch.tensor(index)), dim, keepdim),
    "sequential": lambda x, w1, b1, w2, b2, w3, b3: torch.sigmoid(
        F.linear(torch.tanh(F.linear(torch.relu(F.linear(torch.flatten(x, 1), w1, b1)), w2, b2)), w3, b3)
    ),
}


def _index(spec):
    """One entry of `Tensor.at`'s index as Python's: an int, a slice string, '...' or None."""
    if spec is None or isinstance(spec, int):
        return spec
    if spec == "...":
        return Ellipsis
    return slice(*[int(p) if p.strip() else None for p in spec.split(":")])


def _keep(t, dim, keepdim):
    return t if keepdim else t.squeeze(dim)


def _reduce(t, reduction):
    return t.mean() if reduction == "mean" else t.sum() if reduction == "sum" else t


def inp(shape, permute=None, lo=-2.0, hi=2.0, integers=False):
    """An input: a leaf of `shape`, seen through `permute`, with values in [lo, hi)."""
    return {"shape": shape, "permute": permute, "lo": lo, "hi": hi, "integers": integers}


def case(op, inputs, **args):
    return {"op": op, "inputs": inputs, "args": args}


UNARY_RANGES = {"neg": (-3, 3), "sigmoid": (-4, 4), "relu": (-3, 3), "log": (0.5, 4), "exp": (-2, 2), "inv": (0.5, 3)}
BINARY = ["add", "sub", "mul", "div"]
COMPARISONS = ["lt", "gt", "eq", "isClose"]

CASES = []
for name, (lo, hi) in UNARY_RANGES.items():
    CASES.append(case(name, [inp([2, 3], lo=lo, hi=hi)]))
    CASES.append(case(name, [inp([3, 4, 2], permute=[2, 0, 1], lo=lo, hi=hi)]))
# Broadcast pairs: same shape, trailing dims, size-1 dims on both sides, extra leading dims.
PAIRS = [
    ([2, 3], None, [2, 3], None),
    ([2, 3], None, [3], None),
    ([2, 1], None, [1, 3], None),
    ([4, 1, 3], None, [2, 1], None),
    ([1], None, [2, 2], None),
    ([3, 2], [1, 0], [3], None),  # permuted [2, 3] with a broadcast row
    ([], None, [2, 3], None),  # a 0-dim tensor broadcasts against anything
]
for name in BINARY:
    b_lo, b_hi = (0.5, 3) if name == "div" else (-2, 2)
    for sa, pa, sb, pb in PAIRS:
        CASES.append(case(name, [inp(sa, pa), inp(sb, pb, lo=b_lo, hi=b_hi)]))
    # Two permuted inputs that broadcast: [4, 2, 3] (from [2, 3, 4]) with [1, 1, 3] (from [1, 3, 1]).
    CASES.append(case(name, [inp([2, 3, 4], [2, 0, 1]), inp([1, 3, 1], [2, 0, 1], lo=b_lo, hi=b_hi)]))
for name in COMPARISONS + ["ge", "le", "ne"]:
    for sa, pa, sb, pb in PAIRS[:4]:
        CASES.append(case(name, [inp(sa, pa, -2, 2, True), inp(sb, pb, -2, 2, True)]))
for name in ["sum", "mean"]:
    for dim in [0, 1, 2]:
        CASES.append(case(name, [inp([2, 3, 4])], dim=dim))
        CASES.append(case(name, [inp([2, 3, 4], permute=[1, 2, 0])], dim=dim, keepdim=True))
    CASES.append(case(name, [inp([2, 3, 4])]))
    CASES.append(case(name, [inp([3, 2], permute=[1, 0])]))
    CASES.append(case(name, [inp([2, 3, 4], permute=[2, 0, 1])], dim=[0, 2]))
    CASES.append(case(name, [inp([2, 3, 4])], dim=[-1, 0], keepdim=True))
    CASES.append(case(name, [inp([])]))
CASES += [
    case("permute", [inp([2, 3, 4])], order=[2, 0, 1]),
    case("permute", [inp([2, 3])], order=[1, 0]),
    case("view", [inp([2, 3, 4])], shape=[6, 4]),
    case("view", [inp([2, 3])], shape=[6]),
    case("view", [inp([4, 3], permute=[1, 0])], shape=[12]),
    case("contiguous", [inp([3, 4], permute=[1, 0])]),
    case("transpose", [inp([2, 3, 4])], dim0=0, dim1=2),
    case("matmul", [inp([2, 3]), inp([3, 4])]),
    case("matmul", [inp([1, 1]), inp([1, 5])]),
    case("matmul", [inp([5, 2, 3]), inp([3, 4])]),
    case("matmul", [inp([2, 3]), inp([5, 3, 4])]),
    case("matmul", [inp([2, 1, 2, 3]), inp([3, 3, 2])]),
    case("matmul", [inp([3, 2], permute=[1, 0]), inp([4, 3], permute=[1, 0])]),
    case("matmul", [inp([2, 3, 4], permute=[0, 2, 1]), inp([2, 3, 5])]),
    case("linear", [inp([5, 2]), inp([2, 3]), inp([3])]),
    case("sigmoidLayer", [inp([4, 3]), inp([3, 2]), inp([2])]),
    # Module 4: convolutions (several channel and kernel shapes), pooling, max, softmax.
    case("conv1d", [inp([1, 1, 6]), inp([1, 1, 3])]),
    case("conv1d", [inp([2, 3, 7]), inp([4, 3, 2])]),
    case("conv1d", [inp([2, 5, 2], permute=[0, 2, 1]), inp([3, 2, 4])]),
    case("conv2d", [inp([1, 1, 4, 4]), inp([1, 1, 2, 2])]),
    case("conv2d", [inp([2, 2, 5, 6]), inp([3, 2, 3, 2])]),
    case("conv2d", [inp([1, 3, 4, 2], permute=[0, 1, 3, 2]), inp([2, 3, 1, 3])]),
    case("avgpool2d", [inp([2, 3, 4, 6])], kernel=[2, 3]),
    case("avgpool2d", [inp([1, 1, 4, 4])], kernel=[4, 4]),
    case("maxpool2d", [inp([2, 2, 4, 4])], kernel=[2, 2]),
    case("maxpool2d", [inp([1, 3, 6, 2])], kernel=[3, 1]),
    case("max", [inp([3, 5])], dim=1),
    case("max", [inp([2, 3, 4], permute=[2, 0, 1])], dim=0),
    case("softmax", [inp([3, 5], lo=-5, hi=5)], dim=1),
    case("softmax", [inp([2, 3, 4])], dim=0),
    case("logsoftmax", [inp([3, 5], lo=-5, hi=5)], dim=1),
    case("logsoftmax", [inp([4, 2], permute=[1, 0])], dim=1),
    # Issue 15: PyTorch's everyday surface.
    case("pow", [inp([2, 3])], exponent=2),
    case("pow", [inp([3, 4, 2], permute=[2, 0, 1])], exponent=3),
    case("pow", [inp([2, 3], lo=0.5, hi=2)], exponent=-2),
    case("pow", [inp([2, 3], lo=0.5, hi=2)], exponent=0.5),
    case("pow", [inp([2, 3], lo=0.5, hi=2)], exponent=1.5),
    case("pow", [inp([4, 3], permute=[1, 0], lo=0.5, hi=2)], exponent=2.3),
    case("pow", [inp([2, 3])], exponent=0),
    case("powTensor", [inp([2, 3], lo=0.5, hi=2), inp([3])]),
    case("powTensor", [inp([3, 2], permute=[1, 0], lo=0.5, hi=2), inp([2, 1])]),
    case("sqrt", [inp([2, 3], lo=0.1, hi=4)]),
    case("sqrt", [inp([3, 4, 2], permute=[2, 0, 1], lo=0.1, hi=4)]),
    case("abs", [inp([2, 3], lo=-3, hi=3)]),
    case("abs", [inp([3, 4, 2], permute=[2, 0, 1], lo=-3, hi=3)]),
    case("tanh", [inp([2, 3], lo=-3, hi=3)]),
    case("tanh", [inp([3, 4, 2], permute=[2, 0, 1], lo=-3, hi=3)]),
    case("clamp", [inp([3, 4], lo=-3, hi=3)], min=-1, max=1.5),
    case("clamp", [inp([4, 3], permute=[1, 0], lo=-3, hi=3)], min=0.5),
    case("clamp", [inp([2, 5], lo=-3, hi=3)], max=-0.5),
    case("where", [inp([2, 3], lo=0, hi=1), inp([2, 3]), inp([3])]),
    case("where", [inp([1, 3], lo=0, hi=1), inp([3, 2], permute=[1, 0]), inp([])]),
    case("prod", [inp([2, 3, 4], lo=0.5, hi=1.5)], dim=1),
    case("prod", [inp([2, 3, 4], permute=[2, 0, 1], lo=0.5, hi=1.5)], dim=0, keepdim=True),
    case("prod", [inp([3, 4], lo=-1, hi=1, integers=True)], dim=1),  # zeros: the gradient is the product of the others
    case("prod", [inp([2, 3], lo=0.5, hi=1.5)]),
    case("amax", [inp([2, 3, 4])], dim=[0, 2]),
    case("amin", [inp([2, 3, 4], permute=[1, 2, 0])], dim=1, keepdim=True),
    case("maxAll", [inp([3, 4], permute=[1, 0])]),
    case("maxValues", [inp([3, 5])], dim=1),
    case("maxValues", [inp([2, 3, 4], permute=[2, 0, 1])], dim=0, keepdim=True),
    case("maxIndices", [inp([3, 5])], dim=1),
    case("maxIndices", [inp([2, 3, 4], permute=[2, 0, 1])], dim=-1, keepdim=True),
    case("minValues", [inp([4, 3], permute=[1, 0])], dim=0),
    case("minIndices", [inp([4, 3], permute=[1, 0])], dim=1),
    case("argmax", [inp([3, 4], permute=[1, 0])]),
    case("argmax", [inp([2, 3, 4])], dim=1),
    case("argmin", [inp([2, 3, 4], permute=[1, 0, 2])], dim=2, keepdim=True),
    case("logsumexp", [inp([3, 5], lo=-5, hi=5)], dim=1),
    case("logsumexp", [inp([2, 3, 4], permute=[2, 0, 1])], dim=[0, 2], keepdim=True),
    case("var", [inp([3, 5])], dim=1),
    case("var", [inp([2, 3, 4], permute=[1, 2, 0])], dim=[0, 1], keepdim=True),
    case("var", [inp([3, 4])], correction=0),
    case("std", [inp([3, 5])], dim=0),
    case("std", [inp([2, 3, 4], permute=[2, 1, 0])]),
    case("squeeze", [inp([2, 1, 3, 1])]),
    case("squeeze", [inp([3, 1, 2], permute=[2, 1, 0])], dim=1),
    case("squeeze", [inp([2, 3])], dim=0),
    case("unsqueeze", [inp([2, 3], permute=[1, 0])], dim=1),
    case("unsqueeze", [inp([2, 3])], dim=-1),
    case("unsqueeze", [inp([])], dim=0),
    case("flatten", [inp([2, 3, 4], permute=[2, 0, 1])]),
    case("flatten", [inp([2, 3, 4, 5])], start=1, end=2),
    case("reshape", [inp([2, 3, 4], permute=[2, 0, 1])], shape=[6, -1]),
    case("reshape", [inp([3, 4], permute=[1, 0])], shape=[2, 2, 3]),
    case("viewInfer", [inp([2, 3, 4])], shape=[-1]),
    case("viewInfer", [inp([2, 3, 4])], shape=[4, -1, 2]),
    case("indexSelect", [inp([4, 3], permute=[1, 0])], dim=1, indices=[3, 0, 0, 2]),
    case("narrow", [inp([2, 5, 3])], dim=1, start=1, length=3),
    case("cat", [inp([2, 3]), inp([1, 3]), inp([3, 2], permute=[1, 0])], dim=0),
    case("cat", [inp([2, 3, 2]), inp([2, 4, 2], permute=[0, 1, 2])], dim=1),
    case("cat", [inp([2, 3]), inp([2, 1])], dim=-1),
    case("stack", [inp([2, 3]), inp([3, 2], permute=[1, 0])], dim=0),
    case("stack", [inp([2, 3]), inp([2, 3]), inp([2, 3])], dim=2),
    case("matmul", [inp([3]), inp([3])]),
    case("matmul", [inp([3]), inp([3, 4])]),
    case("matmul", [inp([2, 3]), inp([3])]),
    case("matmul", [inp([3]), inp([5, 3, 2])]),
    case("matmul", [inp([5, 2, 3]), inp([3])]),
    case("conv1dTorch", [inp([2, 3, 7]), inp([4, 3, 3])]),
    case("conv1dTorch", [inp([2, 3, 8]), inp([4, 3, 3]), inp([4])], stride=2, padding=1),
    case("conv2dTorch", [inp([2, 2, 5, 6]), inp([3, 2, 3, 2])]),
    case("conv2dTorch", [inp([1, 2, 6, 5], permute=[0, 1, 3, 2]), inp([3, 2, 3, 3]), inp([3])], stride=2, padding=1),
    case("conv2dTorch", [inp([2, 1, 7, 7]), inp([2, 1, 3, 3]), inp([2])], stride=[1, 2], padding=[2, 0]),
    case("maxpool2dStride", [inp([2, 2, 5, 5])], kernel=3, stride=1),
    case("maxpool2dStride", [inp([1, 3, 7, 6])], kernel=[3, 2], stride=2),
    case("maxpool2dStride", [inp([1, 2, 5, 4])], kernel=2),
    case("avgpool2dStride", [inp([2, 2, 5, 5])], kernel=3, stride=2),
    case("linearLayer", [inp([5, 3]), inp([4, 3]), inp([4])]),
    case("linearLayer", [inp([3, 5], permute=[1, 0]), inp([2, 3])]),
    case("conv1dLayer", [inp([2, 3, 8]), inp([4, 3, 3]), inp([4])], stride=2, padding=1),
    case("conv2dLayer", [inp([2, 2, 6, 5]), inp([3, 2, 3, 3]), inp([3])]),
    case("conv2dLayer", [inp([1, 2, 6, 5], permute=[0, 1, 3, 2]), inp([3, 2, 2, 3]), inp([3])], stride=2, padding=1),
    case("maxPool2dLayer", [inp([2, 2, 6, 6])], kernel=2),
    case("maxPool2dLayer", [inp([1, 2, 5, 5])], kernel=3, stride=1),
    case("avgPool2dLayer", [inp([1, 2, 5, 6])], kernel=2),
    # Sequential(Flatten, Linear, ReLU, Linear, Tanh, Linear, Sigmoid)
    case("sequential", [inp([4, 2, 3]), inp([5, 6]), inp([5]), inp([4, 5]), inp([4]), inp([2, 4]), inp([2])]),
    # Issue 24 (appended, so the cases above keep their values). Options and boundaries:
    # pooling with stride != kernel on an input the kernel divides, width remainders, kernels as
    # large as the padded input, padding, dilation, groups, padding "same".
    case("maxpool2dStride", [inp([1, 2, 4, 4])], kernel=2, stride=1),
    case("maxpool2dStride", [inp([1, 1, 4, 6])], kernel=[2, 3], stride=[2, 1]),
    case("maxpool2d", [inp([1, 2, 4, 5])], kernel=[2, 2]),
    case("avgpool2dStride", [inp([1, 2, 5, 7])], kernel=2),
    case("avgpool2dStride", [inp([1, 2, 4, 4])], kernel=2, stride=1),
    case("maxpool2dStride", [inp([1, 2, 3, 3])], kernel=3),
    case("maxpool2dStride", [inp([2, 2, 5, 5])], kernel=3, stride=2, padding=1),
    case("maxpool2dStride", [inp([1, 1, 4, 5], lo=-3, hi=-1)], kernel=2, padding=1),
    case("avgpool2dStride", [inp([1, 2, 5, 6])], kernel=[3, 2], stride=2, padding=[1, 1]),
    case("maxPool2dLayer", [inp([1, 2, 6, 6])], kernel=2, stride=2, padding=1),
    case("avgPool2dLayer", [inp([1, 2, 5, 5])], kernel=3, stride=1, padding=1),
    case("conv2dTorch", [inp([1, 2, 3, 3]), inp([2, 2, 5, 5]), inp([2])], padding=1),
    case("conv1dTorch", [inp([2, 2, 4]), inp([3, 2, 4])]),
    case("conv1dTorch", [inp([2, 2, 9]), inp([3, 2, 3]), inp([3])], dilation=2),
    case("conv1dTorch", [inp([2, 4, 7]), inp([6, 2, 3]), inp([6])], groups=2, padding=1),
    case("conv1dTorch", [inp([1, 2, 6]), inp([2, 2, 4])], padding="same"),
    case("conv1dTorch", [inp([1, 2, 7]), inp([2, 2, 3]), inp([2])], padding="same", dilation=2),
    case("conv2dTorch", [inp([1, 2, 7, 6]), inp([2, 2, 3, 2])], dilation=[2, 1], stride=2, padding=1),
    case("conv2dTorch", [inp([1, 4, 5, 5]), inp([4, 1, 3, 3]), inp([4])], groups=4, padding="same"),
    case("conv2dTorch", [inp([1, 2, 5, 6], permute=[0, 1, 3, 2]), inp([2, 2, 2, 3])], padding="same"),
    case("conv2dLayer", [inp([1, 4, 6, 6]), inp([2, 2, 3, 3]), inp([2])], dilation=2, groups=2, padding=1),
    case("conv1dLayer", [inp([1, 2, 6]), inp([4, 1, 3]), inp([4])], groups=2, padding="same"),
    case("permute", [inp([2, 3, 4])], order=[-1, 0, 1]),
    case("narrow", [inp([5, 2])], dim=0, start=-2, length=2),
    case("softmax", [inp([])], dim=0),
    case("logsoftmax", [inp([])], dim=-1),
    case("sin", [inp([2, 3], lo=-4, hi=4)]),
    case("sin", [inp([3, 4, 2], permute=[2, 0, 1], lo=-4, hi=4)]),
    case("cos", [inp([2, 3], lo=-4, hi=4)]),
    case("cos", [inp([3, 4, 2], permute=[2, 0, 1], lo=-4, hi=4)]),
    case("maximum", [inp([3, 4], lo=-2, hi=2, integers=True), inp([4], lo=-2, hi=2, integers=True)]),
    case("maximum", [inp([2, 3]), inp([3, 2], permute=[1, 0])]),
    case("minimum", [inp([3, 4], lo=-2, hi=2, integers=True), inp([3, 1], lo=-2, hi=2, integers=True)]),
    case("powConstExponent", [inp([2, 4], lo=-3, hi=3), inp([2, 4], lo=0, hi=3, integers=True)]),
    case("powConstExponent", [inp([4, 2], permute=[1, 0], lo=-2, hi=2), inp([2, 4], lo=-2, hi=2, integers=True)]),
    case("powTensor", [inp([2, 3], lo=0.5, hi=2), inp([3], lo=-2, hi=3, integers=True)]),
    case("squeezeDims", [inp([1, 3, 2, 1], permute=[3, 2, 1, 0])], dim=[0, -1]),
    case("squeezeDims", [inp([2, 1, 3], permute=[2, 1, 0])], dim=[1, 2]),
    case("expand", [inp([3, 1])], shape=[2, -1, 4]),
    case("expand", [inp([3])], shape=[2, 3]),
    case("at", [inp([3, 4])], index=[":", 0]),
    case("at", [inp([3, 4])], index=[-1]),
    case("at", [inp([5, 4])], index=["1:3"]),
    case("at", [inp([5, 4, 2], permute=[1, 0, 2])], index=["::2", "-3:", None, 1]),
    case("at", [inp([3, 4, 5])], index=["...", "1:5:2", None]),
    case("at", [inp([3, 4, 5])], index=[0, "...", -1]),
    case("arange", [inp([])], start=1, end=11),
    case("arange", [inp([])], start=-1, end=1, step=0.25),
    case("arange", [inp([])], start=5, end=0, step=-1.5),
    case("linspace", [inp([])], start=-3.14, end=3.14, steps=7),
    case("linspace", [inp([])], start=0, end=1, steps=1),
    case("mseLoss", [inp([3, 4]), inp([3, 4])]),
    case("mseLoss", [inp([2, 3], permute=[1, 0]), inp([3, 2])], reduction="sum"),
    case("mseLoss", [inp([2, 3]), inp([2, 3])], reduction="none"),
    case("l1Loss", [inp([3, 4]), inp([3, 4])]),
    case("l1Loss", [inp([2, 3]), inp([2, 3])], reduction="sum"),
    case("l1Loss", [inp([4]), inp([4])], reduction="none"),
    case("bceWithLogits", [inp([3, 4], lo=-30, hi=30), inp([3, 4], lo=0, hi=1)]),
    case("bceWithLogits", [inp([5]), inp([5], lo=0, hi=1, integers=True)], reduction="sum"),
    case("bceWithLogits", [inp([2, 3]), inp([2, 3], lo=0, hi=1)], reduction="none"),
    case("binaryCrossEntropy", [inp([4, 1], lo=0.05, hi=0.95), inp([4, 1], lo=0, hi=1, integers=True)]),
    case("binaryCrossEntropy", [inp([3], lo=0.05, hi=0.95), inp([3], lo=0, hi=1)], reduction="sum"),
    case("binaryCrossEntropy", [inp([2, 2], lo=0.05, hi=0.95), inp([2, 2], lo=0, hi=1)], reduction="none"),
    case("nllLoss", [inp([4, 3])], labels=[2, 0, 1, 2]),
    case("nllLoss", [inp([3, 4], permute=[1, 0])], labels=[0, 2, 1, 0], reduction="sum"),
    case("nllLoss", [inp([3, 5])], labels=[4, 0, 3], reduction="none"),
    case("nllLoss", [inp([4, 3])], labels=[2, -100, 1, 2]),
    case("nllLoss", [inp([4, 3])], labels=[2, 1, 1, 0], ignoreIndex=1, reduction="sum"),
    case("nllLoss", [inp([2, 3, 4])], labels=[[0, 1, 2, 0], [2, 2, 1, 0]], reduction="none"),
    case("crossEntropy", [inp([4, 3], lo=-3, hi=3)], labels=[2, 0, 1, 2]),
    case("crossEntropy", [inp([2, 3, 5])], labels=[[0, 1, 2, 0, 1], [2, 2, 1, 0, 0]]),
    case("crossEntropy", [inp([2, 3, 2, 2])], labels=[[[0, 1], [2, 0]], [[1, 1], [2, 0]]], reduction="sum"),
    case("crossEntropy", [inp([3, 4])], labels=[3, 0, 1], reduction="none"),
    case("crossEntropy", [inp([4])], labels=2),
    case("crossEntropyProbs", [inp([3, 4]), inp([3, 4], lo=0, hi=1)]),
    case("crossEntropyProbs", [inp([2, 3]), inp([2, 3], lo=0, hi=1)], reduction="none"),
    case("crossEntropy", [inp([4, 3])], labels=[2, 0, 0, 1], ignoreIndex=0),
    case("conv2dLayer", [inp([1, 2, 5, 5]), inp([3, 2, 2, 2])], stride=2),
    # Kernels exactly as large as the padded input (one output position), and smoothL1Loss's
    # beta and reductions (the regression example uses only its defaults).
    case("maxpool2dStride", [inp([1, 2, 3, 4], lo=-3, hi=-1)], kernel=[5, 4], padding=[1, 0]),
    case("avgpool2dStride", [inp([1, 2, 2, 2])], kernel=4, padding=1),
    case("conv1dTorch", [inp([2, 2, 3]), inp([3, 2, 5]), inp([3])], padding=1),
    case("smoothL1Loss", [inp([3, 4]), inp([3, 4])]),
    case("smoothL1Loss", [inp([4, 3], permute=[1, 0]), inp([3, 4])], beta=0.5, reduction="sum"),
    case("smoothL1Loss", [inp([2, 5]), inp([2, 5])], beta=2.0, reduction="none"),
    # One PyTorch option without padding is PyTorch's call (padding 0), not the course's.
    case("conv2dTorch", [inp([1, 2, 7, 7]), inp([2, 2, 3, 3]), inp([2])], dilation=2),
    case("conv2dTorch", [inp([2, 2, 6, 5]), inp([2, 2, 2, 2])], stride=2),
    case("conv1dTorch", [inp([1, 4, 6]), inp([4, 2, 3])], groups=2),
    # all (no bool dtype: 1/0) and takeAlong (torch.gather with one index per slice).
    case("all", [inp([3, 4], lo=0, hi=3, integers=True)]),
    case("all", [inp([3, 4], lo=0, hi=3, integers=True)], dim=1),
    case("all", [inp([2, 3, 2], permute=[2, 0, 1], lo=0, hi=5, integers=True)], dim=[0, 2], keepdim=True),
    case("takeAlong", [inp([3, 4])], dim=1, index=[[2], [0], [3]]),
    case("takeAlong", [inp([3, 4], permute=[1, 0])], dim=0, index=[[1, 0, 2]], keepdim=True),
    # Stride unlike the kernel in height only, on an input the kernel divides (not the tiles).
    case("maxpool2dStride", [inp([1, 2, 4, 4])], kernel=2, stride=[1, 2]),
    case("avgpool2dStride", [inp([1, 1, 6, 4])], kernel=[3, 2], stride=[1, 2]),
]
# Basic indexing (views in both libraries): a negative int, negative slice bounds with a
# step, new dims around '...', a permuted input, an empty slice. Last, so that the random
# inputs of the cases above stay as they were.
CASES += [
    case("at", [inp([6])], index=[-2]),
    case("at", [inp([7, 3])], index=["-5:-1:2", -3]),
    case("at", [inp([7, 3])], index=["1::3", None, "...", None]),
    case("at", [inp([2, 3, 4], permute=[2, 0, 1])], index=[None, -1, "...", "::2"]),
    case("at", [inp([4, 5])], index=["3:1", 2]),
]


def values_for(spec, gen):
    n = 1
    for d in spec["shape"]:
        n *= d
    if spec["integers"]:
        v = torch.randint(int(spec["lo"]), int(spec["hi"]) + 1, (n,), generator=gen).double()
    else:
        v = torch.rand(n, generator=gen, dtype=torch.float64) * (spec["hi"] - spec["lo"]) + spec["lo"]
    return v


def run(c, gen):
    leaves = [values_for(s, gen).reshape(s["shape"]).requires_grad_(True) for s in c["inputs"]]
    seen = [x.permute(*s["permute"]) if s["permute"] is not None else x for x, s in zip(leaves, c["inputs"])]
    out = OPS[c["op"]](*seen, **c["args"])
    grad_out = torch.rand(out.shape, generator=gen, dtype=torch.float64) * 2 - 1
    if out.requires_grad:
        out.backward(grad_out)
    grads = [x.grad if x.grad is not None else torch.zeros_like(x) for x in leaves]
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    return {
        "name": f"{c['op']}({', '.join(describe(s) for s in c['inputs'])}{''.join(f', {k}={v}' for k, v in c['args'].items())})",
        "op": c["op"],
        "args": c["args"],
        "inputs": [{"shape": s["shape"], "permute": s["permute"], "values": flat(x)} for s, x in zip(c["inputs"], leaves)],
        "output": {"shape": list(out.shape), "values": flat(out)},
        "gradOutput": flat(grad_out),
        "grads": [flat(g) for g in grads],
    }


def describe(s):
    text = f"[{', '.join(map(str, s['shape']))}]"
    return text + (f".permute({', '.join(map(str, s['permute']))})" if s["permute"] is not None else "")


def main():
    gen = torch.Generator().manual_seed(0)
    cases = [run(c, gen) for c in CASES]
    doc = {
        "generator": "scripts/fixtures.py (npm run fixtures)",
        "torch": torch.__version__,
        "note": "float64; grads are of sum(output * gradOutput) with respect to each (unpermuted) input",
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
