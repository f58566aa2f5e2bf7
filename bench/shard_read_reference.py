"""h5py reference for shard_read_bench: reads every record of a shard set record by record
(one slice per record, the way a Python Dataset.__getitem__ does), warm page cache, with 1 or
more threads, and prints one line: `h5py threads=T records=N seconds=S records_per_s=R mb_per_s=M`.

usage: shard_read_reference.py SHARD_SET_DIR THREADS
"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import h5py
import yaml


def main():
    root, threads = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(root, "manifest.yaml")) as f:
        manifest = yaml.safe_load(f)
    kind = manifest["kind"]
    data_name, offsets_name = ("images/bytes", "images/offsets") if kind == "image" else (
        "tokens/ids", "tokens/offsets")
    files = [h5py.File(os.path.join(root, s["file"]), "r") for s in manifest["shards"]]
    jobs = []
    for f in files:
        offsets = f[offsets_name][:]
        data = f[data_name]
        labels = f["labels/ids"] if kind == "image" else None
        label_offsets = f["labels/offsets"][:] if kind == "image" else None
        for i in range(len(offsets) - 1):
            jobs.append((data, int(offsets[i]), int(offsets[i + 1]), labels,
                         None if labels is None else (int(label_offsets[i]), int(label_offsets[i + 1]))))

    def read(job):
        data, begin, end, labels, label_range = job
        record = data[begin:end]
        n = record.nbytes
        if labels is not None:
            n += labels[label_range[0]:label_range[1]].nbytes
        return n

    def run():
        start = time.perf_counter()
        if threads == 1:
            total = sum(read(job) for job in jobs)
        else:
            with ThreadPoolExecutor(threads) as pool:
                total = sum(pool.map(read, jobs, chunksize=64))
        return total, time.perf_counter() - start

    run()  # warm the page cache
    total, seconds = run()
    print(f"h5py threads={threads} records={len(jobs)} seconds={seconds:.4f} "
          f"records_per_s={len(jobs) / seconds:.1f} mb_per_s={total / seconds / 1e6:.1f}")


if __name__ == "__main__":
    main()
