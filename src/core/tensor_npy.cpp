#include "mvpose3d/core/tensor_npy.h"

#include "mvpose3d/core/error.h"

#include <cstring>

#include <ATen/ATen.h>

namespace mvpose3d {

namespace {

at::ScalarType scalar_type_of(const std::string& dtype) {
  if (dtype == "f4") return at::kFloat;
  if (dtype == "f8") return at::kDouble;
  if (dtype == "f2") return at::kHalf;
  if (dtype == "i1") return at::kChar;
  if (dtype == "i2") return at::kShort;
  if (dtype == "i4") return at::kInt;
  if (dtype == "i8") return at::kLong;
  if (dtype == "u1") return at::kByte;
  if (dtype == "b1") return at::kBool;
  throw Error(fmt::format("npy dtype '{}' has no tensor equivalent", dtype));
}

std::string dtype_of(at::ScalarType type) {
  switch (type) {
    case at::kFloat:
      return "f4";
    case at::kDouble:
      return "f8";
    case at::kHalf:
      return "f2";
    case at::kChar:
      return "i1";
    case at::kShort:
      return "i2";
    case at::kInt:
      return "i4";
    case at::kLong:
      return "i8";
    case at::kByte:
      return "u1";
    case at::kBool:
      return "b1";
    default:
      throw Error(fmt::format("tensor dtype {} cannot be saved as .npy", c10::toString(type)));
  }
}

}  // namespace

at::Tensor npy_to_tensor(const NpyArray& array) {
  auto tensor = at::empty(array.shape, at::TensorOptions().dtype(scalar_type_of(array.dtype)));
  if (!array.data.empty()) std::memcpy(tensor.data_ptr(), array.data.data(), array.data.size());
  return tensor;
}

NpyArray tensor_to_npy(const at::Tensor& tensor) {
  const at::Tensor cpu = tensor.detach().to(at::kCPU).contiguous();
  NpyArray array;
  array.dtype = dtype_of(cpu.scalar_type());
  array.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
  const auto* bytes = static_cast<const char*>(cpu.data_ptr());
  array.data.assign(bytes, bytes + cpu.numel() * static_cast<int64_t>(cpu.element_size()));
  return array;
}

at::Tensor load_npy_tensor(const std::filesystem::path& path) {
  return npy_to_tensor(read_npy(path));
}

void save_npy_tensor(const std::filesystem::path& path, const at::Tensor& tensor) {
  write_npy(path, tensor_to_npy(tensor));
}

}  // namespace mvpose3d
