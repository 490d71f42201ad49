#include "mvpose3d/infer/frame_reader.h"

#include "mvpose3d/core/error.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

namespace mvpose3d::infer {

namespace fs = std::filesystem;

struct FrameReader::Videos {
  std::vector<cv::VideoCapture> captures;
  std::vector<bool> ended;
};

namespace {

bool is_image_file(const fs::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" ||
         ext == ".tiff";
}

// The last run of digits in a file name's stem, or nothing.
std::optional<std::int64_t> last_number(const fs::path& file) {
  const std::string stem = file.stem().string();
  auto end = stem.find_last_of("0123456789");
  if (end == std::string::npos) return std::nullopt;
  auto begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(stem[begin - 1]))) --begin;
  // Longer runs than 18 digits are not frame numbers.
  if (end - begin + 1 > 18) return std::nullopt;
  return std::stoll(stem.substr(begin, end - begin + 1));
}

CameraFrame to_frame(const cv::Mat& image) {
  CameraFrame f;
  if (image.empty()) return f;
  // imread(IMREAD_COLOR) and VideoCapture both give 3-channel BGR.
  MVPOSE3D_CHECK(image.type() == CV_8UC3, "infer: a decoded frame is not 8-bit BGR");
  const cv::Mat bgr = image.isContinuous() ? image : image.clone();
  f.width = bgr.cols;
  f.height = bgr.rows;
  f.bgr.assign(bgr.data, bgr.data + static_cast<std::size_t>(bgr.total() * 3));
  return f;
}

}  // namespace

FrameReader::FrameReader(std::vector<fs::path> sources, FrameInput input)
    : sources_(std::move(sources)), input_(input), missing_(sources_.size(), 0) {
  MVPOSE3D_CHECK(!sources_.empty(), "infer: no cameras to read frames from");
  if (input_ == FrameInput::kVideos) {
    videos_ = std::make_unique<Videos>();
    for (const fs::path& file : sources_) {
      MVPOSE3D_CHECK(fs::is_regular_file(file), "video file {}: not found", file.string());
      cv::VideoCapture capture(file.string());
      MVPOSE3D_CHECK(capture.isOpened(),
                     "video file {}: cannot be opened by OpenCV's video backends",
                     file.string());
      frame_count_ =
          std::max(frame_count_, static_cast<std::int64_t>(capture.get(cv::CAP_PROP_FRAME_COUNT)));
      if (fps_ <= 0) fps_ = capture.get(cv::CAP_PROP_FPS);
      videos_->captures.push_back(std::move(capture));
      videos_->ended.push_back(false);
    }
    return;
  }
  // Image folders: frame numbers of every camera, then their union in order.
  std::vector<std::map<std::int64_t, fs::path>> numbered(sources_.size());
  std::set<std::int64_t> all;
  for (std::size_t c = 0; c < sources_.size(); ++c) {
    MVPOSE3D_CHECK(
        fs::is_directory(sources_[c]), "image folder {}: not found", sources_[c].string());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(sources_[c])) {
      if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
    }
    MVPOSE3D_CHECK(!files.empty(),
                   "image folder {}: no image files (.png, .jpg, .jpeg, .bmp, .tif)",
                   sources_[c].string());
    std::sort(files.begin(), files.end());
    std::int64_t position = 0;
    for (const fs::path& f : files) {
      const std::int64_t number = last_number(f).value_or(position);
      ++position;
      MVPOSE3D_CHECK(numbered[c].emplace(number, f).second,
                     "image folder {}: two files have frame number {} ({} and {})",
                     sources_[c].string(),
                     number,
                     numbered[c].at(number).filename().string(),
                     f.filename().string());
      all.insert(number);
    }
  }
  frame_count_ = static_cast<std::int64_t>(all.size());
  files_.assign(sources_.size(), std::vector<fs::path>(all.size()));
  std::int64_t k = 0;
  for (std::int64_t number : all) {
    for (std::size_t c = 0; c < sources_.size(); ++c) {
      const auto it = numbered[c].find(number);
      if (it != numbered[c].end()) files_[c][static_cast<std::size_t>(k)] = it->second;
    }
    ++k;
  }
}

FrameReader::~FrameReader() = default;

std::vector<CameraFrame> FrameReader::read(std::int64_t index) {
  MVPOSE3D_CHECK(index >= 0 && index < frame_count_,
                 "infer: frame {} is outside the session's [0, {})",
                 index,
                 frame_count_);
  std::vector<CameraFrame> frames(sources_.size());
  if (input_ == FrameInput::kVideos) {
    MVPOSE3D_CHECK(index == next_,
                   "infer: videos are decoded in order: asked for frame {}, next is {}",
                   index,
                   next_);
    ++next_;
    for (std::size_t c = 0; c < sources_.size(); ++c) {
      if (videos_->ended[c]) {
        ++missing_[c];
        continue;
      }
      cv::Mat image;
      if (!videos_->captures[c].read(image) || image.empty()) {
        // A video that ends early stays missing: its decoder cannot resynchronise.
        videos_->ended[c] = true;
        ++missing_[c];
        continue;
      }
      frames[c] = to_frame(image);
    }
    return frames;
  }
  for (std::size_t c = 0; c < sources_.size(); ++c) {
    const fs::path& file = files_[c][static_cast<std::size_t>(index)];
    if (file.empty()) {
      ++missing_[c];
      continue;
    }
    const cv::Mat image = cv::imread(file.string(), cv::IMREAD_COLOR);
    MVPOSE3D_CHECK(!image.empty(), "image file {}: cannot be decoded", file.string());
    frames[c] = to_frame(image);
  }
  return frames;
}

}  // namespace mvpose3d::infer
