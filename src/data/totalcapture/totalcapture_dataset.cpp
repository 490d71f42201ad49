#include "mvpose3d/data/totalcapture/totalcapture_dataset.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/totalcapture/totalcapture_files.h"
#include "mvpose3d/geometry/skeleton.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

namespace mvpose3d {

namespace {

// "walking2" → ("walking", 2); ("", 0) when it is not an action name followed by a take number.
std::pair<std::string, int> split_sequence(const std::string& name) {
  std::size_t digits = name.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(name[digits - 1]))) --digits;
  if (digits == 0 || digits == name.size()) return {"", 0};
  return {name.substr(0, digits), std::stoi(name.substr(digits))};
}

int subject_number(const std::string& subject, const std::string& key) {
  const bool ok =
      subject.size() == 2 && subject[0] == 'S' && subject[1] >= '1' && subject[1] <= '5';
  MVPOSE3D_CHECK(
      ok, "{}: unknown Total Capture subject '{}' (known: S1, S2, S3, S4, S5)", key, subject);
  return subject[1] - '0';
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int totalcapture_action_id(const std::string& action) {
  if (action == "rom") return 1;
  if (action == "walking") return 2;
  if (action == "acting") return 3;
  if (action == "running") return 4;
  if (action == "freestyle") return 5;
  return -1;
}

TotalCaptureDataset::TotalCaptureDataset(const DataConfig& data,
                                         std::int64_t seed,
                                         const std::string& split,
                                         const std::string& camera_set)
    : LabeledDataset(make_pipeline_options(data.crop_size_px,
                                           data.totalcapture.bbox_scale,
                                           data.totalcapture.undistort,
                                           data.totalcapture.augment,
                                           split,
                                           seed)),
      data_(data),
      split_(split) {
  const TotalCaptureDataConfig& cfg = data.totalcapture;
  MVPOSE3D_CHECK(split == "train" || split == "test",
                 "totalcapture: unknown split '{}' (known: train, test)",
                 split);
  MVPOSE3D_CHECK(camera_set == "seen" || (camera_set == "unseen" && split == "test"),
                 "totalcapture: camera set '{}' is not known for split {} (known: seen{})",
                 camera_set,
                 split,
                 split == "test" ? ", unseen" : "");
  MVPOSE3D_CHECK(data.joints == JointSet::kTc16 || data.joints == JointSet::kVicon21,
                 "data.joints is '{}', but the Total Capture reader gives tc16 or vicon21 joints",
                 to_string(data.joints));
  MVPOSE3D_CHECK(cfg.root_box_mm.size() == 4,
                 "data.totalcapture.root_box_mm: expected 4 numbers, found {}",
                 cfg.root_box_mm.size());
  const std::string cameras_key =
      camera_set == "seen" ? "data.totalcapture.seen_cameras" : "data.totalcapture.unseen_cameras";
  camera_numbers_ = camera_set == "seen" ? cfg.seen_cameras : cfg.unseen_cameras;
  MVPOSE3D_CHECK(static_cast<std::size_t>(data.num_views) == camera_numbers_.size(),
                 "data.num_views is {} but {} lists {} cameras",
                 data.num_views,
                 cameras_key,
                 camera_numbers_.size());
  const std::filesystem::path calibration = resolve_path(data.root, cfg.calibration);
  const std::vector<Camera> all = read_totalcapture_calibration(calibration, cfg.distortion);
  for (const int c : camera_numbers_) {
    MVPOSE3D_CHECK(c >= 1 && c <= static_cast<int>(all.size()),
                   "{}: camera {} is not in {} ({} cameras)",
                   cameras_key,
                   c,
                   calibration.string(),
                   all.size());
    cameras_.push_back(all[static_cast<std::size_t>(c - 1)]);
  }

  const std::string subjects_key = split == "train" ? "data.train_subjects" : "data.test_subjects";
  const std::string sequences_key =
      split == "train" ? "data.totalcapture.train_sequences" : "data.totalcapture.test_sequences";
  subjects_ = split == "train" ? data.train_subjects : data.test_subjects;
  sequences_ = split == "train" ? cfg.train_sequences : cfg.test_sequences;
  MVPOSE3D_CHECK(!subjects_.empty(), "{}: no subjects", subjects_key);
  for (const std::string& s : subjects_) subject_number(s, subjects_key);
  for (const std::string& q : sequences_) {
    const auto [action, take] = split_sequence(q);
    MVPOSE3D_CHECK(totalcapture_action_id(action) > 0,
                   "{}: unknown sequence '{}' (expected rom, walking, acting, running or "
                   "freestyle followed by a take number, e.g. walking2)",
                   sequences_key,
                   q);
  }

  // Joints of data.joints, by name from the Vicon skeleton.
  const Skeleton& vicon = vicon21_skeleton();
  std::vector<std::int64_t> joint_index;
  for (const std::string& name : skeleton().joint_names)
    joint_index.push_back(vicon.joint_index(name));
  const at::Tensor joint_select = at::tensor(joint_index, at::kLong);
  const int step = split == "train" ? cfg.frame_step_train : cfg.frame_step_test;

  for (std::size_t si = 0; si < subjects_.size(); ++si) {
    for (std::size_t qi = 0; qi < sequences_.size(); ++qi) {
      Sequence seq;
      seq.subject = static_cast<int>(si);
      seq.sequence = static_cast<int>(qi);
      const std::string what = subjects_[si] + " " + sequences_[qi];
      const auto fields = sequence_fields(seq);
      const std::filesystem::path pose_file = resolve_path(
          data.root, fill_template(cfg.pose_file, fields, "data.totalcapture.pose_file"));
      if (!std::filesystem::exists(pose_file)) {
        MVPOSE3D_CHECK(cfg.skip_missing,
                       "{}: pose file {} not found (data.totalcapture.pose_file)",
                       what,
                       pose_file.string());
        spdlog::warn("totalcapture {}: skip_missing: no pose file {}, skipping {}",
                     split,
                     pose_file.string(),
                     what);
        continue;
      }
      const at::Tensor positions = read_totalcapture_positions(pose_file);
      const std::int64_t gt_frames = positions.size(0);
      // Frames that have pixels in every view: the shortest video, or the images present.
      std::int64_t pixel_frames = gt_frames;
      bool missing = false;
      for (const int c : camera_numbers_) {
        std::vector<TemplateField> f = fields;
        f.push_back(number_field("camera", c));
        if (cfg.frames == FrameSource::kVideo) {
          const std::filesystem::path video = resolve_path(
              data.root, fill_template(cfg.video_file, f, "data.totalcapture.video_file"));
          if (!std::filesystem::exists(video)) {
            MVPOSE3D_CHECK(cfg.skip_missing, "{}: video file {} not found", what, video.string());
            missing = true;
            break;
          }
          pixel_frames = std::min(pixel_frames, video_frame_count(video));
          continue;
        }
        const auto image = [&](std::int64_t frame) {
          std::vector<TemplateField> g = f;
          g.push_back(number_field("frame", frame));
          return resolve_path(data.root,
                              fill_template(cfg.image_file, g, "data.totalcapture.image_file"));
        };
        if (!std::filesystem::exists(image(0))) {
          MVPOSE3D_CHECK(cfg.skip_missing, "{}: image file {} not found", what, image(0).string());
          missing = true;
          break;
        }
        // The extracted frames are 0..n-1: find n by bisection.
        std::int64_t lo = 1, hi = pixel_frames;  // image(lo - 1) exists; image(hi) is past the end
        if (std::filesystem::exists(image(hi - 1))) lo = hi;
        while (lo < hi) {
          const std::int64_t mid = (lo + hi + 1) / 2;
          if (std::filesystem::exists(image(mid - 1))) {
            lo = mid;
          } else {
            hi = mid - 1;
          }
        }
        pixel_frames = lo;
      }
      if (missing) {
        spdlog::warn(
            "totalcapture {}: skip_missing: frames of {} missing, skipping it", split, what);
        continue;
      }
      const std::int64_t n = std::min(gt_frames, pixel_frames);
      if (pixel_frames != gt_frames) {
        spdlog::info("totalcapture {}: {}: {} ground-truth frames, {} {}: using the first {}",
                     split,
                     what,
                     gt_frames,
                     pixel_frames,
                     cfg.frames == FrameSource::kVideo ? "video frames" : "extracted images",
                     n);
      }
      for (std::int64_t f = 0; f < n; f += step) seq.frame_numbers.push_back(f);
      if (seq.frame_numbers.empty()) continue;
      const at::Tensor kept = at::tensor(seq.frame_numbers, at::kLong);
      const at::Tensor selected = positions.index_select(0, kept);
      seq.joints_mm = selected.index_select(1, joint_select).contiguous();
      seq.hips_mm = selected.select(1, vicon.joint_index("Hips")).contiguous();
      const int index = static_cast<int>(sequence_data_.size());
      for (std::size_t k = 0; k < seq.frame_numbers.size(); ++k) {
        frames_.emplace_back(index, static_cast<int>(k));
      }
      sequence_data_.push_back(std::move(seq));
    }
  }
  if (cfg.skip_missing) {
    const std::vector<std::int64_t> missing = frames_with_missing_files("totalcapture " + split);
    std::vector<bool> drop(frames_.size(), false);
    for (const std::int64_t f : missing) drop[static_cast<std::size_t>(f)] = true;
    std::vector<std::pair<int, int>> kept;
    for (std::size_t f = 0; f < frames_.size(); ++f) {
      if (!drop[f]) kept.push_back(frames_[f]);
    }
    frames_ = std::move(kept);
  }
  MVPOSE3D_CHECK(!frames_.empty(),
                 "totalcapture {}: no frames selected under {} (subjects {}, sequences {})",
                 split,
                 data.root,
                 fmt::join(subjects_, ", "),
                 fmt::join(sequences_, ", "));
  labels(0);  // a bad image or video template fails here rather than in a loader thread
  use_crop_cache(cfg.crop_cache.empty() ? "" : resolve_path(data.root, cfg.crop_cache).string(),
                 "totalcapture-" + split + "-" + camera_set);
  spdlog::info("totalcapture {} ({} cameras): {} frames of {} sequences",
               split,
               camera_set,
               frames_.size(),
               sequence_data_.size());
}

std::vector<TemplateField> TotalCaptureDataset::sequence_fields(const Sequence& s) const {
  const std::string& subject = subjects_[static_cast<std::size_t>(s.subject)];
  const std::string& sequence = sequences_[static_cast<std::size_t>(s.sequence)];
  const auto [action, take] = split_sequence(sequence);
  return {text_field("subject", subject),
          text_field("subject_lower", lower(subject)),
          number_field("subject_id", subject[1] - '0'),
          text_field("sequence", sequence),
          text_field("action", action),
          number_field("action_id", totalcapture_action_id(action)),
          number_field("take", take)};
}

const Skeleton& TotalCaptureDataset::skeleton() const {
  return skeleton_by_name(to_string(data_.joints));  // JointSet names are skeleton names
}

std::vector<std::string> TotalCaptureDataset::view_names() const {
  std::vector<std::string> names;
  for (const int c : camera_numbers_) names.push_back("cam" + std::to_string(c));
  return names;
}

SampleLabels TotalCaptureDataset::labels(std::int64_t frame) const {
  MVPOSE3D_CHECK(frame >= 0 && frame < num_frames(),
                 "totalcapture: frame {} is outside [0, {})",
                 frame,
                 num_frames());
  const auto [si, k] = frames_[static_cast<std::size_t>(frame)];
  const Sequence& seq = sequence_data_[static_cast<std::size_t>(si)];
  const TotalCaptureDataConfig& cfg = data_.totalcapture;
  SampleLabels out;
  out.subject = subjects_[static_cast<std::size_t>(seq.subject)];
  out.subject_id = seq.subject;
  out.action = sequences_[static_cast<std::size_t>(seq.sequence)];
  out.action_id = seq.sequence;
  out.sequence = split_sequence(out.action).second;
  out.frame = seq.frame_numbers[static_cast<std::size_t>(k)];
  out.joints_world_mm = seq.joints_mm[k].clone();
  const at::Tensor hips = seq.hips_mm[k];
  const Eigen::Vector3d hips_world(
      hips[0].item<double>(), hips[1].item<double>(), hips[2].item<double>());
  const std::vector<TemplateField> base = sequence_fields(seq);
  for (std::size_t v = 0; v < camera_numbers_.size(); ++v) {
    const Camera& camera = cameras_[v];
    std::vector<TemplateField> fields = base;
    fields.push_back(number_field("camera", camera_numbers_[v]));
    if (cfg.frames == FrameSource::kVideo) {
      out.images.push_back(
          {resolve_path(data_.root,
                        fill_template(cfg.video_file, fields, "data.totalcapture.video_file")),
           out.frame});
    } else {
      fields.push_back(number_field("frame", out.frame));
      out.images.push_back(
          {resolve_path(data_.root,
                        fill_template(cfg.image_file, fields, "data.totalcapture.image_file")),
           -1});
    }
    // The toolbox's box: corners offset from the hips in the camera frame at hip depth.
    const Eigen::Vector3d h = camera.world_to_camera(hips_world);
    const auto corner = [&](double dx, double dy) {
      const Eigen::Vector3d p = h + Eigen::Vector3d(dx, dy, 0);
      return camera.normalized_to_pixel(p.head<2>() / p.z());
    };
    const Eigen::Vector2d tl = corner(cfg.root_box_mm[0], cfg.root_box_mm[1]);
    const Eigen::Vector2d br = corner(cfg.root_box_mm[2], cfg.root_box_mm[3]);
    out.boxes.emplace_back(tl.x(), tl.y(), br.x(), br.y());
    out.present.push_back(true);
    out.cameras.push_back(camera);
  }
  return out;
}

}  // namespace mvpose3d
