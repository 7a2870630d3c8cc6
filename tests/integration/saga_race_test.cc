// Two hundred vehicles, homed at all three companies, race for the same few
// hours of charging across the region. Whatever wins, the stores must agree:
// no overlap, no orphan, and every confirmation a vehicle got is booked.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

// On each store: SQLite files, and PostgreSQL databases.
class SagaRaceTest : public CompanyFixture, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    backend_ = GetParam();
    StartWorld(kCompanies, {"--saga-timeout-ms", "8000"});
  }

  // Owner -> (station/point, start, end) of every booking in one store.
  std::set<std::tuple<std::string, std::string, Time, Time>> Bookings(const std::string& c) {
    std::set<std::tuple<std::string, std::string, Time, Time>> out;
    auto store = runtime::Store::Open(stores_.at(c));
    EXPECT_TRUE(store);
    if (!store) return out;
    EXPECT_TRUE((*store)->Read([&](runtime::Tx& tx) {
      return tx.Query(
          "SELECT reservation_id, station || '/' || point, start_at, end_at FROM bookings"
          " WHERE expires_at IS NULL",
          {}, [&](const runtime::Row& row) {
            out.insert({row.Str(0), row.Str(1), row.Int(2), row.Int(3)});
          });
    }));
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, SagaRaceTest, tripmesh::testing::EveryBackend(),
                         tripmesh::testing::NameOfBackend());

TEST_P(SagaRaceTest, TwoHundredVehiclesOverThreeCompaniesNeverDoubleBook) {
  constexpr int kVehicles = 200;
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"salvador-ba", "fortaleza-ce"}, {"recife-pe", "fortaleza-ce"},
      {"salvador-ba", "recife-pe"},    {"fortaleza-ce", "salvador-ba"},
      {"aracaju-se", "natal-rn"},      {"feira-de-santana-ba", "caruaru-pe"},
      {"petrolina-pe", "sobral-ce"},   {"joao-pessoa-pb", "fortaleza-ce"},
  };
  std::vector<std::unique_ptr<vehicle::VehicleClient>> cars;
  for (int i = 0; i < kVehicles; ++i) {
    cars.push_back(
        ConnectVehicle(broker_->uri(), "racer-" + std::to_string(i), kCompanies[i % 3], "", 120s));
    ASSERT_TRUE(cars.back());
  }
  std::vector<Result<schemas::Reservation>> results(kVehicles, Fail(Errc::kInternal, "not run"));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kVehicles; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      const auto& [from, to] = routes[i % routes.size()];
      auto trip = Trip(from, to, 1.0);
      trip.vehicle.battery_kwh = 50;
      trip.vehicle.consumption_kwh_per_km = 0.165;
      trip.depart_at = *trip.depart_at + 300 * (i % 4);  // four waves: the same scarce hours
      results[i] = cars[i]->Reserve({"race-" + std::to_string(i), "", trip, false});
    });
  }
  go = true;
  for (auto& t : threads) t.join();

  std::map<std::string, int> outcomes;
  int multi_company = 0;
  std::vector<const schemas::Reservation*> confirmed;
  for (const auto& r : results) {
    ASSERT_TRUE(r || r.error().code == Errc::kUnreachable) << r.error().message;
    if (!r) {
      if (++outcomes["unreachable"] <= 3) std::cout << "  " << r.error().message << "\n";
      continue;
    }
    ++outcomes[std::string(schemas::ReservationStatusName(r->status)) +
               (r->error ? "/" + std::string(ErrcName(r->error->code)) : "")];
    if (r->status != schemas::ReservationStatus::kConfirmed) continue;
    confirmed.push_back(&*r);
    std::set<std::string> companies;
    for (const auto& i : r->items) companies.insert(i.company);
    multi_company += companies.size() > 1;
  }
  for (const auto& [k, n] : outcomes) std::cout << "  " << k << ": " << n << "\n";
  std::cout << "  confirmed across companies: " << multi_company << "\n";
  EXPECT_GT(multi_company, 0);
  EXPECT_GT(outcomes["failed/unavailable"] + outcomes["failed/conflict"], 0)
      << "the points were not scarce: the race proved nothing";

  const auto& stores = stores_;
  company::ConsistencyReport report;
  for (int tries = 0; tries < 100; ++tries) {
    auto r = company::CheckConsistency(stores,
                                       std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count(),
                                       2);
    ASSERT_TRUE(r) << r.error().message;
    report = *r;
    if (report.ok() && report.sagas_in_flight == 0) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(report.overlaps.empty()) << report.Summary();
  EXPECT_TRUE(report.orphans.empty()) << report.Summary();
  EXPECT_TRUE(report.missing_items.empty()) << report.Summary();
  EXPECT_EQ(report.sagas_in_flight, 0);

  // Every confirmation a vehicle received is in the store of every company it names.
  std::map<std::string, std::set<std::tuple<std::string, std::string, Time, Time>>> booked;
  for (const auto& c : kCompanies) booked[c] = Bookings(c);
  for (const auto* r : confirmed) {
    // Booked by its home company alone ("r-<home>-..."), a reservation owns its
    // bookings under its own id; run as a saga, under "s" + its id.
    bool local = std::all_of(r->items.begin(), r->items.end(),
                             [&](const auto& i) { return i.company == r->items.front().company; });
    for (const auto& i : r->items) {
      std::string owner = local && r->reservation_id.find("r-" + i.company) == 0
                              ? r->reservation_id
                              : "s" + r->reservation_id;
      EXPECT_TRUE(booked[i.company].count({owner, i.station + "/" + i.point, i.start_at, i.end_at}))
          << r->reservation_id << " " << i.station << "/" << i.point << " at " << i.company;
    }
  }
}

}  // namespace
}  // namespace tripmesh::testing
