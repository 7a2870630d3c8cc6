// N single-threaded lanes. Post(key, task) runs tasks of one key one at a time,
// in arrival order; tasks of different keys run in parallel on other lanes.
// Thread safety: Post() may be called from any thread, including a lane.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tripmesh::runtime {

class SerialLanes {
 public:
  // Starts the lanes; their threads are named "<name>-<i>".
  explicit SerialLanes(std::size_t lanes, const std::string& name = "lane");
  ~SerialLanes();  // Drain()
  // Runs every queued task, then stops the lanes (idempotent). A task posted
  // meanwhile to a lane that has stopped is dropped.
  void Drain();
  SerialLanes(const SerialLanes&) = delete;
  SerialLanes& operator=(const SerialLanes&) = delete;

  void Post(std::string_view key, std::function<void()> task);
  std::size_t QueueDepth() const;  // tasks waiting, over all lanes
  std::size_t size() const { return lanes_.size(); }

 private:
  struct Lane {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
    std::thread thread;
  };
  void Run(Lane& lane);

  std::vector<std::unique_ptr<Lane>> lanes_;
};

}  // namespace tripmesh::runtime
