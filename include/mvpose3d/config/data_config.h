// The `data` section: which dataset, which views and joints, and the input pipeline.
#pragma once

#include "mvpose3d/config/schema.h"
#include "mvpose3d/core/limits.h"

#include <map>
#include <string>
#include <vector>

namespace mvpose3d {

// data.type: which dataset the samples come from (data/dataset_factory.h makes its reader).
enum class DatasetType { kSynthetic, kH36m, kTotalCapture };
template <>
struct EnumNames<DatasetType> {
  static constexpr EnumName<DatasetType> table[] = {{DatasetType::kSynthetic, "synthetic"},
                                                    {DatasetType::kH36m, "h36m"},
                                                    {DatasetType::kTotalCapture, "totalcapture"}};
};

// data.joints: the skeleton and its joint order. The names are those of geometry/skeleton.h's
// skeletons: skeleton_by_name(to_string(joints)) gives the Skeleton (config sees no geometry).
enum class JointSet { kH36m17, kTc16, kVicon21 };
template <>
struct EnumNames<JointSet> {
  static constexpr EnumName<JointSet> table[] = {
      {JointSet::kH36m17, "h36m17"}, {JointSet::kTc16, "tc16"}, {JointSet::kVicon21, "vicon21"}};
};

// data.synthetic.bvh.up_axis
enum class UpAxis { kY, kZ };
template <>
struct EnumNames<UpAxis> {
  static constexpr EnumName<UpAxis> table[] = {{UpAxis::kY, "y"}, {UpAxis::kZ, "z"}};
};

// data.synthetic.rig_randomization
enum class RigRandomization { kJitter, kRandom };
template <>
struct EnumNames<RigRandomization> {
  static constexpr EnumName<RigRandomization> table[] = {{RigRandomization::kJitter, "jitter"},
                                                         {RigRandomization::kRandom, "random"}};
};

// data.h36m.missing_views
enum class MissingViews { kSkip, kKeep };
template <>
struct EnumNames<MissingViews> {
  static constexpr EnumName<MissingViews> table[] = {{MissingViews::kSkip, "skip"},
                                                     {MissingViews::kKeep, "keep"}};
};

// data.totalcapture.frames
enum class FrameSource { kImages, kVideo };
template <>
struct EnumNames<FrameSource> {
  static constexpr EnumName<FrameSource> table[] = {{FrameSource::kImages, "images"},
                                                    {FrameSource::kVideo, "video"}};
};

// data.synthetic.rig_jitter: per-sample perturbation of every camera (uniform in ±value).
struct RigJitterConfig {
  double azimuth_deg = 20;
  double height_mm = 300;
  double distance_mm = 500;
  double look_at_mm = 200;
  double focal_rel = 0.1;

  template <class Visitor>
  void visit(Visitor& v) {
    v("azimuth_deg", azimuth_deg, "turn each camera about the vertical, degrees", NonNegative());
    v("height_mm", height_mm, "raise or lower each camera, mm", NonNegative());
    v("distance_mm", distance_mm, "move each camera nearer or farther, mm", NonNegative());
    v("look_at_mm",
      look_at_mm,
      "re-aim each camera at the capture centre plus this, mm per axis",
      NonNegative());
    v("focal_rel", focal_rel, "scale each focal length by 1 +- this", InRangeOpenHigh(0, 1));
  }
};
MVPOSE3D_CONFIG_EQUALITY(RigJitterConfig)

// data.synthetic.random_rig: rigs drawn at random (unseen-camera tests, rig_randomization: random).
struct RandomRigConfig {
  std::vector<double> distance_mm{3500, 5800};
  std::vector<double> height_mm{600, 2400};
  std::vector<double> focal_px{1000, 1300};
  double azimuth_jitter_deg = 25;
  double look_at_jitter_mm = 300;

  template <class Visitor>
  void visit(Visitor& v) {
    v("distance_mm",
      distance_mm,
      "[min, max] horizontal distance of a camera to the capture "
      "centre, mm",
      Positive() && MinSize(2));
    v("height_mm",
      height_mm,
      "[min, max] camera height above the floor, mm",
      NonNegative() && MinSize(2));
    v("focal_px", focal_px, "[min, max] focal length for 1000 px images", Positive() && MinSize(2));
    v("azimuth_jitter_deg",
      azimuth_jitter_deg,
      "azimuth jitter around even spacing, degrees",
      NonNegative());
    v("look_at_jitter_mm",
      look_at_jitter_mm,
      "aim jitter around the capture centre, mm per axis",
      NonNegative());
  }
};
MVPOSE3D_CONFIG_EQUALITY(RandomRigConfig)

// data.synthetic.bvh: motion capture (BVH) instead of, or mixed with, the procedural motion.
struct BvhDataConfig {
  std::vector<std::string> files;
  double fraction = 1.0;
  double scale_to_mm = 10.0;
  UpAxis up_axis = UpAxis::kY;
  bool recenter = true;
  // The defaults fit CMU-style BVH joint names.
  std::map<std::string, std::string> joint_map{{"Pelvis", "Hips"},
                                               {"RHip", "RightUpLeg"},
                                               {"RKnee", "RightLeg"},
                                               {"RAnkle", "RightFoot"},
                                               {"LHip", "LeftUpLeg"},
                                               {"LKnee", "LeftLeg"},
                                               {"LAnkle", "LeftFoot"},
                                               {"Spine", "Spine"},
                                               {"Thorax", "Neck"},
                                               {"Neck/Nose", "Head"},
                                               {"HeadTop", "Head_End"},
                                               {"LShoulder", "LeftArm"},
                                               {"LElbow", "LeftForeArm"},
                                               {"LWrist", "LeftHand"},
                                               {"RShoulder", "RightArm"},
                                               {"RElbow", "RightForeArm"},
                                               {"RWrist", "RightHand"}};

  template <class Visitor>
  void visit(Visitor& v) {
    v("files", files, "BVH files or folders (searched recursively for *.bvh); empty = none");
    v("fraction",
      fraction,
      "share of samples taken from BVH when files are given (the rest is procedural)",
      InRange(0, 1));
    v("scale_to_mm", scale_to_mm, "length of one BVH unit in mm (10 = centimetres)", Positive());
    v("up_axis", up_axis, "the BVH's up axis");
    v("recenter", recenter, "move each clip so that its mean pelvis position is over the origin");
    v("joint_map",
      joint_map,
      "H36M-17 joint -> BVH joint, or A+B for the mean of several (End Sites are <parent>_End)");
  }
};
MVPOSE3D_CONFIG_EQUALITY(BvhDataConfig)

// data.synthetic: the procedurally rendered dataset (used when data.type is "synthetic"); see
// docs/data_synthetic.md.
struct SyntheticDataConfig {
  int samples_per_epoch = 10000;
  int test_samples = 1000;
  std::vector<std::string> actions{
      "walking", "turning", "sitting", "bending", "gestures", "reaching", "squatting", "idle"};
  int sequences_per_subject = 50;
  int frames_per_sequence = 1500;
  double fps = 50;
  double area_radius_mm = 1200;
  int occluders = 1;
  double occluder_prob = 0.5;
  double occluder_spread_mm = 350;
  double truncation_prob = 0.1;
  double truncation_max = 0.3;
  std::vector<double> crop_scale{1.15, 1.35};
  double blur_prob = 0.2;
  std::vector<double> blur_sigma_px{0.6, 1.6};
  double noise_std = 0.02;
  double color_jitter = 0.08;
  int background_shapes = 16;
  bool floor = true;
  bool randomize_rig = false;
  RigRandomization rig_randomization = RigRandomization::kJitter;
  RigJitterConfig rig_jitter;
  RandomRigConfig random_rig;
  double rig_yaw_deg = 0;
  double rotated_yaw_deg = 45;
  bool symmetric_appearance = true;
  BvhDataConfig bvh;

  template <class Visitor>
  void visit(Visitor& v) {
    v("samples_per_epoch", samples_per_epoch, "training samples drawn per epoch", Positive());
    v("test_samples", test_samples, "size of the fixed test set", Positive());
    v("actions",
      actions,
      "motion families drawn from",
      OneOf({"walking",
             "turning",
             "sitting",
             "bending",
             "gestures",
             "reaching",
             "squatting",
             "idle"}) &&
          MinSize(1));
    v("sequences_per_subject",
      sequences_per_subject,
      "sequences per subject and action",
      Positive());
    v("frames_per_sequence", frames_per_sequence, "frames per sequence", Positive());
    v("fps", fps, "frame rate of the motion, frames per second", Positive());
    v("area_radius_mm",
      area_radius_mm,
      "the pelvis stays within this distance of the world "
      "origin, mm",
      Positive());
    v("occluders",
      occluders,
      "random occluding objects placed in front of each view",
      NonNegative());
    v("occluder_prob",
      occluder_prob,
      "probability that each of those occluders is present",
      InRange(0, 1));
    v("occluder_spread_mm",
      occluder_spread_mm,
      "sideways offset of an occluder from the line of "
      "sight, mm",
      NonNegative());
    v("truncation_prob",
      truncation_prob,
      "probability that a view's crop cuts off part of the "
      "body",
      InRange(0, 1));
    v("truncation_max",
      truncation_max,
      "largest shift of a truncated crop, fraction of its side",
      InRange(0, 0.5));
    v("crop_scale",
      crop_scale,
      "[min, max] crop side over the side of the 2D joint box",
      Positive() && MinSize(2));
    v("blur_prob", blur_prob, "probability that a view is blurred", InRange(0, 1));
    v("blur_sigma_px",
      blur_sigma_px,
      "[min, max] Gaussian blur sigma, px",
      Positive() && MinSize(2));
    v("noise_std",
      noise_std,
      "standard deviation of additive pixel noise, for intensities in [0, 1]",
      NonNegative());
    v("color_jitter", color_jitter, "per-view colour gain and offset jitter", InRange(0, 0.5));
    v("background_shapes",
      background_shapes,
      "clutter shapes in each view's background",
      NonNegative());
    v("floor", floor, "render a textured floor under the subject");
    v("randomize_rig",
      randomize_rig,
      "jitter every camera of the rig per sample instead of using the fixed rig");
    v("rig_randomization",
      rig_randomization,
      "per-sample rigs: jitter around data.rig, or "
      "random rigs");
    v("rig_jitter", rig_jitter, "per-sample camera jitter (rig_randomization: jitter)");
    v("random_rig", random_rig, "random rigs (unseen cameras, rig_randomization: random)");
    v("rig_yaw_deg", rig_yaw_deg, "turn data.rig about the vertical axis, degrees");
    v("rotated_yaw_deg", rotated_yaw_deg, "further turn of the rotated test camera set, degrees");
    v("symmetric_appearance",
      symmetric_appearance,
      "left and right limbs look alike, as on real people: no colour coding");
    v("bvh", bvh, "motion capture (BVH) instead of, or mixed with, the procedural motion");
  }
};
MVPOSE3D_CONFIG_EQUALITY(SyntheticDataConfig)

// data.h36m.augment / data.totalcapture.augment: random changes of training samples (never of test
// samples). Each sample's changes are a pure function of (seed, sample index), as the loader needs.
struct AugmentConfig {
  bool enabled = false;
  double scale = 0.0;
  double shift = 0.0;
  double rotation_deg = 0.0;
  double color = 0.0;
  double flip_prob = 0.0;
  int repeats = 1;

  template <class Visitor>
  void visit(Visitor& v) {
    v("enabled", enabled, "augment the training split (the test split never is)");
    v("scale", scale, "crop side times 1 +- scale, uniform per view", InRangeOpenHigh(0, 1));
    v("shift",
      shift,
      "crop centre moved by +- shift times the crop side, per axis",
      InRange(0, 0.5));
    v("rotation_deg",
      rotation_deg,
      "in-plane rotation about the crop centre, +- degrees (the crop is rendered through a "
      "rotated pinhole camera)",
      InRange(0, 180));
    v("color",
      color,
      "per-channel gain 1 +- color and offset +- 40*color grey levels, per view",
      InRange(0, 1));
    v("flip_prob",
      flip_prob,
      "probability of mirroring a whole sample: every image flipped, the world mirrored (x -> -x), "
      "cameras and left/right joints swapped to match",
      InRange(0, 1));
    v("repeats",
      repeats,
      "the training split is repeated this many times, each copy with its own augmentation",
      AtLeast(1));
  }
};
MVPOSE3D_CONFIG_EQUALITY(AugmentConfig)

// Human3.6M's 15 actions by their release names, in the column order of the papers' tables.
inline std::vector<std::string> h36m_release_actions() {
  return {"Directions",
          "Discussion",
          "Eating",
          "Greeting",
          "Phoning",
          "Photo",
          "Posing",
          "Purchases",
          "Sitting",
          "SittingDown",
          "Smoking",
          "Waiting",
          "WalkDog",
          "Walking",
          "WalkTogether"};
}

// data.h36m: Human3.6M from the labels converted by tools/convert_h36m_labels.py (learnable-
// triangulation's labels .npy or H36M-Toolbox/Qiu's pickles) and an image tree (docs/datasets.md).
struct H36mDataConfig {
  std::string labels = "extra/h36m_labels.h5";
  std::string image_file =
      "processed/{subject}/{lt_action}-{subaction}/imageSequence-undistorted/{camera}/"
      "img_{frame1:06d}.jpg";
  bool undistorted_images = true;
  bool undistort = false;
  std::string cameras_file;
  std::vector<std::string> cameras{"54138969", "55011271", "58860488", "60457274"};
  std::vector<std::string> actions = h36m_release_actions();
  std::vector<std::string> excluded_sequences{"S9/Greeting-2", "S9/SittingDown-2", "S9/Waiting-1"};
  int frame_step_train = 5;
  int frame_step_test = 64;
  MissingViews missing_views = MissingViews::kSkip;
  bool skip_missing = false;
  double bbox_scale = 1.0;
  std::string crop_cache;
  AugmentConfig augment;

  template <class Visitor>
  void visit(Visitor& v) {
    v("labels",
      labels,
      "labels file written by tools/convert_h36m_labels.py, relative to data.root (or absolute)");
    v("image_file",
      image_file,
      "image path template relative to data.root; placeholders {subject} {subject_id} {action} "
      "{lt_action} {action_id} {subaction} {camera} {camera_index} {frame} {frame1} "
      "(docs/datasets.md)");
    v("undistorted_images",
      undistorted_images,
      "the images are undistorted copies (imageSequence-undistorted): pinhole cameras; false = "
      "original images with the H36M distortion model");
    v("undistort",
      undistort,
      "with distorted images: remap every crop to a pinhole camera while loading");
    v("cameras_file",
      cameras_file,
      "una-dinosauria cameras.h5 whose cameras replace the labels' cameras, \"\" = use the "
      "labels'");
    v("cameras",
      cameras,
      "camera serials used as views, in view order (the seen set)",
      OneOf({"54138969", "55011271", "58860488", "60457274"}) && MinSize(1));
    v("actions",
      actions,
      "actions used, by release name",
      Constraint::one_of(h36m_release_actions()) && MinSize(1));
    v("excluded_sequences",
      excluded_sequences,
      "sequences left out, as SUBJECT/ACTION-SUBACTION (release or learnable-triangulation action "
      "names), e.g. S9/Greeting-2");
    v("frame_step_train",
      frame_step_train,
      "keep every n-th frame of each training sequence",
      AtLeast(1));
    v("frame_step_test",
      frame_step_test,
      "keep every n-th frame of each test sequence",
      AtLeast(1));
    v("missing_views",
      missing_views,
      "frames where a view is missing (all-zero box, e.g. S11 Directions-2 camera 54138969): skip "
      "the frame, or keep it with a black view whose joints are invisible");
    v("skip_missing",
      skip_missing,
      "check every image when the dataset is opened; log and skip samples with a missing image "
      "instead of failing when one is read");
    v("bbox_scale", bbox_scale, "crop side over the side of the squared bounding box", Positive());
    v("crop_cache",
      crop_cache,
      "directory of HDF5 shards of finished crops (written by `mvpose3d data cache`), read "
      "instead of the images by splits that are not augmented; \"\" = none");
    v("augment", augment, "training augmentation");
  }
};
MVPOSE3D_CONFIG_EQUALITY(H36mDataConfig)

// data.totalcapture: Total Capture from the raw release (calibration.cal, gt_skel_gbl_pos.txt and
// videos or extracted frames; docs/datasets.md).
struct TotalCaptureDataConfig {
  std::string calibration = "calibration.cal";
  std::string pose_file = "{subject_lower}/{sequence}/gt_skel_gbl_pos.txt";
  FrameSource frames = FrameSource::kImages;
  std::string image_file =
      "images/s_{subject_id:02d}_act_{action_id:02d}_subact_{take:02d}_ca_{camera:02d}/"
      "{frame:06d}.jpg";
  std::string video_file = "{subject_lower}/{sequence}/TC_{subject}_{sequence}_cam{camera}.mp4";
  std::vector<std::string> train_sequences{"rom1",
                                           "rom2",
                                           "rom3",
                                           "walking1",
                                           "walking3",
                                           "freestyle1",
                                           "freestyle2",
                                           "acting1",
                                           "acting2"};
  std::vector<std::string> test_sequences{"walking2", "freestyle3", "acting3"};
  std::vector<int> seen_cameras{1, 3, 5, 7};
  std::vector<int> unseen_cameras{2, 4, 6, 8};
  int frame_step_train = 5;
  int frame_step_test = 16;
  bool distortion = true;
  bool undistort = false;
  std::vector<double> root_box_mm{-1000, -900, 1000, 1100};
  double bbox_scale = 1.0;
  bool skip_missing = false;
  std::string crop_cache;
  AugmentConfig augment;

  template <class Visitor>
  void visit(Visitor& v) {
    v("calibration", calibration, "camera calibration file, relative to data.root (or absolute)");
    v("pose_file",
      pose_file,
      "gt_skel_gbl_pos.txt path template relative to data.root; placeholders {subject} "
      "{subject_lower} {subject_id} {sequence} {action} {action_id} {take} (docs/datasets.md)");
    v("frames",
      frames,
      "where frames come from: extracted images (image_file) or the videos (video_file)");
    v("image_file",
      image_file,
      "frame image path template relative to data.root; placeholders as pose_file plus {camera} "
      "(1-8) and {frame} (0-based)");
    v("video_file",
      video_file,
      "video path template relative to data.root; placeholders as pose_file plus {camera}");
    v("train_sequences",
      train_sequences,
      "sequences of the training split (action name + take, e.g. walking1)",
      MinSize(1));
    v("test_sequences",
      test_sequences,
      "sequences of the test split (the paper: walking2, freestyle3, acting3)",
      MinSize(1));
    v("seen_cameras",
      seen_cameras,
      "cameras (1-8) of training and of the seen test set, in view order",
      InRange(1, 8) && MinSize(1));
    v("unseen_cameras",
      unseen_cameras,
      "cameras (1-8) of the unseen test set, in view order",
      InRange(1, 8) && MinSize(1));
    v("frame_step_train",
      frame_step_train,
      "keep every n-th frame of each training sequence",
      AtLeast(1));
    v("frame_step_test",
      frame_step_test,
      "keep every n-th frame of each test sequence",
      AtLeast(1));
    v("distortion",
      distortion,
      "apply the radial distortion term of the calibration file (the images are the originals)");
    v("undistort", undistort, "remap every crop to a pinhole camera while loading");
    v("root_box_mm",
      root_box_mm,
      "crop box around the hips in the camera frame at hip depth: [left, top, right, bottom] "
      "offsets in mm (y down; the toolbox box is [-1000, -900, 1000, 1100])",
      MinSize(4));
    v("bbox_scale", bbox_scale, "crop side over the side of the squared box", Positive());
    v("skip_missing",
      skip_missing,
      "check every frame when the dataset is opened; log and skip samples whose image or video "
      "is missing instead of failing");
    v("crop_cache",
      crop_cache,
      "directory of HDF5 shards of finished crops (written by `mvpose3d data cache`), read "
      "instead of the frames by splits that are not augmented; \"\" = none");
    v("augment", augment, "training augmentation");
  }
};
MVPOSE3D_CONFIG_EQUALITY(TotalCaptureDataConfig)

// The allowed side of the square input crop (data.crop_size_px), pixels: the one range every
// dataset accepts.
inline constexpr int kMinCropSizePx = 32;
inline constexpr int kMaxCropSizePx = 512;

struct DataConfig {
  DatasetType type = DatasetType::kSynthetic;
  std::string root;
  int crop_size_px = 128;
  int num_views = 4;
  JointSet joints = JointSet::kH36m17;
  std::vector<std::string> train_subjects{"S1", "S5", "S6", "S7", "S8"};
  std::vector<std::string> test_subjects{"S9", "S11"};
  std::string rig = "h36m";
  int workers = 2;
  int prefetch = 2;
  SyntheticDataConfig synthetic;
  H36mDataConfig h36m;
  TotalCaptureDataConfig totalcapture;

  template <class Visitor>
  void visit(Visitor& v) {
    v("type", type, "dataset");
    v("root", root, "dataset directory, unused by synthetic data");
    v("crop_size_px",
      crop_size_px,
      "side of the square input crop, in pixels",
      InRange(kMinCropSizePx, kMaxCropSizePx));
    v("num_views", num_views, "camera views per sample", AtLeast(1));
    v("joints", joints, "skeleton and joint order");
    v("train_subjects", train_subjects, "subjects used for training");
    v("test_subjects", test_subjects, "subjects used for evaluation");
    v("rig", rig, "camera rig: a rig name or a rig YAML file");
    v("workers",
      workers,
      "data loading threads, 0 = load on the training thread",
      InRange(0, kMaxLoaderWorkers));
    v("prefetch", prefetch, "batches prepared ahead per worker", NonNegative());
    v("synthetic", synthetic, "options of the synthetic dataset, used when data.type is synthetic");
    v("h36m", h36m, "options of the Human3.6M reader, used when data.type is h36m");
    v("totalcapture",
      totalcapture,
      "options of the Total Capture reader, used when data.type is totalcapture");
  }
};
MVPOSE3D_CONFIG_EQUALITY(DataConfig)

}  // namespace mvpose3d
