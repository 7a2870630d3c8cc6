// The tripmesh binary as a person uses it: one exit-code contract, usage
// errors that name the wrong word, names to find, local times, reservations
// that make sense, and the monitor, check and secure subcommands.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "company_fixture.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;

class CliTest : public CompanyFixture {
 protected:
  // Runs `tripmesh <args>` (stderr with stdout); its exit code.
  int Run(const std::string& args, std::string* out) {
    return RunCommand(TripmeshBinary() + " " + args + " 2>&1", out);
  }
  std::string Car(const std::string& id = "cli-car") {
    return "vehicle --id " + id + " --home voltpoint --data " + DataDir() + " --broker " +
           broker_->uri() + " ";
  }
};

TEST(CliUsageTest, UsageErrorsExitTwoWithOneLineNamingTheWord) {
  std::string out;
  std::string t = TripmeshBinary() + " ";
  EXPECT_EQ(RunCommand(t + "vehicel 2>&1", &out), 2);
  EXPECT_EQ(out,
            "tripmesh: unknown subcommand vehicel (did you mean vehicle?); see tripmesh --help\n");
  EXPECT_EQ(RunCommand(t + "vehicle --id a --home voltpoint reserve --form x --to y 2>&1", &out),
            2);
  EXPECT_NE(out.find("unknown option --form (did you mean --from?)"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(RunCommand(t + "vehicle --id a --home voltpoint lsit 2>&1", &out), 2);
  EXPECT_NE(out.find("unknown subcommand lsit (did you mean list?)"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(t + "2>&1", &out), 2);
  EXPECT_NE(out.find("a subcommand is required: company, vehicle"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(t + "vehicle --id a --home voltpoint reserve --plan-id p-1 --from "
                           "salvador-ba --to jequie-ba 2>&1",
                       &out),
            2);
  EXPECT_NE(out.find("not both"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(t + "vehicle --id a --home voltpoint plan --from a --to b "
                           "--max-charge-kw -1 2>&1",
                       &out),
            2);
  EXPECT_NE(out.find("--max-charge-kw"), std::string::npos) << out;
  // A fleet's flag given to the passengers' crowd is refused, not ignored;
  // nothing is tried on the (unreachable) broker.
  EXPECT_EQ(
      RunCommand(t + "sim --profile air --time-scale 60 --broker mqtt://127.0.0.1:1 2>&1", &out),
      2);
  EXPECT_EQ(out,
            "tripmesh: --time-scale is for the vehicles' fleet, not --profile air; see tripmesh "
            "sim --help\n");
  EXPECT_EQ(RunCommand(t + "sim --profile air --no-show-share 0.1 2>&1", &out), 2);
  EXPECT_NE(out.find("--no-show-share is for the vehicles' fleet"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(t + "--version", &out), 0);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(out[0])) &&
              std::count(out.begin(), out.end(), '.') == 2)
      << out;
  EXPECT_EQ(RunCommand(t + "vehicle --help", &out), 0);
}

TEST(CliSimTest, EitherProfilesCrowdSaysOnceThatTheBrokerIsUnreachable) {
  std::string broker = "mqtt://127.0.0.1:" + std::to_string(harness::FreeLoopbackPort());
  for (const std::string profile : {"ev", "air"}) {
    std::string out;
    EXPECT_EQ(RunCommand(TripmeshBinary() + " sim --vehicles 5 --profile " + profile + " --data " +
                             DataDir() + " --broker " + broker + " 2>/dev/null",
                         &out),
              1)
        << profile;
    EXPECT_EQ(out, "") << profile << ": no summary of a run that reached nobody";
    EXPECT_EQ(RunCommand(TripmeshBinary() + " sim --vehicles 5 --profile " + profile + " --data " +
                             DataDir() + " --broker " + broker + " 2>&1 >/dev/null",
                         &out),
              1)
        << profile;
    EXPECT_NE(out.find("tripmesh sim: cannot reach the broker at " + broker), std::string::npos)
        << profile << ": " << out;
  }
}

TEST(CliWorldTest, ListsCitiesCompaniesAndStationsAndSuggestsNames) {
  std::string out, t = TripmeshBinary() + " world --data " + DataDir() + " ";
  ASSERT_EQ(RunCommand(t + "cities --state CE --near Fortaleza-CE 2>&1", &out), 0) << out;
  EXPECT_EQ(out.find("salvador-ba"), std::string::npos) << out;        // only Ceará
  EXPECT_LT(out.find("fortaleza-ce"), out.find("caucaia-ce")) << out;  // nearest first
  ASSERT_EQ(RunCommand(t + "--json companies", &out), 0) << out;
  auto json = out;
  EXPECT_NE(json.find(R"("id":"voltpoint")"), std::string::npos) << json;
  ASSERT_EQ(RunCommand(t + "stations --company eflux", &out), 0) << out;
  EXPECT_NE(out.find("IEC_62196_T2_COMBO"), std::string::npos) << out;
  EXPECT_EQ(out.find("vp-"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(t + "stations --company eflx 2>&1", &out), 1);
  EXPECT_NE(out.find("(did you mean eflux?)"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(t + "cities --near salvdor-ba 2>&1", &out), 1);
  EXPECT_NE(out.find("(did you mean salvador-ba?)"), std::string::npos) << out;
}

TEST_F(CliTest, PlansReadInLocalTimeAndNamesAreForgiving) {
  StartWorld({"voltpoint"});
  std::string out;
  ASSERT_EQ(Run(Car() + "plan --from Salvador-BA --to vitoria-da-conquista-ba --soc 0.6", &out), 0)
      << out;
  EXPECT_NE(out.find("(-03)"), std::string::npos) << out;
  for (std::size_t at = out.find(':'); at != std::string::npos; at = out.find(':', at + 1)) {
    EXPECT_NE(out.substr(at + 3, 1), "Z") << "a UTC time: " << out;
  }
  EXPECT_EQ(Run(Car() + "plan --from salvdor-ba --to jequie-ba", &out), 1);
  EXPECT_NE(out.find("unknown_city: unknown city salvdor-ba (did you mean salvador-ba?)"),
            std::string::npos)
      << out;
  EXPECT_EQ(Run(Car() + "plan --from salvador-ba --to jequie-ba --connectors IEC_62196_T3", &out),
            1);
  EXPECT_NE(out.find("unknown connector IEC_62196_T3 (did you mean IEC_62196_T2?)"),
            std::string::npos)
      << out;
}

TEST_F(CliTest, ReservationsThatMakeNoSenseAreRefused) {
  StartWorld({"voltpoint"});
  std::string out;
  EXPECT_EQ(Run(Car() + "reserve --from salvador-ba --to Salvador-BA", &out), 1);
  EXPECT_NE(out.find("invalid_request: from and to are the same city"), std::string::npos) << out;
  EXPECT_EQ(Run(Car() + "plan --from salvador-ba --to jequie-ba --soc 0.05 --min-soc 0.1", &out),
            1);
  EXPECT_NE(out.find("invalid_request: soc 0.05 is below min_soc 0.10"), std::string::npos) << out;
  EXPECT_EQ(
      Run(Car() + "plan --from salvador-ba --to jequie-ba --depart-at 2020-01-01T10:00:00Z", &out),
      1);
  EXPECT_NE(out.find("is in the past"), std::string::npos) << out;
  // Salvador -> Camaçari is 43 km: no alternative is a long detour.
  ASSERT_EQ(Run(Car() + "--json plan --from salvador-ba --to camacari-ba --alternatives 5", &out),
            0)
      << out;
  auto plans = schemas::Decode<schemas::PlanResult>(out);
  ASSERT_TRUE(plans) << out;
  const auto& best = plans->plans.front();
  for (const auto& p : plans->plans) {
    EXPECT_LE(p.total_duration_s, 1.5 * best.total_duration_s + 1800) << out;
    EXPECT_LT(p.total_km, 100) << out;
  }
}

TEST_F(CliTest, AReservedPlanReservedAgainAnswersTheFirstReservation) {
  StartWorld({"voltpoint"});
  std::string out;
  ASSERT_EQ(Run(Car() + "--json plan --from salvador-ba --to jequie-ba --soc 0.3", &out), 0) << out;
  auto plans = schemas::Decode<schemas::PlanResult>(out);
  ASSERT_TRUE(plans) << out;
  std::string plan_id = plans->plans.front().plan_id;
  ASSERT_EQ(Run(Car() + "--json reserve --plan-id " + plan_id, &out), 0) << out;
  auto first = schemas::Decode<schemas::Reservation>(out);
  ASSERT_TRUE(first) << out;
  ASSERT_EQ(Run(Car() + "--json reserve --plan-id " + plan_id, &out), 0) << out;
  auto again = schemas::Decode<schemas::Reservation>(out);
  ASSERT_TRUE(again) << out;
  EXPECT_EQ(again->reservation_id, first->reservation_id);
  EXPECT_EQ(again->status, schemas::ReservationStatus::kConfirmed);
  // Cancelled, it shows what it would have cost, not a price paid.
  ASSERT_EQ(Run(Car() + "cancel " + first->reservation_id, &out), 0) << out;
  EXPECT_NE(out.find("not charged"), std::string::npos) << out;
  ASSERT_EQ(Run(Car() + "list", &out), 0) << out;
  EXPECT_NE(out.find("not charged"), std::string::npos) << out;
}

TEST_F(CliTest, CheckinSaysWhatChangedAndWhatIsNext) {
  StartWorld({"voltpoint"});
  std::string out;
  // Low enough to charge at the start, so the first stop is within the hour.
  ASSERT_EQ(Run(Car() + "--json reserve --from salvador-ba --to vitoria-da-conquista-ba --soc 0.12",
                &out),
            0)
      << out;
  auto r = schemas::Decode<schemas::Reservation>(out);
  ASSERT_TRUE(r) << out;
  ASSERT_GE(r->items.size(), 2u) << out;
  ASSERT_EQ(Run(Car() + "checkin " + r->reservation_id + " --station " + r->items[0].station, &out),
            0)
      << out;
  EXPECT_NE(out.find("Checked in at " + r->items[0].station), std::string::npos) << out;
  EXPECT_NE(out.find("Next: " + r->items[1].station), std::string::npos) << out;
}

TEST_F(CliTest, MonitorShowsRunningTotalsAndFailsFastOnAWrongPort) {
  StartWorld({"voltpoint"});
  std::string out;
  ASSERT_EQ(Run(Car() + "reserve --from salvador-ba --to jequie-ba --soc 0.3", &out), 0) << out;
  // The metrics are retained every few seconds; wait for one that counts it.
  ASSERT_TRUE(recorder_->WaitFor(
      [](const runtime::InboundMessage& m) {
        return m.topic.find("/metrics") != std::string::npos &&
               m.payload.find("reservations.confirmed") != std::string::npos;
      },
      15s));
  ASSERT_EQ(Run("monitor --duration 1 --broker " + broker_->uri(), &out), 0) << out;
  EXPECT_NE(out.find("Running totals"), std::string::npos) << out;
  EXPECT_NE(out.find("online since"), std::string::npos) << out;
  // company, status "online since <time> (-03)", then stations, requests,
  // confirmed, expired, failed, cancelled and p99.
  auto totals = Words(LineStartingWith(out, "voltpoint"));
  ASSERT_GE(totals.size(), 12u) << out;
  EXPECT_EQ(totals[1] + " " + totals[2], "online since") << out;
  EXPECT_EQ(totals[totals.size() - 8], "(-03)") << out;
  EXPECT_EQ(totals[totals.size() - 5], "1") << "one confirmed: " << out;
  EXPECT_NE(out.find("Seen live"), std::string::npos) << out;
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(Run("monitor --duration 30 --broker mqtt://127.0.0.1:" +
                    std::to_string(harness::FreeLoopbackPort()),
                &out),
            1);
  EXPECT_NE(out.find("offline: cannot reach the broker"), std::string::npos) << out;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(CliTest, CheckFindsTheStoresOrSaysWhereToLookAndWhatItLeftOut) {
  StartWorld({"voltpoint", "eflux"});
  std::string out;
  for (auto& [c, p] : agents_) p->Stop();
  // The stores sit in a folder below the one named, as the demo's do in var/demo.
  std::string root = dir_ + "/root";
  std::filesystem::create_directories(root + "/var");
  std::filesystem::create_directory_symlink(dir_, root + "/var/demo");
  ASSERT_EQ(Run("check --data " + DataDir() + " --var " + root + "/var", &out), 0) << out;
  EXPECT_NE(out.find("checking " + root + "/var/demo"), std::string::npos) << out;
  EXPECT_NE(out.find("not checked: ecocharge"), std::string::npos) << out;
  ASSERT_EQ(Run("check --data " + DataDir() + " --db voltpoint=" + dir_ + "/voltpoint.db", &out), 0)
      << out;
  EXPECT_NE(out.find("not checked: ecocharge, eflux"), std::string::npos) << out;
  std::filesystem::create_directories(root + "/empty");
  EXPECT_EQ(Run("check --data " + DataDir() + " --var " + root + "/empty", &out), 1);
  EXPECT_NE(out.find("name the folder with --var"), std::string::npos) << out;
}

TEST_F(CliTest, CheckListsEachFindingAndSaysItAsJsonForAProgram) {
  StartWorld({"voltpoint"});
  for (auto& [c, p] : agents_) p->Stop();
  {
    // Two bookings of one point at once, of reservations nobody has.
    auto store = runtime::Store::Open(dir_ + "/voltpoint.db");
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->Write([](runtime::Tx& tx) {
      return tx.Exec(
          "INSERT INTO bookings(reservation_id, station, point, start_at, end_at) VALUES"
          " ('ghost-1', 'vp-salvador-aeroporto', '1', 1799020800, 1799024400),"
          " ('ghost-2', 'vp-salvador-aeroporto', '1', 1799022600, 1799026200)");
    }));
  }
  std::string db = " --db voltpoint=" + dir_ + "/voltpoint.db";
  std::string out;
  EXPECT_EQ(Run("check --data " + DataDir() + db, &out), 1);
  EXPECT_NE(out.find("overlap: voltpoint vp-salvador-aeroporto/1"), std::string::npos) << out;
  EXPECT_NE(out.find("orphan: voltpoint"), std::string::npos) << out;
  EXPECT_NE(out.find("INCONSISTENT: 0 reservations, 2 bookings, 0 in flight; 3 findings (orphan 2, "
                     "overlap 1)"),
            std::string::npos)
      << out;
  EXPECT_EQ(Run("check --json --data " + DataDir() + db, &out), 1);
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;  // one message, nothing else
  for (const auto* part : {R"("type":"check.result","profile":"ev","consistent":false)",
                           R"("counts":{"reservations":0,"bookings":2,"in_flight":0})",
                           R"({"kind":"overlap","detail":"voltpoint vp-salvador-aeroporto/1)",
                           R"("unchecked":["ecocharge","eflux"])"}) {
    EXPECT_NE(out.find(part), std::string::npos) << part << " in " << out;
  }
  // check_emitted validates it against schemas/check.result.schema.json.
  std::string emitted = BinaryDir() + "/emitted";
  std::filesystem::create_directories(emitted);
  std::ofstream(emitted + "/cli-check.jsonl", std::ios::app) << "tripmesh check --json\t" << out;
}

TEST_F(CliTest, AStoreInAFolderThatDoesNotExistIsAnError) {
  StartWorld({});
  std::string out;
  EXPECT_EQ(Run("company --id voltpoint --data " + DataDir() + " --broker " + broker_->uri() +
                    " --db " + dir_ + "/no/such/dir/v.db",
                &out),
            1);
  EXPECT_NE(out.find("folder " + dir_ + "/no/such/dir of --db does not exist"), std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/no"));
}

TEST(CliSecureTest, TheGeneratedConfigStartsAsItIsForRootAndOthers) {
  std::string dir = NewTempDir("cli-secure");
  int port = harness::FreeLoopbackPort(), ws = harness::FreeLoopbackPort();
  std::string out;
  ASSERT_EQ(RunCommand(TripmeshBinary() + " secure --data " + DataDir() + " --conf " + SourceDir() +
                           "/mosquitto/secure.conf --out " + dir + "/secure --port " +
                           std::to_string(port) + " --ws-port " + std::to_string(ws) + " 2>&1",
                       &out),
            0)
      << out;
  // Exactly as the README says: mosquitto -c <out>/mosquitto.conf.
  auto broker = harness::Process::Spawn({"mosquitto", "-c", dir + "/secure/mosquitto.conf"},
                                        dir + "/mosquitto.log");
  ASSERT_TRUE(broker);
  ASSERT_TRUE(harness::WaitForPort(port, 10s)) << *worldfiles::ReadFile(dir + "/mosquitto.log");
  std::ifstream creds(dir + "/secure/credentials");
  std::string user, password;
  while (creds >> user >> password && user != "voltpoint") {
  }
  runtime::TransportOptions o;
  o.broker = "mqtt://127.0.0.1:" + std::to_string(port);
  o.client_id = "secure-probe";
  o.clean_start = true;
  o.username = user;
  o.password = password;
  auto t = runtime::NewMosquittoTransport(o);
  EXPECT_TRUE(t->Connect(5s)) << *worldfiles::ReadFile(dir + "/mosquitto.log");
  t->Disconnect();
}

}  // namespace
}  // namespace tripmesh::testing
