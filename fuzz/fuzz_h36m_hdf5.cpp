// The HDF5 readers of Human3.6M files: the labels file of tools/convert_h36m_labels.py,
// una-dinosauria's cameras.h5 and its 3D_positions pose files. Every failure must be
// mvpose3d::Error. (Faults inside libhdf5 itself are the library's: see docs/reliability.md.)
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/h36m/h36m_labels.h"

#include <ATen/ATen.h>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto file = fuzz::write_scratch("input.h5", bytes);
  try {
    (void)read_h36m_labels(file);
  } catch (const Error&) {
  }
  try {
    (void)read_h36m_cameras_h5(file);
  } catch (const Error&) {
  }
  try {
    (void)read_h36m_positions_h5(file);
  } catch (const Error&) {
  }
  return 0;
}
