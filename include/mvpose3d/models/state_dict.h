// State dicts (named parameters and buffers, as in PyTorch) and our own checkpoints.
//
// Checkpoint file: torch::save's archive format (torch::serialize::OutputArchive, readable by
// torch::load / InputArchive) holding
//   "format"       string  "mvpose3d.checkpoint"
//   "version"      int     kCheckpointVersion (a newer file is refused with a clear message)
//   "architecture" string  what the model was built from (e.g. its ModelConfig as YAML and J, V)
//   "metadata"     Dict[str, str]  free-form (step, git SHA, ...)
//   "state_dict"   Dict[str, Tensor]  every parameter and buffer by its dotted name, in module
//   order
// Loading checks the keys and shapes against the model and refuses a checkpoint of another
// architecture with a message naming the first mismatching key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace torch::serialize {
class InputArchive;
class OutputArchive;
}  // namespace torch::serialize

namespace mvpose3d::models {

// Ordered (name, tensor) pairs.
using StateDict = std::vector<std::pair<std::string, at::Tensor>>;

// Parameters and buffers of `module` with their dotted names, in PyTorch's state_dict order
// (per module in registration order: its parameters, then its buffers). The tensors alias the
// module's.
StateDict state_dict(const torch::nn::Module& module);

// The first difference between what `module` has and `state`, or "" when every key matches in
// shape: "key 'x' is missing", "unexpected key 'x'", "key 'x' has shape [a, b] here, [c, d] in the
// file". Keys of `state` starting with one of `ignore_prefixes` are skipped.
std::string first_state_mismatch(const torch::nn::Module& module,
                                 const StateDict& state,
                                 const std::vector<std::string>& ignore_prefixes = {});

// Copies `state` into `module` (converted to each tensor's dtype and device), after
// first_state_mismatch() found nothing; otherwise throws Error("<what>: <mismatch>"). Returns the
// number of tensors copied.
int64_t load_state_dict(torch::nn::Module& module,
                        const StateDict& state,
                        const std::string& what,
                        const std::vector<std::string>& ignore_prefixes = {});

inline constexpr int64_t kCheckpointVersion = 1;

struct CheckpointInfo {
  int64_t version = 0;
  std::string architecture;
  std::map<std::string, std::string> metadata;
};

// Writes more keys into a checkpoint's archive (the trainer's optimiser and progress), or reads
// them back; the keys above are reserved.
using ArchiveWriter = std::function<void(torch::serialize::OutputArchive&)>;
using ArchiveReader = std::function<void(torch::serialize::InputArchive&)>;

// Writes `module`'s state (and whatever `write_extra` adds) to `file` atomically: a temporary
// file renamed into place, so a crash mid-write leaves the previous file intact.
void save_checkpoint(const torch::nn::Module& module,
                     const std::filesystem::path& file,
                     const std::string& architecture,
                     const std::map<std::string, std::string>& metadata = {},
                     const ArchiveWriter& write_extra = {});

// Reads `file` into `module`. Throws Error when the file is not an mvpose3d checkpoint, its version
// is newer than kCheckpointVersion, or its state does not fit the module; the message names the
// file, the first mismatching key, and both architectures when they differ.
// `read_extra` runs after the state was checked and loaded.
CheckpointInfo load_checkpoint(torch::nn::Module& module,
                               const std::filesystem::path& file,
                               const std::string& architecture = "",
                               const ArchiveReader& read_extra = {});

// Reads only the header of a checkpoint (no module needed).
CheckpointInfo read_checkpoint_info(const std::filesystem::path& file);

}  // namespace mvpose3d::models
