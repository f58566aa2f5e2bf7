"""torchvision reference for image_load_bench: what a PyTorch user runs to feed a ResNet from a
folder of JPEGs. ImageFolder (PIL loading) with RandomResizedCrop(224), RandomHorizontalFlip,
ToTensor and Normalize, through a DataLoader with THREADS worker processes (one intra-op thread
each), shuffled batches of 32, EPOCHS passes over the folder. Prints one line:
`torchvision threads=T images=N seconds=S images_per_s=R cpu_s=C`, where cpu_s is the CPU time
of this process and its workers over the timed passes.

usage: image_load_reference.py IMAGE_FOLDER THREADS EPOCHS
"""
import resource
import sys
import time

import torch
from torch.utils.data import ConcatDataset, DataLoader
from torchvision import datasets, transforms


def cpu_seconds():
    # Workers are child processes; the DataLoader joins them when the last batch has been
    # taken, so RUSAGE_CHILDREN holds their time by then.
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def one_intra_op_thread(_worker_id):
    # The DataLoader already does this in its workers; said here so the comparison does not
    # depend on that default.
    torch.set_num_threads(1)


def main():
    root, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    transform = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    folder = datasets.ImageFolder(root, transform)
    for path, _ in folder.samples:  # warm the page cache, as the toolkit's side is
        with open(path, "rb") as f:
            f.read()
    loader = DataLoader(ConcatDataset([folder] * epochs), batch_size=32, shuffle=True,
                        num_workers=threads, worker_init_fn=one_intra_op_thread, drop_last=True)
    # Timed from before the workers start to the last batch, as the toolkit's side is timed
    # from opening its stream.
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    images = 0
    for batch, _ in loader:
        images += batch.shape[0]
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    print(f"torchvision threads={threads} images={images} seconds={seconds:.4f} "
          f"images_per_s={images / seconds:.1f} cpu_s={cpu:.4f}")


if __name__ == "__main__":
    main()
