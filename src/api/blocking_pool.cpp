// A plain mutex + condition variable queue: the tasks take milliseconds, so this is never hot.
#include "api/blocking_pool.hpp"

#include "core/thread_name.hpp"

namespace psm::api {

BlockingPool::BlockingPool(std::string store_url, int threads, std::size_t max_queue)
    : BlockingPool([url = std::move(store_url)] { return OpenStore(url); }, threads, max_queue) {}

BlockingPool::BlockingPool(StoreOpener open, int threads, std::size_t max_queue)
    : open_(std::move(open)), thread_count_(threads), max_queue_(max_queue) {}

BlockingPool::~BlockingPool() {
  Stop();
}

Status BlockingPool::Start() {
  for (int i = 0; i < thread_count_; ++i) {
    auto store = open_();
    if (!store.ok()) return store.error();
    stores_.push_back(std::move(store).value());
  }
  for (std::size_t i = 0; i < stores_.size(); ++i) {
    threads_.emplace_back([this, store = stores_[i].get(), i] {
      NameThisThread("psm-pool-" + std::to_string(i));
      Run(*store);
    });
  }
  return Status();
}

bool BlockingPool::Post(Task task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_ || threads_.empty()) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void BlockingPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void BlockingPool::Run(Store& store) {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task(store);
  }
}

}  // namespace psm::api
