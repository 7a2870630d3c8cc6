// Reservations that span companies, as sagas between real agent processes:
// what each store holds, a get or cancel the moment a confirmation arrives,
// the home company's own part. (For both profiles: a refusal, a killed
// participant, a lapsed hold, repeated and reordered saga messages, a
// restarted broker and the simulator's crowd in saga_profile_test; a killed
// coordinator at each step and a frozen participant in saga_crash_test.)
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
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

class SagaWorld : public CompanyFixture {
 protected:
  void StartSagaWorld(Backend backend) {
    backend_ = backend;
    StartWorld(kCompanies, {"--saga-timeout-ms", "1500"});
  }

  static std::set<std::string> CompaniesOf(const schemas::Reservation& r) {
    std::set<std::string> out;
    for (const auto& i : r.items) out.insert(i.company);
    return out;
  }
  std::map<std::string, std::string> Stores() const {
    std::map<std::string, std::string> out;
    for (const auto& c : kCompanies) out[c] = stores_.at(c);
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
    auto store = runtime::Store::Open(stores_.at(company));
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
    for (const auto* list :
         {&r.missing_items, &r.orphans, &r.overlaps, &r.stale_holds, &r.on_unavailable_points}) {
      for (const auto& s : *list) out += "\n  " + s;
    }
    return out;
  }
  // Speaks the saga protocol as `from` with a plain MQTT client.
  void PublishSaga(const std::string& to, const std::string& from, topics::SagaKind kind,
                   const std::string& payload) {
    runtime::TransportOptions o;
    o.broker = broker_->uri();
    o.client_id = "saga-test-" + from;
    auto t = runtime::NewTransport(runtime::TransportKind::kMosquitto, o);
    ASSERT_TRUE(t->Connect(5s));
    ASSERT_TRUE(t->Publish({.topic = topics::Saga(to, from, kind), .payload = payload}));
    ASSERT_TRUE(t->Flush(5s));
    t->Disconnect();
  }
  // The n-th ack (1-based) on companies/{to}/saga/{from}/ack for `saga`.
  std::optional<schemas::SagaAck> WaitAck(const std::string& to, const std::string& from,
                                          const std::string& saga, schemas::SagaPhase phase,
                                          int n = 1) {
    std::string topic = topics::Saga(to, from, topics::SagaKind::kAck);
    auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      int seen = 0;
      for (const auto& m : recorder_->Messages()) {
        if (m.topic != topic) continue;
        auto a = schemas::Decode<schemas::SagaAck>(m.payload);
        if (a && a->saga_id == saga && a->phase == phase && ++seen == n) return *a;
      }
      std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
  }
  // Saga "s-taker" from `by` holds every point of `company`'s stop of `plan`
  // for that stop's window, as if another vehicle had booked them.
  void TakeStopOf(const schemas::Plan& plan, const std::string& company, const std::string& by) {
    const schemas::Stop* stop = nullptr;
    for (const auto& s : plan.stops) {
      if (s.company == company) stop = &s;
    }
    ASSERT_TRUE(stop);
    const auto* station = DefaultWorld().FindStation(stop->station);
    ASSERT_TRUE(station);
    schemas::SagaRequest taker{"s-taker", "r-taker", "someone-else", {}, 600};
    for (const auto& p : station->points) {
      taker.items.push_back({station->id, p.id, stop->start_at, stop->end_at, 1});
    }
    PublishSaga(company, by, topics::SagaKind::kRequest, schemas::Encode(taker));
    auto held = WaitAck(by, company, "s-taker", schemas::SagaPhase::kRequest);
    ASSERT_TRUE(held && held->ok) << (held ? held->detail : "no ack");
  }
  int SagaMessagesOn(const std::string& filter_prefix, const std::string& saga = "") {
    int n = 0;
    for (const auto& m : recorder_->Messages()) {
      n += m.topic.rfind(filter_prefix, 0) == 0 &&
           (saga.empty() || m.payload.find("\"" + saga + "\"") != std::string::npos);
    }
    return n;
  }
};

// The saga on each store: SQLite files, and PostgreSQL databases.
class SagaTest : public SagaWorld, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override { StartSagaWorld(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Backends, SagaTest, tripmesh::testing::EveryBackend(),
                         tripmesh::testing::NameOfBackend());

TEST_P(SagaTest, ThreeCompanyReservationIsConfirmedAndEachStoreHoldsExactlyItsItems) {
  auto car = Vehicle("car-saga", "voltpoint");
  auto r = car->Reserve({"req-1", "", LongTrip(), false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
      << (r->error ? r->error->message : "");
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
  EXPECT_EQ(got->status, schemas::ReservationStatus::kConfirmed);
  // The same request id gives the same reservation, not a second one.
  auto again = car->Reserve({"req-1", "", LongTrip(), false});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->reservation_id, r->reservation_id);
}

// The vehicle hears `confirmed` before the coordinator's final record is on
// disk; a `get` or `cancel` sent the moment it arrives must see it confirmed.
TEST_P(SagaTest, GetAndCancelSentTheMomentAConfirmationArrivesSeeItConfirmed) {
  auto car = Vehicle("car-quick", "voltpoint");
  for (int i = 0; i < 6; ++i) {
    auto r = car->Reserve({"quick-" + std::to_string(i), "", LongTrip(), false});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
        << (r->error ? r->error->message : "");
    auto got = car->Get(r->reservation_id);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(got->status, schemas::ReservationStatus::kConfirmed);
    auto cancelled = car->Cancel(r->reservation_id);
    ASSERT_TRUE(cancelled) << cancelled.error().message;
    EXPECT_EQ(cancelled->status, schemas::ReservationStatus::kCancelled);
  }
  ExpectSettled(Settle());
  for (const auto& c : kCompanies) EXPECT_TRUE(BookingsAt(c).empty()) << c;
}

TEST_P(SagaTest, TheHomeCompanysOwnPartStaysOffTheBrokerAndItsRefusalAsksNoPeer) {
  auto car = Vehicle("car-home-part", "voltpoint");
  auto r = car->Reserve({"", ThreeCompanyPlan(*car).plan_id, std::nullopt, false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed)
      << (r->error ? r->error->message : "");
  ExpectSettled(Settle());
  std::string saga = "s" + r->reservation_id;
  EXPECT_EQ(SagaMessagesOn(topics::SagaNamed("voltpoint", "voltpoint", "")), 0);
  EXPECT_EQ(SagaMessagesOn(topics::Saga("eflux", "voltpoint", topics::SagaKind::kRequest), saga),
            1);
  EXPECT_EQ(BookingsAt("voltpoint")[saga],
            static_cast<int>(std::count_if(r->items.begin(), r->items.end(), [](const auto& i) {
              return i.company == "voltpoint";
            })));

  // The home company's own stop is taken: the saga fails before any peer holds.
  schemas::Plan plan = ThreeCompanyPlan(*car);
  TakeStopOf(plan, "voltpoint", "eflux");
  auto failed = car->Reserve({"", plan.plan_id, std::nullopt, false});
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(failed->status, schemas::ReservationStatus::kFailed);
  ASSERT_TRUE(failed->error);
  EXPECT_EQ(failed->error->code, Errc::kUnavailable) << failed->error->message;
  std::string refused = "s" + failed->reservation_id;
  EXPECT_EQ(SagaMessagesOn(topics::Saga("eflux", "voltpoint", topics::SagaKind::kRequest), refused),
            0);
  EXPECT_EQ(
      SagaMessagesOn(topics::Saga("ecocharge", "voltpoint", topics::SagaKind::kRequest), refused),
      0);
  PublishSaga("voltpoint", "eflux", topics::SagaKind::kCompensate,
              schemas::Encode(schemas::SagaCompensate{"s-taker", "test over"}));
  ASSERT_TRUE(WaitAck("eflux", "voltpoint", "s-taker", schemas::SagaPhase::kCompensate));
  ExpectSettled(Settle());
  for (const auto& c : kCompanies) {
    EXPECT_EQ(BookingsAt(c, true).count(refused), 0u) << c << " holds for the failed saga";
  }
}

}  // namespace
}  // namespace tripmesh::testing
