# Helpers that keep every target's settings in one place (COLMAP-style).

# mvpose3d_add_library(NAME SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates target mvpose3d_<NAME> with alias mvpose3d::<NAME>.
function(mvpose3d_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target mvpose3d_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(mvpose3d::${name} ALIAS ${target})
  target_include_directories(${target}
    PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<BUILD_INTERFACE:${MVPOSE3D_GENERATED_INCLUDE}>
      $<BUILD_INTERFACE:${MVPOSE3D_FMT_SHIM}>
      $<INSTALL_INTERFACE:include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  mvpose3d_set_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY MVPOSE3D_LIBRARIES ${target})
endfunction()

function(mvpose3d_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${MVPOSE3D_WERROR}>>:-Werror>)
endfunction()

# mvpose3d_add_test(MODULE NAME SOURCES ... DEPS ...)
# One GoogleTest executable per module; CTest names are MODULE/Suite.Test.
function(mvpose3d_add_test module)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(target ${module}_tests)
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE mvpose3d_test_support ${ARG_DEPS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  mvpose3d_set_warnings(${target})
  # gtest_discover_tests splits an ENVIRONMENT list into separate properties, so it carries one
  # variable; the Python for tests that compare with torch/torchvision is compiled in instead.
  target_compile_definitions(${target} PRIVATE MVPOSE3D_TEST_PYTHON="${MVPOSE3D_PYTHON}")
  gtest_discover_tests(${target}
    TEST_PREFIX "${module}/"
    DISCOVERY_MODE PRE_TEST
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES ENVIRONMENT "MVPOSE3D_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()
