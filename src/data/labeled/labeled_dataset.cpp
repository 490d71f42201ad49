#include "mvpose3d/data/labeled/labeled_dataset.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/labeled/hdf5_file.h"
#include "mvpose3d/data/random.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <ATen/ATen.h>
#include <fmt/args.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace mvpose3d {

namespace {

constexpr std::uint64_t kStreamAugment = 0x617567;  // "aug"

}  // namespace

PipelineOptions make_pipeline_options(int crop_size_px,
                                      double bbox_scale,
                                      bool undistort,
                                      const AugmentConfig& augment,
                                      const std::string& split,
                                      std::int64_t seed) {
  PipelineOptions o;
  o.crop_size_px = crop_size_px;
  o.bbox_scale = bbox_scale;
  o.undistort = undistort;
  o.augment = augment;
  o.augmenting = split == "train" && augment.enabled;
  o.seed = static_cast<std::uint64_t>(seed);
  return o;
}

std::int64_t LabeledDataset::size() const {
  const std::int64_t repeats = options_.augmenting ? options_.augment.repeats : 1;
  return num_frames() * repeats;
}

MultiviewSample LabeledDataset::get(std::int64_t index) const {
  MVPOSE3D_CHECK(
      index >= 0 && index < size(), "dataset: sample {} is outside [0, {})", index, size());
  const SampleLabels labels = this->labels(index % num_frames());
  const int views = static_cast<int>(labels.cameras.size());
  const int size_px = options_.crop_size_px;
  const at::Tensor world = labels.joints_world_mm.to(at::kDouble).contiguous();
  const std::int64_t joints = world.size(0);

  Rng rng(hash_values({options_.seed, kStreamAugment, static_cast<std::uint64_t>(index)}));
  const bool augment = options_.augmenting;
  // Drawn whether or not it is used, so that the per-view streams do not depend on flip_prob.
  const bool flip = rng.bernoulli(options_.augment.flip_prob) && augment;

  MultiviewSample s;
  // Plain memory operations on the images: ATen's parallel kernels would start its intra-op
  // thread pool in loader threads (see render_crop_into).
  s.images = at::empty({views, 3, size_px, size_px}, at::kByte);
  std::uint8_t* pixels = s.images.data_ptr<std::uint8_t>();
  const std::int64_t view_bytes = 3 * static_cast<std::int64_t>(size_px) * size_px;
  s.joints_world_mm = world;
  s.joints_2d_px = at::zeros({views, joints, 2}, at::kDouble);
  s.visibility = at::zeros({views, joints}, at::kFloat);
  const double* x = world.data_ptr<double>();
  double* uv = s.joints_2d_px.data_ptr<double>();
  float* vis = s.visibility.data_ptr<float>();
  const bool have_2d = labels.joints_2d_px.defined();
  const at::Tensor labels_2d =
      have_2d ? labels.joints_2d_px.to(at::kDouble).contiguous() : at::Tensor();
  const bool cached = !augment && read_cached_images(index % num_frames(), pixels);
  for (int v = 0; v < views; ++v) {
    const std::size_t vi = static_cast<std::size_t>(v);
    const ViewAugmentation va =
        augment ? draw_view_augmentation(options_.augment, rng) : ViewAugmentation{};
    const Camera& camera = labels.cameras[vi];
    const bool present = labels.present[vi];
    const Eigen::Vector4d box = present ? labels.boxes[vi] : projected_box(camera, world);
    // "crop: empty box" alone named no frame or camera.
    const CropPlan plan = with_error_context(
        fmt::format("sample {} ({} {} sequence {} frame {}), view {}",
                    index,
                    labels.subject,
                    labels.action,
                    labels.sequence,
                    labels.frame,
                    v),
        [&] {
          return plan_crop(camera, box, size_px, options_.bbox_scale, options_.undistort, va);
        });
    std::uint8_t* view_pixels = pixels + v * view_bytes;
    if (!present) {
      std::memset(view_pixels, 0, static_cast<std::size_t>(view_bytes));
    } else if (!cached) {
      render_crop_into(labels.images[vi], camera, plan, view_pixels);
      apply_color(view_pixels, view_bytes / 3, va);
    }
    for (std::int64_t j = 0; j < joints; ++j) {
      const Eigen::Vector3d p(x[3 * j], x[3 * j + 1], x[3 * j + 2]);
      Eigen::Vector2d q;
      if (have_2d && present) {
        const double* l = labels_2d.data_ptr<double>() + (v * joints + j) * 2;
        q = map_to_crop(camera, plan, Eigen::Vector2d(l[0], l[1]));
      } else {
        q = plan.camera.project(p);
      }
      uv[(v * joints + j) * 2] = q.x();
      uv[(v * joints + j) * 2 + 1] = q.y();
      const bool inside = q.allFinite() && q.x() >= -0.5 && q.y() >= -0.5 &&
                          q.x() <= size_px - 0.5 && q.y() <= size_px - 0.5;
      const bool in_front = plan.camera.world_to_camera(p).z() > 0;
      vis[v * joints + j] = present && inside && in_front ? 1.0f : 0.0f;
    }
    s.cameras.push_back(plan.camera);
    s.crop_from_original.push_back(plan.crop_from_original);
  }
  s.subject = labels.subject;
  s.subject_id = labels.subject_id;
  s.action = labels.action;
  s.action_id = labels.action_id;
  s.sequence = labels.sequence;
  s.frame = labels.frame;
  s.index = index;
  if (flip) flip_sample(s, skeleton());
  return s;
}

std::vector<std::int64_t> LabeledDataset::frames_with_missing_files(const std::string& what) const {
  std::vector<std::int64_t> missing;
  std::vector<std::string> examples;
  std::int64_t missing_files = 0;
  for (std::int64_t f = 0; f < num_frames(); ++f) {
    const SampleLabels l = labels(f);
    bool any = false;
    for (std::size_t v = 0; v < l.images.size(); ++v) {
      if (!l.present[v] || std::filesystem::exists(l.images[v].file)) continue;
      any = true;
      ++missing_files;
      if (examples.size() < 3) examples.push_back(l.images[v].file.string());
    }
    if (any) missing.push_back(f);
  }
  if (!missing.empty()) {
    spdlog::warn("{}: skip_missing: skipping {} of {} frames with {} missing files, e.g. {}",
                 what,
                 missing.size(),
                 num_frames(),
                 missing_files,
                 fmt::join(examples, ", "));
  }
  return missing;
}

namespace {

std::uint64_t bits_of(double x) {
  std::uint64_t b = 0;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

}  // namespace

void LabeledDataset::use_crop_cache(const std::string& cache_root, const std::string& name) {
  cache_dir_.clear();
  if (cache_root.empty() || options_.augmenting) return;
  std::uint64_t key = hash_values({static_cast<std::uint64_t>(options_.crop_size_px),
                                   bits_of(options_.bbox_scale),
                                   static_cast<std::uint64_t>(options_.undistort),
                                   static_cast<std::uint64_t>(num_frames())});
  for (std::int64_t f = 0; f < num_frames(); ++f) {
    const SampleLabels l = labels(f);
    for (std::size_t v = 0; v < l.images.size(); ++v) {
      const Camera& c = l.cameras[v];
      const Distortion& d = c.distortion();
      key = hash_values({key,
                         hash_string(l.images[v].file.string()),
                         static_cast<std::uint64_t>(l.images[v].video_frame),
                         static_cast<std::uint64_t>(l.present[v]),
                         bits_of(l.boxes[v][0]),
                         bits_of(l.boxes[v][1]),
                         bits_of(l.boxes[v][2]),
                         bits_of(l.boxes[v][3]),
                         bits_of(c.fx()),
                         bits_of(c.fy()),
                         bits_of(c.cx()),
                         bits_of(c.cy()),
                         static_cast<std::uint64_t>(d.model),
                         bits_of(d.k[0]),
                         bits_of(d.k[1]),
                         bits_of(d.k[2]),
                         bits_of(d.p[0]),
                         bits_of(d.p[1])});
      // Only the fisheye model has k4; hashing it only there keeps the other models' keys.
      if (d.model == DistortionModel::kOpenCvFisheye) key = hash_values({key, bits_of(d.k4)});
    }
  }
  cache_dir_ = std::filesystem::path(cache_root) / fmt::format("{}-{:016x}", name, key);
}

std::filesystem::path LabeledDataset::shard_file(std::int64_t shard) const {
  return cache_dir_ / fmt::format("shard_{:06d}.h5", shard);
}

bool LabeledDataset::read_cached_images(std::int64_t frame, std::uint8_t* out) const {
  if (cache_dir_.empty()) return false;
  const std::int64_t shard = frame / kShardFrames;
  const std::filesystem::path file = shard_file(shard);
  if (!std::filesystem::exists(file)) return false;
  const h5::File h5(file);
  const std::int64_t size = options_.crop_size_px;
  const std::vector<std::int64_t> shape = h5.shape("/crops");
  MVPOSE3D_CHECK(shape.size() == 5 && shape[1] == num_views() && shape[3] == size &&
                     shape[4] == size && frame - shard * kShardFrames < shape[0],
                 "{}: dataset /crops: expected shape [>{}, {}, 3, {}, {}], found [{}]",
                 file.string(),
                 frame - shard * kShardFrames,
                 num_views(),
                 size,
                 size,
                 fmt::join(shape, ", "));
  const std::vector<std::uint8_t> bytes =
      h5.read_u8_rows("/crops", frame - shard * kShardFrames, 1);
  std::memcpy(out, bytes.data(), bytes.size());
  return true;
}

std::int64_t LabeledDataset::write_crop_cache(int threads) const {
  MVPOSE3D_CHECK(!cache_dir_.empty(),
                 "write_crop_cache: no crop cache for this split (none configured, or the split "
                 "is augmented)");
  std::filesystem::create_directories(cache_dir_);
  const std::int64_t size = options_.crop_size_px;
  const std::int64_t view_bytes = 3 * size * size;
  const std::int64_t shards = (num_frames() + kShardFrames - 1) / kShardFrames;
  std::int64_t written = 0;
  for (std::int64_t k = 0; k < shards; ++k) {
    const std::filesystem::path file = shard_file(k);
    if (std::filesystem::exists(file)) continue;
    const std::int64_t first = k * kShardFrames;
    const std::int64_t n = std::min(kShardFrames, num_frames() - first);
    std::vector<std::uint8_t> buffer(static_cast<std::size_t>(n * num_views() * view_bytes));
    std::atomic<std::int64_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    const auto work = [&] {
      for (std::int64_t i = next++; i < n; i = next++) {
        try {
          const at::Tensor images = get(first + i).images.contiguous();
          std::memcpy(buffer.data() + i * num_views() * view_bytes,
                      images.data_ptr<std::uint8_t>(),
                      static_cast<std::size_t>(images.nbytes()));
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!error) error = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    const std::filesystem::path tmp =
        file.string() + fmt::format(".tmp-{}", static_cast<long long>(getpid()));
    {
      h5::File out = h5::File::create(tmp);
      out.write_u8("/crops", {n, num_views(), 3, size, size}, buffer.data());
      out.write_string_attribute("/", "first_frame", std::to_string(first));
    }
    std::filesystem::rename(tmp, file);
    ++written;
  }
  return written;
}

TemplateField text_field(const std::string& name, const std::string& value) {
  TemplateField f;
  f.name = name;
  f.text = value;
  return f;
}

TemplateField number_field(const std::string& name, std::int64_t value) {
  TemplateField f;
  f.name = name;
  f.number = value;
  f.is_number = true;
  return f;
}

std::string fill_template(const std::string& pattern,
                          const std::vector<TemplateField>& fields,
                          const std::string& key) {
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  std::vector<std::string> names;
  for (const TemplateField& f : fields) {
    names.push_back(f.name);
    if (f.is_number) {
      store.push_back(fmt::arg(f.name.c_str(), f.number));
    } else {
      store.push_back(fmt::arg(f.name.c_str(), f.text));
    }
  }
  try {
    return fmt::vformat(pattern, store);
  } catch (const fmt::format_error& e) {
    throw Error(fmt::format("{}: bad path template '{}' ({}); known fields: {}",
                            key,
                            pattern,
                            e.what(),
                            fmt::join(names, ", ")));
  }
}

std::filesystem::path resolve_path(const std::string& root, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || root.empty()) return p;
  return std::filesystem::path(root) / p;
}

}  // namespace mvpose3d
