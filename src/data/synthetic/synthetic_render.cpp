#include "mvpose3d/data/synthetic/synthetic_render.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/data/random.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Geometry>

namespace mvpose3d::synthetic {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNear = 1.0f;  // mm: nothing closer to the camera is drawn

struct V3 {
  float x, y, z;
};
inline V3 operator+(V3 a, V3 b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
inline V3 operator-(V3 a, V3 b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
inline V3 operator*(float s, V3 a) {
  return {s * a.x, s * a.y, s * a.z};
}
inline float dot(V3 a, V3 b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
inline V3 normalized(V3 a) {
  const float n = std::sqrt(dot(a, a));
  return n > 0 ? (1.0f / n) * a : a;
}
inline V3 to_v3(const Eigen::Vector3d& v) {
  return {static_cast<float>(v.x()), static_cast<float>(v.y()), static_cast<float>(v.z())};
}

// Rows of a 3×3 matrix as V3s: m·v = (dot(r0, v), dot(r1, v), dot(r2, v)).
struct M3 {
  V3 r0, r1, r2;
  V3 operator*(V3 v) const { return {dot(r0, v), dot(r1, v), dot(r2, v)}; }
  // mᵀ·v
  V3 transposed_times(V3 v) const { return v.x * r0 + v.y * r1 + v.z * r2; }
};
inline M3 to_m3(const Eigen::Matrix3d& m) {
  return {to_v3(m.row(0).transpose()), to_v3(m.row(1).transpose()), to_v3(m.row(2).transpose())};
}

// A primitive in camera coordinates, ready for ray tests.
struct Prepared {
  Primitive::Type type;
  int index;
  V3 a, b;       // capsule ends (camera mm); ellipsoid/box: a = centre
  float radius;  // capsule
  M3 to_local;   // camera → local frame (rows = local axes in camera coordinates)
  V3 half;       // ellipsoid radii / box half sizes
  V3 inv_half;
  int x0, x1, y0, y1;  // pixel bounding box, inclusive
};

struct RayHit {
  float t;  // camera depth (the ray's z component is 1)
  V3 normal;
};

// Capsule: the infinite cylinder first, then the two end spheres (Quilez's formulation, for a ray
// direction that is not unit length).
inline bool hit_capsule(const Prepared& p, V3 rd, float rdrd, RayHit* hit) {
  const V3 ba = p.b - p.a;
  const V3 oa = -1.0f * p.a;  // ray origin (0) − a
  const float baba = dot(ba, ba);
  const float bard = dot(ba, rd);
  const float baoa = dot(ba, oa);
  const float rdoa = dot(rd, oa);
  const float oaoa = dot(oa, oa);
  const float r2 = p.radius * p.radius;
  const float a = baba * rdrd - bard * bard;
  float t = kInf;
  if (a > 1e-9f * baba * rdrd) {
    const float b = baba * rdoa - baoa * bard;
    const float c = baba * oaoa - baoa * baoa - r2 * baba;
    const float h = b * b - a * c;
    if (h < 0) return false;  // misses the infinite cylinder, hence the capsule
    const float tc = (-b - std::sqrt(h)) / a;
    const float y = baoa + tc * bard;
    if (y > 0 && y < baba) t = tc;
  }
  if (t == kInf) {  // one of the end spheres
    for (const V3& centre : {p.a, p.b}) {
      const V3 oc = -1.0f * centre;
      const float b = dot(rd, oc);
      const float c = dot(oc, oc) - r2;
      const float h = b * b - rdrd * c;
      if (h > 0) t = std::min(t, (-b - std::sqrt(h)) / rdrd);
    }
    if (t == kInf) return false;
  }
  const V3 pos = t * rd;
  const float s = std::clamp(dot(pos - p.a, ba) / baba, 0.0f, 1.0f);
  hit->t = t;
  hit->normal = (1.0f / p.radius) * (pos - p.a - s * ba);
  return true;
}

inline bool hit_ellipsoid(const Prepared& p, V3 rd, RayHit* hit) {
  // In the local frame scaled to the unit sphere.
  const V3 o = p.to_local * (-1.0f * p.a);
  const V3 d = p.to_local * rd;
  const V3 os{o.x * p.inv_half.x, o.y * p.inv_half.y, o.z * p.inv_half.z};
  const V3 ds{d.x * p.inv_half.x, d.y * p.inv_half.y, d.z * p.inv_half.z};
  const float a = dot(ds, ds), b = dot(os, ds), c = dot(os, os) - 1.0f;
  const float h = b * b - a * c;
  if (h < 0) return false;
  const float t = (-b - std::sqrt(h)) / a;
  const V3 q = os + t * ds;  // on the unit sphere
  const V3 n_local{q.x * p.inv_half.x, q.y * p.inv_half.y, q.z * p.inv_half.z};
  hit->t = t;
  hit->normal = normalized(p.to_local.transposed_times(n_local));
  return true;
}

inline bool hit_box(const Prepared& p, V3 rd, RayHit* hit) {
  const V3 o = p.to_local * (-1.0f * p.a);
  const V3 d = p.to_local * rd;
  float t_near = -kInf, t_far = kInf;
  int axis = 0;
  float sign = 1;
  const float oo[3] = {o.x, o.y, o.z}, dd[3] = {d.x, d.y, d.z},
              hh[3] = {p.half.x, p.half.y, p.half.z};
  for (int k = 0; k < 3; ++k) {
    if (std::fabs(dd[k]) < 1e-12f) {
      if (std::fabs(oo[k]) > hh[k]) return false;
      continue;
    }
    const float inv = 1.0f / dd[k];
    float t1 = (-hh[k] - oo[k]) * inv, t2 = (hh[k] - oo[k]) * inv;
    float s = -1;
    if (t1 > t2) {
      std::swap(t1, t2);
      s = 1;
    }
    if (t1 > t_near) {
      t_near = t1;
      axis = k;
      sign = s;
    }
    t_far = std::min(t_far, t2);
  }
  if (t_near > t_far || t_far <= 0) return false;
  V3 n_local{0, 0, 0};
  (axis == 0 ? n_local.x : axis == 1 ? n_local.y : n_local.z) = sign;
  hit->t = t_near;
  hit->normal = p.to_local.transposed_times(n_local);
  return true;
}

inline float frac(float x) {
  return x - std::floor(x);
}

Rgb albedo(const Material& m, V3 q) {
  const float inv = 1.0f / m.period_mm;
  bool second = false;
  switch (m.pattern) {
    case Pattern::kPlain:
      break;
    case Pattern::kStripes:
      second = frac(q.z * inv) < 0.5f;
      break;
    case Pattern::kChecks:
      second = ((static_cast<int>(std::floor(q.x * inv)) + static_cast<int>(std::floor(q.y * inv)) +
                 static_cast<int>(std::floor(q.z * inv))) &
                1) != 0;
      break;
    case Pattern::kDots: {
      const float fx = frac(q.x * inv) - 0.5f, fy = frac(q.y * inv) - 0.5f,
                  fz = frac(q.z * inv) - 0.5f;
      second = fx * fx + fy * fy + fz * fz < 0.08f;
      break;
    }
  }
  return second ? m.color2 : m.color;
}

Rgb random_color(Rng& rng) {
  // HSV with moderate saturation, like furniture, walls and clothes.
  const float h = static_cast<float>(rng.uniform(0, 6));
  const float s = static_cast<float>(rng.uniform(0.05, 0.65));
  const float v = static_cast<float>(rng.uniform(0.15, 0.95));
  const int i = static_cast<int>(h) % 6;
  const float f = h - std::floor(h);
  const float p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  switch (i) {
    case 0:
      return {v, t, p};
    case 1:
      return {q, v, p};
    case 2:
      return {p, v, t};
    case 3:
      return {p, q, v};
    case 4:
      return {t, p, v};
    default:
      return {v, p, q};
  }
}

// The background: a vertical gradient, the floor (3D), then random 2D shapes over it.
void draw_background(const Scene& scene,
                     const Camera& cam,
                     const ViewStyle& style,
                     const std::vector<float>& rx,
                     const std::vector<float>& ry,
                     float* color) {
  const int w = cam.width(), h = cam.height();
  Rng rng(hash_values({style.seed, 0xbac6u}));
  const Rgb top = random_color(rng), bottom = random_color(rng);
  for (int y = 0; y < h; ++y) {
    const float s = h > 1 ? static_cast<float>(y) / static_cast<float>(h - 1) : 0.0f;
    const Rgb c{top.r + s * (bottom.r - top.r),
                top.g + s * (bottom.g - top.g),
                top.b + s * (bottom.b - top.b)};
    float* row = color + static_cast<std::size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x) {
      row[3 * x] = c.r;
      row[3 * x + 1] = c.g;
      row[3 * x + 2] = c.b;
    }
  }

  if (scene.floor_radius_mm > 0) {
    // World ray direction = Rᵀ·(rx, ry, 1): columns of Rᵀ are R's rows.
    const M3 r = to_m3(cam.rotation());
    const V3 centre = to_v3(cam.center());
    const float radius2 = static_cast<float>(scene.floor_radius_mm * scene.floor_radius_mm);
    const V3 light = normalized(to_v3(scene.light_dir_world));
    const float shade = scene.ambient + scene.diffuse * std::max(0.0f, light.z);
    for (int y = 0; y < h; ++y) {
      const V3 row_dir =
          ry[static_cast<std::size_t>(y)] * V3{r.r1.x, r.r1.y, r.r1.z} + V3{r.r2.x, r.r2.y, r.r2.z};
      float* out = color + static_cast<std::size_t>(y) * w * 3;
      for (int x = 0; x < w; ++x) {
        const V3 d = rx[static_cast<std::size_t>(x)] * V3{r.r0.x, r.r0.y, r.r0.z} + row_dir;
        if (d.z >= -1e-6f) continue;
        const float t = -centre.z / d.z;
        const V3 p = centre + t * d;
        if (p.x * p.x + p.y * p.y > radius2) continue;
        const Rgb a = albedo(scene.floor, p);
        out[3 * x] = a.r * shade;
        out[3 * x + 1] = a.g * shade;
        out[3 * x + 2] = a.b * shade;
      }
    }
  }

  const float size = static_cast<float>(std::max(w, h));
  for (int k = 0; k < style.clutter_shapes; ++k) {
    const int kind = static_cast<int>(rng.below(3));
    const Rgb c = random_color(rng);
    const Rgb c2 = random_color(rng);
    const bool striped = rng.bernoulli(0.3);
    const float period = static_cast<float>(rng.uniform(0.03, 0.12)) * size;
    const float cx = static_cast<float>(rng.uniform(-0.1, 1.1)) * w;
    const float cy = static_cast<float>(rng.uniform(-0.1, 1.1)) * h;
    const float ax = static_cast<float>(rng.uniform(0.03, 0.22)) * size;
    const float ay = static_cast<float>(rng.uniform(0.03, 0.22)) * size;
    const float angle = static_cast<float>(rng.uniform(0, 3.14159265));
    const float ex = std::cos(angle), ey = std::sin(angle);
    const float thick = static_cast<float>(rng.uniform(0.015, 0.06)) * size;
    const float extent = kind == 2 ? ax + thick : std::max(ax, ay) * 1.42f;
    const int x0 = std::max(0, static_cast<int>(cx - extent)),
              x1 = std::min(w - 1, static_cast<int>(cx + extent) + 1);
    const int y0 = std::max(0, static_cast<int>(cy - extent)),
              y1 = std::min(h - 1, static_cast<int>(cy + extent) + 1);
    for (int y = y0; y <= y1; ++y) {
      float* out = color + static_cast<std::size_t>(y) * w * 3;
      for (int x = x0; x <= x1; ++x) {
        const float dx = static_cast<float>(x) - cx, dy = static_cast<float>(y) - cy;
        const float u = dx * ex + dy * ey, v = -dx * ey + dy * ex;  // rotated frame
        float edge;  // 0 at the centre → 1 at the border; > 1 outside
        if (kind == 0) {
          edge = std::max(std::fabs(u) / ax, std::fabs(v) / ay);
        } else if (kind == 1) {
          edge = std::sqrt((u * u) / (ax * ax) + (v * v) / (ay * ay));
        } else {
          const float along = std::clamp(u, -ax, ax);
          edge = std::sqrt((u - along) * (u - along) + v * v) / thick;
        }
        if (edge > 1.0f) continue;
        const bool second = striped && frac(u / period) < 0.5f;
        const Rgb& col = second ? c2 : c;
        const float shade = 1.0f - 0.25f * edge * edge;  // a hint of roundness
        out[3 * x] = col.r * shade;
        out[3 * x + 1] = col.g * shade;
        out[3 * x + 2] = col.b * shade;
      }
    }
  }
}

void gaussian_blur(float* color, std::vector<float>& scratch, int w, int h, float sigma) {
  const int radius = std::max(1, static_cast<int>(std::ceil(2.5f * sigma)));
  std::vector<float> kernel(static_cast<std::size_t>(2 * radius + 1));
  float sum = 0;
  for (int i = -radius; i <= radius; ++i) {
    const float v = std::exp(-0.5f * static_cast<float>(i * i) / (sigma * sigma));
    kernel[static_cast<std::size_t>(i + radius)] = v;
    sum += v;
  }
  for (float& v : kernel) v /= sum;
  scratch.resize(static_cast<std::size_t>(w) * h * 3);
  // Horizontal pass: color → scratch; vertical pass: scratch → color. Borders are clamped.
  for (int y = 0; y < h; ++y) {
    const float* in = color + static_cast<std::size_t>(y) * w * 3;
    float* out = scratch.data() + static_cast<std::size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x) {
      float r = 0, g = 0, b = 0;
      for (int i = -radius; i <= radius; ++i) {
        const int xx = std::clamp(x + i, 0, w - 1);
        const float k = kernel[static_cast<std::size_t>(i + radius)];
        r += k * in[3 * xx];
        g += k * in[3 * xx + 1];
        b += k * in[3 * xx + 2];
      }
      out[3 * x] = r;
      out[3 * x + 1] = g;
      out[3 * x + 2] = b;
    }
  }
  for (int y = 0; y < h; ++y) {
    float* out = color + static_cast<std::size_t>(y) * w * 3;
    for (int x = 0; x < 3 * w; ++x) out[x] = 0;
    for (int i = -radius; i <= radius; ++i) {
      const int yy = std::clamp(y + i, 0, h - 1);
      const float k = kernel[static_cast<std::size_t>(i + radius)];
      const float* in = scratch.data() + static_cast<std::size_t>(yy) * w * 3;
      for (int x = 0; x < 3 * w; ++x) out[x] += k * in[x];
    }
  }
}

}  // namespace

Primitive make_capsule(const Eigen::Vector3d& a,
                       const Eigen::Vector3d& b,
                       double radius,
                       int material) {
  Primitive p;
  p.type = Primitive::kCapsule;
  p.a = a;
  p.b = b;
  p.radius = radius;
  p.material = material;
  Eigen::Vector3d z = b - a;
  z = z.norm() > 0 ? Eigen::Vector3d(z.normalized()) : Eigen::Vector3d::UnitZ();
  const Eigen::Vector3d helper =
      std::fabs(z.z()) < 0.9 ? Eigen::Vector3d::UnitZ() : Eigen::Vector3d::UnitX();
  const Eigen::Vector3d x = helper.cross(z).normalized();
  p.axes.col(0) = x;
  p.axes.col(1) = z.cross(x);
  p.axes.col(2) = z;
  return p;
}

Primitive make_ellipsoid(const Eigen::Vector3d& center,
                         const Eigen::Matrix3d& axes,
                         const Eigen::Vector3d& radii,
                         int material) {
  Primitive p;
  p.type = Primitive::kEllipsoid;
  p.a = center;
  p.axes = axes;
  p.half_size = radii;
  p.material = material;
  return p;
}

Primitive make_box(const Eigen::Vector3d& center,
                   const Eigen::Matrix3d& axes,
                   const Eigen::Vector3d& half_size,
                   int material) {
  Primitive p = make_ellipsoid(center, axes, half_size, material);
  p.type = Primitive::kBox;
  return p;
}

void render_view(const Scene& scene,
                 const Camera& camera,
                 const ViewStyle& style,
                 RenderBuffers& buffers,
                 std::uint8_t* out_chw) {
  const int w = camera.width(), h = camera.height();
  const std::size_t pixels = static_cast<std::size_t>(w) * h;
  MVPOSE3D_CHECK(scene.primitives.size() < 32767, "render_view: too many primitives");
  buffers.color.resize(pixels * 3);
  buffers.depth.assign(pixels, kInf);
  buffers.primitive.assign(pixels, -1);
  float* color = buffers.color.data();

  // Ray directions (x, y, 1) per column and row.
  const float fx = static_cast<float>(camera.fx()), fy = static_cast<float>(camera.fy());
  const float cx = static_cast<float>(camera.cx()), cy = static_cast<float>(camera.cy());
  std::vector<float> rx(static_cast<std::size_t>(w)), ry(static_cast<std::size_t>(h));
  for (int x = 0; x < w; ++x) rx[static_cast<std::size_t>(x)] = (static_cast<float>(x) - cx) / fx;
  for (int y = 0; y < h; ++y) ry[static_cast<std::size_t>(y)] = (static_cast<float>(y) - cy) / fy;

  draw_background(scene, camera, style, rx, ry, color);

  // Primitives in camera coordinates with their pixel boxes.
  const Eigen::Matrix3d rot = camera.rotation();
  const Eigen::Vector3d tr = camera.translation();
  std::vector<Prepared> prepared;
  prepared.reserve(scene.primitives.size());
  for (std::size_t i = 0; i < scene.primitives.size(); ++i) {
    const Primitive& src = scene.primitives[i];
    Prepared p;
    p.type = src.type;
    p.index = static_cast<int>(i);
    p.a = to_v3(rot * src.a + tr);
    p.b = to_v3(rot * src.b + tr);
    p.radius = static_cast<float>(src.radius);
    p.to_local = to_m3((rot * src.axes).transpose());
    p.half = to_v3(src.half_size);
    p.inv_half = {1.0f / p.half.x, 1.0f / p.half.y, 1.0f / p.half.z};
    V3 lo, hi;
    if (src.type == Primitive::kCapsule) {
      lo = {std::min(p.a.x, p.b.x) - p.radius,
            std::min(p.a.y, p.b.y) - p.radius,
            std::min(p.a.z, p.b.z) - p.radius};
      hi = {std::max(p.a.x, p.b.x) + p.radius,
            std::max(p.a.y, p.b.y) + p.radius,
            std::max(p.a.z, p.b.z) + p.radius};
    } else {
      const float r = src.type == Primitive::kBox ? std::sqrt(dot(p.half, p.half))
                                                  : std::max({p.half.x, p.half.y, p.half.z});
      lo = p.a - V3{r, r, r};
      hi = p.a + V3{r, r, r};
    }
    if (hi.z <= kNear) continue;  // entirely behind the camera
    if (lo.z <= kNear) {
      p.x0 = 0, p.x1 = w - 1, p.y0 = 0, p.y1 = h - 1;
    } else {
      float u0 = kInf, u1 = -kInf, v0 = kInf, v1 = -kInf;
      for (int c = 0; c < 8; ++c) {
        const V3 q{(c & 1) ? hi.x : lo.x, (c & 2) ? hi.y : lo.y, (c & 4) ? hi.z : lo.z};
        const float u = fx * q.x / q.z + cx, v = fy * q.y / q.z + cy;
        u0 = std::min(u0, u), u1 = std::max(u1, u), v0 = std::min(v0, v), v1 = std::max(v1, v);
      }
      p.x0 = std::max(0, static_cast<int>(std::floor(u0)));
      p.x1 = std::min(w - 1, static_cast<int>(std::ceil(u1)));
      p.y0 = std::max(0, static_cast<int>(std::floor(v0)));
      p.y1 = std::min(h - 1, static_cast<int>(std::ceil(v1)));
      if (p.x0 > p.x1 || p.y0 > p.y1) continue;
    }
    prepared.push_back(p);
  }

  const V3 light = normalized(to_m3(rot) * to_v3(scene.light_dir_world));
  for (const Prepared& p : prepared) {
    const Primitive& src = scene.primitives[static_cast<std::size_t>(p.index)];
    const Material& m0 = scene.materials[static_cast<std::size_t>(src.material)];
    const Material* m1 = src.material_alt >= 0
                             ? &scene.materials[static_cast<std::size_t>(src.material_alt)]
                             : nullptr;
    const V3 split = to_v3(src.split_dir);
    const float split_offset = static_cast<float>(src.split_offset_mm);
    for (int y = p.y0; y <= p.y1; ++y) {
      const float ryy = ry[static_cast<std::size_t>(y)];
      for (int x = p.x0; x <= p.x1; ++x) {
        const V3 rd{rx[static_cast<std::size_t>(x)], ryy, 1.0f};
        RayHit hit;
        bool ok;
        switch (p.type) {
          case Primitive::kCapsule:
            ok = hit_capsule(p, rd, dot(rd, rd), &hit);
            break;
          case Primitive::kEllipsoid:
            ok = hit_ellipsoid(p, rd, &hit);
            break;
          default:
            ok = hit_box(p, rd, &hit);
            break;
        }
        const std::size_t pix = static_cast<std::size_t>(y) * w + x;
        if (!ok || hit.t <= kNear || hit.t >= buffers.depth[pix]) continue;
        buffers.depth[pix] = hit.t;
        buffers.primitive[pix] = static_cast<std::int16_t>(p.index);
        const V3 pos = hit.t * rd;
        const V3 q = p.to_local * (pos - p.a);  // local mm (origin a)
        const Material& m = (m1 != nullptr && dot(q, split) > split_offset) ? *m1 : m0;
        const Rgb a = albedo(m, q);
        float n_l = dot(hit.normal, light);
        n_l = std::max(0.0f, (n_l + 0.25f) * 0.8f);  // wrapped Lambert: softer terminator
        float s = scene.ambient + scene.diffuse * n_l;
        float spec = 0;
        if (m.specular > 0) {
          const V3 view = normalized(-1.0f * pos);
          const float nh = std::max(0.0f, dot(hit.normal, normalized(light + view)));
          const float nh2 = nh * nh, nh4 = nh2 * nh2, nh8 = nh4 * nh4;
          spec = m.specular * nh8 * nh8;
        }
        float* out = color + pix * 3;
        out[0] = a.r * s + spec;
        out[1] = a.g * s + spec;
        out[2] = a.b * s + spec;
      }
    }
  }

  if (style.blur_sigma_px > 0) gaussian_blur(color, buffers.scratch, w, h, style.blur_sigma_px);

  Rng noise(hash_values({style.seed, 0x7015eu}));
  const float gain[3] = {style.gain.r, style.gain.g, style.gain.b};
  for (int c = 0; c < 3; ++c) {
    std::uint8_t* plane = out_chw + static_cast<std::size_t>(c) * pixels;
    const float g = gain[c] * 255.0f, o = style.offset * 255.0f + 0.5f;
    const float n = style.noise_std * 255.0f;
    for (std::size_t i = 0; i < pixels; ++i) {
      float v = color[3 * i + static_cast<std::size_t>(c)] * g + o;
      if (n > 0) v += n * noise.fast_normal();
      plane[i] = static_cast<std::uint8_t>(std::clamp(v, 0.0f, 255.0f));
    }
  }
}

}  // namespace mvpose3d::synthetic
