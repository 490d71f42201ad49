// Whole-file reads, atomic writes and checked appends.
//
// Reads accept regular files only, and only up to a size the caller names (core/limits.h): the
// size is taken from the open file before anything is allocated, so a FIFO (which would block), a
// device such as /dev/zero (which never ends) or a huge file fails at once with a message naming
// the path.
//
// Outputs are written to "<path>.tmp-<pid>" in the same directory and renamed over the target, so a
// crash or an error never leaves a partial file behind, and an existing file is only replaced
// whole. A temporary left by a process that was killed during a write is removed by the next
// write of the same target (only when no process with that pid is alive).
#pragma once

#include "mvpose3d/core/limits.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace mvpose3d {

// The size of the regular file `path`. Throws Error naming the path when it is missing, not a
// regular file (a directory, FIFO, socket or device), or larger than `max_bytes`.
std::uintmax_t regular_file_size(const std::filesystem::path& path, std::uintmax_t max_bytes);

// Reads the first min(`count`, size) bytes of a regular file of at most `max_bytes` bytes (the
// checks of regular_file_size). `count` defaults to the whole file.
std::string read_regular_file(const std::filesystem::path& path,
                              std::uintmax_t max_bytes,
                              std::uintmax_t count = UINTMAX_MAX);

// Reads a whole regular file of at most kMaxTextFileBytes; throws Error naming the path when it is
// missing, not a regular file, too large or unreadable.
std::string read_text_file(const std::filesystem::path& path);

// Writes `content` to `path` atomically (temporary file + rename). Creates parent directories.
// Afterwards removes the target's temporaries "<path>.tmp-<pid>" whose process is gone.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Appends `content` to `path` (created if missing) with every write and the close checked; a
// failure (a full disk) throws Error naming the file and the system's reason, after cutting the
// file back to its previous length so that it never ends with a partial line.
void append_to_file(const std::filesystem::path& path, const std::string& content);

// Removes the temporaries "<path>.tmp-<pid>" of `path` left by processes that no longer run (a
// write killed between creating and renaming its temporary); returns how many were removed.
int remove_stale_temporaries(const std::filesystem::path& path);

// Text from a file for an error message: at most `max_chars` bytes (then "..."), control bytes and
// bytes that are not valid UTF-8 written as \xNN, so a binary file given by mistake never puts raw
// bytes on the terminal.
std::string printable_excerpt(const std::string& text, std::size_t max_chars = 80);

}  // namespace mvpose3d
