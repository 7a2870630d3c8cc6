// Many vehicles race for the same station window; the winners survive a SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

class RaceTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld({"voltpoint"}); }
};

TEST_F(RaceTest, FiftyVehiclesForOneWindowBookEachPointOnceAndSurviveAKill) {
  constexpr int kVehicles = 50;
  auto trip = Trip("salvador-ba", "jequie-ba", 0.5);  // one stop, at Feira de Santana
  std::vector<std::unique_ptr<vehicle::VehicleClient>> cars;
  std::vector<schemas::Plan> plans;
  for (int i = 0; i < kVehicles; ++i) {
    cars.push_back(Vehicle("racer-" + std::to_string(i), "voltpoint"));
    ASSERT_TRUE(cars.back());
    auto p = cars.back()->Plan(trip);
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ(p->plans.front().stops.size(), 1u);
    plans.push_back(p->plans.front());
  }
  const schemas::Stop& stop = plans[0].stops[0];
  for (const auto& p : plans) {
    ASSERT_EQ(p.stops[0].station, stop.station);
    ASSERT_EQ(p.stops[0].start_at, stop.start_at);
  }
  // Points that can deliver the planned charge in the planned window.
  auto world = worldfiles::LoadWorld(DataDir());
  ASSERT_TRUE(world);
  const schemas::Station* station = world->FindStation(stop.station);
  ASSERT_TRUE(station);
  double planned_kw = 0;
  for (const auto& p : station->points) {
    if (p.id == stop.point) planned_kw = core::ChargePowerKw(p, trip.vehicle);
  }
  int capable = 0;
  for (const auto& p : station->points) {
    capable +=
        core::Compatible(p, trip.vehicle) && core::ChargePowerKw(p, trip.vehicle) >= planned_kw;
  }

  std::vector<Result<schemas::Reservation>> results(kVehicles, Fail(Errc::kInternal, "not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kVehicles; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      results[i] = cars[i]->Reserve({"", plans[i].plan_id, std::nullopt, false});
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  std::map<std::string, std::vector<std::pair<Time, Time>>> by_point;
  std::vector<int> winners;
  for (int i = 0; i < kVehicles; ++i) {
    ASSERT_TRUE(results[i]) << results[i].error().message;
    if (results[i]->status == schemas::ReservationStatus::kConfirmed) {
      winners.push_back(i);
      for (const auto& item : results[i]->items) {
        by_point[item.station + "/" + item.point].push_back({item.start_at, item.end_at});
      }
    } else {
      EXPECT_EQ(results[i]->status, schemas::ReservationStatus::kFailed);
      ASSERT_TRUE(results[i]->error);
      EXPECT_EQ(results[i]->error->code, Errc::kUnavailable);
    }
  }
  EXPECT_EQ(static_cast<int>(winners.size()), capable);
  for (auto& [point, intervals] : by_point) {
    std::sort(intervals.begin(), intervals.end());
    for (std::size_t k = 1; k < intervals.size(); ++k) {
      EXPECT_LE(intervals[k - 1].second, intervals[k].first) << "overlap on " << point;
    }
  }

  agents_["voltpoint"]->Signal(SIGKILL);
  agents_["voltpoint"]->Wait(std::chrono::seconds(5));
  RestartCompany("voltpoint");
  for (int i : winners) {
    auto got = OnceHomeIsBack([&] { return cars[i]->Get(results[i]->reservation_id); });
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->status, schemas::ReservationStatus::kConfirmed);
    EXPECT_EQ(got->items[0].point, results[i]->items[0].point);
  }
  // The restarted agent still refuses the winners' points for that window: a
  // late vehicle may get a slower point or a later start, never an overlap.
  auto late = Vehicle("racer-late", "voltpoint");
  auto again = late->Reserve({"", "", trip, false});
  ASSERT_TRUE(again);
  if (again->status == schemas::ReservationStatus::kConfirmed) {
    for (const auto& item : again->items) {
      for (const auto& [start, end] : by_point[item.station + "/" + item.point]) {
        EXPECT_TRUE(item.start_at >= end || item.end_at <= start)
            << "late booking overlaps a winner on " << item.station << "/" << item.point;
      }
    }
  }
}

}  // namespace
}  // namespace tripmesh::testing
