// The Total Capture reader on the miniature raw release of fixtures/make_totalcapture_fixture.py:
// calibration.cal (t in metres, Y-up world), gt_skel_gbl_pos.txt (inches), extracted frames and
// videos, the paper's protocol, the toolbox's hip box, and the bad inputs.
#include "mvpose3d/core/error.h"
#include "mvpose3d/core/npy.h"
#include "mvpose3d/data/dataset_factory.h"
#include "mvpose3d/data/totalcapture/totalcapture_dataset.h"
#include "mvpose3d/data/totalcapture/totalcapture_files.h"
#include "mvpose3d/geometry/skeleton.h"

#include <fstream>
#include <gmock/gmock.h>
#include <unistd.h>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#if MVPOSE3D_TEST_WITH_VIDEO
#include <opencv2/videoio.hpp>
#endif

#include "data/h36m/h36m_fixture.h"

namespace mvpose3d {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

// Writes the videos of `list` ("path frames width height"): coordinate frames, mp4v; returns
// false when this OpenCV cannot write them.
bool write_coordinate_videos(const fs::path& root, const fs::path& list) {
#if MVPOSE3D_TEST_WITH_VIDEO
  std::ifstream in(list);
  std::string rel;
  int frames = 0, width = 0, height = 0;
  while (in >> rel >> frames >> width >> height) {
    cv::Mat image(height, width, CV_8UC3);
    for (int v = 0; v < height; ++v) {
      for (int u = 0; u < width; ++u) image.at<cv::Vec3b>(v, u) = cv::Vec3b(128, v, u);
    }
    const fs::path file = root / rel;
    fs::create_directories(file.parent_path());
    cv::VideoWriter writer(
        file.string(), cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 60, cv::Size(width, height));
    if (!writer.isOpened()) return false;
    for (int f = 0; f < frames; ++f) writer.write(image);
  }
  return true;
#else
  return false;
#endif
}

const fs::path& tc_fixture() {
  static const fs::path dir = [] {
    const fs::path gen =
        testing::source_root() / "tests/data/fixtures/make_totalcapture_fixture.py";
    const std::uint64_t key = hash_string(testing::file_contents(gen) + "coordinate-media-1");
    return testing::cached_fixture("totalcapture", key, [&](const fs::path& d) {
      const std::string cmd =
          "'" + testing::fixture_python() + "' " + testing::quoted(gen) + " " + testing::quoted(d);
      const testing::CommandResult r = testing::run_command(cmd);
      MVPOSE3D_CHECK(r.status == 0, "fixture step failed ({}): {}", cmd, r.output);
      testing::write_coordinate_jpegs(d, d / "images.txt");
      if (write_coordinate_videos(d, d / "videos.txt")) std::ofstream(d / "videos_ok") << "ok\n";
    });
  }();
  return dir;
}

at::Tensor load_npy(const fs::path& p) {
  const NpyArray a = read_npy(p);
  return at::from_blob(const_cast<char*>(a.data.data()), a.shape, at::kDouble).clone();
}

DataConfig tc_config() {
  DataConfig d;
  d.type = DatasetType::kTotalCapture;
  d.root = tc_fixture().string();
  d.crop_size_px = 64;
  d.num_views = 4;
  d.joints = JointSet::kTc16;
  d.train_subjects = {"S1", "S2", "S3"};
  d.test_subjects = {"S1", "S2", "S3", "S4", "S5"};
  d.totalcapture.train_sequences = {"rom1", "walking1", "freestyle1", "acting1"};
  d.totalcapture.frame_step_test = 1;
  return d;
}

std::string error_of(const DataConfig& d,
                     const std::string& split = "test",
                     const std::string& set = "seen") {
  try {
    TotalCaptureDataset dataset(d, 0, split, set);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TotalCaptureFiles, CalibrationInMetresIsReadInMillimetres) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = tc_fixture();
  const std::vector<Camera> cams = read_totalcapture_calibration(fx / "calibration.cal");
  ASSERT_EQ(cams.size(), 8u);
  const at::Tensor R = load_npy(fx / "truth/R.npy"), C = load_npy(fx / "truth/C.npy");
  const at::Tensor K = load_npy(fx / "truth/K.npy"), k = load_npy(fx / "truth/k.npy");
  for (int c = 0; c < 8; ++c) {
    const Camera& cam = cams[static_cast<std::size_t>(c)];
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(cam.center()(i), C[c][i].item<double>(), 1e-6);
      for (int j = 0; j < 3; ++j)
        EXPECT_NEAR(cam.rotation()(i, j), R[c][i][j].item<double>(), 1e-9);
    }
    EXPECT_NEAR(cam.fx(), K[c][0][0].item<double>(), 1e-6);
    EXPECT_NEAR(cam.cy(), K[c][1][2].item<double>(), 1e-6);
    EXPECT_EQ(cam.width(), 240);
    EXPECT_EQ(cam.height(), 136);
    EXPECT_NEAR(cam.distortion().k[0], k[c].item<double>(), 1e-12);
    // World Y-up: the image's "down" (camera y) points down the world's Y axis.
    EXPECT_LT(cam.rotation()(1, 1), -0.9);
  }
  const auto pinhole = read_totalcapture_calibration(fx / "calibration.cal", false);
  EXPECT_TRUE(pinhole[3].distortion().is_identity());
}

TEST(TotalCaptureFiles, PositionsInInchesAreReadInMillimetres) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = tc_fixture();
  const at::Tensor p = read_totalcapture_positions(fx / "s1/walking2/gt_skel_gbl_pos.txt");
  ASSERT_EQ(p.sizes(), (std::vector<std::int64_t>{12, 21, 3}));
  EXPECT_LT((p - load_npy(fx / "truth/S1_walking2.npy")).abs().max().item<double>(), 1e-4);
}

TEST(TotalCaptureFiles, BadFilesNameFileLineExpectedAndFound) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = tc_fixture();
  const auto message = [](auto&& read) {
    try {
      read();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message([&] { read_totalcapture_calibration(fx / "bad/short.cal"); }),
              HasSubstr("short.cal: expected 57 lines (a header and 7 per camera for 8 cameras), "
                        "found 41"));
  EXPECT_THAT(message([&] { read_totalcapture_calibration(fx / "bad/letters.cal"); }),
              HasSubstr("letters.cal:3: expected intrinsics 'fx fy cx cy' (4 numbers), found 'x'"));
  EXPECT_THAT(message([&] { read_totalcapture_calibration(fx / "bad/none.cal"); }),
              HasSubstr("none.cal: no such file"));
  EXPECT_THAT(message([&] { read_totalcapture_positions(fx / "bad/header.txt"); }),
              HasSubstr("header.txt:1: expected the header 'Hips Spine"));
  EXPECT_THAT(message([&] { read_totalcapture_positions(fx / "bad/short_line.txt"); }),
              HasSubstr("short_line.txt:4: expected 21 joints of 'x y z' in inches (63 numbers), "
                        "found 60 numbers"));
}

// A NaN in the ground-truth positions (std::stod reads "nan") trained a NaN model that exited 0
// (issue #20): the reader refuses it at load, naming the file, line, frame and joint.
TEST(TotalCaptureFiles, NonFinitePositionIsRefusedAtLoadNamingFileLineFrameAndJoint) {
  const fs::path file = fs::temp_directory_path() / ("tc_nan_" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(file);
    out << fmt::format("{}\n", fmt::join(vicon21_skeleton().joint_names, " "));
    for (int frame = 0; frame < 2; ++frame) {
      for (int i = 0; i < 63; ++i) out << (frame == 1 && i == 4 ? "nan" : "1.5") << ' ';
      out << '\n';
    }
  }
  try {
    (void)read_totalcapture_positions(file);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() + ":3: frame 1, joint 1 (" + vicon21_skeleton().joint_names[1] +
                  "): y is nan, not a finite number");
  }
  fs::remove(file);
}

// fuzz_totalcapture: "89414914284 1" as the header and "0 1e300 0 239" as image bounds were
// converted to int unchecked (undefined behaviour).
TEST(TotalCaptureFiles, AbsurdCameraCountOrImageBoundsAreErrorsNotUndefinedBehaviour) {
  const fs::path dir = fs::temp_directory_path() / ("mvpose3d_tc_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto message = [&](const std::string& text) {
    std::ofstream(dir / "c.cal") << text;
    try {
      read_totalcapture_calibration(dir / "c.cal");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string camera = "156 157 121.5 65.5\n0.1\n1 0 0\n0 1 0\n0 0 1\n0 0 1\n";
  EXPECT_THAT(message("89414914284 1\n0 135 0 239\n" + camera),
              HasSubstr("c.cal:1: expected >= 1 cameras and a distortion order in 0..3, found "
                        "89414914284 and 1"));
  EXPECT_THAT(
      message("1 1\n0 1e300 0 239\n" + camera),
      HasSubstr("c.cal:2: camera 1: image bounds give 240 x 1e+300 px, expected 1 to 65536"));
  EXPECT_THAT(message("1 1\n0 135 0 239\n" + camera), HasSubstr("no error"));
  fs::remove_all(dir);
}

TEST(TotalCaptureDataset, ProtocolCountsAndTheShorterOfFramesAndGroundTruth) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  DataConfig d = tc_config();
  // 12 frames per sequence; S1 walking2 has images for 10.
  EXPECT_EQ(TotalCaptureDataset(d, 0, "train").size(), 3 * 4 * 3);  // frames 0, 5, 10
  EXPECT_EQ(TotalCaptureDataset(d, 0, "test").size(), 5 * 3 * 12 - 2);
  EXPECT_EQ(TotalCaptureDataset(d, 0, "test", "unseen").size(), 5 * 3 * 12 - 2);
  d.totalcapture.frame_step_test = 16;
  EXPECT_EQ(TotalCaptureDataset(d, 0, "test").size(), 5 * 3);
  d.totalcapture.frame_step_test = 3;  // S1 walking2: 0, 3, 6, 9
  EXPECT_EQ(TotalCaptureDataset(d, 0, "test").size(), 5 * 3 * 4);
  d.test_subjects = {"S4", "S5"};
  d.totalcapture.test_sequences = {"walking2"};
  EXPECT_EQ(TotalCaptureDataset(d, 0, "test").size(), 2 * 4);
}

TEST(TotalCaptureDataset, SeenAndUnseenCamerasAgreeWithTheImages) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!image_decoding_available()) GTEST_SKIP() << "built without OpenCV";
  for (const std::string set : {"seen", "unseen"}) {
    const TotalCaptureDataset dataset(tc_config(), 0, "test", set);
    EXPECT_EQ(dataset.view_names(),
              set == "seen" ? (std::vector<std::string>{"cam1", "cam3", "cam5", "cam7"})
                            : (std::vector<std::string>{"cam2", "cam4", "cam6", "cam8"}));
    double pixels = 0;
    for (std::int64_t i = 0; i < dataset.size(); i += 13) {
      const MultiviewSample s = dataset.get(i);
      check_sample(s);
      EXPECT_LT(testing::max_projection_error(s), 1e-9);
      pixels = std::max(pixels,
                        testing::max_coordinate_error(
                            s, testing::original_pixels(dataset, i), testing::identity_order(16)));
    }
    EXPECT_LT(pixels, 2.5) << set;
  }
}

TEST(TotalCaptureDataset, CropIsTheToolboxBoxAroundTheHips) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  DataConfig d = tc_config();
  d.totalcapture.distortion = false;  // pinhole: the box's corners project exactly
  const TotalCaptureDataset dataset(d, 0, "test");
  const SampleLabels l = dataset.labels(7);
  const at::Tensor hips = l.joints_world_mm[0];  // tc16 joint 0 is Hips
  const Eigen::Vector3d hips_world(
      hips[0].item<double>(), hips[1].item<double>(), hips[2].item<double>());
  for (std::size_t v = 0; v < 4; ++v) {
    const CropPlan plan = plan_crop(l.cameras[v], l.boxes[v], 64, 1.0, false);
    const Eigen::Vector3d h = l.cameras[v].world_to_camera(hips_world);
    const Eigen::Vector2d tl =
        plan.camera.project(l.cameras[v].camera_to_world(h + Eigen::Vector3d(-1000, -900, 0)));
    const Eigen::Vector2d br =
        plan.camera.project(l.cameras[v].camera_to_world(h + Eigen::Vector3d(1000, 1100, 0)));
    // The box is 2 m tall and wide, fy > fx here: the square crop spans its height exactly and
    // is centred on it horizontally.
    EXPECT_NEAR(tl.y(), -0.5, 1e-6);
    EXPECT_NEAR(br.y(), 63.5, 1e-6);
    EXPECT_NEAR(0.5 * (tl.x() + br.x()), 31.5, 1e-6);
    EXPECT_GT(tl.x(), -0.5);
  }
}

TEST(TotalCaptureDataset, NamesJointsAndFactory) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  DataConfig d = tc_config();
  const TotalCaptureDataset test(d, 0, "test");
  EXPECT_EQ(test.action_names(), (std::vector<std::string>{"walking2", "freestyle3", "acting3"}));
  EXPECT_EQ(test.subject_names(), d.test_subjects);
  const SampleLabels l = test.labels(0);
  EXPECT_EQ(l.subject, "S1");
  EXPECT_EQ(l.action, "walking2");
  EXPECT_EQ(l.sequence, 2);
  EXPECT_EQ(l.images[1].file, fs::path(d.root) / "images/s_01_act_02_subact_02_ca_03/000000.jpg");
  // tc16 picks the Vicon joints by name.
  const at::Tensor truth = load_npy(tc_fixture() / "truth/S1_walking2.npy");
  const Skeleton& vicon = vicon21_skeleton();
  for (int j = 0; j < 16; ++j) {
    const int k = vicon.joint_index(tc16_skeleton().joint_names[static_cast<std::size_t>(j)]);
    EXPECT_LT((l.joints_world_mm[j] - truth[0][k]).abs().max().item<double>(), 1e-4);
  }
  d.joints = JointSet::kVicon21;
  EXPECT_EQ(TotalCaptureDataset(d, 0, "test").labels(0).joints_world_mm.size(0), 21);
  d.joints = JointSet::kTc16;
  EXPECT_EQ(make_dataset(d, 0, "test", "unseen")->size(), test.size());
  EXPECT_EQ(make_dataset(d, 0, "test", "permuted")->num_views(), 4);
}

TEST(TotalCaptureDataset, FramesFromVideos) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  if (!fs::exists(tc_fixture() / "videos_ok")) GTEST_SKIP() << "this OpenCV cannot write mp4v";
  DataConfig d = tc_config();
  d.totalcapture.frames = FrameSource::kVideo;
  d.test_subjects = {"S2"};
  d.totalcapture.test_sequences = {"walking2"};
  const TotalCaptureDataset dataset(d, 0, "test");
  EXPECT_EQ(dataset.size(), 8);  // 12 frames of ground truth, 8 of video
  EXPECT_TRUE(dataset.labels(3).images[0].is_video());
  EXPECT_EQ(dataset.labels(3).images[0].video_frame, 3);
  double pixels = 0;
  for (std::int64_t i = 0; i < dataset.size(); i += 3) {
    pixels = std::max(
        pixels,
        testing::max_coordinate_error(
            dataset.get(i), testing::original_pixels(dataset, i), testing::identity_order(16)));
  }
  EXPECT_LT(pixels, 8.0);  // mp4v at its default quality
  d.test_subjects = {"S3"};
  EXPECT_THAT(error_of(d),
              HasSubstr("S3 walking2: video file " + d.root +
                        "/s3/walking2/TC_S3_walking2_cam1.mp4 not found"));
}

TEST(TotalCaptureDataset, BadConfigAndMissingFiles) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const DataConfig good = tc_config();
  DataConfig d = good;
  d.test_subjects = {"S1", "S6"};
  EXPECT_THAT(error_of(d), HasSubstr("data.test_subjects: unknown Total Capture subject 'S6'"));
  d = good;
  d.totalcapture.test_sequences = {"walking2", "dancing1"};
  EXPECT_THAT(error_of(d),
              HasSubstr("data.totalcapture.test_sequences: unknown sequence 'dancing1'"));
  d = good;
  d.totalcapture.unseen_cameras = {2, 4, 6, 9};
  EXPECT_THAT(error_of(d, "test", "unseen"),
              HasSubstr("data.totalcapture.unseen_cameras: camera 9 is not in"));
  d = good;
  d.num_views = 8;
  EXPECT_THAT(error_of(d),
              HasSubstr("data.num_views is 8 but data.totalcapture.seen_cameras lists 4"));
  d = good;
  d.joints = JointSet::kH36m17;
  EXPECT_THAT(error_of(d), HasSubstr("data.joints is 'h36m17'"));
  EXPECT_THAT(error_of(good, "train", "unseen"),
              HasSubstr("camera set 'unseen' is not known for split train"));
  d = good;
  d.totalcapture.calibration = "bad/short.cal";
  EXPECT_THAT(error_of(d), HasSubstr("short.cal: expected 57 lines"));
  // A sequence without ground truth, and one without images (S4 has no training sequences).
  d = good;
  d.train_subjects = {"S3", "S4"};
  EXPECT_THAT(error_of(d, "train"),
              HasSubstr("S4 rom1: pose file " + d.root + "/s4/rom1/gt_skel_gbl_pos.txt not found"));
  d.totalcapture.skip_missing = true;
  EXPECT_EQ(TotalCaptureDataset(d, 0, "train").size(), 4 * 3);
  d = good;
  d.totalcapture.image_file = "elsewhere/{subject}_{camera}_{frame}.jpg";
  EXPECT_THAT(error_of(d),
              HasSubstr("S1 walking2: image file " + d.root + "/elsewhere/S1_1_0.jpg not found"));
  d.totalcapture.image_file = "{subject}_{cam}.jpg";
  EXPECT_THAT(error_of(d), HasSubstr("data.totalcapture.image_file: bad path template"));
}

}  // namespace
}  // namespace mvpose3d
