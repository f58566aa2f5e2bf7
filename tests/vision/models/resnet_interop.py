"""Checks pretrainkit's ResNet/ResNeXt against Debian's torchvision. Run by resnet_python_test.

Verbs:
  counts OUT SPEC...          SPEC = name:bottleneck|basic:l1,l2,l3,l4:groups:width_per_group.
                              Builds each on the meta device (no memory), writes "name count".
                              Where torchvision has a builder of that name, its model must have
                              the same count and state-dict keys.
  to-torchvision WEIGHTS INPUT N C H W LOGITS MODULES
                              Loads our torch.save-readable state dict into
                              torchvision.models.resnext50_32x4d with strict=True (keys in the
                              same order), writes its eval logits for the raw float32 INPUT, and
                              the named_modules() names, one per line.
  from-torchvision DIR N C H W
                              Writes a randomly initialised resnext50_32x4d (BN statistics
                              randomised too) as DIR/weights.pt (a plain dict), a random input
                              DIR/input.bin and its eval logits DIR/logits.bin (raw float32).
"""
import sys

import numpy as np
import torch
import torchvision
from torch import nn


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def build_on_meta(fn):
    """Runs fn() with nn.Conv2d / BatchNorm2d / Linear creating their tensors on the meta device
    (torch 1.13 has no default-device context), so a 828M-parameter model costs nothing."""
    saved = nn.Conv2d, nn.BatchNorm2d, nn.Linear

    def on_meta(cls):
        class Meta(cls):
            def __init__(self, *args, **kwargs):
                kwargs["device"] = "meta"
                super().__init__(*args, **kwargs)
        return Meta

    nn.Conv2d, nn.BatchNorm2d, nn.Linear = (on_meta(c) for c in saved)
    try:
        return fn()
    finally:
        nn.Conv2d, nn.BatchNorm2d, nn.Linear = saved


def count(model):
    return sum(p.numel() for p in model.parameters())


def counts(out_path, specs):
    from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet
    with open(out_path, "w", encoding="utf-8") as out:
        for spec in specs:
            name, kind, layers, groups, width = spec.split(":")
            block = Bottleneck if kind == "bottleneck" else BasicBlock
            layers = [int(n) for n in layers.split(",")]
            model = build_on_meta(lambda: ResNet(block, layers, groups=int(groups),
                                                 width_per_group=int(width)))
            builder = getattr(torchvision.models, name, None)
            if builder is not None:
                reference = build_on_meta(builder)
                if count(reference) != count(model):
                    fail(f"{name}: torchvision.models.{name} has {count(reference)} parameters, "
                         f"the spec {spec} gives {count(model)}")
                if list(reference.state_dict()) != list(model.state_dict()):
                    fail(f"{name}: state-dict keys differ from torchvision.models.{name}")
            out.write(f"{name} {count(model)}\n")


def read_input(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(shape))


def to_torchvision(weights, input_path, shape, logits_path, modules_path):
    model = torchvision.models.resnext50_32x4d()
    state = torch.load(weights)
    if not isinstance(state, dict):
        fail(f"{weights}: torch.load gave a {type(state).__name__}, not a dict")
    ours, theirs = list(state), list(model.state_dict())
    if ours != theirs:
        first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                     min(len(ours), len(theirs)))
        fail(f"state-dict keys differ at index {first}: ours {ours[first:first + 3]}, "
             f"torchvision {theirs[first:first + 3]} ({len(ours)} vs {len(theirs)} keys)")
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        logits = model(read_input(input_path, shape))
    logits.numpy().astype(np.float32).tofile(logits_path)
    with open(modules_path, "w", encoding="utf-8") as out:
        for name, _ in model.named_modules():
            out.write(name + "\n")


def from_torchvision(directory, shape):
    torch.manual_seed(20240)
    model = torchvision.models.resnext50_32x4d()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.3, 0.7)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(123)
    torch.save(dict(model.state_dict()), f"{directory}/weights.pt")
    x = torch.randn(shape)
    x.numpy().astype(np.float32).tofile(f"{directory}/input.bin")
    model.eval()
    with torch.no_grad():
        model(x).numpy().astype(np.float32).tofile(f"{directory}/logits.bin")


def main(argv):
    if len(argv) >= 2 and argv[0] == "counts":
        counts(argv[1], argv[2:])
    elif len(argv) == 9 and argv[0] == "to-torchvision":
        to_torchvision(argv[1], argv[2], [int(d) for d in argv[3:7]], argv[7], argv[8])
    elif len(argv) == 6 and argv[0] == "from-torchvision":
        from_torchvision(argv[1], [int(d) for d in argv[2:6]])
    else:
        fail("usage: see the docstring of resnet_interop.py")


if __name__ == "__main__":
    main(sys.argv[1:])
