#include "common/data/hdf5_support.h"

namespace ptk::data::detail {

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

void silence_hdf5_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {

herr_t keep_first(unsigned n, const H5E_error2_t* error, void* data) {
  // The walk goes from the innermost frame outwards; the innermost says what was wrong.
  auto* text = static_cast<std::string*>(data);
  if (n == 0 && error->desc != nullptr) *text = error->desc;
  return 0;
}

}  // namespace

std::string hdf5_error_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_first, &text);
  H5Eclear2(H5E_DEFAULT);
  return text;
}

}  // namespace ptk::data::detail
