// The live map in a real browser: a world (mosquitto with its websockets
// listener, three agents on an accelerated clock, a driving fleet), the page
// opened in headless Chromium as the monitor would open it, and what its DOM
// shows: every station of the catalogues, vehicles that move, counters that
// rise, malformed messages skipped and counted, and a booking made here on the
// booked station's timeline.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "company_fixture.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::testing {
namespace {

const std::vector<std::string> kCompanies = {"voltpoint", "eflux", "ecocharge"};
// Ten minutes a second: trips take a minute or two, a vehicle passes a city
// every second or so, and the next hours of a station fit the test.
constexpr int kScale = 600;

class MapPageTest : public CompanyFixture {
 protected:
  void SetUp() override {
    start_ = core::RealClock().Now();
    broker_conf_ = SourceDir() + "/mosquitto/dev.conf";
    StartWorld(kCompanies, ClockFlags({"--hold-ttl", "3600"}));
    ASSERT_GT(broker_->ws_port(), 0) << "mosquitto/dev.conf has no websockets listener";
  }
  std::vector<std::string> ClockFlags(std::vector<std::string> more = {}) const {
    std::vector<std::string> flags = {"--time-scale",   std::to_string(kScale),
                                      "--clock-start",  FormatTime(start_),
                                      "--clock-origin", FormatTime(start_)};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
  }
  // The lines the page driver printed so far, by their "read".
  std::map<std::string, std::string> Reads(const std::string& log) const {
    std::ifstream in(log);
    std::map<std::string, std::string> out;
    for (std::string line; std::getline(in, line);) {
      auto at = line.find("\"read\":\"");
      if (line.rfind('{', 0) != 0 || at == std::string::npos) continue;
      auto name = line.substr(at + 8, line.find('"', at + 8) - at - 8);
      out[name] = line;
    }
    return out;
  }
  // What the page must skip and count without stopping: not JSON, a wrong
  // type, not an object, a topic of no meaning.
  void PublishMalformed() {
    runtime::TransportOptions o;
    o.broker = broker_->uri();
    o.client_id = "map-spoiler";
    o.clean_start = true;
    spoiler_ = runtime::NewMosquittoTransport(o);
    ASSERT_TRUE(spoiler_->Connect(std::chrono::seconds(5)));
    for (const auto& [topic, payload] : kMalformed) {
      recorder_->Unchecked(topic, payload);
      ASSERT_TRUE(spoiler_->Publish({.topic = topic, .payload = payload, .qos = 1})) << topic;
    }
    // Acknowledged: the broker has queued them to the page before anything
    // the booking that follows makes the agents publish.
    ASSERT_TRUE(spoiler_->Flush(std::chrono::seconds(10)));
  }
  static inline const std::vector<std::pair<std::string, std::string>> kMalformed = {
      {"tripmesh/v1/vehicles/bad-car/telemetry", "{not json"},
      {"tripmesh/v1/companies/voltpoint/metrics", R"({"type":"company.metrics","counters":7})"},
      {"tripmesh/v1/events/saga", "[1,2,3]"},
      {"tripmesh/v1/nowhere/at/all", "{}"},
  };
  Time start_ = 0;
  std::unique_ptr<runtime::Transport> spoiler_;  // kept connected: its publishes are not cut short
};

std::size_t CatalogueStations() {
  std::size_t n = 0;
  for (const auto& c : DefaultWorld().catalogues()) n += c.stations.size();
  return n;
}

std::string Text(const std::string& path) { return worldfiles::ReadFile(path).value_or(""); }

TEST_F(MapPageTest, ShowsTheNetworkMovingVehiclesRisingCountersAndABookingsTimeline) {
  // A fleet that reserves and drives while the page watches.
  std::vector<std::string> sim = {TripmeshBinary(), "sim",     "--broker",        broker_->uri(),
                                  "--data",         DataDir(), "--vehicles",      "24",
                                  "--seed",         "4",       "--depart-within", "1"};
  for (const auto& f : ClockFlags()) sim.push_back(f);
  auto fleet = harness::Process::Spawn(sim, dir_ + "/sim.log");
  ASSERT_TRUE(fleet) << fleet.error().message;

  std::size_t stations = CatalogueStations();
  std::string page = "file://" + SourceDir() +
                     "/web/map/index.html?ws=ws://127.0.0.1:" + std::to_string(broker_->ws_port()) +
                     "&user=monitor";
  std::string booked = dir_ + "/booked", log = dir_ + "/page.log";
  std::string screenshot = BinaryDir() + "/map-page.png";
  auto browser =
      harness::Process::Spawn({"node", SourceDir() + "/tests/integration/map_page.js", SourceDir(),
                               page, std::to_string(stations), booked, screenshot},
                              log);
  ASSERT_TRUE(browser) << browser.error().message;

  // Once the page shows the vehicles, a booking of the test's own, in the next hours.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!Reads(log).count("first") && !Reads(log).count("failed") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(Reads(log).count("first")) << Text(log);
  PublishMalformed();
  auto car = Vehicle("map-car", "voltpoint");
  ASSERT_TRUE(car);
  core::AcceleratedClock clock(start_, kScale, start_);
  auto trip = Trip("salvador-ba", "recife-pe", 0.5);
  trip.depart_at = clock.Now() + 1800;
  auto plans = car->Plan(trip);
  ASSERT_TRUE(plans && !plans->plans.empty()) << (plans ? "no plan" : plans.error().message);
  auto r = car->Reserve({"", plans->plans.front().plan_id, std::nullopt, false});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->status, schemas::ReservationStatus::kConfirmed);
  ASSERT_FALSE(r->items.empty());
  const auto& item = r->items.front();
  std::ofstream(booked) << item.station << " " << item.start_at << "\n";

  int status = -1;
  ASSERT_TRUE(browser.value()->Wait(std::chrono::seconds(150), &status)) << Text(log);
  auto reads = Reads(log);
  ASSERT_EQ(status, 0) << Text(log);
  ASSERT_TRUE(reads.count("network") && reads.count("last")) << Text(log);

  simdjson::dom::parser parser;
  simdjson::dom::element network = parser.parse(reads["network"]);
  EXPECT_EQ(static_cast<std::size_t>(int64_t(network["stations"])), stations);
  EXPECT_GT(int64_t(network["roads"]), 100);
  std::printf("the whole network drawn %lld ms after the page opened\n",
              static_cast<long long>(int64_t(network["ms"])));

  simdjson::dom::parser parser2;
  simdjson::dom::element first = parser2.parse(reads["first"]);
  simdjson::dom::element last = parser.parse(reads["last"]);
  EXPECT_EQ(std::string(std::string_view(last["connection"])), "connected");
  EXPECT_GT(int64_t(last["moved"]), 0);
  EXPECT_GT(int64_t(last["messages"]), int64_t(first["messages"]));
  EXPECT_GT(int64_t(last["confirmed"]), int64_t(first["confirmed"]));
  EXPECT_GT(int64_t(last["sagas"]), 0);
  // The malformed messages were skipped and counted, and the page went on updating.
  EXPECT_EQ(int64_t(first["skipped"]), 0);
  EXPECT_EQ(int64_t(last["skipped"]), static_cast<int64_t>(kMalformed.size()));
  // Three companies, each online, in the table.
  EXPECT_EQ(simdjson::dom::array(last["companies"]).size(), kCompanies.size());
  // The booked stop on its station's timeline.
  bool on_timeline = false;
  for (auto bar : simdjson::dom::array(last["bars"])) {
    on_timeline |= static_cast<Time>(double(bar)) == item.start_at;
  }
  EXPECT_TRUE(on_timeline) << reads["last"];
  std::printf("screenshot: %s\n", screenshot.c_str());
}

}  // namespace
}  // namespace tripmesh::testing
