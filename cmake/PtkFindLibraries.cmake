# The libraries pretrainkit links against. Shared by the build (PtkDependencies.cmake) and by
# the installed package (pretrainkitConfig.cmake), so consumers find exactly what we built with.
# PTK_CORE_ONLY: only the training core's libraries (LibTorch, spdlog, fmt, yaml-cpp, and
# nlohmann/json's header, which parses safetensors headers).
find_package(Torch REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(Threads REQUIRED)

if(NOT PTK_CORE_ONLY)
  find_package(PkgConfig REQUIRED)
  find_package(HDF5 REQUIRED COMPONENTS C)
  pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
  pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
  pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
  pkg_check_modules(LIBJPEG REQUIRED IMPORTED_TARGET libjpeg)
  find_package(ICU REQUIRED COMPONENTS uc i18n data)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
  # FAISS (near-duplicate search): Debian ships it as a static library whose link needs OpenMP.
  find_package(OpenMP REQUIRED COMPONENTS CXX)
  find_package(faiss REQUIRED)
endif()
