#include "mvpose3d/data/h36m/h36m_dataset.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/geometry/skeleton.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

namespace mvpose3d {

namespace {

int index_of(const std::vector<std::string>& list, const std::string& value) {
  const auto it = std::find(list.begin(), list.end(), value);
  return it == list.end() ? -1 : static_cast<int>(it - list.begin());
}

// "S9/Greeting-2" → (subject, release action, subaction); throws naming the config key.
std::tuple<std::string, std::string, int> parse_sequence(const std::string& text) {
  const std::string key = "data.h36m.excluded_sequences";
  const std::size_t slash = text.find('/');
  const std::size_t dash = text.rfind('-');
  MVPOSE3D_CHECK(slash != std::string::npos && dash != std::string::npos && dash > slash,
                 "{}: expected SUBJECT/ACTION-SUBACTION (e.g. S9/Greeting-2), found '{}'",
                 key,
                 text);
  const std::string subject = text.substr(0, slash);
  const std::string action = h36m_action_name(text.substr(slash + 1, dash - slash - 1));
  const std::string sub = text.substr(dash + 1);
  static const std::set<std::string> kSubjects{
      "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11"};
  MVPOSE3D_CHECK(kSubjects.count(subject) > 0,
                 "{}: '{}': unknown subject '{}' (expected S1..S11)",
                 key,
                 text,
                 subject);
  MVPOSE3D_CHECK(!action.empty(),
                 "{}: '{}': unknown action '{}' (expected one of: {})",
                 key,
                 text,
                 text.substr(slash + 1, dash - slash - 1),
                 fmt::join(h36m_actions(), ", "));
  MVPOSE3D_CHECK(
      sub == "1" || sub == "2", "{}: '{}': expected sub-action 1 or 2, found '{}'", key, text, sub);
  return {subject, action, std::stoi(sub)};
}

bool box_missing(const double* b) {
  return b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0;
}

}  // namespace

H36mDataset::H36mDataset(const DataConfig& data, std::int64_t seed, const std::string& split)
    : LabeledDataset(make_pipeline_options(data.crop_size_px,
                                           data.h36m.bbox_scale,
                                           data.h36m.undistort,
                                           data.h36m.augment,
                                           split,
                                           seed)),
      data_(data),
      split_(split) {
  const H36mDataConfig& cfg = data.h36m;
  MVPOSE3D_CHECK(
      split == "train" || split == "test", "h36m: unknown split '{}' (known: train, test)", split);
  MVPOSE3D_CHECK(data.joints == JointSet::kH36m17,
                 "data.joints is '{}', but the Human3.6M reader gives h36m17 joints",
                 to_string(data.joints));
  MVPOSE3D_CHECK(static_cast<std::size_t>(data.num_views) == cfg.cameras.size(),
                 "data.num_views is {} but data.h36m.cameras lists {} cameras",
                 data.num_views,
                 cfg.cameras.size());
  labels_ = std::make_shared<const H36mLabels>(
      read_h36m_labels_after_trial_read(resolve_path(data.root, cfg.labels)));
  const H36mLabels& file = *labels_;
  const std::string fname = file.file.string();

  for (const std::string& serial : cfg.cameras) {
    const int c = index_of(file.cameras, serial);
    MVPOSE3D_CHECK(c >= 0,
                   "data.h36m.cameras: camera '{}' is not in {} (it has: {})",
                   serial,
                   fname,
                   fmt::join(file.cameras, ", "));
    columns_.push_back(c);
  }
  const std::string subjects_key = split == "train" ? "data.train_subjects" : "data.test_subjects";
  subjects_ = split == "train" ? data.train_subjects : data.test_subjects;
  MVPOSE3D_CHECK(!subjects_.empty(), "{}: no subjects", subjects_key);
  subject_of_file_.assign(file.subjects.size(), -1);
  for (std::size_t i = 0; i < subjects_.size(); ++i) {
    const int s = index_of(file.subjects, subjects_[i]);
    MVPOSE3D_CHECK(s >= 0,
                   "{}: unknown subject '{}' (the labels file {} has: {})",
                   subjects_key,
                   subjects_[i],
                   fname,
                   fmt::join(file.subjects, ", "));
    subject_of_file_[static_cast<std::size_t>(s)] = static_cast<int>(i);
  }
  action_of_file_.assign(h36m_actions().size(), -1);
  for (std::size_t i = 0; i < cfg.actions.size(); ++i) {
    const int a = index_of(h36m_actions(), cfg.actions[i]);
    MVPOSE3D_CHECK(a >= 0,
                   "data.h36m.actions: unknown action '{}' (known: {})",
                   cfg.actions[i],
                   fmt::join(h36m_actions(), ", "));
    action_of_file_[static_cast<std::size_t>(a)] = static_cast<int>(i);
  }
  std::set<std::tuple<std::string, std::string, int>> excluded;
  for (const std::string& text : cfg.excluded_sequences) excluded.insert(parse_sequence(text));

  // Cameras per (labels-file subject, view): the labels' own, or una-dinosauria's cameras.h5.
  std::vector<H36mCameraRecord> records;
  if (!cfg.cameras_file.empty()) {
    records = read_h36m_cameras_h5(resolve_path(data.root, cfg.cameras_file));
  }
  cameras_.assign(file.subjects.size(), {});
  for (std::size_t s = 0; s < file.subjects.size(); ++s) {
    if (subject_of_file_[s] < 0) continue;
    const int number = std::stoi(file.subjects[s].substr(1));
    for (std::size_t v = 0; v < columns_.size(); ++v) {
      const int c = columns_[v];
      Camera camera;
      if (!records.empty()) {
        const auto it = std::find_if(records.begin(), records.end(), [&](const auto& r) {
          return r.subject == number && r.serial == cfg.cameras[v];
        });
        MVPOSE3D_CHECK(it != records.end(),
                       "data.h36m.cameras_file: no camera {} of subject {} in {}",
                       cfg.cameras[v],
                       file.subjects[s],
                       cfg.cameras_file);
        camera = it->camera;
      } else {
        MVPOSE3D_CHECK(file.calibrated[s][static_cast<std::size_t>(c)],
                       "{}: no calibration of camera {} for subject {}",
                       fname,
                       cfg.cameras[v],
                       file.subjects[s]);
        camera = file.calibration[s][static_cast<std::size_t>(c)];
      }
      if (cfg.undistorted_images) {
        // The images were undistorted: a pinhole camera with the same K sees them.
        camera = Camera::from_cam_from_world(
            camera.intrinsics(), camera.rotation(), camera.translation(), Distortion::none());
      }
      cameras_[s].push_back(camera);
    }
  }

  // Rows of the selected subjects and actions, not excluded, grouped by sequence in frame order.
  std::vector<std::int64_t> rows;
  for (std::int64_t r = 0; r < file.size(); ++r) {
    const std::size_t ri = static_cast<std::size_t>(r);
    const int s = file.subject[ri];
    const int a = file.action[ri];
    if (subject_of_file_[static_cast<std::size_t>(s)] < 0 ||
        action_of_file_[static_cast<std::size_t>(a)] < 0) {
      continue;
    }
    if (excluded.count({file.subjects[static_cast<std::size_t>(s)],
                        h36m_actions()[static_cast<std::size_t>(a)],
                        file.subaction[ri]}) > 0) {
      continue;
    }
    rows.push_back(r);
  }
  const auto key = [&](std::int64_t r) {
    const std::size_t ri = static_cast<std::size_t>(r);
    return std::make_tuple(subject_of_file_[static_cast<std::size_t>(file.subject[ri])],
                           action_of_file_[static_cast<std::size_t>(file.action[ri])],
                           file.subaction[ri],
                           file.frame[ri]);
  };
  std::stable_sort(
      rows.begin(), rows.end(), [&](std::int64_t a, std::int64_t b) { return key(a) < key(b); });
  const int step = split == "train" ? cfg.frame_step_train : cfg.frame_step_test;
  const double* boxes = file.boxes_ltrb.data_ptr<double>();
  const std::int64_t cams = file.boxes_ltrb.size(1);
  std::int64_t position = 0, skipped_views = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool new_sequence = i == 0 ||
                              std::get<0>(key(rows[i])) != std::get<0>(key(rows[i - 1])) ||
                              std::get<1>(key(rows[i])) != std::get<1>(key(rows[i - 1])) ||
                              std::get<2>(key(rows[i])) != std::get<2>(key(rows[i - 1]));
    position = new_sequence ? 0 : position + 1;
    if (position % step != 0) continue;
    std::vector<bool> present;
    for (const int c : columns_) present.push_back(!box_missing(boxes + (rows[i] * cams + c) * 4));
    const bool complete = std::all_of(present.begin(), present.end(), [](bool p) { return p; });
    if (!complete && cfg.missing_views == MissingViews::kSkip) {
      ++skipped_views;
      continue;
    }
    rows_.push_back(rows[i]);
    present_.push_back(present);
  }
  if (skipped_views > 0) {
    spdlog::info("h36m {}: skipped {} frames with a missing view (data.h36m.missing_views: skip)",
                 split,
                 skipped_views);
  }
  if (cfg.skip_missing) {
    const std::vector<std::int64_t> missing = frames_with_missing_files("h36m " + split);
    std::vector<bool> drop(rows_.size(), false);
    for (const std::int64_t f : missing) drop[static_cast<std::size_t>(f)] = true;
    std::vector<std::int64_t> kept_rows;
    std::vector<std::vector<bool>> kept_present;
    for (std::size_t f = 0; f < rows_.size(); ++f) {
      if (drop[f]) continue;
      kept_rows.push_back(rows_[f]);
      kept_present.push_back(present_[f]);
    }
    rows_ = std::move(kept_rows);
    present_ = std::move(kept_present);
  }
  MVPOSE3D_CHECK(!rows_.empty(),
                 "h36m {}: no frames selected from {} (subjects {}, {} actions, frame step {})",
                 split,
                 fname,
                 fmt::join(subjects_, ", "),
                 cfg.actions.size(),
                 step);
  labels(0);  // a bad data.h36m.image_file template fails here rather than in a loader thread
  use_crop_cache(cfg.crop_cache.empty() ? "" : resolve_path(data.root, cfg.crop_cache).string(),
                 "h36m-" + split);
  spdlog::info(
      "h36m {}: {} frames of {} subjects from {}", split, rows_.size(), subjects_.size(), fname);
}

const Skeleton& H36mDataset::skeleton() const {
  return h36m17_skeleton();
}

SampleLabels H36mDataset::labels(std::int64_t frame) const {
  MVPOSE3D_CHECK(
      frame >= 0 && frame < num_frames(), "h36m: frame {} is outside [0, {})", frame, num_frames());
  const H36mLabels& file = *labels_;
  const std::int64_t r = rows_[static_cast<std::size_t>(frame)];
  const std::size_t ri = static_cast<std::size_t>(r);
  const std::size_t s = static_cast<std::size_t>(file.subject[ri]);
  const std::string& action = h36m_actions()[static_cast<std::size_t>(file.action[ri])];
  SampleLabels out;
  out.subject = file.subjects[s];
  out.subject_id = subject_of_file_[s];
  out.action = action;
  out.action_id = action_of_file_[static_cast<std::size_t>(file.action[ri])];
  out.sequence = file.subaction[ri];
  out.frame = file.frame[ri];
  out.joints_world_mm = file.joints_world_mm[r].clone();
  const std::int64_t cams = file.boxes_ltrb.size(1);
  const double* boxes = file.boxes_ltrb.data_ptr<double>();
  const at::Tensor columns =
      at::tensor(std::vector<std::int64_t>(columns_.begin(), columns_.end()), at::kLong);
  if (file.joints_2d_px.defined()) {
    out.joints_2d_px = file.joints_2d_px[r].index_select(0, columns).contiguous();
  }
  const H36mDataConfig& cfg = data_.h36m;
  for (std::size_t v = 0; v < columns_.size(); ++v) {
    const int c = columns_[v];
    const std::string& serial = cfg.cameras[v];
    const std::vector<TemplateField> fields{
        text_field("subject", out.subject),
        number_field("subject_id", std::stoi(out.subject.substr(1))),
        text_field("action", action),
        text_field("lt_action", h36m_lt_action(action)),
        number_field("action_id", h36m_action_id(action)),
        number_field("subaction", out.sequence),
        text_field("camera", serial),
        number_field("camera_index", index_of(h36m_camera_serials(), serial) + 1),
        number_field("frame", out.frame),
        number_field("frame1", out.frame + 1)};
    out.images.push_back(
        {resolve_path(data_.root, fill_template(cfg.image_file, fields, "data.h36m.image_file")),
         -1});
    const double* b = boxes + (r * cams + c) * 4;
    out.boxes.emplace_back(b[0], b[1], b[2], b[3]);
    out.present.push_back(present_[static_cast<std::size_t>(frame)][v]);
    out.cameras.push_back(cameras_[s][v]);
  }
  return out;
}

}  // namespace mvpose3d
