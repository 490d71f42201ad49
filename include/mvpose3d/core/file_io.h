// Whole-file reads and atomic writes.
//
// Outputs are written to "<path>.tmp-<pid>" in the same directory and renamed over the target, so a
// crash or an error never leaves a partial file behind, and an existing file is only replaced
// whole.
#pragma once

#include <filesystem>
#include <string>

namespace mvpose3d {

// Reads a whole file; throws Error naming the path when it is missing or unreadable.
std::string read_text_file(const std::filesystem::path& path);

// Writes `content` to `path` atomically (temporary file + rename). Creates parent directories.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace mvpose3d
