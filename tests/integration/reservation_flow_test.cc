// One company, real processes: the request ops end to end.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

class ReservationFlowTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld({"voltpoint"}, {"--hold-ttl", "2", "--keepalive", "5"}); }
};

TEST_F(ReservationFlowTest, PlanReserveGetListCancelRoundTrip) {
  auto car = Vehicle("car-7", "voltpoint");
  ASSERT_TRUE(car);
  auto trip = Trip("salvador-ba", "vitoria-da-conquista-ba", 0.6);
  auto plans = car->Plan(trip);
  ASSERT_TRUE(plans) << plans.error().message;
  const auto& plan = plans->plans.front();
  ASSERT_FALSE(plan.stops.empty());

  auto r = car->Reserve({"", plan.plan_id, std::nullopt, false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  ASSERT_EQ(r->items.size(), plan.stops.size());
  EXPECT_EQ(r->items[0].start_at, plan.stops[0].start_at);

  auto got = car->Get(r->reservation_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, schemas::ReservationStatus::kConfirmed);
  EXPECT_EQ(got->items.size(), r->items.size());

  auto list = car->List();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->reservations.size(), 1u);
  EXPECT_EQ(list->reservations[0].reservation_id, r->reservation_id);

  // Booked: the same trip now waits or takes another point (or station).
  auto busy = car->Plan(trip);
  ASSERT_TRUE(busy);
  const auto& first = busy->plans.front().stops.front();
  EXPECT_TRUE(first.station != plan.stops[0].station || first.point != plan.stops[0].point ||
              first.start_at > first.arrive_at);

  auto cancelled = car->Cancel(r->reservation_id);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, schemas::ReservationStatus::kCancelled);
  EXPECT_EQ(car->Get(r->reservation_id)->status, schemas::ReservationStatus::kCancelled);

  // Free again: the same plan, the same point, no wait.
  auto again = car->Plan(trip);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->plans.front().stops[0].point, plan.stops[0].point);
  EXPECT_EQ(again->plans.front().wait_s, 0);
  auto rebooked = car->Reserve({"", again->plans.front().plan_id, std::nullopt, false});
  ASSERT_TRUE(rebooked);
  EXPECT_EQ(rebooked->status, schemas::ReservationStatus::kConfirmed);

  EXPECT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == "tripmesh/v1/companies/voltpoint/events/reservation" &&
               m.payload.find(r->reservation_id) != std::string::npos &&
               m.payload.find("\"cancelled\"") != std::string::npos;
      },
      std::chrono::seconds(5)));
}

TEST_F(ReservationFlowTest, BookedPointsMakeThePlanWaitOrMoveAndTheWaitIsTheRealGap) {
  // Fill the CCS2 points of Feira de Santana around the arrival of a Salvador -> Jequié trip.
  auto trip = Trip("salvador-ba", "jequie-ba", 0.5);
  trip.vehicle.connectors = {"IEC_62196_T2_COMBO"};
  std::map<std::string, std::vector<std::pair<Time, Time>>> booked;  // point -> intervals
  auto book = [&](const std::string& id, std::optional<double> max_kw) {
    auto car = Vehicle(id, "voltpoint");
    auto t = trip;
    t.vehicle.max_charge_kw = max_kw;
    auto r = car->Reserve({"", "", t, false});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
    for (const auto& i : r->items)
      booked[i.station + "/" + i.point].push_back({i.start_at, i.end_at});
  };
  book("filler-1", std::nullopt);
  book("filler-2", std::nullopt);
  book("filler-3", 50.0);
  auto car = Vehicle("car-late", "voltpoint");
  auto plans = car->Plan(trip);
  ASSERT_TRUE(plans) << plans.error().message;
  for (const auto& p : plans->plans) {
    Time waits = 0;
    for (const auto& s : p.stops) {
      waits += s.start_at - s.arrive_at;
      bool gap_closes_here = s.start_at == s.arrive_at;
      for (auto [start, end] : booked[s.station + "/" + s.point]) {
        EXPECT_TRUE(s.end_at <= start || s.start_at >= end)
            << "plan overlaps a booking at " << s.station;
        gap_closes_here = gap_closes_here || s.start_at == end;
      }
      EXPECT_TRUE(gap_closes_here) << "a wait at " << s.station << " that no booking explains";
    }
    EXPECT_EQ(p.wait_s, waits);
  }
}

TEST_F(ReservationFlowTest, HoldThenConfirm) {
  auto car = Vehicle("car-hold", "voltpoint");
  auto r = car->Reserve({"", "", Trip("salvador-ba", "jequie-ba", 0.5), true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, schemas::ReservationStatus::kHeld);
  ASSERT_TRUE(r->expires_at);
  auto c = car->Confirm(r->reservation_id);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->status, schemas::ReservationStatus::kConfirmed);
  EXPECT_FALSE(c->expires_at);
  EXPECT_EQ(car->Confirm(r->reservation_id)->status,
            schemas::ReservationStatus::kConfirmed);  // idempotent
}

TEST_F(ReservationFlowTest, UnconfirmedHoldExpiresAndFreesThePoint) {
  auto car = Vehicle("car-late", "voltpoint");
  auto trip = Trip("salvador-ba", "jequie-ba", 0.5);
  auto r = car->Reserve({"", "", trip, true});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kHeld);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));  // hold-ttl is 2 s
  auto c = car->Confirm(r->reservation_id);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, Errc::kExpired);
  EXPECT_EQ(car->Get(r->reservation_id)->status, schemas::ReservationStatus::kExpired);
  auto plan = car->Plan(trip);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->plans.front().stops[0].point, r->items[0].point);
  EXPECT_EQ(plan->plans.front().wait_s, 0);
}

TEST_F(ReservationFlowTest, CheckInAtEveryStopFulfilsTheReservation) {
  auto car = Vehicle("car-c", "voltpoint");
  ASSERT_TRUE(car);
  // Leaving now with 10 %: the first stop is at Salvador at once, the next
  // ones hours later.
  auto trip = Trip("salvador-ba", "vitoria-da-conquista-ba", 0.1);
  trip.depart_at.reset();
  auto r = car->Reserve({"", "", trip, false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  ASSERT_GE(r->items.size(), 2u);
  const auto& first = r->items.front();
  const auto& later = r->items.back();

  auto nowhere = car->CheckIn(r->reservation_id, "vp-nowhere");
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, Errc::kNotFound);
  auto early = car->CheckIn(r->reservation_id, later.station);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::kConflict) << early.error().message;
  auto stranger = Vehicle("car-d", "voltpoint")->CheckIn(r->reservation_id, first.station);
  ASSERT_FALSE(stranger);
  EXPECT_EQ(stranger.error().code, Errc::kNotFound);

  auto in = car->CheckIn(r->reservation_id, first.station);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->status, schemas::ReservationStatus::kConfirmed);
  ASSERT_TRUE(in->items.front().checked_in_at);
  EXPECT_FALSE(in->items.back().checked_in_at);
  auto twice = car->CheckIn(r->reservation_id, first.station);
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->items.front().checked_in_at, in->items.front().checked_in_at);

  // A trip of one stop that starts now: checked in, it is fulfilled.
  auto short_trip = Trip("salvador-ba", "feira-de-santana-ba", 0.1);
  short_trip.depart_at.reset();
  auto one = car->Reserve({"", "", short_trip, false});
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_EQ(one->items.size(), 1u);
  auto done = car->CheckIn(one->reservation_id, one->items[0].station);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(done->status, schemas::ReservationStatus::kFulfilled);
  EXPECT_EQ(car->Get(one->reservation_id)->status, schemas::ReservationStatus::kFulfilled);
  EXPECT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        auto e = schemas::Decode<schemas::Event>(m.payload);
        return e && e->reservation_id == one->reservation_id && e->status == "fulfilled";
      },
      std::chrono::seconds(5)));
}

TEST_F(ReservationFlowTest, RepeatedRequestIdGetsTheFirstAnswer) {
  auto car = Vehicle("car-retry", "voltpoint");
  schemas::ReserveRequest req{"retry-1", "", Trip("salvador-ba", "jequie-ba", 0.5), false};
  auto a = car->Reserve(req);
  auto b = car->Reserve(req);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->reservation_id, b->reservation_id);
  EXPECT_EQ(car->List()->reservations.size(), 1u);
}

TEST_F(ReservationFlowTest, NotAnotherVehiclesReservation) {
  auto owner = Vehicle("car-owner", "voltpoint");
  auto other = Vehicle("car-other", "voltpoint");
  auto r = owner->Reserve({"", "", Trip("salvador-ba", "jequie-ba", 0.5), false});
  ASSERT_TRUE(r);
  auto peek = other->Get(r->reservation_id);
  ASSERT_FALSE(peek);
  EXPECT_EQ(peek.error().code, Errc::kNotFound);
  EXPECT_FALSE(other->Cancel(r->reservation_id));
  EXPECT_EQ(owner->Get(r->reservation_id)->status, schemas::ReservationStatus::kConfirmed);
}

TEST_F(ReservationFlowTest, MosquittoRrGetsAPlanReply) {
  std::string payload = schemas::Encode(Trip("salvador-ba", "jequie-ba", 0.5));
  std::string out;
  int rc = RunCommand("mosquitto_rr -V 5 -h 127.0.0.1 -p " + std::to_string(broker_->port()) +
                          " -t tripmesh/v1/companies/voltpoint/requests/rr-car/plan"
                          " -e tripmesh/v1/vehicles/rr-car/replies -W 10 -m '" +
                          payload + "'",
                      &out);
  ASSERT_EQ(rc, 0) << out;
  auto result = schemas::Decode<schemas::PlanResult>(out.substr(0, out.find_last_not_of("\n") + 1));
  ASSERT_TRUE(result) << out;
  EXPECT_EQ(result->plans.front().route.back(), "jequie-ba");
}

TEST_F(ReservationFlowTest, CliPrintsATableJsonAndAOneLineReason) {
  std::string base =
      TripmeshBinary() + " vehicle --id cli-car --home voltpoint --broker " + broker_->uri();
  std::string out;
  ASSERT_EQ(RunCommand(base + " plan --from salvador-ba --to jequie-ba --soc 0.5", &out), 0) << out;
  EXPECT_NE(out.find("Plan 1 of "), std::string::npos) << out;
  EXPECT_NE(out.find("total"), std::string::npos) << out;
  EXPECT_NE(out.find("vp-feira-de-santana"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(base + " --json plan --from salvador-ba --to jequie-ba --soc 0.5", &out), 0);
  EXPECT_TRUE(schemas::Decode<schemas::PlanResult>(out.substr(0, out.size() - 1))) << out;
  EXPECT_EQ(RunCommand(base + " plan --from atlantis-ba --to jequie-ba 2>&1", &out), 1);
  EXPECT_NE(out.find("unknown_city: unknown city atlantis-ba"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(base + " reserve --from salvador-ba --to jequie-ba --soc 0.5", &out), 0)
      << out;
  EXPECT_NE(out.find("confirmed"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(base + " list", &out), 0);
  EXPECT_NE(out.find("1 reservation(s) of cli-car"), std::string::npos) << out;
}

TEST_F(ReservationFlowTest, MonitorShowsCompaniesReservationsAndFailuresFromTheTopicsAlone) {
  std::string log = dir_ + "/monitor.out";
  // Watched from the moment it says it watches until it is stopped, however
  // slowly the machine runs.
  auto monitor = harness::Process::Spawn(
      {TripmeshBinary(), "monitor", "--broker", broker_->uri(), "--duration", "120"}, log);
  ASSERT_TRUE(monitor);
  auto watching = [&] {
    auto text = worldfiles::ReadFile(log);
    return text && text->find("tripmesh monitor: watching ") != std::string::npos;
  };
  for (int i = 0; i < 300 && !watching(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(watching()) << "the monitor did not subscribe; see " << log;
  auto car = Vehicle("car-watched", "voltpoint");
  ASSERT_EQ(car->Reserve({"", "", Trip("salvador-ba", "jequie-ba", 0.5), false})->status,
            schemas::ReservationStatus::kConfirmed);
  EXPECT_FALSE(car->Plan(Trip("atlantis-ba", "jequie-ba", 0.5)));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the events that follow the replies
  (*monitor)->Signal(SIGTERM);
  int status = -1;
  ASSERT_TRUE((*monitor)->Wait(std::chrono::seconds(10), &status));
  EXPECT_EQ(status, 0);
  auto out = worldfiles::ReadFile(log);
  ASSERT_TRUE(out);
  auto totals = Words(LineStartingWith(*out, "voltpoint"));
  ASSERT_GE(totals.size(), 12u) << *out;
  EXPECT_EQ(totals[1], "online") << *out;
  EXPECT_EQ(totals[totals.size() - 8], "(-03)") << *out;
  EXPECT_EQ(totals[totals.size() - 7],
            std::to_string(DefaultWorld().FindCompany("voltpoint")->stations.size()))
      << "stations: " << *out;
  EXPECT_NE(out->find("unknown_city: unknown city atlantis-ba"), std::string::npos) << *out;
  // What it saw live: the confirmed reservation, under its last status.
  // company, requests, held, confirmed, expired, failed, cancelled, sagas open
  auto live = Words(LineStartingWith(*out, "voltpoint", out->find("Seen live")));
  ASSERT_EQ(live.size(), 8u) << *out;
  EXPECT_EQ(live[2], "0") << *out;
  EXPECT_EQ(live[3], "1") << "one confirmed reservation: " << *out;
}

TEST_F(ReservationFlowTest, StatusGoesOfflineWhenTheAgentDiesAndOnlineWhenItReturns) {
  agents_["voltpoint"]->Signal(SIGKILL);
  agents_["voltpoint"]->Wait(std::chrono::seconds(5));
  EXPECT_TRUE(WaitOnline(broker_->uri(), "voltpoint", false, std::chrono::seconds(15)));
  RestartCompany("voltpoint");
  EXPECT_TRUE(WaitOnline(broker_->uri(), "voltpoint", true));
}

}  // namespace
}  // namespace tripmesh::testing
