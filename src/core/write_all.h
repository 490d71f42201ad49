// Writing a whole buffer to a file descriptor (private to core): one definition, in file_io.cpp,
// for the atomic writes there and for the child's result in time_limited_child.cpp.
#pragma once

#include <string>

namespace mvpose3d::detail {

// Writes all of `content` to `fd`, retrying short writes and EINTR; returns 0, or the errno of the
// failed write (EIO when write() wrote nothing).
int write_all(int fd, const std::string& content);

}  // namespace mvpose3d::detail
