# Finds the libraries pretrainkit builds on. LibTorch comes from Debian's libtorch-dev by
# default, or from any LibTorch (e.g. a CUDA PyTorch wheel) through -DTorch_DIR=... .
include(PtkFindLibraries)
# LibTorch's own flags carry the C++ ABI choice (_GLIBCXX_USE_CXX11_ABI); every target must agree.
separate_arguments(PTK_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")
add_compile_options(${PTK_TORCH_CXX_FLAGS})

# Python interpreter for the python-labelled checks: Debian's, whose dist-packages hold
# python3-torch, torchvision, h5py and sentencepiece.
find_program(PTK_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT PTK_PYTHON)
  find_program(PTK_PYTHON NAMES python3)
endif()

if(PTK_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
