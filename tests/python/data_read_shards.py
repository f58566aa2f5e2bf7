"""Reads a pretrainkit shard set with h5py and prints every record, one line each, so the C++
test can compare them with what it wrote. Also checks that every dataset is contiguous and
uncompressed and that the root attributes are present.

usage: data_read_shards.py SHARD_SET_DIR
image line: <file> <index> <bytes hex> <labels comma-separated> <key>
token line: <file> <index> <tokens comma-separated> <b_start> <nsp label>
"""
import os
import sys

import h5py
import yaml


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "manifest.yaml")) as f:
        manifest = yaml.safe_load(f)
    for shard in manifest["shards"]:
        with h5py.File(os.path.join(root, shard["file"]), "r") as f:
            fmt = text(f.attrs["format"])
            assert int(f.attrs["version"]) == 1, f.attrs["version"]
            n = int(f.attrs["num_samples"])
            assert n == shard["num_samples"], (n, shard)

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    assert obj.chunks is None, f"{name} is chunked"
                    assert obj.compression is None, f"{name} is compressed"
                    assert obj.id.get_offset() is not None or obj.size == 0, name

            f.visititems(visit)
            if fmt == "ptk-image-shard":
                data = f["images/bytes"][:]
                offsets = f["images/offsets"][:]
                labels = f["labels/ids"][:]
                label_offsets = f["labels/offsets"][:]
                keys = f["keys"][:]
                for i in range(n):
                    record = data[offsets[i]:offsets[i + 1]].tobytes().hex()
                    ids = ",".join(str(int(x)) for x in labels[label_offsets[i]:label_offsets[i + 1]])
                    print(shard["file"], i, record or "-", ids or "-", keys[i].decode())
            else:
                assert fmt == "ptk-token-shard", fmt
                print("tokenizer", text(f.attrs["tokenizer"]), text(f.attrs["tokenizer_hash"]))
                ids = f["tokens/ids"][:]
                offsets = f["tokens/offsets"][:]
                b_start = f["segments/b_start"][:]
                nsp = f["nsp/labels"][:]
                for i in range(n):
                    tokens = ",".join(str(int(x)) for x in ids[offsets[i]:offsets[i + 1]])
                    print(shard["file"], i, tokens or "-", int(b_start[i]), int(nsp[i]))
            assert f["checksums"].dtype == "<u8"


if __name__ == "__main__":
    main()
