#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "commands.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/vehicle/vehicle_client.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct PassengerFlags {
  std::string id, home;
  bool json = false;
  double timeout_s = 15;
  BrokerFlags broker;
  std::string from, to, depart_after, cabin = "Y", fare_class = "E", prefer = "earliest";
  int passengers = 1, alternatives = 3;
  std::string data = "data/air";  // the airports, for local times
};

Result<schemas::AirPlanRequest> PlanRequestOf(const PassengerFlags& f, Time now) {
  schemas::AirPlanRequest r;
  r.from = f.from;
  r.to = f.to;
  r.depart_after = now;
  if (!f.depart_after.empty()) {
    auto t = ParseTime(f.depart_after);
    if (!t) return Fail(Errc::kInvalidRequest, "--depart-after: " + t.error().message);
    r.depart_after = *t;
  }
  // The flags' checks allow only names these parse.
  r.cabin = schemas::ParseCabin(f.cabin).value_or(schemas::Cabin::kEconomy);
  r.fare_class = f.fare_class;
  r.passengers = f.passengers;
  r.alternatives = f.alternatives;
  r.prefer = schemas::ParseAirPrefer(f.prefer).value_or(schemas::AirPrefer::kEarliestArrival);
  return r;
}

std::string Row(const std::string& a, const std::string& b, const std::string& c,
                const std::string& d, const std::string& e, const std::string& f,
                const std::string& g, const std::string& h, const std::string& i) {
  return fmt::format("  {:<8}{:<5}{:<26}{:<5}{:<26}{:<9}{:<7}{:>11}{:>10}\n", a, b, c, d, e, f, g,
                     h, i);
}

// Each itinerary as a table of its legs, in each airport's local time.
std::string FormatItineraries(const schemas::AirPlanResult& result,
                              const std::map<std::string, std::string>& zone_of, Time now) {
  auto at = [&](Time t, const std::string& airport) {
    auto zone = zone_of.find(airport);
    return runtime::FormatLocal(t, zone == zone_of.end() ? "UTC" : zone->second, now);
  };
  std::string out;
  int n = 0;
  for (const auto& it : result.itineraries) {
    const auto& first = it.legs.front();
    const auto& last = it.legs.back();
    out += fmt::format(
        "Itinerary {} of {}  {} -> {}  {} {:.2f} per passenger, {} leg(s), {}h{:02}\n", ++n,
        result.itineraries.size(), first.from, last.to, it.currency, it.price, it.legs.size(),
        (it.arrives_at - it.departs_at) / 3600, (it.arrives_at - it.departs_at) % 3600 / 60);
    out += Row("flight", "from", "departs", "to", "arrives", "aircraft", "class", "seats left",
               "price");
    for (const auto& leg : it.legs) {
      out += Row(leg.flight, leg.from, at(leg.departs_at, leg.from), leg.to,
                 at(leg.arrives_at, leg.to), leg.aircraft, leg.fare_class,
                 std::to_string(leg.seats_left), fmt::format("{:.2f}", leg.price));
    }
    out += "\n";
  }
  return out;
}

int RunPlan(const PassengerFlags& f) {
  Time now = core::RealClock().Now();
  auto request = PlanRequestOf(f, now);
  if (!request) {
    std::fprintf(stderr, "tripmesh: %s\n", request.error().message.c_str());
    return kUsageError;
  }
  auto client =
      vehicle::VehicleClient::Connect(RequesterOptions(f.id, f.home, f.broker, f.timeout_s));
  if (!client) return PrintError(client.error());
  auto reply = (*client)->Request("plan", schemas::Encode(*request));
  if (f.json && reply) std::puts(reply->c_str());
  auto text = vehicle::ResultOf(std::move(reply));
  if (!text) return PrintError(text.error());
  if (f.json) return kSuccess;
  auto result = schemas::Decode<schemas::AirPlanResult>(*text);
  if (!result) {
    return PrintError({Errc::kInternal, "unreadable reply: " + result.error().message, ""});
  }
  // The airports' zones, for local times; without them times show in UTC.
  std::map<std::string, std::string> zone_of;
  if (auto files = worldfiles::ReadAirFiles(f.data)) {
    for (const auto& a : files->map.airports) zone_of[a.code] = a.time_zone;
  }
  std::fputs(FormatItineraries(*result, zone_of, now).c_str(), stdout);
  return kSuccess;
}

}  // namespace

void AddPassenger(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("passenger", "A passenger's requests to its home airline");
  cmd->require_subcommand(1);
  auto f = std::make_shared<PassengerFlags>();
  auto* plan = cmd->add_subcommand(
      "plan", "Itineraries between two airports, over every airline the home airline knows");
  plan->add_option("--id", f->id, "Passenger id, [A-Za-z0-9_-]{1,64}")->required();
  plan->add_option("--home", f->home, "Home airline (jangada, sabia, tucano)")->required();
  plan->add_option("--from", f->from, "Origin airport, IATA code (e.g. BEL)")->required();
  plan->add_option("--to", f->to, "Destination airport, IATA code (e.g. NAT)")->required();
  plan->add_option("--depart-after", f->depart_after, "RFC 3339 time (default: now)");
  plan->add_option("--cabin", f->cabin, "Y (economy) or J (business)")
      ->check(CLI::IsMember({"Y", "J"}))
      ->capture_default_str();
  plan->add_option("--fare-class", f->fare_class, "Fare class priced where a leg sells it")
      ->capture_default_str();
  plan->add_option("--passengers", f->passengers, "Seats on every leg, 1..9")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();
  plan->add_option("--alternatives", f->alternatives, "Itineraries to return, 1..10")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  plan->add_option("--prefer", f->prefer, "earliest, cheapest or fewest_legs")
      ->check(CLI::IsMember({"earliest", "cheapest", "fewest_legs"}))
      ->capture_default_str();
  plan->add_option("--data", f->data, "Folder of airports.json, for local times")
      ->capture_default_str();
  plan->add_option("--timeout", f->timeout_s, "Seconds to wait for the answer")
      ->capture_default_str();
  plan->add_flag("--json", f->json, "Print the raw air.plan.result");
  AddBrokerFlags(plan, f->broker);
  plan->callback([&run, f] { run = [f] { return RunPlan(*f); }; });
  AddPassengerSeats(cmd, run);
}

}  // namespace tripmesh::cli
