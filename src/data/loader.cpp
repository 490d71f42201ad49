#include "mvpose3d/data/loader.h"

#include "mvpose3d/core/error.h"
#include "mvpose3d/core/limits.h"
#include "mvpose3d/data/random.h"

#include <algorithm>
#include <system_error>

namespace mvpose3d {

namespace {

// A pseudo-random permutation of [0, n) evaluated one element at a time: a 4-round Feistel network
// on the smallest even-bit power-of-two domain >= n, with cycle walking back into [0, n). No table,
// so every worker can map indices of any epoch without shared state.
std::int64_t permute(std::int64_t i, std::int64_t n, std::uint64_t key) {
  if (n <= 1) return i;
  int bits = 2;
  while ((std::int64_t{1} << bits) < n) bits += 2;
  const int half = bits / 2;
  const std::uint64_t mask = (std::uint64_t{1} << half) - 1;
  std::uint64_t x = static_cast<std::uint64_t>(i);
  do {
    std::uint64_t left = x >> half, right = x & mask;
    for (std::uint64_t round = 0; round < 4; ++round) {
      const std::uint64_t f = hash_values({key, round, right}) & mask;
      const std::uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= static_cast<std::uint64_t>(n));
  return static_cast<std::int64_t>(x);
}

}  // namespace

MultiviewLoader::MultiviewLoader(std::shared_ptr<const MultiviewDataset> dataset,
                                 const LoaderOptions& options)
    : dataset_(std::move(dataset)), options_(options) {
  MVPOSE3D_CHECK(dataset_ != nullptr, "MultiviewLoader: no dataset");
  MVPOSE3D_CHECK(options_.batch_size > 0,
                 "MultiviewLoader: batch_size must be > 0, got {}",
                 options_.batch_size);
  MVPOSE3D_CHECK(options_.workers >= 0 && options_.workers <= kMaxLoaderWorkers,
                 "MultiviewLoader: workers must be in [0, {}], got {}",
                 kMaxLoaderWorkers,
                 options_.workers);
  MVPOSE3D_CHECK(options_.shards >= 1 && options_.shard >= 0 && options_.shard < options_.shards,
                 "MultiviewLoader: shard {} of {} does not exist",
                 options_.shard,
                 options_.shards);
  MVPOSE3D_CHECK(options_.batch_size % options_.shards == 0,
                 "MultiviewLoader: the global batch of {} samples does not split into {} equal "
                 "shares (one per process)",
                 options_.batch_size,
                 options_.shards);
  const std::int64_t n = dataset_->size();
  MVPOSE3D_CHECK(n > 0, "MultiviewLoader: the dataset is empty");
  batches_per_epoch_ = options_.drop_last ? n / options_.batch_size
                                          : (n + options_.batch_size - 1) / options_.batch_size;
  MVPOSE3D_CHECK(batches_per_epoch_ > 0,
                 "MultiviewLoader: drop_last with batch_size {} > dataset size {} gives no batch",
                 options_.batch_size,
                 n);
  total_batches_ = options_.repeat ? -1 : batches_per_epoch_;
  MVPOSE3D_CHECK(
      options_.start_batch >= 0 && (total_batches_ < 0 || options_.start_batch <= total_batches_),
      "MultiviewLoader: start_batch {} is outside [0, {}]",
      options_.start_batch,
      total_batches_);
  next_to_claim_ = next_to_return_ = options_.start_batch;
  options_.prefetch = std::max(1, options_.prefetch);
  // A thread that cannot start (the system's limit) must not leave the others running: a joinable
  // std::thread destroyed by the unwinding aborted the program ("terminate called without an
  // active exception").
  try {
    for (int w = 0; w < options_.workers; ++w) threads_.emplace_back([this] { worker_loop(); });
  } catch (const std::system_error& e) {
    const std::size_t started = threads_.size();
    stop_workers();
    throw Error(fmt::format("MultiviewLoader: could start only {} of {} worker threads ({})",
                            started,
                            options_.workers,
                            e.what()));
  }
}

MultiviewLoader::~MultiviewLoader() {
  stop_workers();
}

void MultiviewLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  can_work_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

std::vector<std::int64_t> MultiviewLoader::batch_indices(std::int64_t batch) const {
  const std::int64_t n = dataset_->size();
  const std::int64_t epoch = batch / batches_per_epoch_;
  const std::int64_t batch_first = (batch % batches_per_epoch_) * options_.batch_size;
  const std::int64_t share = options_.batch_size / options_.shards;
  const std::int64_t first = batch_first + options_.shard * share;
  const std::int64_t last = std::min(n, std::min(first + share, batch_first + options_.batch_size));
  const std::uint64_t key = hash_values({options_.seed, static_cast<std::uint64_t>(epoch)});
  std::vector<std::int64_t> indices;
  indices.reserve(static_cast<std::size_t>(last - first));
  for (std::int64_t i = first; i < last; ++i) {
    indices.push_back(options_.shuffle ? permute(i, n, key) : i);
  }
  return indices;
}

MultiviewBatch MultiviewLoader::make_batch(std::int64_t batch) const {
  std::vector<MultiviewSample> samples;
  for (const std::int64_t i : batch_indices(batch)) samples.push_back(dataset_->get(i));
  return collate(samples);
}

void MultiviewLoader::worker_loop() {
  const std::int64_t ahead = static_cast<std::int64_t>(options_.workers) * options_.prefetch;
  while (true) {
    std::int64_t batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      can_work_.wait(lock, [&] {
        return stop_ || (next_to_claim_ < next_to_return_ + ahead &&
                         (total_batches_ < 0 || next_to_claim_ < total_batches_));
      });
      if (stop_) return;
      batch = next_to_claim_++;
    }
    Slot slot;
    try {
      slot.batch = make_batch(batch);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_[batch] = std::move(slot);
    }
    ready_.notify_all();
  }
}

std::optional<MultiviewBatch> MultiviewLoader::next() {
  if (total_batches_ >= 0 && next_to_return_ >= total_batches_) return std::nullopt;
  if (threads_.empty()) return make_batch(next_to_return_++);
  Slot slot;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return done_.count(next_to_return_) > 0; });
    auto it = done_.find(next_to_return_);
    slot = std::move(it->second);
    done_.erase(it);
    ++next_to_return_;
  }
  can_work_.notify_all();
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.batch);
}

}  // namespace mvpose3d
