# Installs the libraries, public headers and an exported CMake package, so that another project can
#   find_package(mvpose3d REQUIRED)   # with LibTorch on CMAKE_PREFIX_PATH
#   target_link_libraries(app PRIVATE mvpose3d::ops)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(_mvpose3d_libs GLOBAL PROPERTY MVPOSE3D_LIBRARIES)
install(TARGETS ${_mvpose3d_libs}
  EXPORT mvpose3dTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(_lib ${_mvpose3d_libs})
  string(REPLACE "mvpose3d_" "" _short ${_lib})
  set_target_properties(${_lib} PROPERTIES EXPORT_NAME ${_short})
endforeach()
install(DIRECTORY include/mvpose3d DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${MVPOSE3D_GENERATED_INCLUDE}/mvpose3d/config.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/mvpose3d)
install(EXPORT mvpose3dTargets NAMESPACE mvpose3d::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mvpose3d)
configure_package_config_file(${PROJECT_SOURCE_DIR}/scripts/cmake/mvpose3dConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mvpose3dConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mvpose3d)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mvpose3dConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mvpose3dConfig.cmake ${PROJECT_BINARY_DIR}/mvpose3dConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mvpose3d)
