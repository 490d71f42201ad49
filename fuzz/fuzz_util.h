// Shared by the fuzz targets: a scratch directory of this process for the readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mvpose3d::fuzz {

// A directory of this process (under $TMPDIR, else /dev/shm when it exists, else /tmp), created
// on first use.
const std::filesystem::path& scratch_dir();

// Writes `bytes` to scratch_dir()/name (plainly: the readers under test do the checking) and
// returns the path.
std::filesystem::path write_scratch(const std::string& name, const std::string& bytes);

// scratch_dir()/name emptied (created when missing): a reader of a directory sees only this
// input's files, not those an earlier input left.
std::filesystem::path fresh_scratch_dir(const std::string& name);

// The input cut at each occurrence of `separator`, at most `max_parts` parts (the last part keeps
// any further separators).
std::vector<std::string> split_input(const uint8_t* data,
                                     size_t size,
                                     const std::string& separator,
                                     size_t max_parts);

}  // namespace mvpose3d::fuzz
