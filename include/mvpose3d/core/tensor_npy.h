// Conversions between NpyArray and torch tensors (CPU, contiguous).
#pragma once

#include "mvpose3d/core/npy.h"

#include <filesystem>
#include <string>

#include <ATen/core/Tensor.h>

namespace mvpose3d {

// Copies the array into a new CPU tensor of the matching dtype (b1 -> bool, u1 -> uint8, ...).
at::Tensor npy_to_tensor(const NpyArray& array);

// Copies a tensor (any device, any strides) into an NpyArray.
NpyArray tensor_to_npy(const at::Tensor& tensor);

// Reads a .npy file into a tensor; `what` names the argument in error messages ("--points2d").
at::Tensor load_npy_tensor(const std::filesystem::path& path);

// Writes a tensor to a .npy file atomically.
void save_npy_tensor(const std::filesystem::path& path, const at::Tensor& tensor);

}  // namespace mvpose3d
