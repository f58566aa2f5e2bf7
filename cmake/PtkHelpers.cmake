# ptk_library(NAME name SOURCES ... DEPS ...): one static library per folder, alias ptk::name.
function(ptk_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(ptk_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(ptk::${ARG_NAME} ALIAS ptk_${ARG_NAME})
  target_include_directories(ptk_${ARG_NAME} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<INSTALL_INTERFACE:include>)
  target_link_libraries(ptk_${ARG_NAME} PUBLIC ${ARG_DEPS})
  if(PTK_SANITIZE)
    # Instrumented objects need the sanitizer runtimes in whatever links them, including
    # programs built against the installed package.
    target_link_options(ptk_${ARG_NAME} INTERFACE -fsanitize=address,undefined)
  endif()
  # The product libraries (common/, vision/, text/) form the installed package, where this
  # one is pretrainkit::<name>; recipe, demo and test libraries stay in the build tree.
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  if(folder MATCHES "^(common|vision|text)/")
    set_target_properties(ptk_${ARG_NAME} PROPERTIES EXPORT_NAME ${ARG_NAME})
    set_property(GLOBAL APPEND PROPERTY PTK_PACKAGE_LIBRARIES ptk_${ARG_NAME})
  endif()
endfunction()

# ptk_test(NAME name SOURCES ... DEPS ... LABELS unit|integration|python|fuzz)
# One GoogleTest executable; each TEST becomes a ctest entry carrying the labels.
function(ptk_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${ARG_NAME} PRIVATE
    PTK_PYTHON="${PTK_PYTHON}" PTK_BINARY_DIR="${PROJECT_BINARY_DIR}"
    PTK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${ARG_NAME}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()
