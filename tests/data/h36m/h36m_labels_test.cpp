// The converter and the labels-file readers on the miniature Human3.6M: camera conventions
// (R world→camera, T = centre, t = −R·T, native H36M distortion without factor-2 terms), the
// learnable-triangulation joint order and distortion slot order, una-dinosauria's transposed R,
// and the bad inputs the converter and the readers must refuse.
#include "mvpose3d/data/h36m/h36m_labels.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/npy.h"
#include "mvpose3d/data/labeled/hdf5_file.h"
#include "mvpose3d/data/labeled/image_crop.h"
#include "mvpose3d/geometry/skeleton.h"

#include <gmock/gmock.h>
#include <map>
#include <tuple>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "data/h36m/h36m_fixture.h"

namespace mvpose3d {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

at::Tensor load_npy(const fs::path& p) {
  const NpyArray a = read_npy(p);
  EXPECT_EQ(a.dtype, "f8");
  return at::from_blob(const_cast<char*>(a.data.data()), a.shape, at::kDouble).clone();
}

Eigen::Matrix3d matrix_at(const at::Tensor& t) {
  Eigen::Matrix3d m;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) m(i, j) = t[i][j].item<double>();
  }
  return m;
}

int subject_row(const std::string& subject) {
  const std::vector<std::string> all{"S1", "S5", "S6", "S7", "S8", "S9", "S11"};
  return static_cast<int>(std::find(all.begin(), all.end(), subject) - all.begin());
}

TEST(H36mConverter, RefusesBadInputNamingFileExpectedAndFound) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = testing::h36m_fixture();
  const std::string conv = "'" + testing::fixture_python() + "' " +
                           testing::quoted(testing::source_root() / "tools/convert_h36m_labels.py");
  const fs::path out = fs::temp_directory_path() / ("h36m_bad_" + std::to_string(getpid()) + ".h5");
  struct Case {
    std::string args, expected;
  };
  for (const Case& c :
       {Case{"--lt " + testing::quoted(fx / "bad/truncated.npy"),
             "truncated.npy: expected a complete pickle, found a truncated or damaged one"},
        Case{"--lt " + testing::quoted(fx / "bad/float_array.npy"),
             "float_array.npy: expected a 0-d object array holding a pickled dict (descr '|O', "
             "shape ()), found descr '<f4', shape (4, 3)"},
        Case{"--lt " + testing::quoted(fx / "bad/wrong_keypoints.npy"),
             "table: field 'keypoints': expected floats of shape (17, 3), found float64 of shape "
             "(16, 3)"},
        Case{"--qiu " + testing::quoted(fx / "bad/evil.pkl"),
             "evil.pkl: expected a pickle of numpy arrays and plain Python values, found a "
             "reference to os.system (not loaded)"},
        Case{"--lt " + testing::quoted(fx / "no_such.npy"), "no_such.npy: no such file"}}) {
    const testing::CommandResult r =
        testing::run_command(conv + " " + c.args + " --out " + testing::quoted(out));
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.expected));
    EXPECT_FALSE(fs::exists(out)) << "a refused conversion left " << out;
  }
}

TEST(H36mLabels, LearnableTriangulationLabelsMatchTheTruth) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = testing::h36m_fixture();
  const H36mLabels labels = read_h36m_labels(fx / "lt.h5");
  EXPECT_EQ(labels.source, "learnable-triangulation");
  EXPECT_EQ(labels.subjects, (std::vector<std::string>{"S1", "S5", "S6", "S7", "S8", "S9", "S11"}));
  EXPECT_EQ(labels.cameras, h36m_camera_serials());
  ASSERT_EQ(labels.size(), 320);
  EXPECT_FALSE(labels.joints_2d_px.defined());

  // Joints: learnable-triangulation's order permuted to H36M-17 (float32 in the file).
  const at::Tensor truth = load_npy(fx / "truth/world_h36m17.npy");
  EXPECT_LT((labels.joints_world_mm - truth).abs().max().item<double>(), 1e-3);
  // Pelvis first, head top at index 10 (H36M-17), not learnable-triangulation's order.
  EXPECT_NEAR(labels.joints_world_mm[0][10][2].item<double>() -
                  labels.joints_world_mm[0][0][2].item<double>(),
              770,
              1.0);

  // Cameras: R world→camera, centre −Rᵀt, dist [k1, k2, p0, p1, k3] read as the H36M model.
  const at::Tensor R = load_npy(fx / "truth/R.npy"), C = load_npy(fx / "truth/C.npy");
  const at::Tensor dist = load_npy(fx / "truth/dist.npy");
  for (const std::string subject : {"S1", "S11"}) {
    const int s = subject_row(subject);
    for (int c = 0; c < 4; ++c) {
      const Camera& cam =
          labels.calibration[static_cast<std::size_t>(s)][static_cast<std::size_t>(c)];
      EXPECT_LT((cam.rotation() - matrix_at(R[s][c])).norm(), 1e-6);
      for (int i = 0; i < 3; ++i) EXPECT_NEAR(cam.center()(i), C[s][c][i].item<double>(), 0.01);
      EXPECT_EQ(cam.distortion().model, DistortionModel::kH36m);
      const std::array<double, 5> expected{dist[s][c][0].item<double>(),
                                           dist[s][c][1].item<double>(),
                                           dist[s][c][2].item<double>(),
                                           dist[s][c][3].item<double>(),
                                           dist[s][c][4].item<double>()};
      const std::array<double, 5> found{cam.distortion().k[0],
                                        cam.distortion().k[1],
                                        cam.distortion().k[2],
                                        cam.distortion().p[0],
                                        cam.distortion().p[1]};
      for (int i = 0; i < 5; ++i) EXPECT_NEAR(found[i], expected[i], 1e-6) << "coefficient " << i;
    }
  }

  // The squared GT boxes are centred on the projected (distorted) joints; the missing view is
  // the all-zero box of S11 Directions-2, camera 54138969.
  int missing = 0;
  for (std::int64_t r = 0; r < labels.size(); ++r) {
    const std::size_t s = static_cast<std::size_t>(labels.subject[static_cast<std::size_t>(r)]);
    for (int c = 0; c < 4; ++c) {
      const at::Tensor box = labels.boxes_ltrb[r][c];
      if (box.abs().sum().item<double>() == 0) {
        ++missing;
        EXPECT_EQ(labels.subjects[s], "S11");
        EXPECT_EQ(
            h36m_actions()[static_cast<std::size_t>(labels.action[static_cast<std::size_t>(r)])],
            "Directions");
        EXPECT_EQ(labels.subaction[static_cast<std::size_t>(r)], 2);
        EXPECT_EQ(c, 0);
        continue;
      }
      const Eigen::Vector4d b(box[0].item<double>(),
                              box[1].item<double>(),
                              box[2].item<double>(),
                              box[3].item<double>());
      const Eigen::Vector4d projected = projected_box(
          labels.calibration[s][static_cast<std::size_t>(c)], labels.joints_world_mm[r]);
      EXPECT_NEAR(0.5 * (b[0] + b[2]), 0.5 * (projected[0] + projected[2]), 1.0);
      EXPECT_NEAR(0.5 * (b[1] + b[3]), 0.5 * (projected[1] + projected[3]), 1.0);
    }
  }
  EXPECT_EQ(missing, 10);
}

TEST(H36mLabels, QiuLabelsProjectOntoTheir2dLabelsWithTheNativeModelOnly) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = testing::h36m_fixture();
  const H36mLabels labels = read_h36m_labels(fx / "qiu.h5");
  EXPECT_EQ(labels.source, "h36m-toolbox");
  EXPECT_EQ(labels.subjects, (std::vector<std::string>{"S1", "S5", "S9", "S11"}));
  ASSERT_EQ(labels.size(), 320);
  ASSERT_TRUE(labels.joints_2d_px.defined());
  // The same frames as the learnable-triangulation table, in (subject, action id, sub-action,
  // frame) order: match them by name.
  const H36mLabels lt = read_h36m_labels(fx / "lt.h5");
  const at::Tensor truth = load_npy(fx / "truth/world_h36m17.npy");
  std::map<std::tuple<std::string, int, int, std::int64_t>, std::int64_t> lt_row;
  for (std::int64_t r = 0; r < lt.size(); ++r) {
    const std::size_t i = static_cast<std::size_t>(r);
    lt_row[{lt.subjects[static_cast<std::size_t>(lt.subject[i])],
            lt.action[i],
            lt.subaction[i],
            lt.frame[i]}] = r;
  }
  double worst = 0;
  for (std::int64_t r = 0; r < labels.size(); ++r) {
    const std::size_t i = static_cast<std::size_t>(r);
    const auto it = lt_row.find({labels.subjects[static_cast<std::size_t>(labels.subject[i])],
                                 labels.action[i],
                                 labels.subaction[i],
                                 labels.frame[i]});
    ASSERT_NE(it, lt_row.end()) << "row " << r;
    worst =
        std::max(worst, (labels.joints_world_mm[r] - truth[it->second]).abs().max().item<double>());
  }
  EXPECT_LT(worst, 1e-6);

  double native = 0, opencv = 0, swapped = 0;
  for (std::int64_t r = 0; r < labels.size(); ++r) {
    const std::size_t s = static_cast<std::size_t>(labels.subject[static_cast<std::size_t>(r)]);
    for (int c = 0; c < 4; ++c) {
      if (labels.boxes_ltrb[r][c].abs().sum().item<double>() == 0) continue;
      const Camera& cam = labels.calibration[s][static_cast<std::size_t>(c)];
      const Distortion& d = cam.distortion();
      const Camera as_opencv =
          Camera::from_cam_from_world(cam.intrinsics(),
                                      cam.rotation(),
                                      cam.translation(),
                                      Distortion::opencv(d.k[0], d.k[1], d.p[0], d.p[1], d.k[2]));
      const Camera p_swapped =
          Camera::from_cam_from_world(cam.intrinsics(),
                                      cam.rotation(),
                                      cam.translation(),
                                      Distortion::h36m(d.k[0], d.k[1], d.k[2], d.p[1], d.p[0]));
      for (int j = 0; j < 17; ++j) {
        const at::Tensor x = labels.joints_world_mm[r][j];
        const Eigen::Vector3d X(x[0].item<double>(), x[1].item<double>(), x[2].item<double>());
        const Eigen::Vector2d label(labels.joints_2d_px[r][c][j][0].item<double>(),
                                    labels.joints_2d_px[r][c][j][1].item<double>());
        native = std::max(native, (cam.project(X) - label).norm());
        opencv = std::max(opencv, (as_opencv.project(X) - label).norm());
        swapped = std::max(swapped, (p_swapped.project(X) - label).norm());
      }
    }
  }
  EXPECT_LT(native, 1e-6);
  EXPECT_GT(opencv, 1.0) << "the fixture must tell the OpenCV model from the native one";
  EXPECT_GT(swapped, 1.0) << "the fixture must tell swapped tangential terms apart";
}

TEST(H36mLabels, UnaDinosauriaCamerasAndPoses) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path fx = testing::h36m_fixture();
  const auto cameras = read_h36m_cameras_h5(fx / "una/cameras.h5");
  ASSERT_EQ(cameras.size(), 28u);
  const at::Tensor R = load_npy(fx / "truth/R.npy"), C = load_npy(fx / "truth/C.npy");
  for (const H36mCameraRecord& rec : cameras) {
    const int s = subject_row("S" + std::to_string(rec.subject));
    const int c = rec.camera_index - 1;
    EXPECT_EQ(rec.serial, h36m_camera_serials()[static_cast<std::size_t>(c)]);
    // Stored transposed: the reader gives world→camera back.
    EXPECT_LT((rec.camera.rotation() - matrix_at(R[s][c])).norm(), 1e-12);
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(rec.camera.center()(i), C[s][c][i].item<double>(), 1e-9);
  }
  const at::Tensor raw = read_h36m_positions_h5(fx / "una/S9/MyPoses/3D_positions/Greeting.h5");
  ASSERT_EQ(raw.sizes(), (std::vector<std::int64_t>{10, 32, 3}));
  const at::Tensor truth = load_npy(fx / "truth/una_S9_Greeting-2_h36m17.npy");
  EXPECT_LT((h36m32_to_h36m17(raw) - truth).abs().max().item<double>(), 1e-9);
}

// What read_h36m_labels says about `file`, or "no error".
std::string labels_error(const fs::path& file) {
  try {
    read_h36m_labels(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// A NaN in the labels' keypoints trained a NaN model that exited 0 (issue #20): the reader refuses
// it at load, naming the file, the row and the joint.
TEST(H36mLabels, NonFiniteKeypointIsRefusedAtLoadNamingFileRowAndJoint) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path dir = fs::temp_directory_path() / ("h36m_nan_" + std::to_string(getpid()));
  fs::create_directories(dir);
  // Copies a fixture file and sets one value of one dataset with h5py.
  const auto spoil = [&](const std::string& from,
                         const std::string& dataset,
                         const std::string& index,
                         const std::string& value) {
    const fs::path to = dir / ("spoilt_" + from);
    fs::copy_file(testing::h36m_fixture() / from, to, fs::copy_options::overwrite_existing);
    const testing::CommandResult r = testing::run_command(
        "'" + testing::fixture_python() + "' -c \"import h5py; f = h5py.File('" + to.string() +
        "', 'r+'); f['" + dataset + "'][" + index + "] = float('" + value + "'); f.close()\"");
    EXPECT_EQ(r.status, 0) << r.output;
    return to;
  };
  const std::vector<std::string>& names = h36m17_skeleton().joint_names;
  // learnable-triangulation's joint 6 is the pelvis, joint 0 of H36M-17.
  const fs::path lt = spoil("lt.h5", "/lt/table/keypoints", "3, 6, 1", "nan");
  EXPECT_EQ(labels_error(lt),
            lt.string() + ": /lt/table/keypoints row 3, joint 0 (" + names[0] +
                "): y is nan, not a finite number");
  const fs::path qiu = spoil("qiu.h5", "/qiu/rows/joints_3d_camera", "2, 4, 2", "inf");
  EXPECT_EQ(labels_error(qiu),
            qiu.string() + ": /qiu/rows/joints_3d_camera row 2, joint 4 (" + names[4] +
                "): z is inf, not a finite number");
  const fs::path qiu_2d = spoil("qiu.h5", "/qiu/rows/joints_2d", "5, 16, 0", "-inf");
  EXPECT_EQ(labels_error(qiu_2d),
            qiu_2d.string() + ": /qiu/rows/joints_2d row 5, joint 16 (" + names[16] +
                "): x is -inf, not a finite number");
  fs::remove_all(dir);
}

// fuzz/library_faults/h36m_hdf5/hdf5_global_heap_hang.h5: libhdf5 1.10 loops for ever inside
// H5Aread on a corrupted global heap. The datasets read labels after a trial read in a child
// process that is killed at the time limit.
TEST(H36mLabels, LabelsFileOnWhichLibhdf5NeverFinishesIsStoppedAtTheTimeLimitWithAnError) {
  const fs::path file =
      testing::source_root() / "fuzz/library_faults/h36m_hdf5/hdf5_global_heap_hang.h5";
  try {
    (void)read_h36m_labels_after_trial_read(file, 2.0);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() +
                  ": libhdf5 (reading the labels in a child process) did not finish within 2 s");
  }
  // A good file passes the trial read (its child ends cleanly) and is then read as without it.
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const H36mLabels direct = read_h36m_labels(testing::h36m_fixture() / "lt.h5");
  const H36mLabels tried = read_h36m_labels_after_trial_read(testing::h36m_fixture() / "lt.h5");
  EXPECT_TRUE(at::equal(direct.joints_world_mm, tried.joints_world_mm));
  EXPECT_EQ(direct.frame, tried.frame);
}

TEST(H36mLabels, BadFilesAreRefusedNamingFileExpectedAndFound) {
  MVPOSE3D_REQUIRE_FIXTURE_PYTHON();
  const fs::path dir = fs::temp_directory_path() / ("h36m_bad_files_" + std::to_string(getpid()));
  fs::create_directories(dir);
  // A labels file with the given attributes and, optionally, numbers where names belong.
  const auto write = [&](const std::string& name, bool with_format, bool numbers) {
    h5::File f = h5::File::create(dir / name);
    if (with_format) f.write_string_attribute("/", "format", "mvpose3d-h36m-labels");
    f.write_string_attribute("/", "version", "1");
    f.write_string_attribute("/", "source", "learnable-triangulation");
    const std::int64_t values[2] = {1, 5};
    if (numbers) f.write_i64("/lt/subject_names", {2}, values);
  };
  write("no_format.h5", false, false);
  EXPECT_THAT(labels_error(dir / "no_format.h5"),
              HasSubstr("no_format.h5: expected an attribute 'format' on /, found none"));
  write("no_table.h5", true, false);
  EXPECT_THAT(labels_error(dir / "no_table.h5"),
              HasSubstr("no_table.h5: expected a dataset /lt/subject_names, found none"));
  write("numbers.h5", true, true);
  EXPECT_THAT(labels_error(dir / "numbers.h5"),
              HasSubstr("numbers.h5: dataset /lt/subject_names: expected strings, found integer"));
  // A truncated HDF5 file and a file that is not HDF5 at all.
  const std::string good = testing::file_contents(testing::h36m_fixture() / "lt.h5");
  std::ofstream(dir / "truncated.h5", std::ios::binary) << good.substr(0, good.size() / 3);
  EXPECT_THAT(labels_error(dir / "truncated.h5"), HasSubstr("truncated.h5"));
  std::ofstream(dir / "text.h5") << "not hdf5\n";
  EXPECT_THAT(labels_error(dir / "text.h5"),
              HasSubstr("text.h5: expected an HDF5 file, found something else"));
  EXPECT_THAT(labels_error(dir / "missing.h5"), HasSubstr("missing.h5: no such file"));
  // una-dinosauria files without the expected datasets.
  try {
    read_h36m_positions_h5(dir / "numbers.h5");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("numbers.h5: expected a dataset /3D_positions, found none"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mvpose3d
