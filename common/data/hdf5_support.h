// Internal to common/data: RAII handles for HDF5 ids, the process-wide lock around HDF5 calls
// and error-stack text for messages. HDF5 serialises every call anyway; holding our own lock
// keeps the automatic error printing switched off consistently and the library safe even when
// it was built without thread safety.
#pragma once

#include <hdf5.h>

#include <mutex>
#include <string>

namespace ptk::data::detail {

std::mutex& hdf5_mutex();

// Call with hdf5_mutex() held, before HDF5 calls: stops HDF5 from printing its error stack.
void silence_hdf5_errors();

// The most specific message on the current thread's HDF5 error stack, or "" when empty.
std::string hdf5_error_text();

class H5Id {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Id() = default;
  H5Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  H5Id& operator=(H5Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      closer_ = other.closer_;
      other.id_ = -1;
    }
    return *this;
  }
  ~H5Id() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

}  // namespace ptk::data::detail
