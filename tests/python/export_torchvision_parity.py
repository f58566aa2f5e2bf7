"""Loads a `ptk-export weights` wsl export into torchvision and compares its outputs with the
toolkit's (reference_logits.safetensors). Usage: export_torchvision_parity.py EXPORT_DIR.
Prints "OK max_abs_diff=..." and exits 0 when they agree to 1e-4, exits 1 otherwise."""
import json
import os
import sys

import torch
import torchvision

from safetensors_file import read_safetensors


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "export_info.json")) as f:
        info = json.load(f)
    if info["torchvision_model"] is None:
        print("FAIL: export_info.json names no torchvision model")
        return 1
    model = eval(info["torchvision_model"], {"torchvision": torchvision})
    if not info["head"]:
        model.fc = torch.nn.Identity()
    path = os.path.join(folder, info["file"])
    if path.endswith(".pth"):
        state = torch.load(path)
    else:
        state, metadata = read_safetensors(path)
        assert metadata.get("format") == "pt", metadata
    model.load_state_dict(state, strict=True)
    model.eval()
    reference, _ = read_safetensors(os.path.join(folder, "reference_logits.safetensors"))
    with torch.no_grad():
        output = model(reference["input"])
    expected = reference["output"]
    if output.shape != expected.shape:
        print("FAIL: shape", tuple(output.shape), "!=", tuple(expected.shape))
        return 1
    diff = (output - expected).abs().max().item()
    print("OK" if diff < 1e-4 else "FAIL", "max_abs_diff=%.3g" % diff, "shape", tuple(output.shape))
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
