#include "tripmesh/runtime/serial_lanes.h"

#include "tripmesh/runtime/host.h"

namespace tripmesh::runtime {

SerialLanes::SerialLanes(std::size_t lanes, const std::string& name) {
  if (lanes == 0) lanes = 1;
  for (std::size_t i = 0; i < lanes; ++i) lanes_.push_back(std::make_unique<Lane>());
  for (std::size_t i = 0; i < lanes; ++i) {
    lanes_[i]->thread =
        std::thread([this, l = lanes_[i].get(), n = name + "-" + std::to_string(i)] {
          NameThisThread(n);
          Run(*l);
        });
  }
}

SerialLanes::~SerialLanes() { Drain(); }

void SerialLanes::Drain() {
  for (auto& lane : lanes_) {
    {
      std::lock_guard lock(lane->mu);
      lane->stopping = true;
    }
    lane->cv.notify_all();
  }
  for (auto& lane : lanes_) {
    if (lane->thread.joinable() && lane->thread.get_id() != std::this_thread::get_id()) {
      lane->thread.join();
    }
  }
}

void SerialLanes::Post(std::string_view key, std::function<void()> task) {
  Lane& lane = *lanes_[std::hash<std::string_view>{}(key) % lanes_.size()];
  {
    std::lock_guard lock(lane.mu);
    lane.tasks.push_back(std::move(task));
  }
  lane.cv.notify_one();
}

std::size_t SerialLanes::QueueDepth() const {
  std::size_t depth = 0;
  for (const auto& lane : lanes_) {
    std::lock_guard lock(lane->mu);
    depth += lane->tasks.size();
  }
  return depth;
}

void SerialLanes::Run(Lane& lane) {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(lane.mu);
      lane.cv.wait(lock, [&] { return lane.stopping || !lane.tasks.empty(); });
      if (lane.tasks.empty()) return;  // stopping and drained
      task = std::move(lane.tasks.front());
      lane.tasks.pop_front();
    }
    task();
  }
}

}  // namespace tripmesh::runtime
