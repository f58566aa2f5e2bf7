"""Loads a pretrainkit checkpoint's model.pt with PyTorch and prints what it holds.

Usage: train_load_checkpoint.py MODEL_PT
Prints one line per entry, in file order: "<name> <dtype> <shape as d0xd1...> <sum as %.17g>".
Exits 1 with a message when the file is not a plain dict of str -> Tensor.
"""
import sys

import torch


def main() -> int:
    state = torch.load(sys.argv[1], map_location="cpu")
    if not isinstance(state, dict):
        print(f"expected a dict, got {type(state).__name__}", file=sys.stderr)
        return 1
    for name, tensor in state.items():
        if not isinstance(name, str) or not isinstance(tensor, torch.Tensor):
            print(f"entry {name!r} is not str -> Tensor", file=sys.stderr)
            return 1
        shape = "x".join(str(d) for d in tensor.shape) or "scalar"
        total = float(tensor.double().sum())
        print(f"{name} {str(tensor.dtype).replace('torch.', '')} {shape} {total:.17g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
