// Bounds on the sizes and counts a user may hand us: the one source for config validation
// (config/*.h constraints), the command line (tools/) and the file readers.
//
// They are far above any real use and far below what would exhaust the machine: a wrong path (a
// video given as a config, /dev/zero) or a typo (threads=100000) fails at once with a message
// instead of allocating gigabytes or starting a hundred thousand threads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mvpose3d {

// Threads: LibTorch intra-op threads (threads, --threads) and data loading workers.
inline constexpr int kMaxThreads = 1024;
inline constexpr int kMaxLoaderWorkers = 256;

// Problems listed in one configuration error message.
inline constexpr std::size_t kMaxConfigErrorsShown = 50;

// Files read whole into memory.
inline constexpr std::uintmax_t kMiB = std::uintmax_t{1} << 20;
inline constexpr std::uintmax_t kMaxConfigFileBytes = 16 * kMiB;  // config YAML, base files, rigs
inline constexpr std::uintmax_t kMaxTextFileBytes = 512 * kMiB;   // BVH, label text, anything else
inline constexpr std::uintmax_t kMaxNpyFileBytes = 16384 * kMiB;  // .npy arrays (16 GiB)
// A .npy header is a short Python dict; numpy itself refuses headers over 10000 bytes by default
// (numpy.lib.format, max_header_size).
inline constexpr std::uintmax_t kMaxNpyHeaderBytes = 1 * kMiB;

}  // namespace mvpose3d
