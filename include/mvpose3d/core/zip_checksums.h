// The integrity check of a zip archive (a torch::save checkpoint is one): every record is read
// through and its CRC-32, stored in the archive by the writer, compared with the bytes. LibTorch's
// own reader does not compare them, so a checkpoint with flipped bytes inside a tensor would
// otherwise load silently as different weights.
#pragma once

#include <cstdint>
#include <filesystem>

namespace mvpose3d {

// Reads every record of the zip archive `file` and checks its CRC-32 and size. Throws Error naming
// the file (and the record) when it is not a readable zip archive, is truncated, or a record's
// bytes do not match their checksum. Returns the number of records checked.
std::int64_t verify_zip_checksums(const std::filesystem::path& file);

}  // namespace mvpose3d
