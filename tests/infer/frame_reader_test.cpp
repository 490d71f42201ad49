#include "mvpose3d/infer/frame_reader.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/infer/video_file_writer.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "support/error_text.h"

namespace mvpose3d::infer {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("mvpose3d_frames_" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A w × h BGR image of one grey level.
std::vector<std::uint8_t> grey(int w, int h, std::uint8_t level) {
  return std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3, level);
}

void write_png(const fs::path& file, std::uint8_t level) {
  const auto pixels = grey(16, 8, level);
  write_file_atomic(file, encode_png_bgr(pixels.data(), 16, 8));
}

TEST(FrameReader, ImageFoldersMatchFramesByTheirNumber) {
  const fs::path a = fresh_dir("a"), b = fresh_dir("b");
  write_png(a / "frame_000010.png", 10);
  write_png(a / "frame_000011.png", 11);
  write_png(a / "frame_000012.png", 12);
  write_png(b / "img_10.png", 110);
  write_png(b / "img_12.png", 112);  // no 11: frame 1 of camera b is missing
  write_file_atomic(b / "notes.txt", "not an image\n");
  FrameReader reader({a, b}, FrameInput::kImageFolders);
  ASSERT_EQ(reader.frame_count(), 3);
  const auto f1 = reader.read(1);
  ASSERT_TRUE(f1[0].present());
  EXPECT_EQ(f1[0].width, 16);
  EXPECT_EQ(f1[0].height, 8);
  EXPECT_EQ(f1[0].bgr[0], 11);
  EXPECT_FALSE(f1[1].present());
  const auto f2 = reader.read(2);
  EXPECT_EQ(f2[1].bgr[0], 112);
  EXPECT_EQ(reader.missing(), (std::vector<std::int64_t>{0, 1}));
}

TEST(FrameReader, AVideoThatEndsEarlyIsMissingFromThereOn) {
  const fs::path dir = fresh_dir("videos");
  fs::path files[2];
  const int lengths[2] = {4, 2};
  for (int c = 0; c < 2; ++c) {
    VideoFileWriter writer(dir / ("cam" + std::to_string(c) + ".mp4"), 25, 64, 48);
    for (int f = 0; f < lengths[c]; ++f) writer.write(grey(64, 48, 100).data());
    writer.close();
    files[c] = writer.path();
  }
  FrameReader reader({files[0], files[1]}, FrameInput::kVideos);
  ASSERT_EQ(reader.frame_count(), 4);
  EXPECT_NEAR(reader.fps(), 25, 1e-6);
  for (std::int64_t f = 0; f < 4; ++f) {
    const auto frames = reader.read(f);
    EXPECT_TRUE(frames[0].present()) << f;
    EXPECT_EQ(frames[1].present(), f < 2) << f;
    if (frames[0].present()) {
      EXPECT_NEAR(frames[0].bgr[0], 100, 8);  // a lossy codec (and YUV's video range)
    }
  }
  EXPECT_EQ(reader.missing(), (std::vector<std::int64_t>{0, 2}));
  // Videos are decoded in order.
  FrameReader again({files[0]}, FrameInput::kVideos);
  EXPECT_NE(mvpose3d::testing::error_of([&] { again.read(2); }).find("decoded in order"),
            std::string::npos);
}

TEST(FrameReader, ErrorsNameTheSource) {
  const fs::path empty = fresh_dir("empty");
  EXPECT_NE(mvpose3d::testing::error_of([&] {
              FrameReader({empty}, FrameInput::kImageFolders);
            }).find("no image files"),
            std::string::npos);
  EXPECT_NE(mvpose3d::testing::error_of([&] {
              FrameReader({empty / "x.mp4"}, FrameInput::kVideos);
            }).find("x.mp4: not found"),
            std::string::npos);
}

}  // namespace
}  // namespace mvpose3d::infer
