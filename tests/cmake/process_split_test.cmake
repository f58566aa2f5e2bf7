# Checks the process split (text/tokenizers/tokenizer_process.h): no binary may load both
# LibTorch and libsentencepiece. The split rests on --as-needed and on which libraries each binary
# links; this reads what the dynamic loader would actually load (ldd, the whole closure) for
# every binary.
# Run as: cmake -DBINARIES="a;b;..." -P process_split_test.cmake
if(NOT BINARIES)
  message(FATAL_ERROR "process split: no binaries given")
endif()
set(torch_users 0)
set(sentencepiece_users 0)
set(problems "")
foreach(binary IN LISTS BINARIES)
  execute_process(COMMAND ldd ${binary} OUTPUT_VARIABLE loads RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    string(APPEND problems "\n  ldd ${binary} failed (${status})")
    continue()
  endif()
  string(REGEX MATCH "libtorch_cpu\\.so" torch "${loads}")
  string(REGEX MATCH "libsentencepiece\\.so" sentencepiece "${loads}")
  get_filename_component(name ${binary} NAME)
  if(torch)
    math(EXPR torch_users "${torch_users} + 1")
  endif()
  if(sentencepiece)
    math(EXPR sentencepiece_users "${sentencepiece_users} + 1")
  endif()
  if(torch AND sentencepiece)
    string(APPEND problems "\n  ${name} loads both LibTorch and libsentencepiece: move the "
                           "SentencePiece work into a torch-free binary (see ptk-bert-prepare)")
  endif()
endforeach()
# Both kinds must be among the binaries, or the check proves nothing.
if(torch_users EQUAL 0 OR sentencepiece_users EQUAL 0)
  string(APPEND problems "\n  expected binaries of both kinds, found ${torch_users} loading "
                         "LibTorch and ${sentencepiece_users} loading libsentencepiece")
endif()
if(problems)
  message(FATAL_ERROR "process split violated:${problems}")
endif()
list(LENGTH BINARIES count)
message(STATUS "process split holds for ${count} binaries (${torch_users} load LibTorch, "
               "${sentencepiece_users} libsentencepiece, none both)")
