// Reading and writing HDF5 files through the HDF5 C API, for the dataset readers (converted labels,
// una-dinosauria cameras.h5 and pose files) and the crop cache.
//
// Every error is an mvpose3d::Error naming the file, the dataset and what was expected and found:
//   "labels.h5: dataset /lt/table/keypoints: expected shape [N, 17, 3], found [10, 16, 3]".
// Debian's libhdf5 is the serial (not thread-safe) build, so every call into the library holds one
// process-wide mutex: reading from several loader threads is safe, and HDF5 work is serialised.
// hdf5.h stays out of this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d::h5 {

// What kind of values a dataset or attribute stores.
enum class ValueClass { kInteger, kFloat, kString, kOther };

// "integer", "float", "string", "other".
std::string to_string(ValueClass value_class);

// An open HDF5 file. Reading: File(path). Writing: File::create(path) (truncates).
class File {
 public:
  // Opens an existing file read-only; throws Error naming the path when it is missing or is not
  // an HDF5 file.
  explicit File(const std::filesystem::path& path);
  // Creates (or truncates) a file for writing.
  static File create(const std::filesystem::path& path);
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // --- Reading --------------------------------------------------------------------------------
  // True when `name` (an absolute path such as "/lt/table/frame_idx") names a group or dataset.
  bool exists(const std::string& name) const;
  // The member names of a group, sorted; throws when the group is missing.
  std::vector<std::string> members(const std::string& group) const;
  // Shape and value class of a dataset; throws Error naming the file when it is missing.
  std::vector<std::int64_t> shape(const std::string& dataset) const;
  ValueClass value_class(const std::string& dataset) const;

  // A numeric dataset (any integer or float type, converted) in C order. `expected_shape` uses
  // -1 for "any"; an empty list accepts every shape. Throws Error naming the file, the dataset and
  // the expected and found shape or type (a string dataset where numbers belong, for example).
  std::vector<double> read_doubles(const std::string& dataset,
                                   const std::vector<std::int64_t>& expected_shape = {},
                                   std::vector<std::int64_t>* shape = nullptr) const;
  std::vector<std::int64_t> read_ints(const std::string& dataset,
                                      const std::vector<std::int64_t>& expected_shape = {},
                                      std::vector<std::int64_t>* shape = nullptr) const;
  // A string dataset (fixed or variable length, any rank), flattened in C order; trailing NULs
  // and spaces of fixed-length strings are removed.
  std::vector<std::string> read_strings(const std::string& dataset,
                                        const std::vector<std::int64_t>& expected_shape = {}) const;
  // A string attribute of a group or dataset ("/" for the file); throws when it is missing.
  std::string read_string_attribute(const std::string& object, const std::string& attribute) const;
  bool has_attribute(const std::string& object, const std::string& attribute) const;

  // Bytes of a uint8 dataset (rank >= 1) along its first axis: rows [first, first + count).
  std::vector<std::uint8_t> read_u8_rows(const std::string& dataset,
                                         std::int64_t first,
                                         std::int64_t count) const;

  // --- Writing (files from create()) ----------------------------------------------------------
  // Groups on the way are created.
  void write_u8(const std::string& dataset,
                const std::vector<std::int64_t>& shape,
                const std::uint8_t* data);
  void write_i64(const std::string& dataset,
                 const std::vector<std::int64_t>& shape,
                 const std::int64_t* data);
  void write_string_attribute(const std::string& object,
                              const std::string& attribute,
                              const std::string& value);

 private:
  File() = default;
  std::filesystem::path path_;
  std::int64_t id_ = -1;  // hid_t
};

}  // namespace mvpose3d::h5
