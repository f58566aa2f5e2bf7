"""torchvision's ImageNet evaluation transform, the reference for eval_transform_python_test.

usage: eval_transform_reference.py IMAGE OUT.f32 RESIZE CROP
Writes the normalised 3 x CROP x CROP float32 tensor (C order) to OUT.f32.
"""
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms


def main():
    image_path, out_path, resize, crop = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    transform = transforms.Compose([
        transforms.Resize(resize, interpolation=transforms.InterpolationMode.BILINEAR),
        transforms.CenterCrop(crop),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    with Image.open(image_path) as image:
        tensor = transform(image.convert("RGB"))
    assert tensor.dtype == torch.float32
    tensor.numpy().astype(np.float32).tofile(out_path)


if __name__ == "__main__":
    main()
