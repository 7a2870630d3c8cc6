// One mosquitto per company, bridged as in mosquitto/federation/: each agent
// on its own broker, and company-to-company requests still cross.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "testing.h"
#include "tripmesh/company/consistency.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = NewTempDir("Federation-" + test);
    for (const auto& c : kCompanies) port_[c] = harness::FreeLoopbackPort();
    for (const auto& c : kCompanies) StartBroker(c);
    recorder_ = Recorder::Start(brokers_["voltpoint"]->uri(), "Federation." + test);
    for (const auto& c : kCompanies) {
      agents_[c] = StartCompany(c, brokers_[c]->uri(), dir_);
      ASSERT_TRUE(agents_[c]);
    }
  }
  // The company's federation config with the other brokers' loopback ports.
  void StartBroker(const std::string& c) {
    auto text = worldfiles::ReadFile(SourceDir() + "/mosquitto/federation/" + c + ".conf");
    ASSERT_TRUE(text);
    std::string conf = *text;
    auto replace = [&](const std::string& from, const std::string& to) {
      for (std::size_t at; (at = conf.find(from)) != std::string::npos;)
        conf.replace(at, from.size(), to);
    };
    replace(" 0.0.0.0", " 127.0.0.1");
    for (const auto& o : kCompanies)
      replace("broker-" + o + ":1883", "127.0.0.1:" + std::to_string(port_[o]));
    std::string path = dir_ + "/" + c + "-broker.conf";
    std::ofstream(path) << conf;
    auto b = harness::LocalBroker::Start(dir_ + "/broker-" + c, path, port_[c]);
    ASSERT_TRUE(b) << b.error().message;
    brokers_[c] = std::move(*b);
  }
  static schemas::PlanRequest LongTrip() {
    schemas::PlanRequest r;
    r.from = "salvador-ba";
    r.to = "fortaleza-ce";
    r.vehicle = {50, 0.165, 1.0, 0.10, std::nullopt, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}};
    return r;
  }
  std::set<std::string> CompaniesOfAPlan() {
    auto car = ConnectVehicle(brokers_["voltpoint"]->uri(), "fed-car", "voltpoint");
    if (!car) return {};
    auto plans = car->Plan(LongTrip());  // unreachable while a bridge is down
    std::set<std::string> companies;
    if (plans) {
      for (const auto& s : plans->plans.front().stops) companies.insert(s.company);
    }
    return companies;
  }

  std::string dir_;
  std::map<std::string, int> port_;
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
  ASSERT_TRUE(WaitOnline(brokers_["eflux"]->uri(), "eflux"));
  EXPECT_TRUE(crosses());
}

TEST_F(FederationTest, AThreeCompanyReservationCrossesTheBridgesAndSurvivesABridgeRestart) {
  auto car = ConnectVehicle(brokers_["voltpoint"]->uri(), "fed-saga", "voltpoint");
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
  ASSERT_TRUE(WaitOnline(brokers_["ecocharge"]->uri(), "ecocharge"));
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

}  // namespace
}  // namespace tripmesh::testing
