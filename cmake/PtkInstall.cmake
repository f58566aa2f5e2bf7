# `cmake --install` puts the product libraries, their headers and a CMake package in the
# prefix, so that another project can write
#   find_package(pretrainkit REQUIRED)
#   target_link_libraries(app PRIVATE pretrainkit::vision)
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

get_property(ptk_package_libraries GLOBAL PROPERTY PTK_PACKAGE_LIBRARIES)
foreach(aggregate ptk_vision ptk_text)
  if(TARGET ${aggregate})
    string(REPLACE "ptk_" "" export_name ${aggregate})
    set_target_properties(${aggregate} PROPERTIES EXPORT_NAME ${export_name})
    list(APPEND ptk_package_libraries ${aggregate})
  endif()
endforeach()

set(ptk_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/pretrainkit)
install(TARGETS ${ptk_package_libraries} EXPORT pretrainkitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(folder common vision text)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h")
endforeach()
install(EXPORT pretrainkitTargets NAMESPACE pretrainkit:: DESTINATION ${ptk_package_dir})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pretrainkitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pretrainkitConfig.cmake INSTALL_DESTINATION ${ptk_package_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pretrainkitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pretrainkitConfig.cmake
              ${PROJECT_BINARY_DIR}/pretrainkitConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/PtkFindLibraries.cmake
        DESTINATION ${ptk_package_dir})
