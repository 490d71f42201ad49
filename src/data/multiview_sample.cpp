#include "mvpose3d/data/multiview_sample.h"

#include "mvpose3d/core/error.h"

#include <cstring>

#include <ATen/ATen.h>

namespace mvpose3d {

namespace {

std::string shape_of(const at::Tensor& t) {
  return t.defined() ? fmt::format("[{}]", fmt::join(t.sizes(), ", ")) : "undefined";
}

void expect_tensor(const at::Tensor& t,
                   const char* name,
                   at::ScalarType dtype,
                   std::vector<std::int64_t> shape) {
  MVPOSE3D_CHECK(t.defined(), "MultiviewSample: {} is undefined", name);
  MVPOSE3D_CHECK(t.scalar_type() == dtype,
                 "MultiviewSample: {} must be {}, got {}",
                 name,
                 c10::toString(dtype),
                 c10::toString(t.scalar_type()));
  bool ok = t.dim() == static_cast<std::int64_t>(shape.size());
  for (std::size_t i = 0; ok && i < shape.size(); ++i) {
    ok = shape[i] < 0 || t.size(static_cast<std::int64_t>(i)) == shape[i];
  }
  MVPOSE3D_CHECK(ok,
                 "MultiviewSample: {} must have shape [{}] (-1 = any), got {}",
                 name,
                 fmt::join(shape, ", "),
                 shape_of(t));
}

// Copies a contiguous CPU tensor's bytes into row `b` of a [B, ...] tensor of the same dtype.
void copy_into(at::Tensor& out, std::int64_t b, const at::Tensor& in) {
  const at::Tensor src = in.contiguous();
  const std::size_t bytes = static_cast<std::size_t>(src.nbytes());
  std::memcpy(static_cast<char*>(out.data_ptr()) + static_cast<std::size_t>(b) * bytes,
              src.data_ptr(),
              bytes);
}

}  // namespace

void check_sample(const MultiviewSample& s) {
  const std::int64_t views = static_cast<std::int64_t>(s.cameras.size());
  MVPOSE3D_CHECK(views >= 1, "MultiviewSample: no cameras");
  MVPOSE3D_CHECK(static_cast<std::int64_t>(s.crop_from_original.size()) == views,
                 "MultiviewSample: {} crop transforms for {} cameras",
                 s.crop_from_original.size(),
                 views);
  expect_tensor(s.images, "images", at::kByte, {views, 3, -1, -1});
  expect_tensor(s.joints_world_mm, "joints_world_mm", at::kDouble, {-1, 3});
  const std::int64_t joints = s.joints_world_mm.size(0);
  expect_tensor(s.joints_2d_px, "joints_2d_px", at::kDouble, {views, joints, 2});
  expect_tensor(s.visibility, "visibility", at::kFloat, {views, joints});
  for (std::int64_t v = 0; v < views; ++v) {
    const Camera& c = s.cameras[static_cast<std::size_t>(v)];
    MVPOSE3D_CHECK(c.width() == s.images.size(3) && c.height() == s.images.size(2),
                   "MultiviewSample: camera {} is {}x{} but its image is {}x{}",
                   v,
                   c.width(),
                   c.height(),
                   s.images.size(3),
                   s.images.size(2));
  }
}

MultiviewBatch collate(const std::vector<MultiviewSample>& samples) {
  MVPOSE3D_CHECK(!samples.empty(), "collate: no samples");
  const MultiviewSample& first = samples.front();
  check_sample(first);
  const std::int64_t batch = static_cast<std::int64_t>(samples.size());
  const std::int64_t views = first.num_views();
  const std::int64_t joints = first.joints_world_mm.size(0);
  const std::int64_t height = first.images.size(2), width = first.images.size(3);
  for (std::int64_t b = 1; b < batch; ++b) {
    const MultiviewSample& s = samples[static_cast<std::size_t>(b)];
    check_sample(s);
    MVPOSE3D_CHECK(s.num_views() == views && s.joints_world_mm.size(0) == joints &&
                       s.images.size(2) == height && s.images.size(3) == width,
                   "collate: sample {} (index {}) has V = {}, J = {}, {}x{} images; sample 0 has "
                   "V = {}, J = {}, {}x{}",
                   b,
                   s.index,
                   s.num_views(),
                   s.joints_world_mm.size(0),
                   s.images.size(3),
                   s.images.size(2),
                   views,
                   joints,
                   width,
                   height);
  }

  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const auto i64 = at::TensorOptions().dtype(at::kLong);
  MultiviewBatch out;
  out.images = at::empty({batch, views, 3, height, width}, at::kFloat);
  out.K = at::empty({batch, views, 3, 3}, f64);
  out.R = at::empty({batch, views, 3, 3}, f64);
  out.t = at::empty({batch, views, 3}, f64);
  out.proj_from_world = at::empty({batch, views, 3, 4}, f64);
  out.crop_from_original = at::empty({batch, views, 2, 3}, f64);
  out.image_size_px = at::empty({batch, views, 2}, i64);
  out.joints_world_mm = at::empty({batch, joints, 3}, f64);
  out.joints_2d_px = at::empty({batch, views, joints, 2}, f64);
  out.visibility = at::empty({batch, views, joints}, at::kFloat);
  out.subject_id = at::empty({batch}, i64);
  out.action_id = at::empty({batch}, i64);
  out.sequence = at::empty({batch}, i64);
  out.frame = at::empty({batch}, i64);
  out.index = at::empty({batch}, i64);

  // Plain loops instead of at::stack: this runs in loader threads, and ATen's intra-op thread pool
  // would oversubscribe the cores the other workers use.
  float* images = out.images.data_ptr<float>();
  double* k = out.K.data_ptr<double>();
  double* r = out.R.data_ptr<double>();
  double* t = out.t.data_ptr<double>();
  double* p = out.proj_from_world.data_ptr<double>();
  double* a = out.crop_from_original.data_ptr<double>();
  std::int64_t* size = out.image_size_px.data_ptr<std::int64_t>();
  const std::int64_t image_numel = 3 * height * width;
  constexpr float kScale = 1.0f / 255.0f;
  for (std::int64_t b = 0; b < batch; ++b) {
    const MultiviewSample& s = samples[static_cast<std::size_t>(b)];
    const at::Tensor src_images = s.images.contiguous();
    const std::uint8_t* src = src_images.data_ptr<std::uint8_t>();
    float* dst = images + b * views * image_numel;
    for (std::int64_t i = 0; i < views * image_numel; ++i) dst[i] = kScale * src[i];
    for (std::int64_t v = 0; v < views; ++v) {
      const std::int64_t bv = b * views + v;
      const Camera& cam = s.cameras[static_cast<std::size_t>(v)];
      const Eigen::Matrix3d kk = cam.calibration_matrix();
      const Eigen::Matrix<double, 3, 4> pp = cam.proj_from_world();
      const auto& aa = s.crop_from_original[static_cast<std::size_t>(v)];
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) {
          k[bv * 9 + i * 3 + j] = kk(i, j);
          r[bv * 9 + i * 3 + j] = cam.rotation()(i, j);
        }
        t[bv * 3 + i] = cam.translation()(i);
        for (int j = 0; j < 4; ++j) p[bv * 12 + i * 4 + j] = pp(i, j);
      }
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 3; ++j) a[bv * 6 + i * 3 + j] = aa(i, j);
      }
      size[bv * 2 + 0] = cam.width();
      size[bv * 2 + 1] = cam.height();
    }
    copy_into(out.joints_world_mm, b, s.joints_world_mm);
    copy_into(out.joints_2d_px, b, s.joints_2d_px);
    copy_into(out.visibility, b, s.visibility);
    out.subject_id.data_ptr<std::int64_t>()[b] = s.subject_id;
    out.action_id.data_ptr<std::int64_t>()[b] = s.action_id;
    out.sequence.data_ptr<std::int64_t>()[b] = s.sequence;
    out.frame.data_ptr<std::int64_t>()[b] = s.frame;
    out.index.data_ptr<std::int64_t>()[b] = s.index;
    out.subjects.push_back(s.subject);
    out.actions.push_back(s.action);
  }
  return out;
}

MultiviewBatch MultiviewBatch::to(const at::Device& device, bool non_blocking) const {
  MultiviewBatch out = *this;
  for (at::Tensor* t : {&out.images,
                        &out.K,
                        &out.R,
                        &out.t,
                        &out.proj_from_world,
                        &out.crop_from_original,
                        &out.image_size_px,
                        &out.joints_world_mm,
                        &out.joints_2d_px,
                        &out.visibility,
                        &out.subject_id,
                        &out.action_id,
                        &out.sequence,
                        &out.frame,
                        &out.index}) {
    if (t->defined()) *t = t->to(device, non_blocking);
  }
  return out;
}

}  // namespace mvpose3d
