# GpuBenchSources.ListMatchesTrainStepBenchLink: bench/gpu/sources.txt names exactly the
# repository sources whose objects the CMake link of train_step_bench used, and each exists. One
# missing from the list leaves the GPU link (plain g++ over the listed objects) with undefined
# symbols; one too many compiles code the program never runs, possibly against headers a GPU
# machine with only a PyTorch wheel lacks.
#
#   cmake -DMAP=train_step_bench.map -DLIST=bench/gpu/sources.txt -DSOURCE_DIR=<repository>
#         -DBINARY_DIR=<its build folder> -DLINK_DIR=<folder the link ran in>
#         [-DTARGET_DIR=<train_step_bench's build folder>] -P gpu_sources_test.cmake
#
# The link map names an archive member as `path/libptk_x.a(name.cpp.o)` (GNU ld, gold and lld
# alike) and an object given on the command line by its path,
# `bench/CMakeFiles/train_step_bench.dir/train_step_bench.cpp.o`. CMake lays out the build
# folder like the source tree, so the folder of either names the source folder. Paths outside the
# build folder (LibTorch, the C and C++ runtimes) are not ours and are skipped.
cmake_minimum_required(VERSION 3.18)

foreach(var MAP LIST SOURCE_DIR BINARY_DIR LINK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "gpu_sources_test.cmake: -D${var}=... missing")
  endif()
endforeach()
get_filename_component(SOURCE_DIR "${SOURCE_DIR}" ABSOLUTE)
get_filename_component(BINARY_DIR "${BINARY_DIR}" ABSOLUTE)
if(NOT EXISTS "${MAP}")
  message(FATAL_ERROR "no link map at ${MAP}: build train_step_bench first "
                      "(ninja train_step_bench), its link writes the map")
endif()

# Every problem found, one line each, so that one run names all of them.
set(problems "")
macro(report)
  string(APPEND problems "  " ${ARGN} "\n")
endmacro()

# Whether `path` lies inside `folder` (a prefix test; folder names may hold regex characters).
function(is_inside path folder out)
  string(LENGTH "${folder}/" length)
  string(SUBSTRING "${path}" 0 ${length} head)
  if(head STREQUAL "${folder}/")
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

# The absolute path of a file the linker named; relative ones are relative to the folder the link
# ran in, which is the top build folder with Ninja and the target's own with Makefiles.
function(resolve_linker_path path out)
  set(resolved "")
  if(IS_ABSOLUTE "${path}")
    set(resolved "${path}")
  else()
    foreach(dir "${LINK_DIR}" "${TARGET_DIR}")
      if(NOT dir STREQUAL "" AND EXISTS "${dir}/${path}")
        set(resolved "${dir}/${path}")
        break()
      endif()
    endforeach()
  endif()
  if(NOT resolved STREQUAL "")
    get_filename_component(resolved "${resolved}" ABSOLUTE)
  endif()
  set(${out} "${resolved}" PARENT_SCOPE)
endfunction()

# The source folder that mirrors `build_folder`, or "" when that folder is not in this build
# (system and LibTorch libraries) or mirrors no source folder (a third-party library built here).
function(mirrored_source_folder build_folder out)
  set(folder "")
  file(RELATIVE_PATH rel "${BINARY_DIR}" "${build_folder}")
  if(NOT rel MATCHES "^\\.\\./" AND NOT IS_ABSOLUTE "${rel}")
    if(rel STREQUAL "")
      set(folder "${SOURCE_DIR}")
    elseif(IS_DIRECTORY "${SOURCE_DIR}/${rel}")
      set(folder "${SOURCE_DIR}/${rel}")
    endif()
  endif()
  set(${out} "${folder}" PARENT_SCOPE)
endfunction()

# Every path of the form `archive.a(member.o)` and every object of a CMake target, once each.
file(READ "${MAP}" map)
string(REGEX MATCHALL "[^ \t\r\n();]+\\.a\\([^ \t\r\n();]+\\.o\\)" members "${map}")
string(REGEX MATCHALL "[^ \t\r\n();:]*CMakeFiles/[^ \t\r\n();:/]+\\.dir/[^ \t\r\n();:]+\\.o"
       objects "${map}")
unset(map)
list(REMOVE_DUPLICATES members)
list(REMOVE_DUPLICATES objects)

set(linked "")  # repository-relative sources, each followed in `origin_<path>` by its object
foreach(entry IN LISTS members objects)
  set(source "")
  if(entry MATCHES "^(.+\\.a)\\(([^()]+)\\.o\\)$")
    set(member "${CMAKE_MATCH_2}")
    resolve_linker_path("${CMAKE_MATCH_1}" archive)
    if(archive STREQUAL "")
      report("the link map names ${entry}, but no such archive exists; rebuild "
             "train_step_bench")
      continue()
    endif()
    get_filename_component(archive_folder "${archive}" DIRECTORY)
    mirrored_source_folder("${archive_folder}" folder)
    if(folder STREQUAL "")
      continue()
    endif()
    # An archive member keeps only the object's file name, `<source file name>.o`; the source
    # usually sits in the library's folder, else in a subfolder of it.
    if(EXISTS "${folder}/${member}" AND NOT IS_DIRECTORY "${folder}/${member}")
      set(source "${folder}/${member}")
    else()
      file(GLOB_RECURSE found LIST_DIRECTORIES false "${folder}/*/${member}")
      set(candidates "")
      foreach(candidate IN LISTS found)
        is_inside("${candidate}" "${BINARY_DIR}" in_build)
        if(NOT in_build)
          list(APPEND candidates "${candidate}")
        endif()
      endforeach()
      list(LENGTH candidates count)
      if(count EQUAL 1)
        set(source "${candidates}")
      else()
        report("cannot tell which source under ${folder} the linked member "
               "${entry} was compiled from (${count} files named ${member})")
        continue()
      endif()
    endif()
  else()
    resolve_linker_path("${entry}" object)
    if(object STREQUAL "")
      report("the link map names ${entry}, but no such object exists; rebuild "
             "train_step_bench")
      continue()
    endif()
    if(NOT object MATCHES "^(.*)/CMakeFiles/[^/]+\\.dir/(.+)\\.o$")
      continue()
    endif()
    # CMake writes `..` in an object's path as `__`.
    string(REPLACE "__/" "../" relative_source "${CMAKE_MATCH_2}")
    mirrored_source_folder("${CMAKE_MATCH_1}" folder)
    if(folder STREQUAL "")
      continue()
    endif()
    get_filename_component(source "${folder}/${relative_source}" ABSOLUTE)
    if(NOT EXISTS "${source}")
      report("cannot find the source of the linked object ${entry} (looked for "
             "${source})")
      continue()
    endif()
  endif()
  file(RELATIVE_PATH path "${SOURCE_DIR}" "${source}")
  is_inside("${source}" "${BINARY_DIR}" generated)
  if(path MATCHES "^\\.\\./" OR generated)
    report("the linked object ${entry} comes from ${source}, which is not a file "
           "of the repository that bench/gpu/run.sh could compile")
    continue()
  endif()
  list(APPEND linked "${path}")
  set("origin_${path}" "${entry}")
endforeach()
list(REMOVE_DUPLICATES linked)
if(linked STREQUAL "")
  message(FATAL_ERROR "found no object of this build in ${MAP}: has the linker's map format "
                      "changed? (expected e.g. `common/train/libptk_optim.a(optimizer.cpp.o)`)")
endif()

# The list: one path per line, `#` to the end of a line is a comment, blank lines are skipped.
file(STRINGS "${LIST}" lines)
set(listed "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "#.*" "" line "${line}")
  string(STRIP "${line}" line)
  if(line STREQUAL "")
    continue()
  endif()
  if(line IN_LIST listed)
    report("bench/gpu/sources.txt lists ${line} twice")
    continue()
  endif()
  list(APPEND listed "${line}")
  if(NOT EXISTS "${SOURCE_DIR}/${line}" OR IS_DIRECTORY "${SOURCE_DIR}/${line}")
    report("bench/gpu/sources.txt lists ${line}, which does not exist")
  elseif(NOT line IN_LIST linked)
    report("bench/gpu/sources.txt lists ${line}, whose object the link of "
           "train_step_bench does not use: remove it")
  endif()
endforeach()
list(SORT linked)
foreach(path IN LISTS linked)
  if(NOT path IN_LIST listed)
    report("bench/gpu/sources.txt lacks ${path}: the link of train_step_bench "
           "uses its object ${origin_${path}}")
  endif()
endforeach()

if(NOT problems STREQUAL "")
  string(REGEX REPLACE "\n$" "" problems "${problems}")
  message(FATAL_ERROR "bench/gpu/sources.txt does not match the link of train_step_bench "
                      "(${MAP}):\n${problems}")
endif()
list(LENGTH linked count)
message(STATUS "bench/gpu/sources.txt names the ${count} sources the link of train_step_bench "
               "uses")
