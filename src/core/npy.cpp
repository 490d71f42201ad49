#include "mvpose3d/core/npy.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"

#include <cctype>
#include <charconv>
#include <cstring>
#include <numeric>
#include <set>
#include <system_error>

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

// The header dict of a .npy file: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
// exactly these three keys, each once (numpy.lib.format refuses other keys as well).
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& name) : text_(text), name_(name) {}

  NpyHeader parse() {
    NpyHeader header;
    std::set<std::string> seen;
    expect('{');
    while (!take('}')) {
      const std::string key = quoted("a quoted key");
      expect(':');
      if (!seen.insert(key).second)
        fail(fmt::format("duplicate key '{}'", printable_excerpt(key, 40)));
      if (key == "descr") {
        header.descr = quoted("a quoted dtype");
      } else if (key == "fortran_order") {
        header.fortran_order = boolean();
      } else if (key == "shape") {
        header.shape = tuple();
      } else {
        fail(fmt::format("unknown key '{}' (expected descr, fortran_order, shape)",
                         printable_excerpt(key, 40)));
      }
      if (!take(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size())
      fail(fmt::format("unexpected '{}' after the header's '}}'", excerpt()));
    for (const char* key : {"descr", "fortran_order", "shape"}) {
      if (seen.count(key) == 0) fail(fmt::format("header has no {}", key));
    }
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}: bad .npy header: {}", name_, what));
  }
  std::string excerpt() const { return printable_excerpt(text_.substr(pos_, 20), 20); }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(fmt::format("expected '{}' at '{}'", c, excerpt()));
  }
  std::string quoted(const char* what) {
    skip_space();
    const char quote = pos_ < text_.size() ? text_[pos_] : '\0';
    if (quote != '\'' && quote != '"') fail(fmt::format("expected {} at '{}'", what, excerpt()));
    const size_t close = text_.find(quote, pos_ + 1);
    if (close == std::string::npos) fail(fmt::format("unterminated string at '{}'", excerpt()));
    std::string out = text_.substr(pos_ + 1, close - pos_ - 1);
    pos_ = close + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail(fmt::format("fortran_order: expected True or False at '{}'", excerpt()));
  }
  // "(2, 3)", "(4,)", "()": non-negative decimal dimensions.
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    expect('(');
    while (!take(')')) {
      skip_space();
      const char* begin = text_.data() + pos_;
      const char* end = text_.data() + text_.size();
      if (begin != end && *begin == '-')
        fail(fmt::format("shape: negative dimension at '{}'", excerpt()));
      int64_t dim = 0;
      const auto [ptr, ec] = std::from_chars(begin, end, dim);
      if (ptr == begin) fail(fmt::format("shape: expected a dimension at '{}'", excerpt()));
      if (ec != std::errc()) fail(fmt::format("shape: dimension too large at '{}'", excerpt()));
      dims.push_back(dim);
      pos_ += static_cast<size_t>(ptr - begin);
      if (!take(',')) {
        expect(')');
        break;
      }
    }
    return dims;
  }

  const std::string& text_;
  const std::string& name_;
  size_t pos_ = 0;
};

// What the first bytes of a .npy file say: dtype, shape, where the data starts and how many bytes
// it has. The element and byte counts are checked for 64-bit overflow.
struct NpyLayout {
  std::string dtype;
  std::vector<int64_t> shape;
  size_t data_offset = 0;
  int64_t data_bytes = 0;
};

constexpr size_t kNpyPrefixBytes = 12;  // magic (6), version (2), header length (2 or 4)

NpyLayout parse_layout(const std::string& bytes, const std::string& name) {
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
  if (header_len > kMaxNpyHeaderBytes)
    throw Error(fmt::format(
        "{}: .npy header of {} bytes (at most {} allowed)", name, header_len, kMaxNpyHeaderBytes));
  NpyLayout layout;
  layout.data_offset = 8 + len_width + header_len;
  if (bytes.size() < layout.data_offset)
    throw Error(fmt::format("{}: truncated .npy header", name));
  const NpyHeader header = HeaderParser(bytes.substr(8 + len_width, header_len), name).parse();

  // "<f4": byte order, kind, size. (No std::regex: it recurses per character on long input.)
  const std::string& descr = header.descr;
  if (descr.size() < 3 || std::string("<>|=").find(descr[0]) == std::string::npos ||
      !std::islower(static_cast<unsigned char>(descr[1])) ||
      descr.find_first_not_of("0123456789", 2) != std::string::npos) {
    throw Error(
        fmt::format("{}: unsupported dtype '{}' (expected a plain numeric dtype such as '<f4')",
                    name,
                    printable_excerpt(descr, 40)));
  }
  layout.dtype = descr.substr(1);
  if (descr[0] == '>')
    throw Error(fmt::format("{}: big-endian dtype '>{}' is not supported", name, layout.dtype));
  const int64_t itemsize = itemsize_of(layout.dtype);
  if (itemsize == 0) throw Error(fmt::format("{}: unsupported dtype '{}'", name, layout.dtype));
  if (header.fortran_order)
    throw Error(
        fmt::format("{}: Fortran-ordered arrays are not supported; save with C order", name));
  layout.shape = header.shape;
  int64_t count = 1;
  for (const int64_t dim : layout.shape) {
    if (__builtin_mul_overflow(count, dim, &count)) {
      throw Error(fmt::format("{}: shape ({}) has more elements than a 64-bit count holds",
                              name,
                              fmt::join(layout.shape, ", ")));
    }
  }
  if (__builtin_mul_overflow(count, itemsize, &layout.data_bytes)) {
    throw Error(fmt::format("{}: shape ({}) of dtype {} needs more bytes than a 64-bit count holds",
                            name,
                            fmt::join(layout.shape, ", "),
                            layout.dtype));
  }
  return layout;
}

std::string size_mismatch(const std::string& name, int64_t available, const NpyLayout& layout) {
  return fmt::format("{}: data holds {} bytes but dtype {} and shape ({}) need {}",
                     name,
                     available,
                     layout.dtype,
                     fmt::join(layout.shape, ", "),
                     layout.data_bytes);
}

}  // namespace

int64_t NpyArray::numel() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

int64_t NpyArray::itemsize() const {
  return itemsize_of(dtype);
}

NpyArray parse_npy(const std::string& bytes, const std::string& name) {
  const NpyLayout layout = parse_layout(bytes, name);
  const int64_t available = static_cast<int64_t>(bytes.size() - layout.data_offset);
  if (available != layout.data_bytes) throw Error(size_mismatch(name, available, layout));
  NpyArray array;
  array.dtype = layout.dtype;
  array.shape = layout.shape;
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(layout.data_offset), bytes.end());
  return array;
}

NpyArray read_npy(const std::filesystem::path& path) {
  // The header first: the data's size is checked against the file's before the data is read.
  const std::string name = path.string();
  const std::uintmax_t size = regular_file_size(path, kMaxNpyFileBytes);
  std::string head = read_regular_file(path, kMaxNpyFileBytes, kNpyPrefixBytes);
  if (head.size() >= 10 && head.compare(1, 5, "NUMPY") == 0) {
    const size_t width = static_cast<unsigned char>(head[6]) == 1 ? 2 : 4;
    if (head.size() >= 8 + width) {
      const size_t header_len = read_le(head, 8, width);
      if (header_len <= kMaxNpyHeaderBytes)
        head = read_regular_file(path, kMaxNpyFileBytes, 8 + width + header_len);
    }
  }
  const NpyLayout layout = parse_layout(head, name);
  const int64_t available = static_cast<int64_t>(size) - static_cast<int64_t>(layout.data_offset);
  if (available != layout.data_bytes) throw Error(size_mismatch(name, available, layout));
  return parse_npy(read_regular_file(path, kMaxNpyFileBytes), name);
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
