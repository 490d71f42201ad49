#include "mvpose3d/data/labeled/hdf5_file.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <functional>
#include <hdf5.h>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace mvpose3d::h5 {

namespace {

static_assert(sizeof(hid_t) == sizeof(std::int64_t), "hid_t is expected to be 64-bit");

// The serial HDF5 library is not thread-safe: one lock around every call into it.
std::recursive_mutex& library_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// Silences HDF5's own error printing once: errors are reported through Error messages.
void silence_library() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

// Closes an HDF5 identifier with the matching function when it leaves scope.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  Closer closer_;
};

std::string shape_string(const std::vector<std::int64_t>& shape) {
  std::vector<std::string> parts;
  for (const std::int64_t d : shape) parts.push_back(d < 0 ? "N" : std::to_string(d));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

ValueClass class_of(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return ValueClass::kInteger;
    case H5T_FLOAT:
      return ValueClass::kFloat;
    case H5T_STRING:
      return ValueClass::kString;
    default:
      return ValueClass::kOther;
  }
}

std::vector<std::int64_t> space_shape(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return std::vector<std::int64_t>(dims.begin(), dims.end());
}

std::int64_t numel(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (const std::int64_t d : shape) n *= d;
  return n;
}

bool shape_matches(const std::vector<std::int64_t>& shape,
                   const std::vector<std::int64_t>& expected) {
  if (expected.empty()) return true;
  if (shape.size() != expected.size()) return false;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (expected[i] >= 0 && expected[i] != shape[i]) return false;
  }
  return true;
}

// Creates the groups of `name`'s parent path ("/a/b/c" creates /a and /a/b).
void create_parents(hid_t file, const std::string& name) {
  std::size_t pos = 1;
  while ((pos = name.find('/', pos)) != std::string::npos) {
    const std::string group = name.substr(0, pos);
    if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0) {
      Handle g(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    }
    ++pos;
  }
}

}  // namespace

std::string to_string(ValueClass value_class) {
  switch (value_class) {
    case ValueClass::kInteger:
      return "integer";
    case ValueClass::kFloat:
      return "float";
    case ValueClass::kString:
      return "string";
    default:
      return "other";
  }
}

File::File(const std::filesystem::path& path) : path_(path) {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  silence_library();
  MVPOSE3D_CHECK(std::filesystem::exists(path), "{}: no such file", path.string());
  MVPOSE3D_CHECK(H5Fis_hdf5(path.c_str()) > 0,
                 "{}: expected an HDF5 file, found something else (not an HDF5 signature)",
                 path.string());
  id_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  MVPOSE3D_CHECK(id_ >= 0, "{}: cannot open the HDF5 file", path.string());
}

File File::create(const std::filesystem::path& path) {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  silence_library();
  File f;
  f.path_ = path;
  f.id_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  MVPOSE3D_CHECK(f.id_ >= 0, "{}: cannot create the HDF5 file", path.string());
  return f;
}

File::~File() {
  if (id_ >= 0) {
    std::lock_guard<std::recursive_mutex> lock(library_mutex());
    H5Fclose(id_);
  }
}

File::File(File&& other) noexcept : path_(std::move(other.path_)), id_(other.id_) {
  other.id_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) {
      std::lock_guard<std::recursive_mutex> lock(library_mutex());
      H5Fclose(id_);
    }
    path_ = std::move(other.path_);
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

bool File::exists(const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  // H5Lexists fails (rather than returning false) when an intermediate group is missing: walk.
  std::size_t pos = 1;
  while (true) {
    const std::size_t next = name.find('/', pos);
    const std::string prefix = name.substr(0, next);
    if (H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

std::vector<std::string> File::members(const std::string& group) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  MVPOSE3D_CHECK(exists(group), "{}: expected a group {}, found none", path_.string(), group);
  Handle g(H5Gopen2(id_, group.c_str(), H5P_DEFAULT), H5Gclose);
  MVPOSE3D_CHECK(g.valid(), "{}: {} is not a group", path_.string(), group);
  H5G_info_t info;
  H5Gget_info(g.get(), &info);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t size =
        H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<std::size_t>(size), '\0');
    H5Lget_name_by_idx(g.get(),
                       ".",
                       H5_INDEX_NAME,
                       H5_ITER_INC,
                       i,
                       name.data(),
                       static_cast<std::size_t>(size) + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

// Opens a dataset or throws naming the file and the dataset.
hid_t open_dataset(const File& file, hid_t id, const std::string& dataset) {
  MVPOSE3D_CHECK(
      file.exists(dataset), "{}: expected a dataset {}, found none", file.path().string(), dataset);
  const hid_t d = H5Dopen2(id, dataset.c_str(), H5P_DEFAULT);
  MVPOSE3D_CHECK(d >= 0,
                 "{}: expected {} to be a dataset, found a group or another object",
                 file.path().string(),
                 dataset);
  return d;
}

// The shape of an open dataset after checking that it holds `kind` ("numbers" or "strings") and
// has `expected` shape; throws naming the file, the dataset, what was expected and found.
std::vector<std::int64_t> checked_shape(const File& file,
                                        const std::string& dataset,
                                        hid_t d,
                                        hid_t type,
                                        const std::string& kind,
                                        const std::vector<std::int64_t>& expected) {
  const ValueClass vc = class_of(type);
  const bool ok = kind == "strings" ? vc == ValueClass::kString
                                    : vc == ValueClass::kInteger || vc == ValueClass::kFloat;
  MVPOSE3D_CHECK(ok,
                 "{}: dataset {}: expected {}, found {} values",
                 file.path().string(),
                 dataset,
                 kind,
                 to_string(vc));
  Handle space(H5Dget_space(d), H5Sclose);
  const std::vector<std::int64_t> shape = space_shape(space.get());
  MVPOSE3D_CHECK(shape_matches(shape, expected),
                 "{}: dataset {}: expected shape {}, found {}",
                 file.path().string(),
                 dataset,
                 shape_string(expected),
                 shape_string(shape));
  return shape;
}

}  // namespace

std::vector<std::int64_t> File::shape(const std::string& dataset) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  Handle d(open_dataset(*this, id_, dataset), H5Dclose);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  return space_shape(space.get());
}

ValueClass File::value_class(const std::string& dataset) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  Handle d(open_dataset(*this, id_, dataset), H5Dclose);
  Handle type(H5Dget_type(d.get()), H5Tclose);
  return class_of(type.get());
}

namespace {

// Reads a numeric dataset into `out` (memory type `mem_type`), checking class and shape.
template <class T>
std::vector<T> read_numeric(const File& file,
                            hid_t id,
                            const std::string& dataset,
                            hid_t mem_type,
                            const std::vector<std::int64_t>& expected_shape,
                            std::vector<std::int64_t>* shape_out) {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  Handle d(open_dataset(file, id, dataset), H5Dclose);
  Handle type(H5Dget_type(d.get()), H5Tclose);
  const std::vector<std::int64_t> shape =
      checked_shape(file, dataset, d.get(), type.get(), "numbers", expected_shape);
  std::vector<T> out(static_cast<std::size_t>(numel(shape)));
  if (!out.empty()) {
    MVPOSE3D_CHECK(H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0,
                   "{}: dataset {}: read failed (truncated or damaged file?)",
                   file.path().string(),
                   dataset);
  }
  if (shape_out != nullptr) *shape_out = shape;
  return out;
}

}  // namespace

std::vector<double> File::read_doubles(const std::string& dataset,
                                       const std::vector<std::int64_t>& expected_shape,
                                       std::vector<std::int64_t>* shape) const {
  return read_numeric<double>(*this, id_, dataset, H5T_NATIVE_DOUBLE, expected_shape, shape);
}

std::vector<std::int64_t> File::read_ints(const std::string& dataset,
                                          const std::vector<std::int64_t>& expected_shape,
                                          std::vector<std::int64_t>* shape) const {
  return read_numeric<std::int64_t>(*this, id_, dataset, H5T_NATIVE_INT64, expected_shape, shape);
}

namespace {

std::string trim_fixed(const char* data, std::size_t size) {
  std::size_t n = 0;
  while (n < size && data[n] != '\0') ++n;
  while (n > 0 && data[n - 1] == ' ') --n;
  return std::string(data, n);
}

// Reads the strings of an open dataset or attribute of string type `type` with `count` elements.
std::vector<std::string> read_string_values(hid_t type,
                                            std::int64_t count,
                                            const std::function<herr_t(hid_t, void*)>& read) {
  std::vector<std::string> out;
  if (H5Tis_variable_str(type) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type));
    std::vector<char*> ptrs(static_cast<std::size_t>(count), nullptr);
    if (read(mem.get(), ptrs.data()) < 0) return {};
    for (char* p : ptrs) {
      out.emplace_back(p != nullptr ? p : "");
      H5free_memory(p);
    }
  } else {
    const std::size_t size = H5Tget_size(type);
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), size);
    H5Tset_cset(mem.get(), H5Tget_cset(type));
    H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);  // keep all `size` characters (no terminator)
    std::vector<char> buffer(size * static_cast<std::size_t>(count));
    if (read(mem.get(), buffer.data()) < 0) return {};
    for (std::int64_t i = 0; i < count; ++i) {
      out.push_back(trim_fixed(buffer.data() + static_cast<std::size_t>(i) * size, size));
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> File::read_strings(const std::string& dataset,
                                            const std::vector<std::int64_t>& expected_shape) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  Handle d(open_dataset(*this, id_, dataset), H5Dclose);
  Handle type(H5Dget_type(d.get()), H5Tclose);
  const std::vector<std::int64_t> shape =
      checked_shape(*this, dataset, d.get(), type.get(), "strings", expected_shape);
  const hid_t did = d.get();
  return read_string_values(type.get(), numel(shape), [did](hid_t mem, void* buf) {
    return H5Dread(did, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  });
}

bool File::has_attribute(const std::string& object, const std::string& attribute) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  if (object != "/" && !exists(object)) return false;
  return H5Aexists_by_name(id_, object.c_str(), attribute.c_str(), H5P_DEFAULT) > 0;
}

std::string File::read_string_attribute(const std::string& object,
                                        const std::string& attribute) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  MVPOSE3D_CHECK(has_attribute(object, attribute),
                 "{}: expected an attribute '{}' on {}, found none",
                 path_.string(),
                 attribute,
                 object);
  Handle a(H5Aopen_by_name(id_, object.c_str(), attribute.c_str(), H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose);
  Handle type(H5Aget_type(a.get()), H5Tclose);
  MVPOSE3D_CHECK(class_of(type.get()) == ValueClass::kString,
                 "{}: attribute '{}' of {}: expected a string, found {}",
                 path_.string(),
                 attribute,
                 object,
                 to_string(class_of(type.get())));
  Handle space(H5Aget_space(a.get()), H5Sclose);
  const std::int64_t count = std::max<std::int64_t>(1, numel(space_shape(space.get())));
  const hid_t aid = a.get();
  const auto values = read_string_values(
      type.get(), count, [aid](hid_t mem, void* buf) { return H5Aread(aid, mem, buf); });
  MVPOSE3D_CHECK(
      !values.empty(), "{}: attribute '{}' of {}: read failed", path_.string(), attribute, object);
  return values.front();
}

std::vector<std::uint8_t> File::read_u8_rows(const std::string& dataset,
                                             std::int64_t first,
                                             std::int64_t count) const {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  Handle d(open_dataset(*this, id_, dataset), H5Dclose);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const std::vector<std::int64_t> shape = space_shape(space.get());
  MVPOSE3D_CHECK(!shape.empty() && first >= 0 && count >= 0 && first + count <= shape[0],
                 "{}: dataset {}: rows [{}, {}) requested, the dataset has shape {}",
                 path_.string(),
                 dataset,
                 first,
                 first + count,
                 shape_string(shape));
  std::vector<hsize_t> start(shape.size(), 0), size(shape.begin(), shape.end());
  start[0] = static_cast<hsize_t>(first);
  size[0] = static_cast<hsize_t>(count);
  H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, size.data(), nullptr);
  Handle mem_space(H5Screate_simple(static_cast<int>(size.size()), size.data(), nullptr), H5Sclose);
  std::int64_t row = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) row *= shape[i];
  std::vector<std::uint8_t> out(static_cast<std::size_t>(row * count));
  if (!out.empty()) {
    MVPOSE3D_CHECK(
        H5Dread(d.get(), H5T_NATIVE_UINT8, mem_space.get(), space.get(), H5P_DEFAULT, out.data()) >=
            0,
        "{}: dataset {}: read failed (truncated or damaged file?)",
        path_.string(),
        dataset);
  }
  return out;
}

namespace {

void write_dataset(hid_t file,
                   const std::filesystem::path& path,
                   const std::string& dataset,
                   const std::vector<std::int64_t>& shape,
                   hid_t file_type,
                   hid_t mem_type,
                   const void* data) {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  create_parents(file, dataset);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle d(
      H5Dcreate2(
          file, dataset.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose);
  MVPOSE3D_CHECK(d.valid(), "{}: cannot create dataset {}", path.string(), dataset);
  MVPOSE3D_CHECK(H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
                 "{}: cannot write dataset {}",
                 path.string(),
                 dataset);
}

}  // namespace

void File::write_u8(const std::string& dataset,
                    const std::vector<std::int64_t>& shape,
                    const std::uint8_t* data) {
  write_dataset(id_, path_, dataset, shape, H5T_STD_U8LE, H5T_NATIVE_UINT8, data);
}

void File::write_i64(const std::string& dataset,
                     const std::vector<std::int64_t>& shape,
                     const std::int64_t* data) {
  write_dataset(id_, path_, dataset, shape, H5T_STD_I64LE, H5T_NATIVE_INT64, data);
}

void File::write_string_attribute(const std::string& object,
                                  const std::string& attribute,
                                  const std::string& value) {
  std::lock_guard<std::recursive_mutex> lock(library_mutex());
  if (object != "/") create_parents(id_, object + "/");
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), std::max<std::size_t>(1, value.size()));
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate_by_name(id_,
                             object.c_str(),
                             attribute.c_str(),
                             type.get(),
                             space.get(),
                             H5P_DEFAULT,
                             H5P_DEFAULT,
                             H5P_DEFAULT),
           H5Aclose);
  MVPOSE3D_CHECK(
      a.valid(), "{}: cannot create attribute '{}' on {}", path_.string(), attribute, object);
  std::string padded = value;
  if (padded.empty()) padded.push_back('\0');
  H5Awrite(a.get(), type.get(), padded.data());
}

}  // namespace mvpose3d::h5
