// The HDF5 readers of Human3.6M files: the labels file of tools/convert_h36m_labels.py,
// una-dinosauria's cameras.h5 and its 3D_positions pose files. Every failure must be
// mvpose3d::Error. (Faults inside libhdf5 itself are the library's: see docs/reliability.md.)
//
// The labels file is read as H36mDataset reads it: a trial read in a child process with a time
// limit (libhdf5 1.10 loops or reads out of bounds on a corrupted global heap), then, when the
// trial finished, the read in this process (whose coverage and sanitizers libFuzzer sees).
// una-dinosauria's cameras and poses files are read in this process, as mvpose3d reads them.
#include "mvpose3d/core/error.h"
#include "mvpose3d/data/h36m/h36m_labels.h"

#include <ATen/ATen.h>

#include "fuzz_util.h"

// Under libFuzzer's -timeout of 10 s.
constexpr double kTrialReadLimitS = 2.0;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto file = fuzz::write_scratch("input.h5", bytes);
  try {
    (void)read_h36m_labels_after_trial_read(file, kTrialReadLimitS);
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
