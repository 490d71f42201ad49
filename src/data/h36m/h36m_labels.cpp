#include "mvpose3d/data/h36m/h36m_labels.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/time_limited_child.h"
#include "mvpose3d/data/labeled/hdf5_file.h"
#include "mvpose3d/geometry/skeleton.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <ATen/ATen.h>
#include <Eigen/SVD>

#include "data/labeled/finite_joints.h"

namespace mvpose3d {

namespace {

struct ActionInfo {
  const char* name;     // release name (tables)
  const char* lt_name;  // learnable-triangulation / h36m-fetch folder name
  int id;               // metadata.xml action id
};

// datasets.md §1.4, in the tables' column order.
const ActionInfo kActions[] = {{"Directions", "Directions", 2},
                               {"Discussion", "Discussion", 3},
                               {"Eating", "Eating", 4},
                               {"Greeting", "Greeting", 5},
                               {"Phoning", "Phoning", 6},
                               {"Photo", "TakingPhoto", 12},
                               {"Posing", "Posing", 7},
                               {"Purchases", "Purchases", 8},
                               {"Sitting", "Sitting", 9},
                               {"SittingDown", "SittingDown", 10},
                               {"Smoking", "Smoking", 11},
                               {"Waiting", "Waiting", 13},
                               {"WalkDog", "WalkingDog", 15},
                               {"Walking", "Walking", 14},
                               {"WalkTogether", "WalkingTogether", 16}};

const ActionInfo* find_action(const std::string& name) {
  for (const ActionInfo& a : kActions) {
    if (name == a.name || name == a.lt_name) return &a;
  }
  return nullptr;
}

// Raw 32-joint indices of H36M-17 (datasets.md §1.2 (A)).
constexpr std::int64_t kRawToH36m17[17] = {
    0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27};

std::string file_name(const h5::File& f) {
  return f.path().string();
}

// The nearest rotation of a matrix stored in float32 (whose orthogonality is only ~1e-7), or an
// Error when it is not close to one.
Eigen::Matrix3d nearest_rotation(const Eigen::Matrix3d& m, const std::string& what) {
  const std::string defect = rotation_defect(m, 1e-3);
  MVPOSE3D_CHECK(defect.empty(), "{}: expected a rotation matrix, found {}", what, defect);
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(m, Eigen::ComputeFullU | Eigen::ComputeFullV);
  return svd.matrixU() * svd.matrixV().transpose();
}

Eigen::Matrix3d mat3(const std::vector<double>& v, std::size_t offset) {
  Eigen::Matrix3d m;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) m(i, j) = v[offset + static_cast<std::size_t>(3 * i + j)];
  }
  return m;
}

// Reads the names of a string dataset that must have `count` entries (any when count < 0).
std::vector<std::string> names(const h5::File& f, const std::string& dataset, std::int64_t count) {
  return f.read_strings(dataset, {count});
}

void check_format(const h5::File& f) {
  const std::string format = f.read_string_attribute("/", "format");
  MVPOSE3D_CHECK(format == "mvpose3d-h36m-labels",
                 "{}: expected attribute format = mvpose3d-h36m-labels (a file written by "
                 "tools/convert_h36m_labels.py), found '{}'",
                 file_name(f),
                 format);
  const std::string version = f.read_string_attribute("/", "version");
  MVPOSE3D_CHECK(
      version == "1", "{}: expected format version 1, found '{}'", file_name(f), version);
}

int subject_number(const std::string& subject, const std::string& where) {
  MVPOSE3D_CHECK(subject.size() >= 2 && subject[0] == 'S' &&
                     subject.find_first_not_of("0123456789", 1) == std::string::npos,
                 "{}: expected a subject name like S9, found '{}'",
                 where,
                 subject);
  return std::stoi(subject.substr(1));
}

// learnable-triangulation's labels (datasets.md §1.7 (a)), converted table by table.
void read_lt(const h5::File& f, H36mLabels& out) {
  const std::string file = file_name(f);
  out.subjects = names(f, "/lt/subject_names", -1);
  out.cameras = names(f, "/lt/camera_names", -1);
  const std::vector<std::string> lt_actions = names(f, "/lt/action_names", -1);
  const std::int64_t subjects = static_cast<std::int64_t>(out.subjects.size());
  const std::int64_t cams = static_cast<std::int64_t>(out.cameras.size());

  // Cameras [S, C]: R (3, 3), t (3, 1), K (3, 3), dist (5) = [k1, k2, p0, p1, k3].
  const auto r = f.read_doubles("/lt/cameras/R", {subjects, cams, 3, 3});
  const auto t = f.read_doubles("/lt/cameras/t", {subjects, cams, 3, 1});
  const auto k = f.read_doubles("/lt/cameras/K", {subjects, cams, 3, 3});
  const auto d = f.read_doubles("/lt/cameras/dist", {subjects, cams, 5});
  out.calibration.assign(static_cast<std::size_t>(subjects),
                         std::vector<Camera>(static_cast<std::size_t>(cams)));
  out.calibrated.assign(static_cast<std::size_t>(subjects),
                        std::vector<bool>(static_cast<std::size_t>(cams), false));
  for (std::int64_t s = 0; s < subjects; ++s) {
    for (std::int64_t c = 0; c < cams; ++c) {
      const std::size_t sc = static_cast<std::size_t>(s * cams + c);
      const Eigen::Matrix3d kk = mat3(k, sc * 9);
      if (kk(0, 0) == 0 && kk(1, 1) == 0) continue;  // no calibration for this pair
      const std::string what = fmt::format(
          "{}: /lt/cameras/R[{}, {}] ({} camera {})", file, s, c, out.subjects[s], out.cameras[c]);
      Intrinsics in = h36m_nominal_intrinsics(out.cameras[static_cast<std::size_t>(c)]);
      in.fx = kk(0, 0);
      in.fy = kk(1, 1);
      in.cx = kk(0, 2);
      in.cy = kk(1, 2);
      const double* dd = d.data() + sc * 5;
      out.calibration[s][c] =
          with_error_context(fmt::format("{}: /lt/cameras[{}, {}] ({} camera {})",
                                         file,
                                         s,
                                         c,
                                         out.subjects[s],
                                         out.cameras[c]),
                             [&] {
                               return Camera::from_cam_from_world(
                                   in,
                                   nearest_rotation(mat3(r, sc * 9), what),
                                   Eigen::Vector3d(t[sc * 3], t[sc * 3 + 1], t[sc * 3 + 2]),
                                   Distortion::h36m(dd[0], dd[1], dd[4], dd[2], dd[3]));
                             });
      out.calibrated[s][c] = true;
    }
  }

  std::vector<std::int64_t> shape;
  const auto subject_idx = f.read_ints("/lt/table/subject_idx", {-1}, &shape);
  const std::int64_t n = shape[0];
  const auto action_idx = f.read_ints("/lt/table/action_idx", {n});
  const auto frame_idx = f.read_ints("/lt/table/frame_idx", {n});
  const auto keypoints = f.read_doubles("/lt/table/keypoints", {n, 17, 3});
  const auto bbox = f.read_ints("/lt/table/bbox_by_camera_tlbr", {n, cams, 4});

  // Action "Directions-1" → (release action, subaction).
  std::vector<std::pair<int, int>> action_of;
  for (const std::string& name : lt_actions) {
    const std::size_t dash = name.rfind('-');
    const ActionInfo* a = dash == std::string::npos ? nullptr : find_action(name.substr(0, dash));
    const std::string sub = dash == std::string::npos ? "" : name.substr(dash + 1);
    MVPOSE3D_CHECK(a != nullptr && (sub == "1" || sub == "2"),
                   "{}: /lt/action_names: expected names like Directions-1, found '{}'",
                   file,
                   name);
    action_of.emplace_back(static_cast<int>(a - kActions), std::stoi(sub));
  }
  out.subject.resize(static_cast<std::size_t>(n));
  out.action.resize(static_cast<std::size_t>(n));
  out.subaction.resize(static_cast<std::size_t>(n));
  out.frame.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t ii = static_cast<std::size_t>(i);
    MVPOSE3D_CHECK(subject_idx[ii] >= 0 && subject_idx[ii] < subjects,
                   "{}: /lt/table/subject_idx[{}] = {} is outside [0, {})",
                   file,
                   i,
                   subject_idx[ii],
                   subjects);
    MVPOSE3D_CHECK(
        action_idx[ii] >= 0 && action_idx[ii] < static_cast<std::int64_t>(action_of.size()),
        "{}: /lt/table/action_idx[{}] = {} is outside [0, {})",
        file,
        i,
        action_idx[ii],
        action_of.size());
    out.subject[ii] = static_cast<int>(subject_idx[ii]);
    out.action[ii] = action_of[static_cast<std::size_t>(action_idx[ii])].first;
    out.subaction[ii] = action_of[static_cast<std::size_t>(action_idx[ii])].second;
    out.frame[ii] = frame_idx[ii];
  }
  // Keypoints in learnable-triangulation's order → H36M-17.
  const at::Tensor lt =
      at::from_blob(const_cast<double*>(keypoints.data()), {n, 17, 3}, at::kDouble);
  const at::Tensor perm =
      at::tensor(std::vector<std::int64_t>(kLearnableTriangulationToH36m17.begin(),
                                           kLearnableTriangulationToH36m17.end()),
                 at::kLong);
  out.joints_world_mm = lt.index_select(1, perm).contiguous();  // [N, 17, 3]
  require_finite_joints(
      out.joints_world_mm.data_ptr<double>(),
      n,
      h36m17_skeleton().joint_names,
      3,
      [&](std::int64_t row) { return fmt::format("{}: /lt/table/keypoints row {}", file, row); });
  // Boxes TLBR (top, left, bottom, right) → LTRB.
  out.boxes_ltrb = at::empty({n, cams, 4}, at::kDouble);
  double* b = out.boxes_ltrb.data_ptr<double>();
  for (std::int64_t i = 0; i < n * cams; ++i) {
    const std::int64_t* tlbr = bbox.data() + i * 4;
    b[i * 4 + 0] = static_cast<double>(tlbr[1]);
    b[i * 4 + 1] = static_cast<double>(tlbr[0]);
    b[i * 4 + 2] = static_cast<double>(tlbr[3]);
    b[i * 4 + 3] = static_cast<double>(tlbr[2]);
  }
}

// H36M-Toolbox / Qiu pickles (datasets.md §1.7 (d)): one row per (frame, camera), grouped here
// into frames; joints_3d_camera back to the world through each row's camera.
void read_qiu(const h5::File& f, H36mLabels& out) {
  const std::string file = file_name(f);
  std::vector<std::int64_t> shape;
  const auto cam_subject = f.read_ints("/qiu/cameras/subject", {-1}, &shape);
  const std::int64_t k = shape[0];
  const auto cam_id = f.read_ints("/qiu/cameras/camera_id", {k});
  const auto r = f.read_doubles("/qiu/cameras/R", {k, 3, 3});
  const auto t = f.read_doubles("/qiu/cameras/T", {k, 3, 1});
  const auto fc = f.read_doubles("/qiu/cameras/f", {k, 2, 1});
  const auto cc = f.read_doubles("/qiu/cameras/c", {k, 2, 1});
  const auto kk = f.read_doubles("/qiu/cameras/k", {k, 3, 1});
  const auto pp = f.read_doubles("/qiu/cameras/p", {k, 2, 1});

  out.cameras = h36m_camera_serials();
  std::map<std::int64_t, int> subject_index;
  for (std::int64_t s : cam_subject) subject_index.emplace(s, 0);
  for (auto& [s, index] : subject_index) {
    index = static_cast<int>(out.subjects.size());
    out.subjects.push_back("S" + std::to_string(s));
  }
  out.calibration.assign(out.subjects.size(), std::vector<Camera>(4));
  out.calibrated.assign(out.subjects.size(), std::vector<bool>(4, false));
  for (std::int64_t i = 0; i < k; ++i) {
    const std::size_t ii = static_cast<std::size_t>(i);
    MVPOSE3D_CHECK(cam_id[ii] >= 0 && cam_id[ii] < 4,
                   "{}: /qiu/cameras/camera_id[{}]: expected 0..3, found {}",
                   file,
                   i,
                   cam_id[ii]);
    const int s = subject_index.at(cam_subject[ii]);
    const int c = static_cast<int>(cam_id[ii]);
    Intrinsics in = h36m_nominal_intrinsics(out.cameras[static_cast<std::size_t>(c)]);
    in.fx = fc[ii * 2];
    in.fy = fc[ii * 2 + 1];
    in.cx = cc[ii * 2];
    in.cy = cc[ii * 2 + 1];
    const std::string what = fmt::format("{}: /qiu/cameras/R[{}]", file, i);
    out.calibration[s][c] = with_error_context(
        fmt::format("{}: /qiu/cameras[{}] (subject {}, camera_id {})", file, i, cam_subject[ii], c),
        [&] {
          return Camera::from_center(
              in,
              nearest_rotation(mat3(r, ii * 9), what),
              Eigen::Vector3d(t[ii * 3], t[ii * 3 + 1], t[ii * 3 + 2]),
              Distortion::h36m(
                  kk[ii * 3], kk[ii * 3 + 1], kk[ii * 3 + 2], pp[ii * 2], pp[ii * 2 + 1]));
        });
    out.calibrated[s][c] = true;
  }

  const auto subject = f.read_ints("/qiu/rows/subject", {-1}, &shape);
  const std::int64_t m = shape[0];
  const auto action = f.read_ints("/qiu/rows/action", {m});
  const auto subaction = f.read_ints("/qiu/rows/subaction", {m});
  const auto camera_id = f.read_ints("/qiu/rows/camera_id", {m});
  const auto image_id = f.read_ints("/qiu/rows/image_id", {m});
  const auto joints_2d = f.read_doubles("/qiu/rows/joints_2d", {m, 17, 2});
  const auto joints_3d = f.read_doubles("/qiu/rows/joints_3d_camera", {m, 17, 3});
  const auto box = f.read_doubles("/qiu/rows/box", {m, 4});
  // Qiu's joints are in H36M-17 order already.
  const std::vector<std::string>& joint_names = h36m17_skeleton().joint_names;
  require_finite_joints(joints_2d.data(), m, joint_names, 2, [&](std::int64_t row) {
    return fmt::format("{}: /qiu/rows/joints_2d row {}", file, row);
  });
  require_finite_joints(joints_3d.data(), m, joint_names, 3, [&](std::int64_t row) {
    return fmt::format("{}: /qiu/rows/joints_3d_camera row {}", file, row);
  });

  // Frames keyed by (subject, action id, subaction, image id), in that order.
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>,
           std::vector<std::int64_t>>
      frames;
  for (std::int64_t i = 0; i < m; ++i) {
    const std::size_t ii = static_cast<std::size_t>(i);
    MVPOSE3D_CHECK(subject_index.count(subject[ii]) > 0,
                   "{}: /qiu/rows/subject[{}] = {} has no camera in /qiu/cameras",
                   file,
                   i,
                   subject[ii]);
    MVPOSE3D_CHECK(camera_id[ii] >= 0 && camera_id[ii] < 4,
                   "{}: /qiu/rows/camera_id[{}]: expected 0..3, found {}",
                   file,
                   i,
                   camera_id[ii]);
    MVPOSE3D_CHECK(subaction[ii] == 1 || subaction[ii] == 2,
                   "{}: /qiu/rows/subaction[{}]: expected 1 or 2, found {}",
                   file,
                   i,
                   subaction[ii]);
    MVPOSE3D_CHECK(image_id[ii] >= 1,
                   "{}: /qiu/rows/image_id[{}]: expected a 1-based frame, found {}",
                   file,
                   i,
                   image_id[ii]);
    frames[{subject[ii], action[ii], subaction[ii], image_id[ii]}].push_back(i);
  }
  const std::int64_t n = static_cast<std::int64_t>(frames.size());
  out.joints_world_mm = at::zeros({n, 17, 3}, at::kDouble);
  out.boxes_ltrb = at::zeros({n, 4, 4}, at::kDouble);
  out.joints_2d_px = at::zeros({n, 4, 17, 2}, at::kDouble);
  double* world = out.joints_world_mm.data_ptr<double>();
  double* boxes = out.boxes_ltrb.data_ptr<double>();
  double* uv = out.joints_2d_px.data_ptr<double>();
  std::int64_t row = 0;
  for (const auto& [key, rows] : frames) {
    const auto& [s, a, sub, image] = key;
    const int si = subject_index.at(s);
    out.subject.push_back(si);
    out.action.push_back(
        static_cast<int>(find_action(h36m_action_from_id(static_cast<int>(a))) - kActions));
    out.subaction.push_back(static_cast<int>(sub));
    out.frame.push_back(image - 1);
    for (const std::int64_t i : rows) {
      const std::size_t ii = static_cast<std::size_t>(i);
      const int c = static_cast<int>(camera_id[ii]);
      MVPOSE3D_CHECK(out.calibrated[si][c],
                     "{}: /qiu/rows row {}: no camera for subject {} camera_id {} in /qiu/cameras",
                     file,
                     i,
                     s,
                     c);
      const Camera& camera = out.calibration[si][c];
      for (int j = 0; j < 17; ++j) {
        const double* x = joints_3d.data() + (ii * 17 + j) * 3;
        const Eigen::Vector3d w = camera.camera_to_world(Eigen::Vector3d(x[0], x[1], x[2]));
        for (int d = 0; d < 3; ++d) world[(row * 17 + j) * 3 + d] += w[d] / rows.size();
        uv[((row * 4 + c) * 17 + j) * 2] = joints_2d[(ii * 17 + j) * 2];
        uv[((row * 4 + c) * 17 + j) * 2 + 1] = joints_2d[(ii * 17 + j) * 2 + 1];
      }
      for (int d = 0; d < 4; ++d) boxes[(row * 4 + c) * 4 + d] = box[ii * 4 + d];
    }
    ++row;
  }
}

}  // namespace

const std::vector<std::string>& h36m_actions() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const ActionInfo& a : kActions) v.emplace_back(a.name);
    return v;
  }();
  return names;
}

const std::vector<std::string>& h36m_camera_serials() {
  static const std::vector<std::string> serials{"54138969", "55011271", "58860488", "60457274"};
  return serials;
}

std::string h36m_action_name(const std::string& any_name) {
  const ActionInfo* a = find_action(any_name);
  return a != nullptr ? a->name : "";
}

std::string h36m_lt_action(const std::string& action) {
  const ActionInfo* a = find_action(action);
  MVPOSE3D_CHECK(a != nullptr, "unknown Human3.6M action '{}'", action);
  return a->lt_name;
}

int h36m_action_id(const std::string& action) {
  const ActionInfo* a = find_action(action);
  MVPOSE3D_CHECK(a != nullptr, "unknown Human3.6M action '{}'", action);
  return a->id;
}

std::string h36m_action_from_id(int action_id) {
  for (const ActionInfo& a : kActions) {
    if (a.id == action_id) return a.name;
  }
  throw Error(fmt::format("Human3.6M action id {} is not one of 2..16", action_id));
}

Intrinsics h36m_nominal_intrinsics(const std::string& serial) {
  Intrinsics in;
  in.width = 1000;
  in.height = (serial == "54138969" || serial == "60457274") ? 1002 : 1000;
  return in;
}

H36mLabels read_h36m_labels(const std::filesystem::path& file) {
  const h5::File f(file);
  check_format(f);
  H36mLabels out;
  out.file = file;
  out.source = f.read_string_attribute("/", "source");
  if (out.source == "learnable-triangulation") {
    read_lt(f, out);
  } else if (out.source == "h36m-toolbox") {
    read_qiu(f, out);
  } else {
    throw Error(fmt::format(
        "{}: expected attribute source = learnable-triangulation or h36m-toolbox, found '{}'",
        file.string(),
        out.source));
  }
  for (const std::string& s : out.subjects) subject_number(s, file.string() + ": subject names");
  return out;
}

H36mLabels read_h36m_labels_after_trial_read(const std::filesystem::path& file, double limit_s) {
  (void)run_in_time_limited_child(
      [&] {
        (void)read_h36m_labels(file);
        return std::string();
      },
      limit_s,
      file.string() + ": libhdf5 (reading the labels in a child process)");
  return read_h36m_labels(file);
}

std::vector<H36mCameraRecord> read_h36m_cameras_h5(const std::filesystem::path& file) {
  const h5::File f(file);
  std::vector<H36mCameraRecord> out;
  for (const std::string& group : f.members("/")) {
    if (group.rfind("subject", 0) != 0) continue;
    const int subject = std::stoi(group.substr(7));
    for (const std::string& cam : f.members("/" + group)) {
      if (cam.rfind("camera", 0) != 0) continue;
      const std::string base = "/" + group + "/" + cam + "/";
      H36mCameraRecord rec;
      rec.subject = subject;
      rec.camera_index = std::stoi(cam.substr(6));
      // R is stored transposed (MATLAB column order): every reader transposes it.
      const auto r = f.read_doubles(base + "R", {3, 3});
      const auto t = f.read_doubles(base + "T", {3, 1});
      const auto fc = f.read_doubles(base + "f", {2, 1});
      const auto c = f.read_doubles(base + "c", {2, 1});
      const auto k = f.read_doubles(base + "k", {3, 1});
      const auto p = f.read_doubles(base + "p", {2, 1});
      for (const std::int64_t code : f.read_ints(base + "Name", {-1, 1})) {
        rec.serial.push_back(static_cast<char>(code));
      }
      Intrinsics in = h36m_nominal_intrinsics(rec.serial);
      in.fx = fc[0];
      in.fy = fc[1];
      in.cx = c[0];
      in.cy = c[1];
      const Eigen::Matrix3d rotation = mat3(r, 0).transpose();
      rec.camera = with_error_context(file.string() + ": " + base, [&] {
        return Camera::from_center(in,
                                   nearest_rotation(rotation, file.string() + ": " + base + "R"),
                                   Eigen::Vector3d(t[0], t[1], t[2]),
                                   Distortion::h36m(k[0], k[1], k[2], p[0], p[1]));
      });
      out.push_back(rec);
    }
  }
  MVPOSE3D_CHECK(!out.empty(),
                 "{}: expected groups subject<s>/camera<c> (una-dinosauria cameras.h5), found none",
                 file.string());
  return out;
}

at::Tensor read_h36m_positions_h5(const std::filesystem::path& file) {
  const h5::File f(file);
  std::vector<std::int64_t> shape;
  const auto v = f.read_doubles("/3D_positions", {96, -1}, &shape);
  const at::Tensor t = at::from_blob(const_cast<double*>(v.data()), {96, shape[1]}, at::kDouble);
  return t.t().reshape({shape[1], 32, 3}).contiguous();
}

at::Tensor h36m32_to_h36m17(const at::Tensor& joints32) {
  MVPOSE3D_CHECK(joints32.dim() >= 2 && joints32.size(-2) == 32,
                 "h36m32_to_h36m17: expected [..., 32, 3], got {} dims",
                 joints32.dim());
  const at::Tensor index = at::tensor(
      std::vector<std::int64_t>(std::begin(kRawToH36m17), std::end(kRawToH36m17)), at::kLong);
  return joints32.index_select(joints32.dim() - 2, index).contiguous();
}

}  // namespace mvpose3d
