// The ImageNet folder layouts evaluation reads: `train/<wnid>/<image>` and either
// `val/<wnid>/<image>` (the standard layout) or a flat `val/` of images labelled by the devkit's
// ground-truth file (1-based class numbers, one per image in sorted file-name order) in the order
// of a synset list. Class index = position of the wnid in the sorted train class folders, so
// labels agree with torchvision's ImageFolder and the published class order. Torch-free;
// listing is deterministic (sorted) and every inconsistency is a ptk::Error naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision {

struct LabeledImage {
  std::string path;   // root-joined path of the image file
  int32_t label = 0;  // index into ImageFolderSet::classes
};

struct ImageFolderSet {
  std::string root;
  std::vector<std::string> classes;  // sorted wnids (train class folders)
  std::vector<LabeledImage> train;   // sorted by class, then file name
  std::vector<LabeledImage> val;     // sorted by class then file name, or by file name (devkit)
  bool devkit_val = false;           // val/ was flat and labelled through the devkit files
  int64_t skipped_files = 0;         // non-image files (by extension) left out of the listing
};

struct ImageFolderOptions {
  // Devkit form only (a flat val/): the ground-truth file and the synset order file (one wnid
  // per line; anything after the first whitespace is ignored, so LOC_synset_mapping.txt works).
  std::string val_ground_truth;
  std::string val_synsets;
};

// True for file names with an image extension (jpeg, jpg, png, bmp, webp, tif, tiff, ppm, pgm;
// any case). Hidden files (leading '.') never count.
bool is_image_file_name(const std::string& name);

// Lists `root` as described above. Errors (ptk::Error naming the path or file:line): no train/
// or val/ folder, no class folders, a class without images, a val class folder that is not a
// train class, a flat val/ without the two devkit files, a ground-truth file whose line count
// differs from the number of val images or whose class number is out of range, a synset list
// with a duplicate wnid, or a listed wnid that has no train folder.
ImageFolderSet read_imagenet_folder(const std::string& root,
                                    const ImageFolderOptions& options = {});

// The synset order file: wnids in file order. ptk::Error naming file:line on a blank line or a
// duplicate wnid.
std::vector<std::string> read_synset_list(const std::string& path);

// The devkit ground truth: 1-based class numbers in file order, each checked to be in
// [1, num_classes]. ptk::Error naming file:line otherwise.
std::vector<int32_t> read_ground_truth(const std::string& path, size_t num_classes);

}  // namespace ptk::vision
