#include "mvpose3d/data/labeled/dataset_stats.h"

#include <algorithm>
#include <sstream>

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace mvpose3d {

DatasetStats compute_stats(const LabeledDataset& dataset, std::int64_t max_check_frames) {
  DatasetStats st;
  st.frames = dataset.num_frames();
  st.samples = dataset.size();
  const std::vector<std::string> views = dataset.view_names();
  const std::int64_t stride = std::max<std::int64_t>(
      1, (st.frames + max_check_frames - 1) / std::max<std::int64_t>(1, max_check_frames));
  double label_sum = 0, box_sum = 0;
  std::int64_t label_n = 0, box_n = 0, joints_n = 0, inside_n = 0, front_n = 0;
  for (std::int64_t f = 0; f < st.frames; ++f) {
    const SampleLabels l = dataset.labels(f);
    ++st.per_subject[l.subject];
    ++st.per_action[l.action];
    for (std::size_t v = 0; v < views.size(); ++v) {
      if (l.present[v]) ++st.per_camera[views[v]];
    }
    if (f % stride != 0) continue;
    ++st.checked_frames;
    st.has_2d_labels = l.joints_2d_px.defined();
    const at::Tensor world = l.joints_world_mm.to(at::kDouble).contiguous();
    const double* x = world.data_ptr<double>();
    const std::int64_t joints = world.size(0);
    for (std::size_t v = 0; v < views.size(); ++v) {
      if (!l.present[v]) continue;
      const Camera& camera = l.cameras[v];
      double u0 = 1e300, v0 = 1e300, u1 = -1e300, v1 = -1e300;
      for (std::int64_t j = 0; j < joints; ++j) {
        const Eigen::Vector3d p(x[3 * j], x[3 * j + 1], x[3 * j + 2]);
        ++joints_n;
        if (camera.world_to_camera(p).z() <= 0) continue;
        ++front_n;
        const Eigen::Vector2d uv = camera.project(p);
        inside_n += uv.x() >= -0.5 && uv.y() >= -0.5 && uv.x() <= camera.width() - 0.5 &&
                    uv.y() <= camera.height() - 0.5;
        u0 = std::min(u0, uv.x()), u1 = std::max(u1, uv.x());
        v0 = std::min(v0, uv.y()), v1 = std::max(v1, uv.y());
        if (st.has_2d_labels) {
          const at::Tensor label = l.joints_2d_px[static_cast<std::int64_t>(v)][j];
          label_sum +=
              (uv - Eigen::Vector2d(label[0].item<double>(), label[1].item<double>())).norm();
          ++label_n;
        }
      }
      if (u0 <= u1) {
        const Eigen::Vector4d& b = l.boxes[v];
        box_sum += (Eigen::Vector2d(0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])) -
                    Eigen::Vector2d(0.5 * (u0 + u1), 0.5 * (v0 + v1)))
                       .norm();
        ++box_n;
      }
    }
  }
  st.label_distance_px = label_n > 0 ? label_sum / label_n : 0;
  st.box_centre_distance_px = box_n > 0 ? box_sum / box_n : 0;
  st.inside_fraction = joints_n > 0 ? static_cast<double>(inside_n) / joints_n : 0;
  st.in_front_fraction = joints_n > 0 ? static_cast<double>(front_n) / joints_n : 0;
  return st;
}

std::string format_stats(const DatasetStats& st,
                         const LabeledDataset& dataset,
                         const std::string& title) {
  std::ostringstream out;
  out << fmt::format("{}: {} frames, {} samples, {} views, {} joints ({})\n",
                     title,
                     st.frames,
                     st.samples,
                     dataset.num_views(),
                     dataset.skeleton().num_joints(),
                     dataset.skeleton().name);
  const auto list = [&](const char* what,
                        const std::vector<std::string>& order,
                        const std::map<std::string, std::int64_t>& counts) {
    out << "  " << what << ":";
    for (const std::string& name : order) {
      const auto it = counts.find(name);
      out << fmt::format(" {} {}", name, it == counts.end() ? 0 : it->second);
    }
    out << "\n";
  };
  list("subjects", dataset.subject_names(), st.per_subject);
  list("actions", dataset.action_names(), st.per_action);
  list("cameras", dataset.view_names(), st.per_camera);
  out << fmt::format("  consistency over {} frames:", st.checked_frames);
  if (st.has_2d_labels) {
    out << fmt::format(" projected 3D joints to 2D labels {:.3f} px (mean);", st.label_distance_px);
  }
  out << fmt::format(
      " box centre to projected joints' box centre {:.2f} px (mean); joints inside the image "
      "{:.1f}%, in front of the camera {:.1f}%\n",
      st.box_centre_distance_px,
      100.0 * st.inside_fraction,
      100.0 * st.in_front_fraction);
  return out.str();
}

}  // namespace mvpose3d
