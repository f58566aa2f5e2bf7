"""Checks pretrainkit's file formats against Python: torch.load of our state dicts, torch.save
files for our loader, and our safetensors files through an independent struct + json reader.

Expected values travel as text, one tensor per line:
    name <TAB> dtype (safetensors name) <TAB> comma-separated shape <TAB> space-separated values
Values are exact decimal renderings of the elements converted to float64.
"""
import collections
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def read_expected(path):
    out = collections.OrderedDict()
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, dtype, shape, values = line.rstrip("\n").split("\t")
            shape = [int(d) for d in shape.split(",")] if shape else []
            values = [float(v) for v in values.split()] if values else []
            out[name] = (dtype, shape, values)
    return out


def write_expected(path, tensors):
    with open(path, "w", encoding="utf-8") as f:
        for name, t in tensors.items():
            values = " ".join(repr(v) for v in t.double().flatten().tolist())
            shape = ",".join(str(d) for d in t.shape)
            f.write(f"{name}\t{DTYPES[t.dtype]}\t{shape}\t{values}\n")


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def compare(name, dtype, shape, values, expected):
    want_dtype, want_shape, want_values = expected
    if dtype != want_dtype:
        fail(f"{name}: dtype {dtype}, expected {want_dtype}")
    if list(shape) != want_shape:
        fail(f"{name}: shape {list(shape)}, expected {want_shape}")
    if list(values) != want_values:
        fail(f"{name}: values {list(values)[:8]}..., expected {want_values[:8]}...")


class Block(torch.nn.Module):
    """The module the C++ test builds (tests/common/io/io_python_test.cpp)."""

    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False),
                                        torch.nn.BatchNorm2d(4))
        self.scale = torch.nn.Parameter(torch.ones(4))
        self.register_buffer("steps", torch.zeros(1, dtype=torch.long))
        self.head = torch.nn.Linear(4, 2)


def check_state_dict(model_path, expected_path):
    expected = read_expected(expected_path)
    loaded = torch.load(model_path)
    if not isinstance(loaded, dict):
        fail(f"torch.load returned {type(loaded).__name__}, not a dict")
    if list(loaded.keys()) != list(expected.keys()):
        fail(f"keys {list(loaded.keys())}, expected {list(expected.keys())}")
    for name, t in loaded.items():
        if not isinstance(t, torch.Tensor):
            fail(f"{name} is a {type(t).__name__}")
        compare(name, DTYPES[t.dtype], t.shape, t.double().flatten().tolist(), expected[name])
    block = Block()
    if list(block.state_dict().keys()) != list(loaded.keys()):
        fail(f"PyTorch orders the keys {list(block.state_dict().keys())}")
    block.load_state_dict(loaded, strict=True)
    print("ok", len(loaded), "tensors")


def write_torch_save(directory):
    g = torch.Generator().manual_seed(0)
    plain = {
        "f32": torch.randn(3, 4, generator=g),
        "f64": torch.randn(5, generator=g, dtype=torch.float64),
        "bf16": torch.randn(2, 3, generator=g).bfloat16(),
        "i64": torch.tensor(-12345678901),
        "u8": torch.arange(250, 256, dtype=torch.uint8),
        "mask": torch.tensor([True, False, True]),
        "view": torch.arange(12.0).reshape(3, 4).t(),  # non-contiguous on disk
    }
    torch.save(plain, f"{directory}/dict.pt")
    write_expected(f"{directory}/dict.txt", plain)
    torch.manual_seed(0)
    state = Block().state_dict()
    # A plain dict loads in C++; the OrderedDict that state_dict() returns does not (LibTorch's
    # unpickler maps collections.OrderedDict to None), which the C++ side reports clearly.
    torch.save(dict(state), f"{directory}/module.pt")
    torch.save(state, f"{directory}/ordered.pt")
    write_expected(f"{directory}/module.txt", state)
    print("ok")


NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
         "I8": "i1", "U8": "u1", "BOOL": "u1", "BF16": "<u2"}
ITEM = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U8": 1, "BOOL": 1}


def check_safetensors(path, expected_path):
    expected = read_expected(expected_path)
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    if (8 + n) % 8 != 0:
        fail(f"data section starts at {8 + n}, not a multiple of 8")
    header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=collections.OrderedDict)
    if header.get("__metadata__", {}).get("format") != "pt":
        fail(f"metadata {header.get('__metadata__')} lacks format pt")
    body = data[8 + n:]
    names = [k for k in header if k != "__metadata__"]
    if names != list(expected.keys()):
        fail(f"names {names}, expected {list(expected.keys())}")
    position = 0
    for name in names:
        info = header[name]
        begin, end = info["data_offsets"]
        if begin != position:
            fail(f"{name}: begins at {begin}, previous tensor ended at {position}")
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * ITEM[info["dtype"]]:
            fail(f"{name}: {end - begin} bytes for {count} elements of {info['dtype']}")
        raw = np.frombuffer(body[begin:end], dtype=NUMPY[info["dtype"]])
        if info["dtype"] == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        if info["dtype"] == "BOOL" and raw.size and raw.max() > 1:
            fail(f"{name}: bool byte {raw.max()}")
        compare(name, info["dtype"], info["shape"], raw.astype(np.float64).tolist(),
                expected[name])
        position = end
    if position != len(body):
        fail(f"tensors cover {position} bytes, data section has {len(body)}")
    print("ok", len(names), "tensors")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "check-state-dict":
        check_state_dict(sys.argv[2], sys.argv[3])
    elif mode == "write-torch-save":
        write_torch_save(sys.argv[2])
    elif mode == "check-safetensors":
        check_safetensors(sys.argv[2], sys.argv[3])
    else:
        fail(f"unknown mode {mode}")
