// `ptk-wsl prepare` throughput (hashtag manifest -> validated / resized JPEGs in image shards)
// against what a user writes instead (bench/prepare_reference.py: a multiprocessing.Pool mapping
// PIL over the manifest, the parent writing one HDF5 file), on two sets cut from the photographs
// of Debian's mate-backgrounds: full-size camera frames (1280-2560 px, as shipped plus cropped
// and mirrored re-encodings at quality 90) and ImageNet-sized 500x375 crops. Each side runs as its
// own process, timed by wall clock from a warm page cache, without resizing and with
// prepare.resize_shorter = 256, on 1 rank x 1 and 2 threads and on 2 ranks x 1 thread under
// torchrun (whose fixed cost, measured on /bin/true, is subtracted); runs alternate between the two
// sides. Then the wsl training stream (HashtagStream, 224 px crops, 1 decode thread) reads the
// shards prepare wrote with and without the resize, which is what resizing at prepare buys.
// --python picks the reference's variants, each a column: plain (as a user writes it), draft
// (PIL's Image.draft: a DCT-scaled decode, as prepare's TurboJPEG path does), malloc (glibc's
// mmap and trim thresholds raised as every ptk binary raises its own, common/base/malloc_tuning.h)
// and draft+malloc.
//
//   prepare_bench [--photos DIR] [--dir DIR] [--full-images N] [--crop-images N] [--runs R]
//                 [--loader-images N] [--sets full,crops] [--python plain,draft,malloc,...]
//                 [--skip-python]
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_main.h"
#include "bench/median.h"
#include "bench/reference_script.h"
#include "bench/shell_command.h"
#include "bench/test_photos.h"
#include "bench/torchrun_command.h"
#include "bench/wsl_train_stream.h"
#include "common/base/error.h"
#include "common/data/philox.h"
#include "common/data/shard_reader.h"
#include "common/io/atomic_file.h"
#include "vision/datasets/hashtag_task.h"
#include "vision/transforms/augment.h"
#include "vision/transforms/image_decoder.h"

namespace {

namespace fs = std::filesystem;
using namespace ptk;
using bench::median;
using bench::ProcessResult;
using bench::quoted;
using bench::run_process;

constexpr char kDefaultPhotoDir[] = "/usr/share/backgrounds/mate/nature";
const std::string kWsl = std::string(PTK_BINARY_DIR) + "/ptk-wsl";
constexpr int kQuality = 90;
constexpr int kParts = 8;
constexpr int kResizeShorter = 256;
constexpr int64_t kBatch = bench::WslTrainStream::kBatch;
// WordNet nouns; each image gets 1-3 of them.
constexpr const char* kHashtags[] = {"#dog",    "#beach", "#mountain", "#sky",   "#flower",
                                     "#car",    "#tree",  "#cat",      "#house", "#sea",
                                     "#garden", "#sand",  "#storm",    "#leaf",  "#water"};

struct Options {
  std::string photos = kDefaultPhotoDir;
  std::string dir;
  int full_images = 400;
  int crop_images = 2000;
  int runs = 3;
  int loader_images = 640;
  std::vector<std::string> sets = {"full", "crops"};
  std::vector<std::string> python = {"plain"};  // reference variants; empty: no reference
};

// A launch of prepare: ranks (processes, under torchrun when more than one) x threads each.
// The Python side gets a Pool of ranks * threads processes: the same cores.
struct Layout {
  int ranks;
  int threads;
  int cores() const { return ranks * threads; }
};
constexpr Layout kLayouts[] = {{1, 1}, {1, 2}, {2, 1}};

struct TestSet {
  std::string name;
  std::string manifest;
  int images = 0;
  double mean_kb = 0;
  std::string shape;  // "1280-2560 px" / "500x375"
};

// The first lines of a set's manifest (tiny.jsonl next to it): a run on them is start-up and
// per-part cost, which both sides pay once per job, not per image; subtracted from a run on the
// whole set it leaves the rate at which a large manifest goes through.
constexpr int kTinyImages = 2 * kParts;

TestSet tiny_of(const TestSet& set) {
  TestSet tiny = set;
  tiny.manifest = (fs::path(set.manifest).parent_path() / "tiny.jsonl").string();
  tiny.images = kTinyImages;
  return tiny;
}

// ---- test images ---------------------------------------------------------------------------

// TurboJPEG at `quality`, 4:2:0 chroma as cameras and ImageNet store it.
std::string encode_jpeg(const vision::Image& image, int quality) {
  std::unique_ptr<void, int (*)(tjhandle)> handle(tjInitCompress(), tjDestroy);
  fail_if(handle == nullptr, "TurboJPEG: tjInitCompress failed");
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  if (tjCompress2(handle.get(), image.pixels.data(), image.width, 0, image.height, TJPF_RGB, &jpeg,
                  &size, TJSAMP_420, quality, 0) != 0) {
    tjFree(jpeg);
    throw error("TurboJPEG: tjCompress2 failed: {}", tjGetErrorStr2(handle.get()));
  }
  std::string bytes(reinterpret_cast<const char*>(jpeg), size);
  tjFree(jpeg);
  return bytes;
}

void mirror(vision::Image& image) {
  for (int y = 0; y < image.height; ++y) {
    uint8_t* row = image.row(y);
    for (int left = 0, right = image.width - 1; left < right; ++left, --right) {
      std::swap_ranges(row + 3 * left, row + 3 * left + 3, row + 3 * right);
    }
  }
}

// Writes `count` JPEGs under <dir>/<name>/images and their manifest. Image i comes from photo
// i mod P. Set "full": the photo's own file for its first image, then crops keeping 85-100% of
// each side (so still 1100-2560 px), every other one mirrored, re-encoded at quality 90. Set
// "crops": ImageNet's typical 500x375, area-resized from a 4:3 box of 50-100% of the largest
// that fits, half of them mirrored. Hashtags: 1-3 WordNet nouns drawn per image.
TestSet write_set(const std::string& name, int count, const std::vector<std::string>& photos,
                  const std::string& dir) {
  const bool full = name == "full";
  const fs::path root = fs::path(dir) / name;
  fs::remove_all(root);
  fs::create_directories(root / "images");
  std::vector<std::string> lines(static_cast<size_t>(count));
  uint64_t total_bytes = 0;
  for (size_t p = 0; p < photos.size(); ++p) {
    const std::string original = io::read_file(photos[p]);
    const vision::Image photo = vision::decode_image(
        reinterpret_cast<const uint8_t*>(original.data()), original.size(), photos[p]);
    for (size_t i = p; i < static_cast<size_t>(count); i += photos.size()) {
      data::SampleRng rng(full ? 21 : 22, 0, i);
      std::string bytes;
      if (full && i < photos.size()) {
        bytes = original;
      } else {
        vision::CropBox box;
        int width = 500, height = 375;
        if (full) {
          box.width = static_cast<int>(photo.width * (0.85 + 0.15 * rng.uniform_double()));
          box.height = static_cast<int>(photo.height * (0.85 + 0.15 * rng.uniform_double()));
          width = box.width;
          height = box.height;
        } else {
          const double largest = std::min(photo.width / 500.0, photo.height / 375.0);
          const double side = largest * (0.5 + 0.5 * rng.uniform_double());
          box.width = static_cast<int>(500 * side);
          box.height = static_cast<int>(375 * side);
        }
        box.x =
            static_cast<int>(rng.uniform_int(static_cast<uint64_t>(photo.width - box.width) + 1));
        box.y =
            static_cast<int>(rng.uniform_int(static_cast<uint64_t>(photo.height - box.height) + 1));
        vision::Image image = vision::resize_region(photo, box, width, height);
        if (full ? (i / photos.size()) % 2 == 1 : rng.bernoulli(0.5)) mirror(image);
        bytes = encode_jpeg(image, kQuality);
      }
      char file[32];
      std::snprintf(file, sizeof(file), "images/%05zu.jpg", i);
      io::write_file_atomic((root / file).string(), bytes);
      total_bytes += bytes.size();
      std::string tags;
      const uint64_t n = 1 + rng.uniform_int(3);
      std::vector<uint64_t> picked;
      while (picked.size() < n) {
        const uint64_t tag = rng.uniform_int(std::size(kHashtags));
        if (std::find(picked.begin(), picked.end(), tag) != picked.end()) continue;
        picked.push_back(tag);
        tags += std::string(tags.empty() ? "" : ", ") + "\"" + kHashtags[tag] + "\"";
      }
      lines[i] = std::string("{\"image\": \"") + file + "\", \"hashtags\": [" + tags + "]}\n";
    }
  }
  TestSet set;
  set.name = name;
  set.manifest = (root / "manifest.jsonl").string();
  set.images = count;
  set.mean_kb = total_bytes / 1e3 / count;
  set.shape = full ? "1088-2560 px" : "500x375";
  std::string manifest;
  for (size_t i = 0; i < lines.size(); ++i) {
    manifest += lines[i];
    if (i + 1 == kTinyImages) io::write_file_atomic(tiny_of(set).manifest, manifest);
  }
  io::write_file_atomic(set.manifest, manifest);
  return set;
}

// Reads every file under `dir` once, so the timed runs read from the page cache.
void warm_page_cache(const std::string& dir) {
  std::vector<char> buffer(1 << 20);
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()))) {
    }
  }
}

// ---- processes -----------------------------------------------------------------------------

std::vector<std::string> torchrun(int ranks, const std::vector<std::string>& command) {
  return bench::torchrun_command({PTK_PYTHON, "-m", "torch.distributed.run"}, ranks, command);
}

// The unsigned number after `before` in `text`, or -1.
double number_after(const std::string& text, const std::string& before) {
  const auto at = text.find(before);
  if (at == std::string::npos) return -1;
  try {
    return std::stod(text.substr(at + before.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

struct PrepareRun {
  double seconds = 0;       // wall clock of the whole launch
  double self_seconds = 0;  // what prepare's summary says (rank 0, from its start)
  double mb_stored = 0;
};

PrepareRun run_ptk(const TestSet& set, int resize, const Layout& layout, const std::string& out) {
  fs::remove_all(out);
  fs::remove_all(out + ".partial");
  fs::remove(out + ".bad_images.tsv");
  std::vector<std::string> command = {kWsl,
                                      "prepare",
                                      "prepare.manifest=" + set.manifest,
                                      "prepare.out=" + out,
                                      "prepare.vocab_size=1.5k",
                                      fmt::format("prepare.parts={}", kParts),
                                      fmt::format("prepare.threads={}", layout.threads),
                                      fmt::format("prepare.resize_shorter={}", resize),
                                      fmt::format("prepare.jpeg_quality={}", kQuality)};
  if (layout.ranks > 1) command = torchrun(layout.ranks, command);
  const ProcessResult result = run_process(command);
  const std::string expected =
      fmt::format("{} parts on {} rank(s) x {} thread(s), ", kParts, layout.ranks, layout.threads);
  const double kept = number_after(result.output, " kept ");
  if (result.exit_code != 0 || result.output.find(expected) == std::string::npos ||
      kept != set.images) {
    throw error("ptk-wsl prepare ({}, resize {}) failed or kept {} of {} images; its output:\n{}",
                set.name, resize, static_cast<int64_t>(kept), set.images, result.output);
  }
  PrepareRun run;
  run.seconds = result.seconds;
  run.self_seconds = number_after(result.output, expected);
  run.mb_stored = number_after(result.output, " MB read, ");
  return run;
}

// The torchrun launch of `ranks` workers that do nothing: its wall clock is the fixed cost.
double torchrun_probe(int ranks) {
  const ProcessResult result = run_process(torchrun(ranks, {"/bin/true"}));
  fail_if(result.exit_code != 0, "torchrun /bin/true failed:\n{}", result.output);
  return result.seconds;
}

// What common/base/malloc_tuning.h sets in every ptk binary, for the "malloc" variants. PIL
// allocates every image afresh; above glibc's default 128 KiB mmap threshold each one is new
// pages, and page faults are dear on a VM.
constexpr char kPtkMallocTunables[] =
    "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

bool is_python_variant(const std::string& variant) {
  return variant == "plain" || variant == "draft" || variant == "malloc" ||
         variant == "draft+malloc";
}

PrepareRun run_python(const TestSet& set, int resize, int processes, const std::string& variant,
                      const std::string& out) {
  fs::remove(out);
  std::string arguments =
      fmt::format("{} {} {} {}", quoted(set.manifest), quoted(out), processes, resize);
  if (variant.find("draft") != std::string::npos) arguments += " --draft";
  const bool tuned = variant.find("malloc") != std::string::npos;
  if (tuned) setenv("GLIBC_TUNABLES", kPtkMallocTunables, 1);
  const auto start = std::chrono::steady_clock::now();
  const std::string output = bench::run_reference_script("prepare_reference.py", arguments);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tuned) unsetenv("GLIBC_TUNABLES");
  if (bench::reported_value(output, "images") != set.images) {
    throw error("prepare_reference.py ({}, resize {}) failed or dropped images: {}", set.name,
                resize, output);
  }
  PrepareRun run;
  run.seconds = seconds;
  run.self_seconds = bench::reported_value(output, "seconds");
  run.mb_stored = bench::reported_value(output, "bytes_stored") / 1e6;
  return run;
}

// ---- training loader -----------------------------------------------------------------------

// Images/s of the wsl training stream (bench/wsl_train_stream.h: 224 px RandomResizedCrop,
// flip, normalise, batches of 32) over a prepared train set, one decode thread, for `images`
// images (as many epochs as that takes), timed from opening the stream.
double loader_images_per_s(const std::string& train_dir, int images) {
  const auto shards = std::make_shared<const data::ShardSet>(train_dir);
  const bench::WslTrainStream stream(shards, vision::read_shard_vocab(*shards).size(), 1);
  const bench::WslTrainStream::Read read = stream.read((images + kBatch - 1) / kBatch);
  return read.images / read.seconds;
}

// ---- output --------------------------------------------------------------------------------

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

// "**2.03x** (1.98, 2.03, 2.07)": the median ratio, then every run's, ascending.
std::string ratio_cell(std::vector<double> ratios) {
  std::sort(ratios.begin(), ratios.end());
  std::string text = "**" + fixed(median(ratios), 2) + "x** (";
  for (size_t i = 0; i < ratios.size(); ++i) text += (i == 0 ? "" : ", ") + fixed(ratios[i], 2);
  return text + ")";
}

double load_average() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(separator, begin), text.size());
    parts.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

constexpr char kUsage[] =
    "usage: prepare_bench [--photos DIR] [--dir DIR] [--full-images N] [--crop-images N] "
    "[--runs R] [--loader-images N] [--sets full,crops] [--python plain,draft,malloc,draft+malloc] "
    "[--skip-python]\n";

// Fills `o` from the flags; false (the usage printed) on an unknown flag or one without its
// value.
bool parse_flags(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--skip-python") {
      o.python.clear();
    } else if (has_value && flag == "--python") {
      o.python = split(argv[++i], ',');
    } else if (has_value && flag == "--photos") {
      o.photos = argv[++i];
    } else if (has_value && flag == "--dir") {
      o.dir = argv[++i];
    } else if (has_value && flag == "--full-images") {
      o.full_images = std::stoi(argv[++i]);
    } else if (has_value && flag == "--crop-images") {
      o.crop_images = std::stoi(argv[++i]);
    } else if (has_value && flag == "--runs") {
      o.runs = std::stoi(argv[++i]);
    } else if (has_value && flag == "--loader-images") {
      o.loader_images = std::stoi(argv[++i]);
    } else if (has_value && flag == "--sets") {
      o.sets = split(argv[++i], ',');
    } else {
      std::fprintf(stderr, "%s", kUsage);
      return false;
    }
  }
  return true;
}

// False (what is wrong printed) for an unknown set or variant, or a count too small to run.
bool check_options(const Options& o) {
  for (const auto& set : o.sets) {
    if (set != "full" && set != "crops") {
      std::fprintf(stderr, "prepare_bench: error: --sets takes full and/or crops\n%s", kUsage);
      return false;
    }
  }
  for (const auto& variant : o.python) {
    if (!is_python_variant(variant)) {
      std::fprintf(stderr,
                   "prepare_bench: error: --python takes plain, draft, malloc, draft+malloc\n%s",
                   kUsage);
      return false;
    }
  }
  if (o.full_images < kBatch || o.crop_images < kBatch || o.runs < 1 || o.loader_images < 1) {
    std::fprintf(stderr,
                 "prepare_bench: error: --full-images and --crop-images >= %lld, --runs and "
                 "--loader-images >= 1\n",
                 static_cast<long long>(kBatch));
    return false;
  }
  return true;
}

// One row of the table: a set, a resize, a layout; every run's measurements.
struct Row {
  std::string set;
  int resize = 0;
  Layout layout{1, 1};
  int images = 0;
  std::vector<double> ptk_s, ptk_tiny_s;
  std::vector<std::vector<double>> python_s, python_tiny_s;  // per variant, per run
};

// What a bench run shares between its steps: the options, where prepare writes, and what has
// been measured so far.
struct Bench {
  const Options& o;
  std::string ptk_out;     // ptk-wsl prepare's output directory
  std::string python_out;  // the reference's HDF5 file
  std::vector<Row> rows;
  std::vector<double> torchrun_s;         // the fixed cost of every 2-rank launch's probe
  std::vector<std::string> loader_lines;  // the loader table, a line per set
};

// o.runs runs of `layout` on `set`, each run printed as it ends: ptk on the tiny manifest and
// the whole set, then each Python variant the same way (and a torchrun probe before 2 ranks).
Row time_prepare(const TestSet& set, int resize, const Layout& layout, Bench& bench) {
  const Options& o = bench.o;
  Row row{set.name, resize, layout, set.images, {}, {}, {}, {}};
  row.python_s.resize(o.python.size());
  row.python_tiny_s.resize(o.python.size());
  for (int run = 1; run <= o.runs; ++run) {
    if (layout.ranks > 1) bench.torchrun_s.push_back(torchrun_probe(layout.ranks));
    row.ptk_tiny_s.push_back(run_ptk(tiny_of(set), resize, layout, bench.ptk_out).seconds);
    const PrepareRun ptk = run_ptk(set, resize, layout, bench.ptk_out);
    row.ptk_s.push_back(ptk.seconds);
    std::printf(
        "%s resize %d %dx%d run %d: ptk %.2f s (its summary: %.1f s, %.1f MB stored; "
        "%d images: %.2f s)",
        set.name.c_str(), resize, layout.ranks, layout.threads, run, ptk.seconds, ptk.self_seconds,
        ptk.mb_stored, kTinyImages, row.ptk_tiny_s.back());
    for (size_t v = 0; v < o.python.size(); ++v) {
      row.python_tiny_s[v].push_back(
          run_python(tiny_of(set), resize, layout.cores(), o.python[v], bench.python_out).seconds);
      const PrepareRun python =
          run_python(set, resize, layout.cores(), o.python[v], bench.python_out);
      row.python_s[v].push_back(python.seconds);
      std::printf(", python %s %.2f s (inside: %.2f s, %.1f MB stored; %d images: %.2f s)",
                  o.python[v].c_str(), python.seconds, python.self_seconds, python.mb_stored,
                  kTinyImages, row.python_tiny_s[v].back());
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return row;
}

// Keeps the last prepare run's shards (the same bytes for every layout) under the set's
// directory and returns the training loader's median images/s over them, printed with every
// run's rate and the shards' size.
double time_loader(const std::string& name, int resize, Bench& bench) {
  const Options& o = bench.o;
  const std::string shards = fmt::format("{}/{}/shards-resize{}", o.dir, name, resize);
  fs::remove_all(shards);
  fs::rename(bench.ptk_out, shards);
  std::vector<double> rates;
  for (int run = 1; run <= o.runs; ++run) {
    rates.push_back(loader_images_per_s(shards + "/train", o.loader_images));
  }
  const double rate = median(rates);
  uint64_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(shards + "/train")) {
    if (entry.path().extension() == ".h5") bytes += entry.file_size();
  }
  std::string all;
  for (double r : rates) all += (all.empty() ? "" : " ") + fixed(r, 0);
  std::printf(
      "%s resize %d: training loader %.0f images/s (1 thread, 224 px, %d images, "
      "runs %s), shards %.1f MB\n",
      name.c_str(), resize, rate, o.loader_images, all.c_str(), bytes / 1e6);
  std::fflush(stdout);
  return rate;
}

// Writes the set `name`, times prepare on it for both resizes and every layout, then the
// training loader on what prepare wrote.
void measure_set(const std::string& name, const std::vector<std::string>& photos, Bench& bench) {
  const Options& o = bench.o;
  const TestSet set =
      write_set(name, name == "full" ? o.full_images : o.crop_images, photos, o.dir);
  std::printf("set %s: %d JPEGs (%s, %.0f KB on average) from %zu photos of %s, manifest %s\n",
              set.name.c_str(), set.images, set.shape.c_str(), set.mean_kb, photos.size(),
              o.photos.c_str(), set.manifest.c_str());
  std::fflush(stdout);
  warm_page_cache(o.dir + "/" + name);
  double loader[2] = {0, 0};
  for (int resize : {0, kResizeShorter}) {
    for (const Layout& layout : kLayouts)
      bench.rows.push_back(time_prepare(set, resize, layout, bench));
    loader[resize > 0 ? 1 : 0] = time_loader(name, resize, bench);
  }
  bench.loader_lines.push_back("| " + set.name + " (" + set.shape + ") | " + fixed(loader[0], 0) +
                               " | " + fixed(loader[1], 0) + " | **" +
                               fixed(loader[1] / loader[0], 2) + "x** |");
}

// "python" for the plain variant, "python draft" etc. for the others.
std::string variant_column(const std::string& variant) {
  return "python" + (variant == "plain" ? "" : " " + variant);
}

// The first cells of a table line: "| set | resize | ranks x threads |".
std::string row_cells(const Row& row) {
  return fmt::format("| {} | {} | {} x {} |", row.set,
                     row.resize > 0 ? std::to_string(row.resize) : std::string("none"),
                     row.layout.ranks, row.layout.threads);
}

// Images/s of every run. Columns: ptk, then per Python variant its images/s (and per core, for
// the first) and the ratio per core, which equals the ratio of images/s as both sides use the
// same cores. The 2-rank runs are net of torchrun's fixed cost.
void print_rate_table(const Bench& bench, double torchrun_cost) {
  const Options& o = bench.o;
  std::string header = "| set | resize | ranks x threads | ptk images/s | ptk images/s per core |";
  std::string rule = "|---|---:|---|---:|---:|";
  for (size_t v = 0; v < o.python.size(); ++v) {
    const std::string name = variant_column(o.python[v]);
    header += " " + name + " images/s |";
    rule += "---:|";
    if (v == 0) {
      header += " " + name + " images/s per core |";
      rule += "---:|";
    }
    header +=
        fmt::format(" ratio per core{} ({} runs) |", v == 0 ? "" : " to " + o.python[v], o.runs);
    rule += "---|";
  }
  std::printf("%s\n%s\n", header.c_str(), rule.c_str());
  for (const Row& row : bench.rows) {
    const double cores = row.layout.cores();
    std::vector<double> ptk_rate;
    for (double seconds : row.ptk_s) {
      ptk_rate.push_back(row.images / (seconds - (row.layout.ranks > 1 ? torchrun_cost : 0.0)));
    }
    std::string line = row_cells(row) + " " + fixed(median(ptk_rate), 1) + " | " +
                       fixed(median(ptk_rate) / cores, 1) + " |";
    for (size_t v = 0; v < row.python_s.size(); ++v) {
      std::vector<double> rate, ratio;
      for (size_t r = 0; r < row.python_s[v].size(); ++r) {
        rate.push_back(row.images / row.python_s[v][r]);
        ratio.push_back(ptk_rate[r] / rate.back());
      }
      line += " " + fixed(median(rate), 1) + " |";
      if (v == 0) line += " " + fixed(median(rate) / cores, 1) + " |";
      line += " " + ratio_cell(ratio) + " |";
    }
    std::printf("%s\n", line.c_str());
  }
}

// The same runs net of each side's start-up: (N - n) / (t(N) - t(n)) for the whole set's N
// images and the tiny manifest's n, with the medians of both times.
void print_net_table(const Bench& bench) {
  const Options& o = bench.o;
  std::string header =
      "| set | resize | ranks x threads | ptk start-up s | ptk net images/s per core |";
  std::string rule = "|---|---:|---|---:|---:|";
  for (size_t v = 0; v < o.python.size(); ++v) {
    const std::string name = variant_column(o.python[v]);
    header += " " + name + " start-up s | " + name + " net images/s per core | net ratio |";
    rule += "---:|---:|---:|";
  }
  std::printf("\nNet of start-up (a %d-image manifest run alongside each run):\n\n%s\n%s\n",
              kTinyImages, header.c_str(), rule.c_str());
  for (const Row& row : bench.rows) {
    const double cores = row.layout.cores();
    const auto net = [&](const std::vector<double>& whole, const std::vector<double>& tiny) {
      return (row.images - kTinyImages) / (median(whole) - median(tiny)) / cores;
    };
    const double ptk_net = net(row.ptk_s, row.ptk_tiny_s);
    std::string line =
        row_cells(row) + " " + fixed(median(row.ptk_tiny_s), 2) + " | " + fixed(ptk_net, 1) + " |";
    for (size_t v = 0; v < row.python_s.size(); ++v) {
      const double python_net = net(row.python_s[v], row.python_tiny_s[v]);
      line += " " + fixed(median(row.python_tiny_s[v]), 2) + " | " + fixed(python_net, 1) +
              " | **" + fixed(ptk_net / python_net, 2) + "x** |";
    }
    std::printf("%s\n", line.c_str());
  }
}

// The command line that repeats this run, every option spelt out.
void print_command(const char* program, const Options& o) {
  const auto joined = [](const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words) text += (text.empty() ? "" : ",") + word;
    return text;
  };
  std::printf(
      "\ncommand: %s --photos %s --full-images %d --crop-images %d --runs %d "
      "--loader-images %d --sets %s %s\n",
      program, o.photos.c_str(), o.full_images, o.crop_images, o.runs, o.loader_images,
      joined(o.sets).c_str(),
      o.python.empty() ? "--skip-python" : ("--python " + joined(o.python)).c_str());
}

// Everything after the command line: the sets, the timed runs, then the tables.
void run_bench(const Options& o, const char* program) {
  fail_if(!fs::is_regular_file(kWsl), "{} is missing; build the ptk-wsl target", kWsl);
  const std::vector<std::string> photos = bench::list_photos(o.photos);
  fs::create_directories(o.dir);
  Bench bench{o, o.dir + "/out-ptk", o.dir + "/out-python.h5", {}, {}, {}};
  std::printf("load average at the start: %.2f\n", load_average());
  for (const auto& name : o.sets) measure_set(name, photos, bench);

  const double torchrun_cost = median(bench.torchrun_s);
  std::printf("\nload average at the end: %.2f\n", load_average());
  std::printf(
      "torchrun fixed cost (--monitor_interval 0.1, 2 workers running /bin/true): "
      "median %.2f s of %zu probes, subtracted from the 2-rank runs\n\n",
      torchrun_cost, bench.torchrun_s.size());
  print_rate_table(bench, torchrun_cost);
  print_net_table(bench);
  std::printf(
      "\n| set | loader images/s, shards as read | loader images/s, shards resized to "
      "%d | gain |\n|---|---:|---:|---|\n",
      kResizeShorter);
  for (const auto& line : bench.loader_lines) std::printf("%s\n", line.c_str());
  print_command(program, o);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_flags(argc, argv, o) || !check_options(o)) return 2;
  return bench::run_in_work_dir("prepare_bench", o.dir, "ptk-prepare-bench",
                                [&] { run_bench(o, argv[0]); });
}
