#include "mvpose3d/infer/infer_session.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/labeled/image_crop.h"
#include "mvpose3d/geometry/skeleton.h"
#include "mvpose3d/mocap/triangulate_keypoints.h"
#include "mvpose3d/models/view_count.h"
#include "mvpose3d/ops/triangulate.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include <ATen/ATen.h>
#include <Eigen/LU>
#include <spdlog/spdlog.h>

namespace mvpose3d::infer {

namespace {

using Clock = std::chrono::steady_clock;

// Passes over a batch whose boxes came from --initial-position, after the first.
constexpr int kInitialRefinements = 2;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Frame t's crops: one MultiviewSample (the evaluator's input type) with the crop cameras and
// affines; `present[v]` false where the view has no frame or no box (its image stays black).
MultiviewSample crop_frame(const std::vector<CameraFrame>& frames,
                           const std::vector<std::optional<Eigen::Vector4d>>& boxes,
                           const Rig& rig,
                           int size_px,
                           double box_scale,
                           std::int64_t joints,
                           std::vector<bool>& present) {
  const int views = static_cast<int>(frames.size());
  MultiviewSample s;
  s.images = at::zeros({views, 3, size_px, size_px}, at::kByte);  // [V, 3, S, S]
  s.joints_world_mm = at::zeros({joints, 3}, at::kDouble);
  s.joints_2d_px = at::zeros({views, joints, 2}, at::kDouble);
  s.visibility = at::zeros({views, joints}, at::kFloat);
  std::uint8_t* pixels = s.images.data_ptr<std::uint8_t>();
  const std::int64_t view_bytes = 3 * static_cast<std::int64_t>(size_px) * size_px;
  present.assign(static_cast<std::size_t>(views), false);
  for (int v = 0; v < views; ++v) {
    const auto vi = static_cast<std::size_t>(v);
    const Camera& camera = rig.camera(vi);
    // A missing view still needs a camera for the batch: any crop will do (its weight is 0).
    const Eigen::Vector4d fallback(0, 0, 99, 99);
    const CameraFrame& frame = frames[vi];
    // A box wholly outside the image (a track that left the view) is no view either.
    const bool usable =
        frame.present() && boxes[vi].has_value() && (*boxes[vi])(0) < frame.width - 0.5 &&
        (*boxes[vi])(1) < frame.height - 0.5 && (*boxes[vi])(2) > -0.5 && (*boxes[vi])(3) > -0.5;
    const CropPlan plan =
        plan_crop(camera, usable ? *boxes[vi] : fallback, size_px, box_scale, /*undistort=*/false);
    if (usable) {
      render_crop_from_bgr(
          {frame.bgr.data(), frame.width, frame.height}, camera, plan, pixels + v * view_bytes);
      present[vi] = true;
    }
    s.cameras.push_back(plan.camera);
    s.crop_from_original.push_back(plan.crop_from_original);
  }
  return s;
}

ops::TriangulationMethod network_solver(const RunConfig& config) {
  // The names of model.triangulation are the ops' method names.
  return ops::triangulation_method_from_string(to_string(config.model.triangulation));
}

}  // namespace

InferResult run_inference(const InferOptions& o, const BatchSink& sink) {
  MVPOSE3D_CHECK(o.batch >= 1, "--batch must be >= 1, got {}", o.batch);
  if (o.sources.size() != o.rig.size()) {
    throw UsageError(
        fmt::format("{} {} given for a rig of {} cameras ({}): one per camera, in rig "
                    "order",
                    o.sources.size(),
                    o.input == FrameInput::kVideos ? "videos" : "image folders",
                    o.rig.size(),
                    fmt::join(o.rig.camera_names(), ", ")));
  }
  // A rig of another camera count than training: fine for the networks that share their weights
  // across views, refused (naming the fusion's keys) for the concatenating ones.
  models::require_view_count_supported(o.config.model,
                                       o.config.data.num_views,
                                       static_cast<int64_t>(o.rig.size()),
                                       "the rig of --cameras");
  if (o.rig.size() != static_cast<std::size_t>(o.config.data.num_views)) {
    spdlog::info("the rig has {} cameras, the network was trained on {} (data.num_views)",
                 o.rig.size(),
                 o.config.data.num_views);
  }
  InferNetwork network(o.config, o.checkpoint, o.network);
  FrameReader reader(o.sources, o.input);
  PersonBoxes boxes(o.rig, o.boxes);
  const Skeleton& skeleton = skeleton_by_name(to_string(o.config.data.joints));
  const int views = static_cast<int>(o.rig.size());
  const std::int64_t joints = network.num_joints();
  MVPOSE3D_CHECK(joints == skeleton.num_joints(),
                 "infer: the network has {} joints, the skeleton {} has {}",
                 joints,
                 skeleton.name,
                 skeleton.num_joints());
  const std::int64_t frames =
      o.max_frames >= 0 ? std::min(o.max_frames, reader.frame_count()) : reader.frame_count();
  MVPOSE3D_CHECK(frames > 0, "infer: the session has no frames ({})", o.sources.front().string());

  InferResult r;
  r.joint_names = skeleton.joint_names;
  r.bones = skeleton.bones;
  r.frames = frames;
  r.fps = reader.fps();
  r.architecture = network.architecture();
  r.keypoints.view_names = o.rig.camera_names();
  r.keypoints.joint_names = skeleton.joint_names;
  r.keypoints.resize_missing(frames);
  r.tracks.joint_names = skeleton.joint_names;
  r.tracks.view_names = o.rig.camera_names();
  r.tracks.fps = r.fps;
  r.tracks.resize_invalid(frames);
  r.boxes_ltrb.assign(static_cast<std::size_t>(frames * views), Eigen::Vector4d::Constant(NAN));
  r.missing_boxes.assign(static_cast<std::size_t>(views), 0);

  ops::RobustTriangulateOptions solve;
  solve.solve.method = network_solver(o.config);
  solve.min_views = 2;
  solve.max_reproj_px = 0;  // the plain DLT, as in training and evaluation

  for (std::int64_t first = 0; first < frames; first += o.batch) {
    const std::int64_t count = std::min<std::int64_t>(o.batch, frames - first);
    std::vector<std::vector<CameraFrame>> decoded;
    auto t = Clock::now();
    for (std::int64_t b = 0; b < count; ++b) decoded.push_back(reader.read(first + b));
    r.seconds.decode += seconds_since(t);

    // The first boxes from --initial-position (a cube around it) are rough: such a batch is done
    // again with the boxes of its own poses, up to kInitialRefinements times; with --refine every
    // batch is done twice, the second time with each frame's own pose (tracking with --batch B
    // otherwise boxes B frames with a pose up to B frames old).
    for (int pass = 0;; ++pass) {
      std::vector<std::int64_t> missing_boxes(static_cast<std::size_t>(views), 0);
      bool from_initial = false;
      // A pass overwrites what an earlier pass of the batch wrote.
      for (std::int64_t b = 0; b < count; ++b) {
        for (std::int64_t j = 0; j < joints; ++j) {
          const std::size_t k = r.tracks.at(first + b, j);
          r.tracks.valid[k] = 0;
          for (std::size_t c = 0; c < 3; ++c) r.tracks.points[3 * k + c] = NAN;
          r.tracks.reproj_error_px[k] = NAN;
          r.tracks.score[k] = 0;
          for (int v = 0; v < views; ++v) {
            r.tracks.views_used[k * static_cast<std::size_t>(views) + static_cast<std::size_t>(v)] =
                0;
          }
        }
        for (int v = 0; v < views; ++v) {
          r.boxes_ltrb[static_cast<std::size_t>((first + b) * views + v)].setConstant(NAN);
          for (std::int64_t j = 0; j < joints; ++j) {
            const std::size_t k = r.keypoints.at(first + b, v, j);
            r.keypoints.xy_px[2 * k] = r.keypoints.xy_px[2 * k + 1] = NAN;
            r.keypoints.confidence[k] = 0;
          }
        }
      }
      // Crops around each view's box.
      t = Clock::now();
      std::vector<MultiviewSample> samples;
      std::vector<std::vector<bool>> present(static_cast<std::size_t>(count));
      for (std::int64_t b = 0; b < count; ++b) {
        const std::int64_t f = first + b;
        std::vector<std::optional<Eigen::Vector4d>> view_boxes;
        for (int v = 0; v < views; ++v) {
          view_boxes.push_back(boxes.box(f, v));
          if (!view_boxes.back()) ++missing_boxes[static_cast<std::size_t>(v)];
          if (boxes.source(f, v) == "initial") from_initial = true;
        }
        samples.push_back(crop_frame(decoded[static_cast<std::size_t>(b)],
                                     view_boxes,
                                     o.rig,
                                     network.crop_size_px(),
                                     o.box_scale,
                                     joints,
                                     present[static_cast<std::size_t>(b)]));
        for (int v = 0; v < views; ++v) {
          if (present[static_cast<std::size_t>(b)][static_cast<std::size_t>(v)]) {
            r.boxes_ltrb[static_cast<std::size_t>(f * views + v)] =
                *view_boxes[static_cast<std::size_t>(v)];
          }
        }
      }
      r.seconds.crop += seconds_since(t);

      t = Clock::now();
      const NetworkOutput out = network.run(samples);
      r.seconds.network += seconds_since(t);

      // Back to each original image (through the inverse crop affine, in double), then the DLT.
      t = Clock::now();
      mocap::Keypoints2d batch_keypoints;
      batch_keypoints.view_names = r.keypoints.view_names;
      batch_keypoints.joint_names = r.keypoints.joint_names;
      batch_keypoints.resize_missing(count);
      auto crop_px = out.joints2d_crop_px.accessor<double, 4>();  // [B, V, J, 2]
      auto confidence = out.confidences.accessor<double, 3>();    // [B, V, J]
      for (std::int64_t b = 0; b < count; ++b) {
        const auto& sample = samples[static_cast<std::size_t>(b)];
        for (int v = 0; v < views; ++v) {
          if (!present[static_cast<std::size_t>(b)][static_cast<std::size_t>(v)]) continue;
          const Eigen::Matrix<double, 2, 3>& a =
              sample.crop_from_original[static_cast<std::size_t>(v)];
          const Eigen::Matrix2d inverse = a.leftCols<2>().inverse();
          for (std::int64_t j = 0; j < joints; ++j) {
            const Eigen::Vector2d q(crop_px[b][v][j][0], crop_px[b][v][j][1]);
            const Eigen::Vector2d image_px = inverse * (q - a.col(2));
            const std::size_t k = batch_keypoints.at(b, v, j);
            batch_keypoints.xy_px[2 * k] = image_px.x();
            batch_keypoints.xy_px[2 * k + 1] = image_px.y();
            // Weight 1 for every present view: the network was trained with an unweighted DLT.
            batch_keypoints.confidence[k] = 1.0;
            const std::size_t all = r.keypoints.at(first + b, v, j);
            r.keypoints.xy_px[2 * all] = image_px.x();
            r.keypoints.xy_px[2 * all + 1] = image_px.y();
            r.keypoints.confidence[all] = confidence[b][v][j];
          }
        }
      }
      const mocap::KeypointTriangulation solved =
          mocap::triangulate_keypoints(o.rig, batch_keypoints, solve);
      const mocap::Tracks3d& bt = solved.tracks;
      std::vector<Eigen::Vector3d> last_pose;
      for (std::int64_t b = 0; b < count; ++b) {
        last_pose.assign(static_cast<std::size_t>(joints), Eigen::Vector3d::Constant(NAN));
        for (std::int64_t j = 0; j < joints; ++j) {
          const std::size_t from = bt.at(b, j), to = r.tracks.at(first + b, j);
          if (!bt.valid[from]) continue;
          r.tracks.valid[to] = 1;
          for (std::size_t c = 0; c < 3; ++c) r.tracks.points[3 * to + c] = bt.points[3 * from + c];
          r.tracks.reproj_error_px[to] = bt.reproj_error_px[from];
          double lowest = 1.0;
          for (int v = 0; v < views; ++v) {
            const std::size_t used =
                from * static_cast<std::size_t>(views) + static_cast<std::size_t>(v);
            if (!bt.views_used[used]) continue;
            r.tracks
                .views_used[to * static_cast<std::size_t>(views) + static_cast<std::size_t>(v)] = 1;
            lowest = std::min(lowest, confidence[b][v][j]);
          }
          r.tracks.score[to] = lowest;
          last_pose[static_cast<std::size_t>(j)] = Eigen::Vector3d(
              bt.points[3 * from], bt.points[3 * from + 1], bt.points[3 * from + 2]);
        }
        // Tracking: the next batch's boxes come from the last frame's pose; a second pass over
        // this batch from each frame's own.
        boxes.track(first + b, last_pose);
      }
      r.seconds.dlt += seconds_since(t);

      const bool again = (from_initial && pass < kInitialRefinements) || (o.refine && pass == 0);
      if (!again || !boxes.tracking()) {
        for (int v = 0; v < views; ++v) {
          r.missing_boxes[static_cast<std::size_t>(v)] +=
              missing_boxes[static_cast<std::size_t>(v)];
        }
        break;
      }
    }

    if (sink) {
      t = Clock::now();
      sink(r, BatchView{first, &decoded});
      r.seconds.write += seconds_since(t);
    }
  }
  r.missing_frames = reader.missing();
  return r;
}

std::string stage_report(const StageSeconds& s, std::int64_t frames) {
  const auto rate = [frames](double seconds) {
    return seconds > 0 ? fmt::format("{:.1f}", static_cast<double>(frames) / seconds)
                       : std::string("-");
  };
  return fmt::format(
      "{} frames in {:.2f} s: {} frames/s overall; per stage (frames/s): decode {}, crop {}, "
      "network {}, DLT {}, write {}",
      frames,
      s.total(),
      rate(s.total()),
      rate(s.decode),
      rate(s.crop),
      rate(s.network),
      rate(s.dlt),
      rate(s.write));
}

double track_mpjpe_mm(const mocap::Tracks3d& tracks,
                      const std::vector<double>& truth_mm,
                      std::int64_t* valid_count) {
  MVPOSE3D_CHECK(truth_mm.size() == tracks.points.size(),
                 "MPJPE: the ground truth holds {} numbers, the tracks {} ({} frames x {} joints "
                 "x 3)",
                 truth_mm.size(),
                 tracks.points.size(),
                 tracks.frames,
                 tracks.joints());
  MVPOSE3D_CHECK(tracks.unit == "mm", "MPJPE: the tracks are in {}, not mm", tracks.unit);
  double sum = 0;
  std::int64_t n = 0;
  for (std::size_t k = 0; k < tracks.valid.size(); ++k) {
    if (!tracks.valid[k]) continue;
    const Eigen::Vector3d d(tracks.points[3 * k] - truth_mm[3 * k],
                            tracks.points[3 * k + 1] - truth_mm[3 * k + 1],
                            tracks.points[3 * k + 2] - truth_mm[3 * k + 2]);
    sum += d.norm();
    ++n;
  }
  if (valid_count) *valid_count = n;
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

}  // namespace mvpose3d::infer
