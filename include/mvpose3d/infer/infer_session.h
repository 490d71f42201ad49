// `mvpose3d infer`'s pipeline: a trained network on a user's synchronised cameras, frame by frame.
//
//   decode   FrameReader: frame k of every camera (videos or image folders); a camera without
//            frame k is a missing view;
//   crop     PersonBoxes: the person's box in each view; plan_crop and render_crop_from_bgr, the
//            crop code of the labelled datasets (data/labeled/image_crop.h), around it;
//   network  InferNetwork on --batch frames at a time: 2D joints and confidences per view;
//   DLT      the 2D joints in the original images (through each crop's affine), undistorted by each
//            camera's model, triangulated by the network's own DLT solver (model.triangulation)
//            with weight 1 per present view and 0 per missing one, as the network was trained and
//            evaluated (mocap::triangulate_keypoints); per joint the mean reprojection error of its
//            views and its lowest view confidence;
//   write    what the caller does with each batch (the sink: overlays), and the exports at the end.
// Each stage is timed separately (StageSeconds).
//
// Camera count: the views are passed to the network as they are. A network whose fusion block
// concatenates views (model.fusion: fusion, or canonical with concat pooling) needs the camera
// count it was trained with; that rule is checked by the caller.
#pragma once

#include "mvpose3d/config/run_config.h"
#include "mvpose3d/geometry/rig.h"
#include "mvpose3d/infer/frame_reader.h"
#include "mvpose3d/infer/infer_network.h"
#include "mvpose3d/infer/person_boxes.h"
#include "mvpose3d/mocap/keypoints2d.h"
#include "mvpose3d/mocap/tracks3d.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace mvpose3d::infer {

struct InferOptions {
  std::filesystem::path checkpoint;
  RunConfig config;                            // the run config the checkpoint was trained with
  Rig rig;                                     // the user's cameras, world mm
  std::vector<std::filesystem::path> sources;  // one video or image folder per camera, rig order
  FrameInput input = FrameInput::kVideos;
  PersonBoxOptions boxes;
  double box_scale = 1.25;       // crop side = box_scale · max(box width, height)
  int batch = 1;                 // frames per forward pass
  bool refine = false;           // tracking: a second pass per batch with each frame's own pose
  std::int64_t max_frames = -1;  // the first max_frames frames (-1: all)
  InferNetworkOptions network;
};

// Wall-clock seconds per stage.
struct StageSeconds {
  double decode = 0, crop = 0, network = 0, dlt = 0, write = 0;
  double total() const { return decode + crop + network + dlt + write; }
};

// One processed batch, handed to the sink while its frames are still decoded.
struct BatchView {
  std::int64_t first_frame = 0;
  const std::vector<std::vector<CameraFrame>>* frames = nullptr;  // [b][V]
};

struct InferResult {
  std::vector<std::string> joint_names;    // [J]
  std::vector<std::pair<int, int>> bones;  // (child, parent) joint pairs, for drawing
  mocap::Keypoints2d keypoints;  // [F, V, J] observed image px; confidence 0 where missing
  mocap::Tracks3d tracks;        // [F, J] world mm; score = the lowest used view's confidence
  std::vector<Eigen::Vector4d> boxes_ltrb;   // [F·V] the crop boxes; NaN where the view is missing
  std::vector<std::int64_t> missing_frames;  // [V] frames the camera did not have
  std::vector<std::int64_t> missing_boxes;   // [V] frames without a box for the camera
  std::int64_t frames = 0;
  double fps = 0;  // the videos' frame rate (0: unknown)
  StageSeconds seconds;
  std::string architecture;
};

// Called after each batch with the result so far (the batch's frames filled in) and the batch's
// decoded frames; its time is counted as "write".
using BatchSink = std::function<void(const InferResult& so_far, const BatchView& batch)>;

// Runs the pipeline over the session. Throws UsageError or Error naming what is wrong (a source
// count that is not the rig's camera count, an unreadable source, a checkpoint that does not fit).
InferResult run_inference(const InferOptions& options, const BatchSink& sink = {});

// The frames per second of each stage and of the whole pipeline, one line.
std::string stage_report(const StageSeconds& seconds, std::int64_t frames);

// MPJPE in mm of `tracks` against ground truth [F, J, 3] world mm (row-major), over the frames
// and joints where the track is valid; NaN when none is. `valid_count` gets the joints counted.
double track_mpjpe_mm(const mocap::Tracks3d& tracks,
                      const std::vector<double>& truth_mm,
                      std::int64_t* valid_count = nullptr);

}  // namespace mvpose3d::infer
