#include "mvpose3d/core/npy.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <cstring>
#include <numeric>
#include <regex>

namespace mvpose3d {

namespace {

int64_t itemsize_of(const std::string& dtype) {
  if (dtype == "f4" || dtype == "i4" || dtype == "u4") return 4;
  if (dtype == "f8" || dtype == "i8" || dtype == "u8") return 8;
  if (dtype == "i2" || dtype == "u2" || dtype == "f2") return 2;
  if (dtype == "i1" || dtype == "u1" || dtype == "b1") return 1;
  return 0;
}

uint32_t read_le(const std::string& bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

}  // namespace

int64_t NpyArray::numel() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

int64_t NpyArray::itemsize() const {
  return itemsize_of(dtype);
}

NpyArray parse_npy(const std::string& bytes, const std::string& name) {
  static const char kMagic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, kMagic, 6) != 0) {
    throw Error(fmt::format("{}: not a .npy file (missing the \\x93NUMPY magic)", name));
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3)
    throw Error(fmt::format("{}: unsupported .npy format version {}", name, major));
  const size_t len_width = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_width) throw Error(fmt::format("{}: truncated .npy header", name));
  const size_t header_len = read_le(bytes, 8, len_width);
  const size_t data_offset = 8 + len_width + header_len;
  if (bytes.size() < data_offset) throw Error(fmt::format("{}: truncated .npy header", name));
  const std::string header = bytes.substr(8 + len_width, header_len);

  std::smatch m;
  static const std::regex descr_re(R"('descr'\s*:\s*'([<>|=])([a-z])(\d+)')");
  static const std::regex order_re(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  if (!std::regex_search(header, m, descr_re)) {
    throw Error(fmt::format(
        "{}: unsupported dtype in header {} (expected a plain numeric dtype such as '<f4')",
        name,
        header));
  }
  NpyArray array;
  const std::string order = m[1];
  array.dtype = std::string(m[2]) + std::string(m[3]);
  if (order == ">")
    throw Error(fmt::format("{}: big-endian dtype '>{}' is not supported", name, array.dtype));
  if (itemsize_of(array.dtype) == 0)
    throw Error(fmt::format("{}: unsupported dtype '{}'", name, array.dtype));
  if (!std::regex_search(header, m, order_re))
    throw Error(fmt::format("{}: header has no fortran_order", name));
  if (m[1] == "True")
    throw Error(
        fmt::format("{}: Fortran-ordered arrays are not supported; save with C order", name));
  if (!std::regex_search(header, m, shape_re))
    throw Error(fmt::format("{}: header has no shape", name));
  const std::string dims = m[1];
  static const std::regex dim_re(R"(\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), dim_re);
       it != std::sregex_iterator();
       ++it) {
    array.shape.push_back(std::stoll(it->str()));
  }
  const int64_t expected = array.numel() * array.itemsize();
  const int64_t available = static_cast<int64_t>(bytes.size() - data_offset);
  if (available != expected) {
    throw Error(fmt::format("{}: data holds {} bytes but dtype {} and shape ({}) need {}",
                            name,
                            available,
                            array.dtype,
                            fmt::join(array.shape, ", "),
                            expected));
  }
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_offset), bytes.end());
  return array;
}

NpyArray read_npy(const std::filesystem::path& path) {
  return parse_npy(read_text_file(path), path.string());
}

std::string serialize_npy(const NpyArray& array) {
  MVPOSE3D_CHECK(array.itemsize() > 0, "serialize_npy: unsupported dtype '{}'", array.dtype);
  MVPOSE3D_CHECK(static_cast<int64_t>(array.data.size()) == array.numel() * array.itemsize(),
                 "serialize_npy: data size does not match shape and dtype");
  const char order =
      (array.dtype == "u1" || array.dtype == "i1" || array.dtype == "b1") ? '|' : '<';
  std::string shape = fmt::format("{}", fmt::join(array.shape, ", "));
  if (array.shape.size() == 1) shape += ",";
  std::string header = fmt::format(
      "{{'descr': '{}{}', 'fortran_order': False, 'shape': ({}), }}", order, array.dtype, shape);
  // Pad so that the data starts on a 64-byte boundary, as numpy does.
  const bool v2 = header.size() + 11 > 65535;
  const size_t prefix = v2 ? 12 : 10;
  const size_t total = ((prefix + header.size() + 1 + 63) / 64) * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(v2 ? 2 : 1));
  out.push_back(0);
  const size_t len = header.size();
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i)
    out.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  out += header;
  out.append(array.data.data(), array.data.size());
  return out;
}

void write_npy(const std::filesystem::path& path, const NpyArray& array) {
  write_file_atomic(path, serialize_npy(array));
}

}  // namespace mvpose3d
