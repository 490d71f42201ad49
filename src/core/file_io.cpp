#include "mvpose3d/core/file_io.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "core/write_all.h"

namespace mvpose3d {

namespace fs = std::filesystem;

int detail::write_all(int fd, const std::string& content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory, expected a file";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), expected a regular file";
  if (S_ISCHR(mode)) return "is a character device, expected a regular file";
  if (S_ISBLK(mode)) return "is a block device, expected a regular file";
  if (S_ISSOCK(mode)) return "is a socket, expected a regular file";
  return "is not a regular file";
}

std::string describe_bytes(std::uintmax_t bytes) {
  if (bytes >= kMiB) return fmt::format("{} bytes ({:.1f} MiB)", bytes, bytes / double(kMiB));
  return fmt::format("{} bytes", bytes);
}

// An open file descriptor, closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Opens `path` for reading without blocking (a FIFO would otherwise wait for a writer) and checks
// that it is a regular file of at most `max_bytes`; returns the descriptor and sets *size.
int open_regular(const fs::path& path, std::uintmax_t max_bytes, std::uintmax_t* size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw Error(fmt::format("{}: no such file", path.string()));
    throw Error(fmt::format("{}: cannot read ({})", path.string(), std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) throw Error(fmt::format("{}: {}", path.string(), kind_of(st.st_mode)));
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    throw Error(
        fmt::format("{}: cannot open for reading ({})", path.string(), std::strerror(errno)));
  // The path may have been replaced between stat and open: check what was opened.
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(fmt::format("{}: {}", path.string(), kind_of(st.st_mode)));
  }
  *size = static_cast<std::uintmax_t>(st.st_size);
  if (*size > max_bytes) {
    ::close(fd);
    throw Error(
        fmt::format("{}: {}, more than the {} this kind of file may have (is it the "
                    "right file?)",
                    path.string(),
                    describe_bytes(*size),
                    describe_bytes(max_bytes)));
  }
  return fd;
}

bool process_alive(long pid) {
  if (pid <= 0) return true;  // never touch what cannot be attributed
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace

std::uintmax_t regular_file_size(const fs::path& path, std::uintmax_t max_bytes) {
  std::uintmax_t size = 0;
  Fd fd(open_regular(path, max_bytes, &size));
  return size;
}

std::string read_regular_file(const fs::path& path,
                              std::uintmax_t max_bytes,
                              std::uintmax_t count) {
  std::uintmax_t size = 0;
  Fd fd(open_regular(path, max_bytes, &size));
  const std::uintmax_t wanted = std::min(size, count);
  std::string out(static_cast<std::size_t>(wanted), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(fmt::format("{}: read failed ({})", path.string(), std::strerror(errno)));
    if (n == 0)
      throw Error(fmt::format(
          "{}: the file shrank while being read ({} of {} bytes)", path.string(), done, wanted));
    done += static_cast<std::size_t>(n);
  }
  return out;
}

std::string read_text_file(const fs::path& path) {
  return read_regular_file(path, kMaxTextFileBytes);
}

int remove_stale_temporaries(const fs::path& path) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const std::string prefix = path.filename().string() + ".tmp-";
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return 0;
  int removed = 0;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (process_alive(std::stol(digits))) continue;  // a write in progress: leave it
    std::error_code ignored;
    if (it->is_regular_file(ignored) && fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec)
      throw Error(fmt::format(
          "{}: cannot create directory ({})", path.parent_path().string(), ec.message()));
  }
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      throw Error(
          fmt::format("{}: cannot open for writing ({})", tmp.string(), std::strerror(errno)));
    int error = detail::write_all(fd, content);
    // close() reports what a file system deferred (NFS, quotas): checked like every write.
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error != 0) {
      fs::remove(tmp, ec);
      throw Error(fmt::format(
          "{}: write failed, the previous file is kept ({})", path.string(), std::strerror(error)));
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error(fmt::format(
        "{}: cannot rename temporary file into place ({})", path.string(), ec.message()));
  }
  remove_stale_temporaries(path);
}

void append_to_file(const fs::path& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(
        fmt::format("{}: cannot open for appending ({})", path.string(), std::strerror(errno)));
  struct stat st {};
  const off_t before = ::fstat(fd, &st) == 0 ? st.st_size : -1;
  int error = detail::write_all(fd, content);
  // A write that stopped part-way is taken back, so the file never ends mid-line.
  if (error != 0 && before >= 0) {
    const int ignored = ::ftruncate(fd, before);  // best effort: the write's error is reported
    (void)ignored;
  }
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0)
    throw Error(fmt::format("{}: cannot append ({})", path.string(), std::strerror(error)));
}

namespace {

// Length of the valid UTF-8 sequence of 2 to 4 bytes at text[i], or 0.
std::size_t utf8_sequence_length(const std::string& text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t n = lead >= 0xc2 && lead <= 0xdf   ? 2
                        : lead >= 0xe0 && lead <= 0xef ? 3
                        : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                       : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string printable_excerpt(const std::string& text, std::size_t max_chars) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::size_t utf8 = byte >= 0x80 ? utf8_sequence_length(text, i) : 0;
    if (byte >= 0x20 && byte < 0x7f) {
      out.push_back(text[i++]);
    } else if (utf8 > 0) {  // a name in UTF-8 stays readable
      out.append(text, i, utf8);
      i += utf8;
    } else {
      out += fmt::format("\\x{:02x}", byte);
      ++i;
    }
  }
  return out;
}

}  // namespace mvpose3d
