#include "mvpose3d/core/zip_checksums.h"

#include "mvpose3d/core/error.h"

#include <memory>
#include <string>
#include <unzip.h>
#include <vector>

namespace mvpose3d {

namespace {

struct CloseArchive {
  void operator()(void* archive) const { unzClose(archive); }
};

}  // namespace

std::int64_t verify_zip_checksums(const std::filesystem::path& file) {
  const std::string where = file.string();
  std::unique_ptr<void, CloseArchive> archive(unzOpen64(where.c_str()));
  MVPOSE3D_CHECK(archive != nullptr,
                 "{}: not a readable zip archive (truncated, or not a checkpoint: its directory "
                 "of records cannot be read)",
                 where);
  std::vector<char> buffer(1 << 20);
  std::int64_t records = 0;
  for (int status = unzGoToFirstFile(archive.get()); status != UNZ_END_OF_LIST_OF_FILE;
       status = unzGoToNextFile(archive.get())) {
    MVPOSE3D_CHECK(status == UNZ_OK,
                   "{}: the directory of records is damaged after record {} (minizip error {})",
                   where,
                   records,
                   status);
    unz_file_info64 info{};
    std::string name(512, '\0');
    MVPOSE3D_CHECK(unzGetCurrentFileInfo64(archive.get(),
                                           &info,
                                           name.data(),
                                           static_cast<uLong>(name.size()),
                                           nullptr,
                                           0,
                                           nullptr,
                                           0) == UNZ_OK,
                   "{}: record {} has a damaged directory entry",
                   where,
                   records);
    name.resize(name.find('\0') == std::string::npos ? name.size() : name.find('\0'));
    MVPOSE3D_CHECK(unzOpenCurrentFile(archive.get()) == UNZ_OK,
                   "{}: record '{}' cannot be opened (damaged local header)",
                   where,
                   name);
    std::uint64_t read = 0;
    int n = 0;
    while ((n = unzReadCurrentFile(
                archive.get(), buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
      read += static_cast<std::uint64_t>(n);
    }
    const int closed = unzCloseCurrentFile(archive.get());
    MVPOSE3D_CHECK(n == 0 && read == info.uncompressed_size,
                   "{}: record '{}' is truncated or unreadable ({} of {} bytes read)",
                   where,
                   name,
                   read,
                   info.uncompressed_size);
    MVPOSE3D_CHECK(closed != UNZ_CRCERROR,
                   "{}: record '{}' does not match its CRC-32 checksum: the file is corrupted",
                   where,
                   name);
    MVPOSE3D_CHECK(
        closed == UNZ_OK, "{}: record '{}' cannot be read (minizip error {})", where, name, closed);
    ++records;
  }
  return records;
}

}  // namespace mvpose3d
