// State dicts, checkpoint files, and the checkpoints of the whole network (save_model and
// load_model, declared in pose_net.h).
#include "mvpose3d/models/state_dict.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/file_io.h"
#include "mvpose3d/core/zip_checksums.h"
#include "mvpose3d/models/pose_net.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "models/shape_text.h"

namespace mvpose3d::models {

namespace {

bool has_prefix(const std::string& key, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
    return key.compare(0, p.size(), p) == 0;
  });
}

}  // namespace

// --- State dicts
// ------------------------------------------------------------------------------------

StateDict state_dict(const torch::nn::Module& module) {
  StateDict out;
  for (const auto& item : module.named_modules("", /*include_self=*/true)) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false)) {
      out.emplace_back(prefix + p.key(), p.value());
    }
    for (const auto& b : item.value()->named_buffers(/*recurse=*/false)) {
      out.emplace_back(prefix + b.key(), b.value());
    }
  }
  return out;
}

std::string first_state_mismatch(const torch::nn::Module& module,
                                 const StateDict& state,
                                 const std::vector<std::string>& ignore_prefixes) {
  std::unordered_map<std::string, const at::Tensor*> given;
  for (const auto& [key, tensor] : state) {
    if (!has_prefix(key, ignore_prefixes)) given.emplace(key, &tensor);
  }
  const StateDict own = state_dict(module);
  std::unordered_map<std::string, const at::Tensor*> mine;
  for (const auto& [key, tensor] : own) {
    mine.emplace(key, &tensor);
    const auto it = given.find(key);
    if (it == given.end()) return fmt::format("key '{}' is missing", key);
    if (!it->second->sizes().equals(tensor.sizes())) {
      return fmt::format("key '{}' has shape {} here, {} in the file",
                         key,
                         shape_text(tensor.sizes()),
                         shape_text(it->second->sizes()));
    }
  }
  for (const auto& [key, tensor] : state) {
    if (!has_prefix(key, ignore_prefixes) && !mine.count(key)) {
      return fmt::format("unexpected key '{}'", key);
    }
  }
  return "";
}

int64_t load_state_dict(torch::nn::Module& module,
                        const StateDict& state,
                        const std::string& what,
                        const std::vector<std::string>& ignore_prefixes) {
  const std::string mismatch = first_state_mismatch(module, state, ignore_prefixes);
  MVPOSE3D_CHECK(mismatch.empty(), "{}: {}", what, mismatch);
  std::unordered_map<std::string, const at::Tensor*> given;
  for (const auto& [key, tensor] : state) given.emplace(key, &tensor);
  torch::NoGradGuard no_grad;
  int64_t copied = 0;
  for (auto& [key, tensor] : state_dict(module)) {
    tensor.copy_(*given.at(key));
    ++copied;
  }
  return copied;
}

// --- Checkpoints
// --------------------------------------------------------------------------------------

namespace {

constexpr const char* kCheckpointFormat = "mvpose3d.checkpoint";

CheckpointInfo read_header(torch::serialize::InputArchive& archive, const std::string& where) {
  CheckpointInfo info;
  c10::IValue value;
  MVPOSE3D_CHECK(archive.try_read("format", value) && value.isString() &&
                     value.toStringRef() == kCheckpointFormat,
                 "{}: not an mvpose3d checkpoint",
                 where);
  MVPOSE3D_CHECK(
      archive.try_read("version", value) && value.isInt(), "{}: no checkpoint version", where);
  info.version = value.toInt();
  MVPOSE3D_CHECK(info.version >= 1 && info.version <= kCheckpointVersion,
                 "{}: checkpoint version {} is not supported (this build reads 1 to {})",
                 where,
                 info.version,
                 kCheckpointVersion);
  if (archive.try_read("architecture", value) && value.isString()) {
    info.architecture = value.toStringRef();
  }
  if (archive.try_read("metadata", value) && value.isGenericDict()) {
    for (const auto& kv : value.toGenericDict()) {
      info.metadata[kv.key().toStringRef()] = kv.value().toStringRef();
    }
  }
  return info;
}

torch::serialize::InputArchive open_archive(const std::filesystem::path& file,
                                            const std::string& where) {
  MVPOSE3D_CHECK(std::filesystem::exists(file), "{}: no such file", where);
  // LibTorch's reader does not compare the records' CRC-32s: flipped bytes would load as weights.
  verify_zip_checksums(file);
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
  } catch (const c10::Error& e) {
    throw Error(
        fmt::format("{}: not a torch::save archive ({})", where, e.what_without_backtrace()));
  }
  return archive;
}

}  // namespace

void save_checkpoint(const torch::nn::Module& module,
                     const std::filesystem::path& file,
                     const std::string& architecture,
                     const std::map<std::string, std::string>& metadata,
                     const ArchiveWriter& write_extra) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kCheckpointFormat)));
  archive.write("version", c10::IValue(kCheckpointVersion));
  archive.write("architecture", c10::IValue(architecture));
  c10::Dict<std::string, std::string> meta;
  for (const auto& [k, v] : metadata) meta.insert(k, v);
  archive.write("metadata", c10::IValue(meta));
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& [key, tensor] : state_dict(module)) {
    state.insert(key, tensor.detach().to(at::kCPU).contiguous());
  }
  archive.write("state_dict", c10::IValue(state));
  if (write_extra) write_extra(archive);
  std::ostringstream out;
  archive.save_to(out);
  write_file_atomic(file, out.str());
}

CheckpointInfo read_checkpoint_info(const std::filesystem::path& file) {
  const std::string where = fmt::format("checkpoint '{}'", file.string());
  auto archive = open_archive(file, where);
  return read_header(archive, where);
}

CheckpointInfo load_checkpoint(torch::nn::Module& module,
                               const std::filesystem::path& file,
                               const std::string& architecture,
                               const ArchiveReader& read_extra) {
  const std::string where = fmt::format("checkpoint '{}'", file.string());
  auto archive = open_archive(file, where);
  CheckpointInfo info = read_header(archive, where);
  c10::IValue value;
  MVPOSE3D_CHECK(
      archive.try_read("state_dict", value) && value.isGenericDict(), "{}: no state_dict", where);
  StateDict state;
  for (const auto& kv : value.toGenericDict()) {
    state.emplace_back(kv.key().toStringRef(), kv.value().toTensor());
  }
  const std::string mismatch = first_state_mismatch(module, state);
  if (!mismatch.empty()) {
    std::string message =
        fmt::format("{} does not fit this model (wrong architecture): {}", where, mismatch);
    if (!architecture.empty() && !info.architecture.empty() && architecture != info.architecture) {
      message += fmt::format("; the checkpoint was saved from [{}], this model is [{}]",
                             info.architecture,
                             architecture);
    }
    throw Error(message);
  }
  load_state_dict(module, state, where);
  if (read_extra) read_extra(archive);
  return info;
}

// --- The network's checkpoints
// ------------------------------------------------------------------------

void save_model(const MultiViewPoseNet& net,
                const std::filesystem::path& file,
                const std::map<std::string, std::string>& metadata) {
  MVPOSE3D_CHECK(!net->batchnorm_folded(),
                 "save_model '{}': the network's BatchNorm layers are folded into its convolutions "
                 "for inference (fold_batchnorm); save the network before folding",
                 file.string());
  save_checkpoint(*net, file, net->architecture(), metadata);
}

CheckpointInfo load_model(MultiViewPoseNet& net, const std::filesystem::path& file) {
  return load_checkpoint(*net, file, net->architecture());
}

}  // namespace mvpose3d::models
