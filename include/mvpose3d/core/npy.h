// NumPy .npy files (format versions 1.0-3.0), the exchange format of the command-line tools.
//
// Plain numeric arrays only: little-endian or byte-order-free dtypes f4, f8, i1, i2, i4, i8, u1,
// b1, C order. Fortran order and structured dtypes are refused with a message naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d {

struct NpyArray {
  std::string dtype;  // numpy kind+size without byte order: "f4", "f8", "i8", "u1", "b1", ...
  std::vector<int64_t> shape;  // C order
  std::vector<char> data;      // raw little-endian element bytes, C order

  int64_t numel() const;
  int64_t itemsize() const;
};

// Reads `path`; throws Error naming the file and what was wrong (magic, header, dtype, size).
NpyArray read_npy(const std::filesystem::path& path);

// Parses an in-memory .npy image; `name` is used in error messages.
NpyArray parse_npy(const std::string& bytes, const std::string& name);

// Serialises to .npy bytes (version 1.0, or 2.0 when the header needs it).
std::string serialize_npy(const NpyArray& array);

// Writes atomically (temporary file + rename).
void write_npy(const std::filesystem::path& path, const NpyArray& array);

}  // namespace mvpose3d
