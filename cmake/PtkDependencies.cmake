# Finds the libraries pretrainkit builds on. LibTorch comes from Debian's libtorch-dev by
# default, or from any LibTorch (e.g. a CUDA PyTorch wheel) through -DTorch_DIR=... .
find_package(Torch REQUIRED)
# LibTorch's own flags carry the C++ ABI choice (_GLIBCXX_USE_CXX11_ABI); every target must agree.
separate_arguments(PTK_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")
add_compile_options(${PTK_TORCH_CXX_FLAGS})

find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Threads REQUIRED)

# Python interpreter for the python-labelled checks: Debian's, whose dist-packages hold
# python3-torch, torchvision, h5py and sentencepiece.
find_program(PTK_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT PTK_PYTHON)
  find_program(PTK_PYTHON NAMES python3)
endif()

if(NOT PTK_CORE_ONLY)
  find_package(PkgConfig REQUIRED)
  find_package(HDF5 REQUIRED COMPONENTS C)
  pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
  pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
  pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
  find_package(ICU REQUIRED COMPONENTS uc i18n data)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
  find_package(nlohmann_json REQUIRED)
endif()

if(PTK_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
