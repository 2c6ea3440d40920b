// BlockingPool: a few threads, each with its own Store connection, for the work that must not
// run on an event-loop thread (password hashing, session and audit writes).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "store/store.hpp"

namespace psm::api {

class BlockingPool {
 public:
  using Task = std::function<void(Store&)>;
  // Opens one thread's Store; called `threads` times by Start(), on the calling thread.
  using StoreOpener = std::function<Result<std::unique_ptr<Store>>()>;
  // Each thread opens the store at `store_url` (see OpenStore).
  BlockingPool(std::string store_url, int threads, std::size_t max_queue = 10000);
  // Each thread's Store comes from `open`: tests hand every thread a view of one in-memory store.
  BlockingPool(StoreOpener open, int threads, std::size_t max_queue = 10000);
  ~BlockingPool();

  // Opens one store per thread and starts the threads. Call once.
  Status Start();
  // Queues `task`; it runs on a pool thread with that thread's Store. Thread-safe, never
  // blocks. Returns false when stopping or when the queue is full (the caller answers 503).
  bool Post(Task task);
  // Runs what is queued, then joins. Idempotent.
  void Stop();

 private:
  void Run(Store& store);

  StoreOpener open_;
  int thread_count_;
  std::size_t max_queue_;
  std::vector<std::unique_ptr<Store>> stores_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
};

}  // namespace psm::api
