// `dedup.embedding=backbone`: the pooled features of a ResNet/ResNeXt backbone, the user's own
// checkpoint or a torchvision .pth (or the same architecture at random init, the baseline), as
// `ptk-eval imagenet` builds it (vision/eval/backbone.h): each picture through the evaluation
// transform (resize the shorter side, centre crop, normalise), then the network without its
// head, L2-normalised. The mirror rows are the features of the left-right flipped crops (a
// second forward pass). Decoding runs on the options' threads; the network on their device.
// A pretrained network ignores what its training taught it to ignore (crops, colour, small
// shifts), which the thumbnail cannot; how well depends on the weights. Torch-free header.
#pragma once

#include <memory>

#include "vision/dedup/image_embedder.h"
#include "vision/eval/imagenet_eval_options.h"

namespace ptk::vision {

// `options` as `ptk-eval imagenet` reads them: checkpoint, arch, init (checkpoint or random),
// seed, resize, crop, channels, mean, std, batch (images per forward pass), threads and device
// (cpu | cuda | cuda:N, already the rank's). Errors name the file or key.
std::unique_ptr<ImageEmbedder> make_backbone_embedder(const ImageNetEvalOptions& options);

}  // namespace ptk::vision
