"""Python reference for prepare_bench: what a user writes instead of `ptk-wsl prepare` to turn a
hashtag manifest (JSON lines `{"image": "relative/path.jpg", "hashtags": ["#dog", ...]}`) into
one HDF5 file of encoded images. The parent reads the manifest and keeps the VOCAB most frequent
hashtags (lower-cased, no WordNet); a multiprocessing.Pool of PROCESSES workers maps over the
records in order (imap, chunks of 16), each opening its image with PIL:
- RESIZE_SHORTER 0: `Image.open(...).load()` decodes it to validate it; the original bytes are
  kept.
- RESIZE_SHORTER N: `.convert('RGB')` (torchvision's pil_loader), and when the shorter side is
  larger than N, `resize` to shorter side N with Image.BILINEAR (what
  torchvision.transforms.Resize(N) does: PIL's antialiased bilinear, no reducing_gap), saved as
  JPEG quality 90 (PIL's default 4:2:0); a JPEG that is not larger is kept as it is.
With --draft, `Image.draft('RGB', size)` first lets libjpeg decode a JPEG at 1/2, 1/4 or 1/8
scale (still at least the target size; 1/8 to validate): what a user who knows PIL well writes
(Image.thumbnail does it), and what `ptk-wsl prepare` does with TurboJPEG.
The parent writes what it receives in manifest order into OUT (h5py): `images/bytes` uint8 (the
encoded images, concatenated), `images/offsets` uint64[n+1], `labels/ids` int32,
`labels/offsets` uint64[n+1], `keys`: the layout of the toolkit's image shards, contiguous and
uncompressed. Prints one line:
`python processes=P resize=N images=K seconds=S images_per_s=R bytes_read=B bytes_stored=C`,
seconds from reading the manifest to closing OUT (interpreter start and imports not included;
prepare_bench times the whole process from outside as well).

usage: prepare_reference.py MANIFEST OUT PROCESSES RESIZE_SHORTER [--draft] [--vocab K]
"""
import argparse
import collections
import io
import json
import multiprocessing
import os
import time

import h5py
import numpy as np
from PIL import Image

RESIZE = 0
DRAFT = False


def init_worker(resize, draft):
    global RESIZE, DRAFT
    RESIZE, DRAFT = resize, draft


def process(path):
    """Returns (bytes to store, bytes read), or (None, 0) for an unreadable image."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        image = Image.open(io.BytesIO(data))
        if RESIZE == 0:
            if DRAFT:
                image.draft("RGB", (1, 1))  # a 1/8-scale decode still reads every coded byte
            image.load()
            return data, len(data)
        width, height = image.size
        shorter = min(width, height)
        if shorter <= RESIZE and image.format == "JPEG":
            image.load()
            return data, len(data)
        if shorter > RESIZE:
            size = (max(1, round(width * RESIZE / shorter)), max(1, round(height * RESIZE / shorter)))
            if DRAFT:
                image.draft("RGB", size)
            image = image.convert("RGB").resize(size, Image.BILINEAR)
        else:
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        return out.getvalue(), len(data)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None, 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("manifest")
    parser.add_argument("out")
    parser.add_argument("processes", type=int)
    parser.add_argument("resize_shorter", type=int)
    parser.add_argument("--draft", action="store_true")
    parser.add_argument("--vocab", type=int, default=1500)
    args = parser.parse_args()

    start = time.perf_counter()
    root = os.path.dirname(os.path.abspath(args.manifest))
    records = []
    counts = collections.Counter()
    with open(args.manifest, encoding="utf-8") as f:
        for line in f:
            try:
                record = json.loads(line)
                tags = [t.lstrip("#").lower() for t in record["hashtags"]]
                records.append((record["image"], tags))
                counts.update(set(tags))
            except (ValueError, KeyError, TypeError, AttributeError):
                continue
    vocab = {tag: i for i, (tag, _) in enumerate(counts.most_common(args.vocab))}
    kept = []
    for image, tags in records:
        labels = sorted({vocab[t] for t in tags if t in vocab})
        if labels:
            kept.append((image, labels))

    paths = [os.path.join(root, image) for image, _ in kept]
    payloads, keys, labels, bytes_read = [], [], [], 0
    with multiprocessing.Pool(args.processes, init_worker, (args.resize_shorter, args.draft)) as pool:
        for (image, ids), (data, read) in zip(kept, pool.imap(process, paths, chunksize=16)):
            if data is None:
                continue
            payloads.append(np.frombuffer(data, dtype=np.uint8))
            keys.append(image)
            labels.append(np.asarray(ids, dtype=np.int32))
            bytes_read += read

    if not payloads:
        raise SystemExit("prepare_reference.py: no image could be read")

    def offsets(arrays):
        return np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.uint64)

    with h5py.File(args.out, "w") as out:
        out.create_dataset("images/bytes", data=np.concatenate(payloads))
        out.create_dataset("images/offsets", data=offsets(payloads))
        out.create_dataset("labels/ids", data=np.concatenate(labels))
        out.create_dataset("labels/offsets", data=offsets(labels))
        out.create_dataset("keys", data=keys, dtype=h5py.string_dtype())
        out.attrs["num_samples"] = len(payloads)
    seconds = time.perf_counter() - start
    stored = sum(len(p) for p in payloads)
    print(f"python processes={args.processes} resize={args.resize_shorter} images={len(payloads)} "
          f"seconds={seconds:.4f} images_per_s={len(payloads) / seconds:.2f} "
          f"bytes_read={bytes_read} bytes_stored={stored}")


if __name__ == "__main__":
    main()
