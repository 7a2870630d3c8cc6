// One mosquitto per company, bridged over TLS as `tripmesh secure
// --federation` writes them: each agent on its own broker, company-to-company
// requests and catalogues cross, and nobody can act as another company.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "testing.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

// A federation's broker has listeners on ports of its own; one such as 18837
// begins like the default 1883 the harness moves, and must stay where it is.
TEST(LocalBrokerTest, KeepsAListenerWhosePortOnlyBeginsLikeTheDefault) {
  int kept = 0;
  for (int p = 18830; p <= 18839 && kept == 0; ++p) {
    if (harness::TryBindLoopback(p) != 0) kept = p;
  }
  if (kept == 0) GTEST_SKIP() << "ports 18830-18839 are all taken";
  std::string dir = NewTempDir("LocalBroker-KeepsAListener");
  std::ofstream(dir + "/in.conf") << "per_listener_settings true\n"
                                  << "listener 1883 127.0.0.1\nallow_anonymous true\n"
                                  << "listener " << kept << " 127.0.0.1\nallow_anonymous true\n";
  auto broker = harness::LocalBroker::Start(dir + "/broker", dir + "/in.conf");
  ASSERT_TRUE(broker) << broker.error().message;
  EXPECT_NE((*broker)->port(), 1883);
  EXPECT_TRUE(harness::WaitForPort(kept, std::chrono::seconds(5)))
      << "the listener on " << kept << " was moved; see " << dir << "/broker/mosquitto.conf";
}

// Each company's broker as `tripmesh secure --federation` writes it: TLS on
// every listener, passwords for agents and vehicles, certificates for the
// peers' bridges, and an ACL that lets each publish only as itself.
class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = NewTempDir("Federation-" + test);
    fed_ = dir_ + "/fed";
    std::string command =
        TripmeshBinary() + " secure --data " + DataDir() + " --federation --bind 127.0.0.1 --out " +
        fed_ + " --vehicle fed-car --vehicle fed-saga --vehicle fed-other --sim-vehicles 6";
    for (const auto& c : kCompanies) {
      Ports& p = ports_[c];
      p = {harness::FreeLoopbackPort(), harness::FreeLoopbackPort(), harness::FreeLoopbackPort()};
      command += " --broker-of " + c + "=127.0.0.1:" + std::to_string(p.clients) + ":" +
                 std::to_string(p.bridges) + ":" + std::to_string(p.ws);
    }
    std::string out;
    ASSERT_EQ(RunCommand(command + " 2>&1", &out), 0) << out;
    for (const auto& c : kCompanies) {
      auto text = worldfiles::ReadFile(fed_ + "/" + c + "/credentials");
      ASSERT_TRUE(text);
      std::istringstream lines(*text);
      for (std::string user, pw; lines >> user >> pw;) password_[c][user] = pw;
      StartBroker(c);
    }
    recorder_ = Recorder::Start(As("voltpoint", "monitor"), "Federation." + test);
    for (const auto& c : kCompanies) {
      auto self = As(c, c);
      agents_[c] =
          StartCompany(c, As(c, "monitor"), dir_,
                       {"--cafile", self.cafile, "--username", c, "--password", self.password});
      ASSERT_TRUE(agents_[c]);
    }
  }
  void StartBroker(const std::string& c) {
    auto b = harness::LocalBroker::Start(dir_ + "/broker-" + c, fed_ + "/" + c + "/mosquitto.conf",
                                         ports_[c].clients);
    ASSERT_TRUE(b) << b.error().message;
    brokers_[c] = std::move(*b);
  }
  // Logged in on `c`'s broker over TLS as `user` (its password from the credentials).
  runtime::TransportOptions As(const std::string& c, const std::string& user) {
    runtime::TransportOptions o;
    o.broker = Uri(c);
    o.cafile = fed_ + "/" + c + "/ca.crt";
    o.username = user;
    o.password = password_[c][user];
    return o;
  }
  std::string Uri(const std::string& c) {
    return "mqtts://127.0.0.1:" + std::to_string(ports_[c].clients);
  }
  static schemas::PlanRequest LongTrip() {
    schemas::PlanRequest r;
    r.from = "salvador-ba";
    r.to = "fortaleza-ce";
    r.vehicle = {50, 0.165, 1.0, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    return r;
  }
  std::set<std::string> CompaniesOfAPlan() {
    auto car = ConnectVehicle(As("voltpoint", "fed-car"), "fed-car", "voltpoint");
    if (!car) return {};
    auto plans = car->Plan(LongTrip());  // unreachable while a bridge is down
    std::set<std::string> companies;
    if (plans) {
      for (const auto& s : plans->plans.front().stops) companies.insert(s.company);
    }
    return companies;
  }
  bool Online(const std::string& c) { return WaitOnline(As(c, "monitor"), c); }

  struct Ports {
    int clients = 0, bridges = 0, ws = 0;
  };
  std::string dir_, fed_;
  std::map<std::string, Ports> ports_;
  std::map<std::string, std::map<std::string, std::string>> password_;  // company -> user -> pw
  std::map<std::string, std::unique_ptr<harness::LocalBroker>> brokers_;
  std::map<std::string, std::unique_ptr<harness::Process>> agents_;
  std::unique_ptr<Recorder> recorder_;
};

TEST_F(FederationTest, AvailabilityCrossesTheBridgesAndSurvivesABridgeRestart) {
  // Plans that use E-Flux and EcoCharge stations are only made with their
  // answers: a silent peer would be left out (see CrossCompanyPlanTest). The
  // bridges connect within their restart_timeout, hence the retries.
  auto crosses = [&] {
    for (int i = 0; i < 15; ++i) {
      if (CompaniesOfAPlan().size() == 3u) return true;
    }
    return false;
  };
  EXPECT_TRUE(crosses());
  brokers_["eflux"]->Kill();  // both bridges to E-Flux break
  ASSERT_TRUE(brokers_["eflux"]->Restart());
  ASSERT_TRUE(Online("eflux"));
  EXPECT_TRUE(crosses());
}

TEST_F(FederationTest, AThreeCompanyReservationCrossesTheBridgesAndSurvivesABridgeRestart) {
  auto car = ConnectVehicle(As("voltpoint", "fed-saga"), "fed-saga", "voltpoint");
  ASSERT_TRUE(car);
  Time tomorrow = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                          .count() /
                      3600 * 3600 +
                  86400;
  // Retried while the bridges (re)connect: until then a plan leaves a company out.
  auto reserve_across_three = [&](Time depart) {
    for (int i = 0; i < 20; ++i) {
      auto trip = LongTrip();
      trip.depart_at = depart;
      auto r = car->Reserve({"", "", trip, false});
      if (r && r->status == schemas::ReservationStatus::kConfirmed) {
        std::set<std::string> companies;
        for (const auto& item : r->items) companies.insert(item.company);
        if (companies.size() == 3) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return false;
  };
  EXPECT_TRUE(reserve_across_three(tomorrow));
  brokers_["ecocharge"]->Kill();
  ASSERT_TRUE(brokers_["ecocharge"]->Restart());
  ASSERT_TRUE(Online("ecocharge"));
  EXPECT_TRUE(reserve_across_three(tomorrow + 3 * 3600));

  std::map<std::string, std::string> stores;
  for (const auto& c : {"voltpoint", "eflux", "ecocharge"}) stores[c] = dir_ + "/" + c + ".db";
  company::ConsistencyReport report;
  for (int i = 0; i < 100; ++i) {
    auto r = company::CheckConsistency(stores,
                                       std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count(),
                                       2);
    ASSERT_TRUE(r) << r.error().message;
    report = *r;
    if (report.ok() && report.sagas_in_flight == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.sagas_in_flight, 0) << report.Summary();
}

// The fleet as compose runs it: over TLS, each vehicle logged in as itself.
TEST_F(FederationTest, AFleetOverTlsLogsInVehicleByVehicleAndReservesAcrossTheBridges) {
  // Once the peers' catalogues have crossed the bridges (until then a plan
  // leaves a company out).
  for (int i = 0; i < 15 && CompaniesOfAPlan().size() != 3u; ++i) {
  }
  std::string out;
  int rc = RunCommand(TripmeshBinary() + " sim --vehicles 6 --seed 3 --home voltpoint --broker " +
                          Uri("voltpoint") + " --cafile " + fed_ + "/voltpoint/ca.crt" +
                          " --credentials " + fed_ + "/voltpoint/credentials --data " + DataDir() +
                          " 2>&1",
                      &out);
  ASSERT_EQ(rc, 0) << out;
  int trips = 0, confirmed = 0;
  ASSERT_EQ(std::sscanf(out.c_str() + out.find("trips "), "trips %d in %*f s: confirmed %d", &trips,
                        &confirmed),
            2)
      << out;
  EXPECT_EQ(trips, 6) << out;
  EXPECT_GE(confirmed, 1) << out;
  // Every vehicle got in and was answered: a trip fails only for want of a plan.
  for (const char* refused : {"forbidden", "timeout", "offline", "internal"}) {
    EXPECT_EQ(out.find(refused), std::string::npos) << out;
  }
}

// Connects with `o`; the error, or "" when the broker let it in.
std::string Refusal(runtime::TransportOptions o, runtime::TransportKind kind) {
  o.client_id = "probe-" + std::to_string(getpid());
  o.clean_start = true;
  auto t = runtime::NewTransport(kind, o);
  auto st = t->Connect(std::chrono::seconds(3));
  t->Disconnect();
  return st ? "" : st.error().message;
}

// TLS is checked both ways: a client that does not trust the federation's CA,
// or trusts another, refuses the broker; plain TCP on the TLS port gets
// nowhere; the bridges' port wants a certificate of the federation's CA.
TEST_F(FederationTest, TlsRefusesAWrongCaPlainTcpAndBridgesWithoutTheFederationsCertificate) {
  std::string other = dir_ + "/other";
  std::string out;
  ASSERT_EQ(RunCommand(TripmeshBinary() + " secure --data " + DataDir() +
                           " --federation --bind 127.0.0.1 --out " + other + " 2>&1",
                       &out),
            0)
      << out;
  for (auto kind : {runtime::TransportKind::kMosquitto, runtime::TransportKind::kPaho}) {
    SCOPED_TRACE(kind == runtime::TransportKind::kPaho ? "paho" : "mosquitto");
    auto good = As("voltpoint", "fed-car");
    EXPECT_EQ(Refusal(good, kind), "");
    auto system_ca = good;
    system_ca.cafile.clear();  // the system's CAs do not know the federation's
    EXPECT_NE(Refusal(system_ca, kind), "");
    auto wrong_ca = good;
    wrong_ca.cafile = other + "/voltpoint/ca.crt";
    EXPECT_NE(Refusal(wrong_ca, kind), "");
    auto plain = good;
    plain.broker = "mqtt://127.0.0.1:" + std::to_string(ports_["voltpoint"].clients);
    EXPECT_NE(Refusal(plain, kind), "");
    auto wrong_password = good;
    wrong_password.password = "not-it";
    EXPECT_NE(Refusal(wrong_password, kind), "");
  }
  // The bridges' port of E-Flux: VoltPoint's bridge certificate is let in;
  // none, or one of another CA, is not; nor is a password.
  runtime::TransportOptions bridge;
  bridge.broker = "mqtts://127.0.0.1:" + std::to_string(ports_["eflux"].bridges);
  bridge.cafile = fed_ + "/voltpoint/ca.crt";
  bridge.certfile = fed_ + "/voltpoint/bridge.crt";
  bridge.keyfile = fed_ + "/voltpoint/bridge.key";
  EXPECT_EQ(Refusal(bridge, runtime::TransportKind::kMosquitto), "");
  auto no_certificate = bridge;
  no_certificate.certfile.clear();
  no_certificate.keyfile.clear();
  no_certificate.username = "bridge-voltpoint";
  no_certificate.password = "guess";
  EXPECT_NE(Refusal(no_certificate, runtime::TransportKind::kMosquitto), "");
  auto foreign = bridge;
  foreign.certfile = other + "/voltpoint/bridge.crt";
  foreign.keyfile = other + "/voltpoint/bridge.key";
  EXPECT_NE(Refusal(foreign, runtime::TransportKind::kMosquitto), "");
  // No account on the agents' port is a bridge's.
  auto bridge_by_password = As("eflux", "bridge-voltpoint");
  bridge_by_password.password = "guess";
  EXPECT_NE(Refusal(bridge_by_password, runtime::TransportKind::kMosquitto), "");
}

// A monitor as a browser connects: websockets over TLS, with the monitor's
// password. It hears every company's retained status on one broker (bridged
// in), and, when a peer's broker dies, that peer's bridge going down: the
// peer's retained status there stays what it last said.
TEST_F(FederationTest, AMonitorOverSecureWebsocketsHearsEveryCompanyAndABrokerDying) {
  auto watch = [&](const std::string& how, const std::string& topic, const std::string& part,
                   std::string* heard = nullptr) {
    std::string out;
    int rc = RunCommand(
        "/usr/bin/python3 " + SourceDir() + "/tests/integration/wss_monitor.py --port " +
            std::to_string(ports_["voltpoint"].ws) + " " + how + " --until " +
            std::string(topics::kRoot) + "/" + topic + " '" + part + "' --seconds 15 2>&1",
        &out);
    if (heard) *heard = out;
    return rc;
  };
  std::string monitor = "--cafile " + fed_ + "/voltpoint/ca.crt --username monitor --password " +
                        password_["voltpoint"]["monitor"];
  for (const auto& c : kCompanies) {
    std::string heard;
    EXPECT_EQ(watch(monitor, "companies/" + c + "/status", "\"online\":true", &heard), 0) << heard;
  }
  std::string heard;
  EXPECT_EQ(watch(monitor, "companies/ecocharge/bridges/voltpoint", "1", &heard), 0) << heard;
  // Refused: the system's CAs, plain websockets on the TLS port, a wrong password.
  EXPECT_EQ(watch("--username monitor --password " + password_["voltpoint"]["monitor"],
                  "companies/voltpoint/status", "online"),
            2);
  EXPECT_EQ(watch("--plain " + monitor, "companies/voltpoint/status", "online"), 2);
  EXPECT_EQ(watch("--cafile " + fed_ + "/voltpoint/ca.crt --username monitor --password no",
                  "companies/voltpoint/status", "online"),
            2);

  brokers_["ecocharge"]->Kill();
  EXPECT_EQ(watch(monitor, "companies/ecocharge/bridges/voltpoint", "0", &heard), 0) << heard;
  // What EcoCharge last said stays: the link says it is no longer heard.
  EXPECT_EQ(watch(monitor, "companies/ecocharge/status", "\"online\":true", &heard), 0) << heard;
  ASSERT_TRUE(brokers_["ecocharge"]->Restart());
  EXPECT_EQ(watch(monitor, "companies/ecocharge/bridges/voltpoint", "1", &heard), 0) << heard;
  std::string view;
  ASSERT_EQ(RunCommand(TripmeshBinary() + " monitor --duration 2 --broker " + Uri("voltpoint") +
                           " --cafile " + fed_ + "/voltpoint/ca.crt --username monitor " +
                           "--password " + password_["voltpoint"]["monitor"] + " 2>&1",
                       &view),
            0)
      << view;
  EXPECT_NE(view.find("ecocharge -> voltpoint"), std::string::npos) << view;
}

// VoltPoint's bridge certificate, leaked, used directly on E-Flux's broker:
// it may send what VoltPoint's bridge carries, and nothing else. Saga messages
// as EcoCharge, a vehicle's requests, and another company's catalogue are
// dropped; E-Flux's requests cannot be read; no store changes.
TEST_F(FederationTest, ABridgesCertificateActsOnlyAsItsOwnCompany) {
  // E-Flux's monitor sees what E-Flux's broker lets in (not a Recorder: the
  // spoofs are not messages of the contract).
  auto watch_options = As("eflux", "monitor");
  watch_options.client_id = "spoof-watch";
  watch_options.clean_start = true;
  auto watch = runtime::NewMosquittoTransport(watch_options);
  std::vector<std::string> seen;
  std::mutex seen_mu;
  watch->SetReceiver([&](runtime::InboundMessage m) {
    std::lock_guard lock(seen_mu);
    seen.push_back(m.topic + " " + m.payload);
  });
  ASSERT_TRUE(watch->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(watch->Subscribe("tripmesh/v1/#", 1));
  const std::string payload = R"({"saga_id":"s-spoof","request_id":"q-spoof"})";
  auto saw = [&](const std::string& topic) {  // the spoof's payload on `topic`
    std::lock_guard lock(seen_mu);
    return std::find(seen.begin(), seen.end(), topic + " " + payload) != seen.end();
  };
  runtime::TransportOptions leaked;
  leaked.broker = "mqtts://127.0.0.1:" + std::to_string(ports_["eflux"].bridges);
  leaked.cafile = fed_ + "/voltpoint/ca.crt";
  leaked.certfile = fed_ + "/voltpoint/bridge.crt";
  leaked.keyfile = fed_ + "/voltpoint/bridge.key";
  leaked.client_id = "leaked-bridge";
  leaked.clean_start = true;
  auto spy = runtime::NewMosquittoTransport(leaked);
  std::vector<std::string> overheard;
  std::mutex mu;
  spy->SetReceiver([&](runtime::InboundMessage m) {
    std::lock_guard lock(mu);
    overheard.push_back(m.topic);
  });
  ASSERT_TRUE(spy->Connect(std::chrono::seconds(5)));
  ASSERT_TRUE(spy->Subscribe("tripmesh/v1/#", 1));  // granted, but the ACL lets nothing through

  const std::string root = "tripmesh/v1/companies/";
  std::vector<std::string> spoofs = {
      root + "eflux/saga/ecocharge/commit",       // a saga message as EcoCharge
      root + "eflux/saga/ecocharge/compensate",   // a compensation as EcoCharge
      root + "eflux/requests/ecocharge/plan",     // a request as EcoCharge
      root + "eflux/requests/fed-other/reserve",  // a vehicle's request
      root + "eflux/admin/set_point_status",      // an admin op
      root + "ecocharge/info",                    // another company's catalogue
      root + "eflux/status",                      // E-Flux's own status
      "tripmesh/v1/vehicles/fed-other/events"};   // a notice to a vehicle
  for (const auto& topic : spoofs) {
    EXPECT_TRUE(spy->Publish({.topic = topic, .payload = payload, .qos = 1})) << topic;
  }
  // What VoltPoint's bridge may send does arrive: the channel works.
  std::string allowed = root + "eflux/saga/voltpoint/probe";
  ASSERT_TRUE(spy->Publish({.topic = allowed, .payload = payload, .qos = 1}));
  for (int i = 0; i < 50 && !saw(allowed); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(saw(allowed));
  // A vehicle of E-Flux asks E-Flux: the leaked certificate overhears nothing.
  auto car = ConnectVehicle(As("eflux", "fed-other"), "fed-other", "eflux");
  ASSERT_TRUE(car);
  (void)car->Plan(LongTrip());  // its answer does not matter here, only that it was asked
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    std::lock_guard lock(seen_mu);
    bool asked = std::any_of(seen.begin(), seen.end(), [&](const std::string& m) {
      return m.rfind(root + "eflux/requests/fed-other/plan ", 0) == 0;
    });
    EXPECT_TRUE(asked) << "the vehicle's request never reached E-Flux's broker";
  }
  for (const auto& topic : spoofs) EXPECT_FALSE(saw(topic)) << "the broker let through " << topic;
  watch->Disconnect();
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(overheard.empty()) << overheard.front();
  }
  spy->Disconnect();
  std::map<std::string, std::string> stores;
  for (const auto& c : kCompanies) stores[c] = dir_ + "/" + c + ".db";
  auto report = company::CheckConsistency(stores,
                                          std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count(),
                                          2);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok()) << report->Summary();
  EXPECT_EQ(report->reservations, 0) << report->Summary();
  EXPECT_EQ(report->sagas_in_flight, 0) << report->Summary();
}

}  // namespace
}  // namespace tripmesh::testing
