// Batches from a MultiviewDataset, prepared by worker threads ahead of the consumer.
//
//   LoaderOptions options;
//   options.batch_size = 16;
//   options.seed = 7;
//   MultiviewLoader loader(dataset, options);
//   for (int step = 0; step < steps; ++step) {
//     const MultiviewBatch batch = loader.next();  // blocks until batch `step` is ready
//   }
//
// Order and content are deterministic: batch k of epoch e holds the dataset indices
// order_e[k·B, (k+1)·B), where order_e is 0..N-1 (shuffle off) or a permutation drawn from
// (seed, e). Workers claim whole batches; next() returns them in order, so the stream is the same
// with 0, 1 or 8 workers. With drop_last, an epoch has floor(N / B) batches, else ceil(N / B) and
// the last may be smaller.
#pragma once

#include "mvpose3d/data/dataset.h"
#include "mvpose3d/data/multiview_sample.h"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace mvpose3d {

struct LoaderOptions {
  int batch_size = 16;     // samples per batch (> 0)
  int workers = 2;         // threads preparing batches; 0 = prepare in next() itself
  int prefetch = 2;        // batches prepared ahead per worker (>= 1 when workers > 0)
  bool shuffle = false;    // a new permutation of the indices every epoch
  bool drop_last = false;  // drop an epoch's last, incomplete batch
  bool repeat = true;      // start the next epoch after the last batch (else next() ends)
  std::uint64_t seed = 0;  // seed of the permutations
  // The first global batch returned: resuming a run at step k starts at batch k, so the stream
  // continues exactly where an uninterrupted run would be.
  std::int64_t start_batch = 0;
  // Data parallelism: this process returns only its share of every global batch, the samples
  // [shard·B/shards, (shard+1)·B/shards) of it, so the job as a whole sees the same stream for
  // any number of processes. batch_size (B, the global batch) must be a multiple of shards.
  int shard = 0;
  int shards = 1;
};

class MultiviewLoader {
 public:
  MultiviewLoader(std::shared_ptr<const MultiviewDataset> dataset, const LoaderOptions& options);
  ~MultiviewLoader();
  MultiviewLoader(const MultiviewLoader&) = delete;
  MultiviewLoader& operator=(const MultiviewLoader&) = delete;

  // The next batch; std::nullopt once all epochs are done (only when repeat is false). Rethrows,
  // in the consumer's thread, the first error a worker met while preparing this batch.
  std::optional<MultiviewBatch> next();

  // Batches per epoch.
  std::int64_t batches_per_epoch() const { return batches_per_epoch_; }
  const MultiviewDataset& dataset() const { return *dataset_; }

  // The dataset indices of global batch number `batch` (epoch = batch / batches_per_epoch()),
  // this process's share of it (LoaderOptions::shard).
  std::vector<std::int64_t> batch_indices(std::int64_t batch) const;

 private:
  MultiviewBatch make_batch(std::int64_t batch) const;
  void worker_loop();
  // Tells the workers to stop and joins them.
  void stop_workers();

  std::shared_ptr<const MultiviewDataset> dataset_;
  LoaderOptions options_;
  std::int64_t batches_per_epoch_ = 0;
  std::int64_t total_batches_ = -1;  // -1 = unbounded (repeat)

  std::mutex mutex_;
  std::condition_variable ready_;     // a batch was finished
  std::condition_variable can_work_;  // the consumer advanced, or stop
  std::int64_t next_to_claim_ = 0;
  std::int64_t next_to_return_ = 0;
  bool stop_ = false;
  struct Slot {
    std::optional<MultiviewBatch> batch;
    std::exception_ptr error;
  };
  std::map<std::int64_t, Slot> done_;
  std::vector<std::thread> threads_;
};

}  // namespace mvpose3d
