// `tripmesh passenger reserve | confirm | cancel | get | list`: a passenger's
// seats at its home airline, shown as a table in each airport's local time.
#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "commands.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/vehicle/vehicle_client.h"
#include "tripmesh/worldfiles/files.h"

namespace tripmesh::cli {
namespace {

struct SeatFlags {
  std::string id, home;
  bool json = false;
  double timeout_s = 15;
  BrokerFlags broker;
  std::string data = "data/air";
  std::vector<std::string> legs;  // LEG_ID or LEG_ID/SEAT,SEAT
  std::string fare_class = "E", request_id, reservation_id;
  int passengers = 1;
  bool hold_only = false;
};

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

schemas::AirReserveRequest ReserveRequestOf(const SeatFlags& f) {
  schemas::AirReserveRequest r{
      .request_id = f.request_id, .legs = {}, .passengers = f.passengers, .hold_only = f.hold_only};
  for (const auto& spec : f.legs) {
    auto slash = spec.find('/');
    schemas::AirReserveLeg leg{
        .leg_id = spec.substr(0, slash), .fare_class = f.fare_class, .seats = {}};
    if (slash != std::string::npos) leg.seats = Split(spec.substr(slash + 1), ',');
    r.legs.push_back(std::move(leg));
  }
  return r;
}

// The airports' zones, for local times; without them times show in UTC.
std::map<std::string, std::string> ZonesOf(const std::string& data) {
  std::map<std::string, std::string> zone_of;
  if (auto files = worldfiles::ReadAirFiles(data)) {
    for (const auto& a : files->map.airports) zone_of[a.code] = a.time_zone;
  }
  return zone_of;
}

std::string Row(const std::string& a, const std::string& b, const std::string& c,
                const std::string& d, const std::string& e, const std::string& f,
                const std::string& g, const std::string& h) {
  return fmt::format("  {:<8}{:<5}{:<26}{:<5}{:<26}{:<7}{:<20}{:>10}\n", a, b, c, d, e, f, g, h);
}

std::string FormatReservation(const schemas::AirReservation& r,
                              const std::map<std::string, std::string>& zone_of, Time now) {
  auto at = [&](Time t, const std::string& airport) {
    auto zone = zone_of.find(airport);
    return runtime::FormatLocal(t, zone == zone_of.end() ? "UTC" : zone->second, now);
  };
  std::string out =
      fmt::format("Reservation {}  {}  {} passenger(s)  {} {:.2f}\n", r.reservation_id,
                  schemas::ReservationStatusName(r.status), r.passengers, r.currency, r.price);
  if (r.expires_at) {
    out += fmt::format("  held until {}: confirm before then or the seats go back on sale\n",
                       at(*r.expires_at, r.legs.front().from));
  }
  out += Row("flight", "from", "departs", "to", "arrives", "class", "seats", "price");
  for (const auto& leg : r.legs) {
    std::string seats;
    for (const auto& s : leg.seats) seats += (seats.empty() ? "" : ",") + s;
    out +=
        Row(leg.flight, leg.from, at(leg.departs_at, leg.from), leg.to, at(leg.arrives_at, leg.to),
            leg.fare_class + "/" + std::string(schemas::CabinName(leg.cabin)), seats,
            fmt::format("{:.2f}", leg.price));
  }
  return out;
}

// Sends `op` with `payload` and prints the answer: raw with --json, else as `show` says.
int Ask(const SeatFlags& f, const std::string& op, const std::string& payload,
        const std::function<int(const std::string&)>& show) {
  auto client =
      vehicle::VehicleClient::Connect(RequesterOptions(f.id, f.home, f.broker, f.timeout_s));
  if (!client) return PrintError(client.error());
  auto reply = (*client)->Request(op, payload);
  if (f.json && reply) std::puts(reply->c_str());
  auto text = vehicle::ResultOf(std::move(reply));
  if (!text) return PrintError(text.error());
  return f.json ? kSuccess : show(*text);
}

int ShowReservation(const SeatFlags& f, const std::string& text) {
  auto r = schemas::Decode<schemas::AirReservation>(text);
  if (!r) return PrintError({Errc::kInternal, "unreadable reply: " + r.error().message, ""});
  std::fputs(FormatReservation(*r, ZonesOf(f.data), core::RealClock().Now()).c_str(), stdout);
  return kSuccess;
}

int ShowList(const SeatFlags& f, const std::string& text) {
  auto list = schemas::Decode<schemas::AirReservationList>(text);
  if (!list) return PrintError({Errc::kInternal, "unreadable reply: " + list.error().message, ""});
  auto zones = ZonesOf(f.data);
  Time now = core::RealClock().Now();
  for (const auto& r : list->reservations)
    std::fputs((FormatReservation(r, zones, now) + "\n").c_str(), stdout);
  std::printf("%zu reservation(s) of %s at %s\n", list->reservations.size(), f.id.c_str(),
              f.home.c_str());
  return kSuccess;
}

CLI::App* Common(CLI::App* cmd, const std::string& name, const std::string& what, SeatFlags& f) {
  auto* sub = cmd->add_subcommand(name, what);
  sub->add_option("--id", f.id, "Passenger id, [A-Za-z0-9_-]{1,64}")->required();
  sub->add_option("--home", f.home, "Home airline (jangada, sabia, tucano)")->required();
  sub->add_option("--data", f.data, "Folder of airports.json, for local times")
      ->capture_default_str();
  sub->add_option("--timeout", f.timeout_s, "Seconds to wait for the answer")
      ->capture_default_str();
  sub->add_flag("--json", f.json, "Print the raw reply");
  AddBrokerFlags(sub, f.broker);
  return sub;
}

}  // namespace

void AddPassengerSeats(CLI::App* cmd, Runner& run) {
  auto f = std::make_shared<SeatFlags>();
  auto* reserve = Common(cmd, "reserve", "A seat per passenger on every leg, all or none", *f);
  reserve
      ->add_option("--leg", f->legs,
                   "A leg as plan shows it (JG1001-2027-01-04), or with named seats: "
                   "JG1001-2027-01-04/12C,12D (repeat for each leg)")
      ->required();
  reserve->add_option("--fare-class", f->fare_class, "Fare class on every leg")
      ->capture_default_str();
  reserve->add_option("--passengers", f->passengers, "Seats on every leg, 1..9")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();
  reserve->add_flag("--hold-only", f->hold_only, "Hold the seats; confirm buys them");
  reserve->add_option("--request-id", f->request_id,
                      "Makes a retry safe: the same id gets the same reservation");
  reserve->callback([&run, f] {
    run = [f] {
      return Ask(*f, "reserve", schemas::Encode(ReserveRequestOf(*f)),
                 [f](const std::string& t) { return ShowReservation(*f, t); });
    };
  });
  for (const auto& [op, what] : std::vector<std::pair<std::string, std::string>>{
           {"confirm", "Buy the seats a hold_only reservation holds"},
           {"cancel", "Give a reservation's seats back"},
           {"get", "One reservation as the airline has it"}}) {
    auto* sub = Common(cmd, op, what, *f);
    sub->add_option("--reservation", f->reservation_id, "Reservation id")->required();
    sub->callback([&run, f, op = op] {
      run = [f, op] {
        schemas::ReservationRef ref{f->request_id, f->reservation_id};
        return Ask(*f, op, schemas::EncodeRef(ref, op),
                   [f](const std::string& t) { return ShowReservation(*f, t); });
      };
    });
  }
  auto* list = Common(cmd, "list", "The passenger's reservations at its home airline", *f);
  list->callback([&run, f] {
    run = [f] {
      return Ask(*f, "list", schemas::Encode(schemas::ListRequest{}),
                 [f](const std::string& t) { return ShowList(*f, t); });
    };
  });
}

}  // namespace tripmesh::cli
