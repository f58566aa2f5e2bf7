"""The Python route to what `ptk-wsl dedup` computes, for bench/dedup_bench: the same DCT
thumbnail descriptor with PIL (JPEG draft mode, i.e. DCT scaling, then a box resize) and scipy,
over a multiprocessing.Pool, and exact nearest-neighbour search as a numpy matrix product.

  dedup_reference.py describe --files LIST --processes N     -> images/s
  dedup_reference.py search --eval E --queries Q --dim D --threads N  -> queries/s
  dedup_reference.py embed --files LIST --threads N --arch A  -> images/s

`embed` is dedup.embedding=backbone the torchvision way: PIL decode, Resize(256) +
CenterCrop(224) + Normalize, the randomly initialised torchvision model without its fc layer
in eval mode under no_grad on N torch threads, the crops and their left-right flips, features
L2-normalised; batches of 16.
"""
import argparse
import json
import os
import sys
import time


def describe(path):
    import numpy as np
    from PIL import Image
    from scipy.fft import dctn

    image = Image.open(path)
    image.draft("L", (64, 64))
    grey = image.convert("L").resize((32, 32), Image.BOX)
    frequencies = dctn(np.asarray(grey, dtype=np.float32), norm="ortho")[:16, :16].ravel()[1:]
    norm = np.linalg.norm(frequencies)
    return frequencies / norm if norm > 1e-3 else frequencies * 0


def run_describe(args):
    from multiprocessing import Pool

    files = [line for line in open(args.files).read().split("\n") if line]
    with Pool(args.processes) as pool:
        # Warm-up: every worker imports PIL, numpy and scipy before the clock starts.
        pool.map(describe, files[: args.processes], chunksize=1)
        start = time.perf_counter()
        rows = pool.map(describe, files, chunksize=max(1, len(files) // (4 * args.processes)))
        seconds = time.perf_counter() - start
    print(json.dumps({"images": len(rows), "seconds": seconds}))


def run_search(args):
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    import numpy as np

    rng = np.random.default_rng(1)
    eval_rows = rng.standard_normal((args.eval, args.dim), dtype=np.float32)
    eval_rows /= np.linalg.norm(eval_rows, axis=1, keepdims=True)
    queries = rng.standard_normal((args.queries, args.dim), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    start = time.perf_counter()
    for begin in range(0, args.queries, 1024):
        scores = queries[begin:begin + 1024] @ eval_rows.T
        scores.argmax(axis=1)
    seconds = time.perf_counter() - start
    print(json.dumps({"queries": args.queries, "seconds": seconds}))


def run_embed(args):
    import torch
    import torchvision
    from PIL import Image
    from torchvision import transforms

    torch.set_num_threads(args.threads)
    model = getattr(torchvision.models, args.arch)()
    model.fc = torch.nn.Identity()
    model.eval()
    transform = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    files = [line for line in open(args.files).read().split("\n") if line]

    def embed(paths):
        rows = []
        with torch.no_grad():
            for begin in range(0, len(paths), 16):
                batch = torch.stack([transform(Image.open(p).convert("RGB"))
                                     for p in paths[begin:begin + 16]])
                for pixels in (batch, torch.flip(batch, [3])):
                    rows.append(torch.nn.functional.normalize(model(pixels), dim=1))
        return rows

    embed(files[:2])  # warm-up
    start = time.perf_counter()
    embed(files)
    seconds = time.perf_counter() - start
    print(json.dumps({"images": len(files), "seconds": seconds}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("verb", choices=["describe", "search", "embed"])
    parser.add_argument("--files")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--eval", type=int, default=100000)
    parser.add_argument("--queries", type=int, default=10000)
    parser.add_argument("--dim", type=int, default=255)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--arch", default="resnet50")
    args = parser.parse_args()
    {"describe": run_describe, "search": run_search, "embed": run_embed}[args.verb](args)


if __name__ == "__main__":
    sys.exit(main())
