#include "profile_world.h"

#include <thread>

namespace tripmesh::testing {

using namespace std::chrono_literals;

std::string ProfileCaseName(Profile profile, Backend backend) {
  return std::string(profile == Profile::kAir ? "air_" : "charging_") + BackendName(backend);
}

std::vector<ProfileCase> EveryProfile(const char* variant) {
  return {{Profile::kCharging, Backend::kSqlite, variant},
          {Profile::kCharging, Backend::kPostgres, variant},
          {Profile::kAir, Backend::kSqlite, variant}};
}

void ProfileTest::SetUp() {
  dir_ = NewTestDir();
  auto b = harness::LocalBroker::Start(dir_ + "/broker");
  ASSERT_TRUE(b) << b.error().message;
  broker_ = std::move(*b);
  world_ = NewProfileWorld(GetParam().profile, GetParam().backend, broker_->uri(), dir_);
}

void ProfileTest::StartAll(const std::vector<std::string>& home_extra) {
  auto agents = world_->Agents();
  for (const auto& a : agents) {
    running_[a] = world_->Start(a, a == agents.front() ? home_extra : std::vector<std::string>{});
    ASSERT_TRUE(running_[a]) << a;
  }
}

Checked ProfileTest::Settle(std::chrono::seconds limit) {
  Checked last;
  auto until = std::chrono::steady_clock::now() + limit;
  do {
    last = world_->Check();
    if (last.ok && last.in_flight == 0) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < until);
  return last;
}

bool ProfileTest::NothingClaimedAt(const std::string& agent) {
  for (int i = 0; i < 100; ++i) {
    if (world_->Claimed(agent) == 0) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace tripmesh::testing
