#include "mvpose3d/geometry/camera_batch.h"

#include "mvpose3d/core/error.h"

namespace mvpose3d {

namespace {

std::string shape_of(const at::Tensor& t) {
  return fmt::format("[{}]", fmt::join(t.sizes(), ", "));
}

void check_points(const at::Tensor& points, const char* fn, const char* arg) {
  MVPOSE3D_CHECK(points.defined(), "{}: {} is undefined", fn, arg);
  MVPOSE3D_CHECK(points.dim() >= 2 && points.size(-1) == 3,
                 "{}: {} must have shape [..., N, 3], got {}",
                 fn,
                 arg,
                 shape_of(points));
  MVPOSE3D_CHECK(at::isFloatingType(points.scalar_type()),
                 "{}: {} must be float or double, got {}",
                 fn,
                 arg,
                 c10::toString(points.scalar_type()));
}

void check_matrix(const at::Tensor& m,
                  const at::Tensor& points,
                  int64_t rows,
                  int64_t cols,
                  const char* fn,
                  const char* arg) {
  MVPOSE3D_CHECK(m.defined(), "{}: {} is undefined", fn, arg);
  MVPOSE3D_CHECK(m.dim() >= 2 && m.size(-2) == rows && m.size(-1) == cols,
                 "{}: {} must have shape [..., {}, {}], got {}",
                 fn,
                 arg,
                 rows,
                 cols,
                 shape_of(m));
  MVPOSE3D_CHECK(m.scalar_type() == points.scalar_type(),
                 "{}: {} has dtype {} but the points have {}; convert it with .to(points.dtype())",
                 fn,
                 arg,
                 c10::toString(m.scalar_type()),
                 c10::toString(points.scalar_type()));
  MVPOSE3D_CHECK(m.device() == points.device(),
                 "{}: {} is on {} but the points are on {}",
                 fn,
                 arg,
                 m.device().str(),
                 points.device().str());
}

// [..., N, 3] · [..., 3, 3]ᵀ + [..., 3] with matmul broadcasting over the leading dimensions.
at::Tensor affine_apply(const at::Tensor& points,
                        const at::Tensor& linear,
                        const at::Tensor& offset) {
  return at::matmul(points, linear.transpose(-1, -2)) + offset.unsqueeze(-2);
}

}  // namespace

CameraTensors cameras_to_tensors(const std::vector<Camera>& cameras) {
  const auto v = static_cast<int64_t>(cameras.size());
  const auto options = at::TensorOptions().dtype(at::kDouble);
  CameraTensors out;
  out.K = at::empty({v, 3, 3}, options);
  out.R = at::empty({v, 3, 3}, options);
  out.t = at::empty({v, 3}, options);
  out.cam_from_world = at::empty({v, 3, 4}, options);
  out.proj_from_world = at::empty({v, 3, 4}, options);
  auto k = out.K.accessor<double, 3>();
  auto r = out.R.accessor<double, 3>();
  auto t = out.t.accessor<double, 2>();
  auto rt = out.cam_from_world.accessor<double, 3>();
  auto p = out.proj_from_world.accessor<double, 3>();
  for (int64_t i = 0; i < v; ++i) {
    const Camera& cam = cameras[static_cast<std::size_t>(i)];
    const Eigen::Matrix3d km = cam.calibration_matrix();
    const Eigen::Matrix<double, 3, 4> rtm = cam.cam_from_world();
    const Eigen::Matrix<double, 3, 4> pm = cam.proj_from_world();
    for (int a = 0; a < 3; ++a) {
      t[i][a] = cam.translation()(a);
      for (int b = 0; b < 3; ++b) {
        k[i][a][b] = km(a, b);
        r[i][a][b] = cam.rotation()(a, b);
      }
      for (int b = 0; b < 4; ++b) {
        rt[i][a][b] = rtm(a, b);
        p[i][a][b] = pm(a, b);
      }
    }
  }
  return out;
}

CameraTensors cameras_to_tensors(const Rig& rig) {
  return cameras_to_tensors(rig.cameras());
}

at::Tensor transform_points(const at::Tensor& points,
                            const at::Tensor& rotation,
                            const at::Tensor& translation) {
  check_points(points, "transform_points", "points");
  check_matrix(rotation, points, 3, 3, "transform_points", "rotation");
  MVPOSE3D_CHECK(translation.defined() && translation.dim() >= 1 && translation.size(-1) == 3,
                 "transform_points: translation must have shape [..., 3], got {}",
                 translation.defined() ? shape_of(translation) : "undefined");
  MVPOSE3D_CHECK(
      translation.scalar_type() == points.scalar_type() && translation.device() == points.device(),
      "transform_points: translation must have the points' dtype and device");
  return affine_apply(points, rotation, translation);  // [..., N, 3]
}

at::Tensor world_to_camera(const at::Tensor& points_world, const at::Tensor& cam_from_world) {
  check_points(points_world, "world_to_camera", "points_world");
  check_matrix(cam_from_world, points_world, 3, 4, "world_to_camera", "cam_from_world");
  using at::indexing::Slice;
  return affine_apply(points_world,
                      cam_from_world.index({"...", Slice(), Slice(0, 3)}),  // [..., 3, 3]
                      cam_from_world.index({"...", Slice(), 3}));           // [..., 3]
}

at::Tensor project_points(const at::Tensor& points_world, const at::Tensor& proj_from_world) {
  check_points(points_world, "project_points", "points_world");
  check_matrix(proj_from_world, points_world, 3, 4, "project_points", "proj_from_world");
  using at::indexing::Slice;
  const at::Tensor homogeneous = affine_apply(  // [..., N, 3]
      points_world,
      proj_from_world.index({"...", Slice(), Slice(0, 3)}),
      proj_from_world.index({"...", Slice(), 3}));
  return homogeneous.index({"...", Slice(0, 2)}) /
         homogeneous.index({"...", Slice(2, 3)});  // [..., N, 2]
}

// --- CameraBatch

at::Tensor CameraBatch::proj_from_world() const {
  MVPOSE3D_CHECK(K.defined() && cam_from_world.defined(),
                 "CameraBatch: K and cam_from_world needed");
  return at::matmul(K.to(at::kDouble), cam_from_world.to(at::kDouble));
}

CameraBatch CameraBatch::from_cameras(const std::vector<Camera>& cameras, int64_t batch_size) {
  MVPOSE3D_CHECK(!cameras.empty(), "CameraBatch::from_cameras: no cameras");
  const CameraTensors t = cameras_to_tensors(cameras);
  CameraBatch batch;
  batch.K = t.K.unsqueeze(0).expand({batch_size, -1, -1, -1}).contiguous();
  batch.cam_from_world =
      t.cam_from_world.unsqueeze(0).expand({batch_size, -1, -1, -1}).contiguous();
  return batch;
}

CameraBatch CameraBatch::to(const at::Device& device) const {
  CameraBatch out;
  out.K = K.defined() ? K.to(device) : K;
  out.cam_from_world = cam_from_world.defined() ? cam_from_world.to(device) : cam_from_world;
  out.image_from_crop = image_from_crop.defined() ? image_from_crop.to(device) : image_from_crop;
  return out;
}

CameraBatch CameraBatch::select_views(const at::Tensor& index) const {
  CameraBatch out;
  auto pick = [&](const at::Tensor& t) {
    return t.defined() ? t.index_select(1, index.to(t.device())) : t;
  };
  out.K = pick(K);
  out.cam_from_world = pick(cam_from_world);
  out.image_from_crop = pick(image_from_crop);
  return out;
}

}  // namespace mvpose3d
