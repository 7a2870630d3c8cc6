// Admin ops over MQTT against a real agent: points out of service, the
// reservations that follow them, the vehicles told, and bad admin input.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <set>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

class AdminTest : public CompanyFixture {
 protected:
  void SetUp() override { StartWorld({"voltpoint"}); }

  // `tripmesh admin --json ...`: the reply, and the exit code in *rc.
  std::string Admin(const std::string& args, int* rc, const std::string& company = "voltpoint") {
    std::string out;
    *rc = RunCommand(TripmeshBinary() + " admin --company " + company + " --json --broker " +
                         broker_->uri() + " --data " + DataDir() + " " + args + " 2>&1",
                     &out);
    return out;
  }
  Result<schemas::AdminResult> SetStatus(const std::string& station, const std::string& point,
                                         const std::string& status,
                                         const std::string& company = "voltpoint") {
    int rc = 0;
    std::string out = Admin("set-point-status --station " + station + " --point " + point +
                                " --status " + status + " --reason test",
                            &rc, company);
    if (rc != 0) return Fail(Errc::kInternal, out);
    return schemas::Decode<schemas::AdminResult>(out.substr(0, out.find('\n')));
  }
  // A raw admin request with mosquitto_rr: the reply's first line.
  std::string Raw(const std::string& op, const std::string& payload,
                  const std::string& reply_topic = "tripmesh/v1/companies/voltpoint/replies/x",
                  int wait_s = 10) {
    std::string out;
    RunCommand("mosquitto_rr -V 5 -h 127.0.0.1 -p " + std::to_string(broker_->port()) + " -t " +
                   topics::AdminNamed("voltpoint", op) + " -e " + reply_topic + " -W " +
                   std::to_string(wait_s) + " -m '" + payload + "'",
               &out);
    return out.substr(0, out.find('\n'));
  }
  std::string LastAvailability(const std::string& station) {
    std::string topic = topics::StationAvailability("voltpoint", station), last;
    for (const auto& m : recorder_->Messages()) {
      if (m.topic == topic) last = m.payload;
    }
    return last;
  }
  // The retained message on `topic` now ("" when there is none).
  std::string RetainedOn(const std::string& topic) {
    std::string out;
    RunCommand("mosquitto_sub -h 127.0.0.1 -p " + std::to_string(broker_->port()) + " -t '" +
                   topic + "' -C 1 -W 2 --retained-only 2>/dev/null",
               &out);
    return out.substr(0, out.find('\n'));
  }
  company::ConsistencyReport Check() {
    std::map<std::string, std::string> stores;
    for (const auto& [c, agent] : agents_) stores[c] = dir_ + "/" + c + ".db";
    auto r = company::CheckConsistency(stores, core::RealClock().Now());
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : company::ConsistencyReport{};
  }
  // Breaks the points a stop lands on, in turn, until no point can take it;
  // returns the last admin result.
  schemas::AdminResult BreakUntilLost(const std::string& company, const std::string& station,
                                      std::string point) {
    schemas::AdminResult last;
    for (int round = 0; round < 8; ++round) {
      auto result = SetStatus(station, point, "OUTOFORDER", company);
      EXPECT_TRUE(result) << result.error().message;
      if (!result) break;
      last = *result;
      if (result->moved.empty()) break;
      point = result->moved.front().to_point;
    }
    return last;
  }
};

class AdminAcrossCompaniesTest : public AdminTest {
 protected:
  void SetUp() override { StartWorld({"voltpoint", "eflux", "ecocharge"}); }
  // The saga.changed messages a company's participant has not had taken yet.
  int Outbox(const std::string& company) {
    auto store = runtime::Store::Open(dir_ + "/" + company + ".db");
    EXPECT_TRUE(store);
    if (!store) return -1;
    int pending = -1;
    EXPECT_TRUE((*store)->Read([&](runtime::Tx& tx) {
      return tx.Query("SELECT count(*) FROM saga_outbox", {},
                      [&](const runtime::Row& row) { pending = static_cast<int>(row.Int(0)); });
    }));
    return pending;
  }
};

TEST_F(AdminTest, AStopOnABrokenPointMovesOrItsVehicleIsToldAndTheChangeSurvivesARestart) {
  auto car = Vehicle("car-a", "voltpoint");
  ASSERT_TRUE(car);
  auto r = car->Reserve({"", "", Trip("salvador-ba", "vitoria-da-conquista-ba", 0.5), false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  std::string station = r->items.front().station, point = r->items.front().point;
  std::vector<std::string> broken;
  // Each point the stop lands on breaks in turn, until no point can take it.
  for (int round = 0; round < 8; ++round) {
    auto result = SetStatus(station, point, "OUT_OF_ORDER");
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->status, schemas::PointStatus::kOutOfOrder);
    broken.push_back(point);
    ASSERT_EQ(result->moved.size() + result->lost.size(), 1u) << "round " << round;
    const auto& change = result->moved.empty() ? result->lost.front() : result->moved.front();
    EXPECT_EQ(change.reservation_id, r->reservation_id);
    EXPECT_EQ(change.vehicle, "car-a");
    auto now = car->Get(r->reservation_id);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->status, schemas::ReservationStatus::kConfirmed);
    const auto& item = now->items.front();
    EXPECT_TRUE(Check().ok()) << Check().Summary();
    if (!result->lost.empty()) {
      ASSERT_TRUE(item.lost_at.has_value());
      EXPECT_NE(item.lost_reason.find("OUTOFORDER"), std::string::npos) << item.lost_reason;
      EXPECT_NEAR(now->cost, r->cost - r->items.front().cost, 0.011)
          << "a lost stop is not charged";
      break;
    }
    // Moved: the same connector, no less power, and never onto a broken point.
    const auto* s = DefaultWorld().FindStation(station);
    const schemas::Point *from = nullptr, *to = nullptr;
    for (const auto& p : s->points) {
      if (p.id == point) from = &p;
      if (p.id == change.to_point) to = &p;
    }
    ASSERT_TRUE(from && to);
    EXPECT_EQ(to->connector, from->connector);
    EXPECT_GE(to->max_power_kw, from->max_power_kw);
    EXPECT_EQ(item.point, change.to_point);
    EXPECT_FALSE(item.lost_at.has_value());
    point = change.to_point;
  }
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        auto n = schemas::Decode<schemas::VehicleNotice>(m.payload);
        return m.topic == topics::VehicleEvents("car-a") && n &&
               n->reservation_id == r->reservation_id && n->station == station;
      },
      std::chrono::seconds(5)));
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == topics::StationAvailability("voltpoint", station) &&
               m.payload.find("OUTOFORDER") != std::string::npos;
      },
      std::chrono::seconds(5)));

  // The store is the truth: after a restart the points are still out of
  // service, and nothing new is planned or booked on them.
  agents_["voltpoint"]->Signal(SIGTERM);
  agents_["voltpoint"]->Wait(std::chrono::seconds(10));
  RestartCompany("voltpoint");
  auto again = Vehicle("car-b", "voltpoint");
  ASSERT_TRUE(again);
  for (int i = 0; i < 3; ++i) {
    auto b = again->Reserve({"", "", Trip("salvador-ba", "vitoria-da-conquista-ba", 0.5), false});
    ASSERT_TRUE(b) << b.error().message;
    for (const auto& item : b->items) {
      EXPECT_FALSE(item.station == station &&
                   std::find(broken.begin(), broken.end(), item.point) != broken.end())
          << item.station << "/" << item.point;
    }
  }
  EXPECT_NE(LastAvailability(station).find("OUTOFORDER"), std::string::npos)
      << LastAvailability(station);
  EXPECT_TRUE(Check().ok()) << Check().Summary();

  // Back in service.
  for (const auto& p : broken) ASSERT_TRUE(SetStatus(station, p, "AVAILABLE"));
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == topics::StationAvailability("voltpoint", station) &&
               m.payload.find("OUTOFORDER") == std::string::npos;
      },
      std::chrono::seconds(5)));
}

TEST_F(AdminTest, BadAdminInputGetsAPreciseErrorAndChangesNothing) {
  auto code = [](const std::string& reply) {
    auto e = schemas::Decode<schemas::ErrorReply>(reply);
    return e ? std::string(ErrcName(e->error.code)) + "/" + e->error.field
             : "not an error: " + reply;
  };
  EXPECT_EQ(code(Raw("set_point_status", "{not json")), "invalid_json/");
  EXPECT_EQ(
      code(Raw("set_point_status", R"({"station":"vp-jequie","point":"1","status":"BROKEN"})")),
      "invalid_request/status");
  EXPECT_EQ(
      code(Raw("set_point_status", R"({"station":"vp-jequie","point":1,"status":"BLOCKED"})")),
      "invalid_request/point");
  EXPECT_EQ(
      code(Raw("set_point_status", R"({"station":"vp-nowhere","point":"1","status":"BLOCKED"})")),
      "not_found/station");
  EXPECT_EQ(
      code(Raw("set_point_status", R"({"station":"vp-jequie","point":"9","status":"BLOCKED"})")),
      "not_found/point");
  EXPECT_EQ(
      code(Raw(
          "set_point_status",
          R"({"station":"vp-jequie","point":"1","status":"BLOCKED","until":"2001-01-01T00:00:00Z"})")),
      "invalid_request/until");
  EXPECT_EQ(code(Raw("explode", R"({"station":"vp-jequie"})")), "unknown_op/topic");
  // An answer is never sent outside the company's own namespace.
  std::string outside =
      Raw("set_point_status", R"({"station":"vp-jequie","point":"1","status":"BLOCKED"})",
          "tripmesh/v1/vehicles/someone/replies", 2);
  EXPECT_EQ(outside, "") << "no reply where the admin asked for it";
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        return m.topic == topics::AdminReplies("voltpoint") &&
               m.payload.find("forbidden") != std::string::npos;
      },
      std::chrono::seconds(5)));
  // The CLI names the bad word and exits 2.
  int rc = 0;
  std::string out = Admin("set-point-status --station vp-jequie --point 1 --status BROKEN", &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("unknown --status BROKEN"), std::string::npos) << out;
  // Nothing changed: every point of the station is still in service.
  std::string last = LastAvailability("vp-jequie");
  EXPECT_NE(last.find("AVAILABLE"), std::string::npos) << last;
  for (const char* s : {"OUTOFORDER", "BLOCKED", "INOPERATIVE"}) {
    EXPECT_EQ(last.find(s), std::string::npos) << last;
  }
  EXPECT_TRUE(Check().ok()) << Check().Summary();
}

// A participant's point breaks under a saga's stop: the home company's record
// follows, and the vehicle hears from its home company.
TEST_F(AdminAcrossCompaniesTest, AParticipantsLostStopReachesTheHomeCompanyAndTheVehicle) {
  auto car = Vehicle("car-x", "voltpoint");
  ASSERT_TRUE(car);
  auto r = car->Reserve({"", "", Trip("salvador-ba", "fortaleza-ce", 1.0), false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  const schemas::ReservationItem* away = nullptr;
  for (const auto& i : r->items) {
    if (i.company != "voltpoint") away = &i;
  }
  ASSERT_TRUE(away) << "the trip stops at another company";
  // The home company is frozen when the point breaks: the participant keeps
  // its saga.changed until the home company takes it.
  agents_["voltpoint"]->Signal(SIGSTOP);
  auto last = BreakUntilLost(away->company, away->station, away->point);
  EXPECT_GE(Outbox(away->company), 1);
  agents_["voltpoint"]->Signal(SIGCONT);
  ASSERT_EQ(last.lost.size(), 1u);
  EXPECT_EQ(last.lost.front().reservation_id, r->reservation_id);
  EXPECT_EQ(last.lost.front().vehicle, "car-x");
  ASSERT_TRUE(recorder_->WaitFor(
      [&](const runtime::InboundMessage& m) {
        auto n = schemas::Decode<schemas::VehicleNotice>(m.payload);
        return m.topic == topics::VehicleEvents("car-x") && n && n->company == "voltpoint" &&
               n->station == away->station;
      },
      std::chrono::seconds(5)));
  auto now = car->Get(r->reservation_id);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->status, schemas::ReservationStatus::kConfirmed);
  bool lost = false;
  for (const auto& i : now->items) lost = lost || (i.station == away->station && i.lost_at);
  EXPECT_TRUE(lost);
  EXPECT_TRUE(Check().ok()) << Check().Summary();
  // The home company took the participant's saga.changed: its outbox empties.
  int pending = -1;
  for (int i = 0; i < 50 && pending != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    pending = Outbox(away->company);
  }
  EXPECT_EQ(pending, 0);
  // The rest of the reservation still cancels cleanly.
  auto cancelled = car->Cancel(r->reservation_id);
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, schemas::ReservationStatus::kCancelled);
}

// The operator adds a station, then removes another: the change is the
// company's own (it survives a restart), and the other companies plan on it
// at once, from its retained messages, without a restart.
TEST_F(AdminAcrossCompaniesTest, ACatalogueChangeSurvivesARestartAndPeersPlanOnItLive) {
  std::size_t all = 0;
  for (const auto& c : DefaultWorld().catalogues()) all += c.stations.size();
  // What eflux plans on, from its metrics: every company's stations.
  auto eflux_sees = [&](std::size_t stations) {
    return recorder_->WaitFor(
        [&](const runtime::InboundMessage& m) {
          auto metrics = schemas::Decode<schemas::CompanyMetrics>(m.payload);
          return m.topic == topics::Metrics("eflux") && metrics &&
                 metrics->counters["world.stations"] == static_cast<std::int64_t>(stations);
        },
        std::chrono::seconds(15));
  };
  int rc = 0;
  std::string out = Admin(
      "add-station --station vp-jequie-2 --name 'Jequié Norte' --city jequie-ba --lat -13.85 "
      "--lon -40.08 --price-kwh 1.8 --point-spec 1:150:DC:IEC_62196_T2_COMBO "
      "--point-spec 2:22:AC:IEC_62196_T2",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(eflux_sees(all + 1)) << "eflux never planned on the new station";
  agents_["voltpoint"]->Signal(SIGTERM);
  agents_["voltpoint"]->Wait(std::chrono::seconds(10));
  RestartCompany("voltpoint");
  ASSERT_TRUE(agents_["voltpoint"]);
  auto station =
      schemas::Decode<schemas::Station>(RetainedOn(topics::Station("voltpoint", "vp-jequie-2")));
  ASSERT_TRUE(station) << "the station is still published after the restart";
  EXPECT_EQ(station->name, "Jequié Norte");
  EXPECT_EQ(station->points.size(), 2u);

  // An eflux car's trip south stops at voltpoint; that station goes away.
  auto car = Vehicle("car-e", "eflux");
  ASSERT_TRUE(car);
  auto stops_at = [&](const std::string& company) {
    std::set<std::string> at;
    auto plans = car->Plan(Trip("fortaleza-ce", "salvador-ba", 1.0));
    EXPECT_TRUE(plans) << plans.error().message;
    if (!plans) return at;
    for (const auto& s : plans->plans.front().stops) {
      if (s.company == company) at.insert(s.station);
    }
    return at;
  };
  auto before = stops_at("voltpoint");
  ASSERT_FALSE(before.empty());
  std::string gone = *before.begin();
  out = Admin("remove-station --station " + gone + " --reason closed", &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(eflux_sees(all)) << "eflux still plans on the removed station";
  EXPECT_EQ(RetainedOn(topics::Station("voltpoint", gone)), "")
      << "its retained message is cleared";
  auto after = stops_at("voltpoint");
  EXPECT_FALSE(after.empty()) << "eflux still plans on voltpoint's other stations";
  EXPECT_EQ(after.count(gone), 0u);
}

// Each catalogue op from the command line, as an operator types it: the
// reply is a readable line, and the station's retained message follows.
TEST_F(AdminTest, EveryCatalogueOpWorksFromTheCommandLine) {
  auto run = [&](const std::string& args) {
    std::string out;
    int rc = RunCommand(TripmeshBinary() + " admin --company voltpoint --broker " + broker_->uri() +
                            " --data " + DataDir() + " " + args + " 2>&1",
                        &out);
    EXPECT_EQ(rc, 0) << args << ": " << out;
    return out;
  };
  std::string out =
      run("add-station --station vp-itabuna-9 --city itabuna-ba --lat -14.79 --lon -39.28 "
          "--price-kwh 1.7 --point-spec 1:120:DC:IEC_62196_T2_COMBO");
  EXPECT_NE(out.find("voltpoint: add_station vp-itabuna-9"), std::string::npos) << out;
  run("update-station --station vp-itabuna-9 --name 'Itabuna Sul'");
  run("add-point --station vp-itabuna-9 --point 2 --kw 22 --power-type AC --connector "
      "IEC_62196_T2 --price-kwh 1.2");
  run("update-point --station vp-itabuna-9 --point 1 --kw 150");
  out =
      run("set-tariff --station vp-itabuna-9 --point 1 --price-kwh 2.1 --valid-from "
          "2030-01-01T00:00:00-03:00");
  EXPECT_NE(out.find("from Tue 01 Jan 2030 00:00 (-03)"), std::string::npos) << out;
  run("remove-point --station vp-itabuna-9 --point 2 --reason worn");
  auto station =
      schemas::Decode<schemas::Station>(RetainedOn(topics::Station("voltpoint", "vp-itabuna-9")));
  ASSERT_TRUE(station);
  EXPECT_EQ(station->name, "Itabuna Sul");
  ASSERT_EQ(station->points.size(), 1u);
  EXPECT_EQ(station->points.front().max_power_kw, 150);
  ASSERT_EQ(station->tariff_changes.size(), 1u);
  EXPECT_EQ(station->tariff_changes.front().point, "1");
  out = run("remove-station --station vp-itabuna-9");
  EXPECT_NE(out.find("summary: 0 moved, 0 lost"), std::string::npos) << out;
  EXPECT_EQ(RetainedOn(topics::Station("voltpoint", "vp-itabuna-9")), "");
}

// Two operators add points to one station at once: their changes are
// serialised, so neither is lost.
TEST_F(AdminTest, TwoAdminsChangingOneStationAtOnceAreSerialised) {
  std::vector<std::unique_ptr<harness::Process>> admins;
  for (int i = 0; i < 6; ++i) {
    std::string point = "new-" + std::to_string(i);
    auto p = harness::Process::Spawn(
        {TripmeshBinary(), "admin", "--company", "voltpoint", "--broker", broker_->uri(),
         "add-point", "--station", "vp-jequie", "--point", point, "--kw", "60", "--power-type",
         "DC", "--connector", "CHADEMO"},
        dir_ + "/admin-" + point + ".log");
    ASSERT_TRUE(p) << p.error().message;
    admins.push_back(std::move(*p));
  }
  for (auto& a : admins) {
    int status = -1;
    ASSERT_TRUE(a->Wait(std::chrono::seconds(30), &status));
    EXPECT_EQ(status, 0);
  }
  auto station =
      schemas::Decode<schemas::Station>(RetainedOn(topics::Station("voltpoint", "vp-jequie")));
  ASSERT_TRUE(station);
  std::size_t before = DefaultWorld().FindStation("vp-jequie")->points.size();
  EXPECT_EQ(station->points.size(), before + 6);
}

// A fleet reserves across the three companies while an operator breaks five
// points and removes two stations: afterwards no
// booking sits on a point out of service, the stores agree, and every stop that
// was on one moved (its home company said so) or its vehicle was told.
TEST_F(AdminAcrossCompaniesTest, AFleetReservesWhileAnOperatorBreaksPointsAndRemovesStations) {
  auto sim =
      harness::Process::Spawn({TripmeshBinary(), "sim", "--broker", broker_->uri(), "--data",
                               DataDir(), "--vehicles", "200", "--concurrency", "4", "--seed", "7"},
                              dir_ + "/sim.log");
  ASSERT_TRUE(sim) << sim.error().message;
  struct Change {
    std::string company, station, point, status;
  };
  std::vector<Change> changes = {{"voltpoint", "vp-feira-de-santana", "1", "OUTOFORDER"},
                                 {"eflux", "ef-fortaleza-aldeota", "1", "OUTOFORDER"},
                                 {"ecocharge", "ec-caruaru", "1", "OUTOFORDER"},
                                 {"voltpoint", "vp-salvador-pituba", "1", "INOPERATIVE"},
                                 {"eflux", "ef-sobral", "1", "OUTOFORDER"}};
  std::vector<schemas::StopChange> moved, lost;
  auto add = [&](const schemas::AdminResult& result) {
    moved.insert(moved.end(), result.moved.begin(), result.moved.end());
    lost.insert(lost.end(), result.lost.begin(), result.lost.end());
  };
  for (const auto& c : changes) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto result = SetStatus(c.station, c.point, c.status, c.company);
    ASSERT_TRUE(result) << result.error().message;
    add(*result);
  }
  const std::vector<std::pair<std::string, std::string>> removed = {
      {"voltpoint", "vp-jequie"}, {"ecocharge", "ec-recife-boa-viagem"}};
  for (const auto& [company, station] : removed) {
    int rc = 0;
    std::string out =
        Admin("remove-station --station " + station + " --reason closed", &rc, company);
    ASSERT_EQ(rc, 0) << out;
    auto result = schemas::Decode<schemas::AdminResult>(out.substr(0, out.find('\n')));
    ASSERT_TRUE(result) << out;
    add(*result);
  }
  // A stop lost once the fleet has ended reaches no one who could plan again.
  bool listening = (*sim)->Running();
  int status = -1;
  ASSERT_TRUE((*sim)->Wait(std::chrono::seconds(120), &status));
  EXPECT_EQ(status, 0) << "see " << dir_ << "/sim.log";
  for (const auto& m : moved) {
    EXPECT_TRUE(recorder_->WaitFor(
        [&](const runtime::InboundMessage& msg) {
          auto e = schemas::Decode<schemas::Event>(msg.payload);
          return e && e->reservation_id == m.reservation_id &&
                 e->detail.find("moved from point " + m.from_point) != std::string::npos;
        },
        std::chrono::seconds(5)))
        << m.reservation_id << " at " << m.station;
  }
  for (const auto& l : lost) {
    EXPECT_TRUE(recorder_->WaitFor(
        [&](const runtime::InboundMessage& msg) {
          auto n = schemas::Decode<schemas::VehicleNotice>(msg.payload);
          return msg.topic == topics::VehicleEvents(l.vehicle) && n &&
                 n->reservation_id == l.reservation_id && n->station == l.station;
        },
        std::chrono::seconds(5)))
        << l.reservation_id << " at " << l.station;
  }
  // The fleet heard of its lost stops and planned those trips again.
  auto log = worldfiles::ReadFile(dir_ + "/sim.log");
  ASSERT_TRUE(log);
  if (!lost.empty() && listening) {
    EXPECT_NE(log->find("disrupted trips (a stop lost to a point out of service): "),
              std::string::npos)
        << *log;
  }
  for (const auto& [company, station] : removed) {
    EXPECT_EQ(RetainedOn(topics::Station(company, station)), "") << station;
  }
  // Sagas still in flight are the drivers' holds they walked away from.
  company::ConsistencyReport report = Check();
  EXPECT_TRUE(report.ok()) << report.Summary();
  std::printf("moved %zu, lost %zu%s: %s\n", moved.size(), lost.size(),
              listening ? "" : " (after the fleet ended)", report.Summary().c_str());
}

}  // namespace
}  // namespace tripmesh::testing
