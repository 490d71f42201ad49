// .npy: the in-memory parser and the file reader (which reads the header first and checks the
// data's size against the file's before reading it). Every failure must be mvpose3d::Error.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/npy.h"

#include <cstdlib>

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mvpose3d;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const NpyArray array = parse_npy(bytes, "fuzz.npy");
    // What parse_npy accepts is consistent, and serialises to what parses to the same array.
    if (static_cast<int64_t>(array.data.size()) != array.numel() * array.itemsize()) std::abort();
    const NpyArray again = parse_npy(serialize_npy(array), "again.npy");
    if (again.shape != array.shape || again.dtype != array.dtype || again.data != array.data)
      std::abort();
  } catch (const Error&) {
  }
  try {
    const NpyArray from_file = read_npy(fuzz::write_scratch("input.npy", bytes));
    (void)from_file;
  } catch (const Error&) {
  }
  return 0;
}
