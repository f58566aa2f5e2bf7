#include "common/io/safetensors.h"

#include <ATen/ops/empty.h>
#include <c10/core/ScalarType.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "common/base/error.h"
#include "common/io/atomic_file.h"
#include "common/io/safetensors_format.h"

// safetensors is little endian; tensors are copied byte for byte.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes little endian");

namespace ptk::io {
namespace {

const char* safetensors_dtype(at::ScalarType type) {
  switch (type) {
    case at::kDouble:
      return "F64";
    case at::kFloat:
      return "F32";
    case at::kHalf:
      return "F16";
    case at::kBFloat16:
      return "BF16";
    case at::kLong:
      return "I64";
    case at::kInt:
      return "I32";
    case at::kShort:
      return "I16";
    case at::kChar:
      return "I8";
    case at::kByte:
      return "U8";
    case at::kBool:
      return "BOOL";
    default:
      return nullptr;
  }
}

at::ScalarType torch_dtype(const std::string& dtype) {
  if (dtype == "F64") return at::kDouble;
  if (dtype == "F32") return at::kFloat;
  if (dtype == "F16") return at::kHalf;
  if (dtype == "BF16") return at::kBFloat16;
  if (dtype == "I64") return at::kLong;
  if (dtype == "I32") return at::kInt;
  if (dtype == "I16") return at::kShort;
  if (dtype == "I8") return at::kChar;
  if (dtype == "U8") return at::kByte;
  return at::kBool;  // the parser admits no other dtype
}

// A read-only private mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      throw error("cannot read safetensors file '{}': {}", path, std::strerror(err));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw error("cannot read safetensors file '{}': not a regular file", path);
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        throw error("cannot map safetensors file '{}': {}", path, std::strerror(err));
      }
      data_ = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // The header is laid out from shapes alone; data is then streamed one tensor at a time, so
  // only one host copy of a GPU tensor exists at any moment.
  std::vector<SafetensorsEntry> entries;
  entries.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) {
      throw error("cannot write '{}': tensor \"{}\" is undefined", path, name);
    }
    const char* dtype = safetensors_dtype(tensor.scalar_type());
    if (!dtype) {
      throw error(
          "cannot write '{}': tensor \"{}\" has dtype {}, which safetensors files written by "
          "pretrainkit do not support",
          path, name, c10::toString(tensor.scalar_type()));
    }
    if (tensor.layout() != at::kStrided || tensor.is_quantized()) {
      throw error("cannot write '{}': tensor \"{}\" is not a dense tensor", path, name);
    }
    SafetensorsEntry entry;
    entry.name = name;
    entry.dtype = dtype;
    entry.shape = tensor.sizes().vec();
    entry.begin = offset;
    entry.end = offset + static_cast<uint64_t>(tensor.numel()) * tensor.element_size();
    offset = entry.end;
    entries.push_back(std::move(entry));
  }
  std::string header;
  try {
    header = encode_safetensors_header(entries, metadata);
  } catch (const Error& e) {
    throw error("cannot write '{}': {}", path, e.what());
  }
  AtomicFile file(path);
  file.write(header.data(), header.size());
  for (const auto& item : tensors) {
    if (item.second.numel() == 0) continue;
    const at::Tensor t = item.second.detach().to(at::kCPU).contiguous();
    file.write(t.data_ptr(), static_cast<std::size_t>(t.nbytes()));
  }
  file.commit();
}

StateDict load_safetensors(const std::string& path, std::map<std::string, std::string>* metadata) {
  MappedFile file(path);
  const SafetensorsHeader header = parse_safetensors(file.data(), file.size(), path);
  StateDict state;
  state.reserve(header.entries.size());
  for (const SafetensorsEntry& e : header.entries) {
    at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(torch_dtype(e.dtype)));
    const uint8_t* src = file.data() + header.data_offset + e.begin;
    const std::size_t nbytes = e.end - e.begin;
    if (e.dtype == "BOOL") {
      // Any byte but 0 or 1 is not a valid bool and would be undefined behaviour in kernels.
      for (std::size_t i = 0; i < nbytes; ++i) {
        if (src[i] > 1) {
          throw error(
              "{}: invalid safetensors file: tensor \"{}\": BOOL element {} has byte value {} "
              "(must be 0 or 1)",
              path, e.name, i, static_cast<int>(src[i]));
        }
      }
    }
    if (nbytes > 0) std::memcpy(t.data_ptr(), src, nbytes);
    state.emplace_back(e.name, std::move(t));
  }
  if (metadata) *metadata = header.metadata;
  return state;
}

}  // namespace ptk::io
