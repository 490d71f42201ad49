# PyTorch's c10d for data-parallel training (src/distributed/): the torch wheel ships the c10d
# headers and exports TCPStore, ProcessGroupGloo and the Reducer from libtorch_cpu (Gloo itself is
# linked in statically), but not Gloo's own headers, which ProcessGroupGloo.hpp includes: those
# come from Debian's libgloo-dev. That Gloo is older than the one inside torch, so a tiny program
# that constructs a ProcessGroupGloo and all-reduces is compiled, linked and run once here.
# Sets MVPOSE3D_DISTRIBUTED_ENABLED, MVPOSE3D_NCCL_ENABLED and MVPOSE3D_GLOO_INCLUDE_DIR.
set(MVPOSE3D_WITH_DISTRIBUTED "AUTO" CACHE STRING
    "Compile c10d data-parallel training (needs libgloo-dev): AUTO, ON or OFF")
set_property(CACHE MVPOSE3D_WITH_DISTRIBUTED PROPERTY STRINGS AUTO ON OFF)

set(MVPOSE3D_DISTRIBUTED_ENABLED OFF)
set(MVPOSE3D_NCCL_ENABLED OFF)
if(NOT MVPOSE3D_WITH_DISTRIBUTED STREQUAL "OFF")
  find_path(MVPOSE3D_GLOO_INCLUDE_DIR gloo/algorithm.h DOC "Gloo headers (Debian: libgloo-dev)")
  find_library(MVPOSE3D_TORCH_CPU_LIBRARY torch_cpu PATHS "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH)
  find_library(MVPOSE3D_C10_LIBRARY c10 PATHS "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH)
  if(MVPOSE3D_GLOO_INCLUDE_DIR AND NOT DEFINED MVPOSE3D_C10D_GLOO_RUNS)
    message(STATUS "mvpose3d: checking that ProcessGroupGloo builds and runs with ${MVPOSE3D_GLOO_INCLUDE_DIR}/gloo")
    separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
    try_run(_c10d_run_result _c10d_compile_result
      "${PROJECT_BINARY_DIR}/c10d_gloo_check"
      "${PROJECT_SOURCE_DIR}/scripts/cmake/checks/c10d_gloo_check.cpp"
      CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${TORCH_INCLUDE_DIRS};${MVPOSE3D_GLOO_INCLUDE_DIR}"
      COMPILE_DEFINITIONS -DUSE_C10D_GLOO ${_torch_flags}
      LINK_OPTIONS "-Wl,-rpath,${TORCH_INSTALL_PREFIX}/lib"
      LINK_LIBRARIES "${MVPOSE3D_TORCH_CPU_LIBRARY}" "${MVPOSE3D_C10_LIBRARY}"
      CXX_STANDARD 17
      COMPILE_OUTPUT_VARIABLE _c10d_compile_output
      RUN_OUTPUT_VARIABLE _c10d_run_output)
    if(_c10d_compile_result AND _c10d_run_result EQUAL 0)
      set(MVPOSE3D_C10D_GLOO_RUNS ON CACHE INTERNAL "ProcessGroupGloo check passed")
    else()
      set(MVPOSE3D_C10D_GLOO_RUNS OFF CACHE INTERNAL "ProcessGroupGloo check failed")
      message(STATUS "mvpose3d: the ProcessGroupGloo check failed (compiled: ${_c10d_compile_result}, "
                     "run: ${_c10d_run_result}):\n${_c10d_compile_output}\n${_c10d_run_output}")
    endif()
  endif()
  if(MVPOSE3D_GLOO_INCLUDE_DIR AND MVPOSE3D_C10D_GLOO_RUNS)
    set(MVPOSE3D_DISTRIBUTED_ENABLED ON)
    if(MVPOSE3D_CUDA_ENABLED)
      # ProcessGroupNCCL is in libtorch_cuda; nccl.h comes with the wheel's nvidia-nccl package.
      find_path(MVPOSE3D_NCCL_INCLUDE_DIR nccl.h
        HINTS "${TORCH_INSTALL_PREFIX}/../nvidia/nccl/include" ENV NCCL_INCLUDE_DIR)
      if(MVPOSE3D_NCCL_INCLUDE_DIR)
        set(MVPOSE3D_NCCL_ENABLED ON)
      endif()
    endif()
  elseif(MVPOSE3D_WITH_DISTRIBUTED STREQUAL "ON")
    message(FATAL_ERROR "MVPOSE3D_WITH_DISTRIBUTED=ON but c10d's ProcessGroupGloo does not build and "
                        "run here (install libgloo-dev; see the messages above)")
  endif()
endif()
if(NOT MVPOSE3D_DISTRIBUTED_ENABLED)
  message(STATUS "mvpose3d: no c10d: training runs in one process only (install libgloo-dev and "
                 "reconfigure for torchrun/SLURM jobs of several processes)")
endif()
message(STATUS "mvpose3d: c10d data parallelism ${MVPOSE3D_DISTRIBUTED_ENABLED} (NCCL ${MVPOSE3D_NCCL_ENABLED})")
