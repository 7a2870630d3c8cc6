// A real mosquitto, a recorder of the whole tree, and real company agents,
// each on a store of `backend_` (SQLite files unless a suite says otherwise).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "testing.h"
#include "tripmesh/harness/process.h"

namespace tripmesh::testing {

// A departure a day ahead at a whole hour, so plans made in one test agree.
inline Time Tomorrow() {
  Time now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return (now / 3600 + 24) * 3600;
}

inline schemas::PlanRequest Trip(const std::string& from, const std::string& to, double soc) {
  schemas::PlanRequest r;
  r.from = from;
  r.to = to;
  r.depart_at = Tomorrow();
  r.vehicle = {60, 0.17, soc, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
  return r;
}

// About 300 km of range: Salvador to Fortaleza stops at all three companies.
inline schemas::PlanRequest LongTrip() {
  auto trip = Trip("salvador-ba", "fortaleza-ce", 1.0);
  trip.vehicle.battery_kwh = 50;
  trip.vehicle.consumption_kwh_per_km = 0.165;
  return trip;
}

// A plan of LongTrip that stops at every company (a test failure when none does).
inline schemas::Plan ThreeCompanyPlan(vehicle::VehicleClient& car) {
  auto plans = car.Plan(LongTrip());
  EXPECT_TRUE(plans) << plans.error().message;
  if (!plans || plans->plans.empty()) return {};
  for (const auto& p : plans->plans) {
    std::set<std::string> companies;
    for (const auto& s : p.stops) companies.insert(s.company);
    if (companies.size() == 3) return p;
  }
  ADD_FAILURE() << "no plan stops at all three companies";
  return plans->plans.front();
}

class CompanyFixture : public ::testing::Test {
 protected:
  void StartWorld(const std::vector<std::string>& companies, std::vector<std::string> extra = {}) {
    dir_ = NewTestDir();
    auto b = harness::LocalBroker::Start(dir_ + "/broker", broker_conf_);
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
    recorder_ = Recorder::ForThisTest(broker_->uri());
    extra_ = std::move(extra);
    for (const auto& c : companies) {
      if (!stores_.count(c)) {  // unless the test chose the store
        stores_[c] = backend_ == Backend::kSqlite ? dir_ + "/" + c + ".db" : NewStore(backend_, c);
      }
      agents_[c] = StartCompany(c, broker_->uri(), dir_, WithStore(c, extra_));
      ASSERT_TRUE(agents_[c]);
    }
  }
  void RestartCompany(const std::string& c) {
    agents_[c] = StartCompany(c, broker_->uri(), dir_, WithStore(c, extra_));
    ASSERT_TRUE(agents_[c]);
  }
  // `extra` with company c's store.
  std::vector<std::string> WithStore(const std::string& c, std::vector<std::string> extra) {
    extra.insert(extra.end(), {"--db", stores_[c]});
    return extra;
  }
  std::unique_ptr<vehicle::VehicleClient> Vehicle(const std::string& id, const std::string& home) {
    return ConnectVehicle(broker_->uri(), id, home);
  }
  std::string dir_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::string broker_conf_;  // empty: the built-in development config
  std::unique_ptr<Recorder> recorder_;
  std::map<std::string, std::unique_ptr<harness::Process>> agents_;
  std::vector<std::string> extra_;
  Backend backend_ = Backend::kSqlite;
  std::map<std::string, std::string> stores_;  // company -> its store
};

}  // namespace tripmesh::testing
