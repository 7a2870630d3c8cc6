// Reservations that span companies, as sagas between real agent processes:
// refusals, frozen and killed participants, a killed coordinator at each step,
// a restarted broker, and duplicated or reordered saga messages.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

class SagaTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld(kCompanies, {"--saga-timeout-ms", "1500"}); }

  // About 300 km of range: Salvador to Fortaleza stops at all three companies.
  static schemas::PlanRequest LongTrip() {
    auto trip = Trip("salvador-ba", "fortaleza-ce", 1.0);
    trip.vehicle.battery_kwh = 50;
    trip.vehicle.consumption_kwh_per_km = 0.165;
    return trip;
  }
  static std::set<std::string> CompaniesOf(const schemas::Reservation& r) {
    std::set<std::string> out;
    for (const auto& i : r.items) out.insert(i.company);
    return out;
  }
  std::map<std::string, std::string> Stores() const {
    std::map<std::string, std::string> out;
    for (const auto& c : kCompanies) out[c] = dir_ + "/" + c + ".db";
    return out;
  }
  // Polls the checker until every saga has settled and it finds nothing, or
  // the time is up; returns the last report.
  company::ConsistencyReport Settle(std::chrono::seconds limit = 20s) {
    company::ConsistencyReport last;
    auto until = std::chrono::steady_clock::now() + limit;
    do {
      auto r = company::CheckConsistency(Stores(), Now(), 2);
      EXPECT_TRUE(r) << r.error().message;
      if (!r) return last;
      last = *r;
      if (last.ok() && last.sagas_in_flight == 0) return last;
      std::this_thread::sleep_for(200ms);
    } while (std::chrono::steady_clock::now() < until);
    return last;
  }
  static Time Now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // Bookings (expires_at NULL) and holds at one company, by owner.
  std::map<std::string, int> BookingsAt(const std::string& company, bool holds = false) {
    std::map<std::string, int> out;
    auto store = runtime::Store::Open(dir_ + "/" + company + ".db");
    EXPECT_TRUE(store);
    if (!store) return out;
    auto st = (*store)->Read([&](runtime::Tx& tx) {
      return tx.Query(holds ? "SELECT reservation_id FROM bookings WHERE expires_at IS NOT NULL"
                            : "SELECT reservation_id FROM bookings WHERE expires_at IS NULL",
                      {}, [&](const runtime::Row& row) { ++out[row.Str(0)]; });
    });
    EXPECT_TRUE(st);
    return out;
  }
  void ExpectSettled(const company::ConsistencyReport& r) {
    EXPECT_TRUE(r.ok()) << r.Summary() << Findings(r);
    EXPECT_EQ(r.sagas_in_flight, 0) << r.Summary();
  }
  static std::string Findings(const company::ConsistencyReport& r) {
    std::string out;
    for (const auto* list : {&r.missing_items, &r.orphans, &r.overlaps, &r.stale_holds}) {
      for (const auto& s : *list) out += "\n  " + s;
    }
    return out;
  }
};

TEST_F(SagaTest, ThreeCompanyReservationIsConfirmedAndEachStoreHoldsExactlyItsItems) {
  auto car = Vehicle("car-saga", "voltpoint");
  auto r = car->Reserve({"req-1", "", LongTrip(), false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, "confirmed") << (r->error ? r->error->message : "");
  ASSERT_EQ(CompaniesOf(*r).size(), 3u);
  ExpectSettled(Settle());
  std::string saga = "s" + r->reservation_id;
  for (const auto& c : kCompanies) {
    int expected = 0;
    for (const auto& i : r->items) expected += i.company == c;
    auto bookings = BookingsAt(c);
    EXPECT_EQ(bookings.size(), 1u) << c;
    EXPECT_EQ(bookings[saga], expected) << c;
    EXPECT_TRUE(BookingsAt(c, true).empty()) << c << " still holds something";
  }
  auto got = car->Get(r->reservation_id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, "confirmed");
  // The same request id gives the same reservation, not a second one.
  auto again = car->Reserve({"req-1", "", LongTrip(), false});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->reservation_id, r->reservation_id);
}

}  // namespace
}  // namespace tripmesh::testing
