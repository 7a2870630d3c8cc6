#include "tripmesh/vehicle/format.h"

#include <fmt/format.h>

#include <algorithm>

#include "tripmesh/runtime/local_time.h"

namespace tripmesh::vehicle {
namespace {

std::string Percent(double soc) { return fmt::format("{:.0f}%", soc * 100); }

std::string Row(const std::string& leg, const std::string& to, const std::string& km,
                const std::string& arrive, const std::string& wait, const std::string& charge,
                const std::string& soc, const std::string& company, const std::string& cost) {
  return fmt::format("  {}{}{:>6}  {}{:>7}{:>9}  {}{}{:>9}\n", Pad(leg, 4), Pad(to, 46), km,
                     Pad(arrive, 24), wait, charge, Pad(soc, 11), Pad(company, 11), cost);
}

// Failed and cancelled reservations cost nothing; the price was only quoted.
bool Charged(schemas::ReservationStatus status) {
  return status != schemas::ReservationStatus::kFailed &&
         status != schemas::ReservationStatus::kCancelled;
}

std::string Price(const schemas::Reservation& r) {
  return Charged(r.status) ? fmt::format("{} {:.2f}", r.currency, r.cost)
                           : fmt::format("(quoted {} {:.2f}, not charged)", r.currency, r.cost);
}

}  // namespace

std::string Pad(const std::string& s, std::size_t width) {
  std::size_t letters = 0;
  for (char c : s) letters += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return s + std::string(width > letters ? width - letters : 1, ' ');
}

std::string Places::ZoneOf(const std::string& city) const {
  if (!world) return "UTC";
  int i = world->CityIndex(city);
  return i < 0 || world->city(i).time_zone.empty() ? "UTC" : world->city(i).time_zone;
}

std::string Places::At(Time t, const std::string& city) const {
  return runtime::FormatLocal(t, ZoneOf(city), now);
}

std::string FormatDuration(std::int64_t s) {
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60);
  return fmt::format("{}h {:02}m", s / 3600, s / 60 % 60);
}

std::string FormatPlans(const schemas::PlanResult& result, const Places& places) {
  std::string out;
  if (!result.not_consulted.empty()) {
    out += fmt::format(
        "Partial: {} did not answer in time, so these plans leave out {} stations\n\n",
        fmt::join(result.not_consulted, ", "), result.not_consulted.size() == 1 ? "its" : "their");
  }
  int n = 0;
  for (const auto& p : result.plans) {
    out += fmt::format("Plan {} of {}  {}\n", ++n, result.plans.size(), p.plan_id);
    out += Row("leg", "to (station/point)", "km", "arrive", "wait", "charge", "SoC", "company",
               "cost");
    std::string from = p.route.front();
    double odometer = 0;
    int leg = 0;
    for (const auto& s : p.stops) {
      out += Row(std::to_string(++leg), s.city + " (" + s.station + "/" + s.point + ")",
                 fmt::format("{:.0f}", s.odometer_km - odometer), places.At(s.arrive_at, s.city),
                 FormatDuration(s.start_at - s.arrive_at), FormatDuration(s.end_at - s.start_at),
                 Percent(s.soc_in) + "->" + Percent(s.soc_out), s.company,
                 fmt::format("{:.2f}", s.cost));
      odometer = s.odometer_km;
    }
    out += Row(std::to_string(++leg), p.route.back() + " (arrival)",
               fmt::format("{:.0f}", p.total_km - odometer), places.At(p.arrive_at, p.route.back()),
               "", "", Percent(p.arrival_soc), "", "");
    out += Row("", "total", fmt::format("{:.0f}", p.total_km),
               "in " + FormatDuration(p.total_duration_s), FormatDuration(p.wait_s),
               FormatDuration(p.charge_s), "", "", fmt::format("{} {:.2f}", p.currency, p.cost));
    out += fmt::format("  depart {} from {}; drive {}; {} stop(s)\n", places.At(p.depart_at, from),
                       from, FormatDuration(p.drive_s), p.stops.size());
    out += fmt::format("  route: {}\n\n", fmt::join(p.route, " > "));
  }
  return out;
}

std::string FormatReservation(const schemas::Reservation& r, const Places& places) {
  std::string home_city = r.items.empty() ? "" : r.items.front().city;
  std::string out = fmt::format("Reservation {}  {}  vehicle {}  {}\n", r.reservation_id,
                                schemas::ReservationStatusName(r.status), r.vehicle, Price(r));
  if (r.expires_at) out += fmt::format("  hold expires {}\n", places.At(*r.expires_at, home_city));
  if (r.error) out += fmt::format("  error: {}\n", r.error->message);
  for (const auto& i : r.items) {
    std::string end = places.At(i.end_at, i.city);
    // The end on the start's day reads as a time only.
    if (runtime::FormatLocal(i.end_at, places.ZoneOf(i.city), i.start_at).find(' ') ==
        end.rfind(' ')) {
      end = runtime::FormatLocal(i.end_at, places.ZoneOf(i.city), i.start_at);
    }
    std::string checked =
        i.checked_in_at ? "  checked in " + places.At(*i.checked_in_at, i.city) : "";
    if (i.lost_at) checked = "  LOST: " + i.lost_reason + "; plan this part of the trip again";
    out += fmt::format("  {}{}{}{} -> {}{:>8.1f} kWh{:>9.2f}{}\n", Pad(i.city, 24),
                       Pad(i.station + "/" + i.point, 28), Pad(i.company, 11),
                       places.At(i.start_at, i.city), end, i.kwh, i.cost, checked);
  }
  return out;
}

std::string FormatList(const schemas::ReservationList& list, const Places& places) {
  std::string out =
      fmt::format("{} reservation(s) of {}\n", list.reservations.size(), list.vehicle);
  for (const auto& r : list.reservations) {
    std::string city = r.items.empty() ? "" : r.items.front().city;
    std::string first =
        r.items.empty() ? "" : "first stop " + places.At(r.items.front().start_at, city);
    out += fmt::format("  {}{}{:>3} stop(s)  {}  {}\n", Pad(r.reservation_id, 36),
                       Pad(std::string(schemas::ReservationStatusName(r.status)), 11),
                       r.items.size(), Pad(Price(r), 14), first);
  }
  return out;
}

std::string FormatCheckin(const schemas::Reservation& r, const std::string& station,
                          const Places& places) {
  auto at = std::find_if(r.items.begin(), r.items.end(),
                         [&](const auto& i) { return i.station == station; });
  std::string out;
  if (at != r.items.end() && at->checked_in_at) {
    out += fmt::format("Checked in at {} ({}) {}; charging until {}\n", at->station, at->city,
                       places.At(*at->checked_in_at, at->city), places.At(at->end_at, at->city));
  }
  auto next = std::find_if(r.items.begin(), r.items.end(),
                           [](const auto& i) { return !i.checked_in_at && !i.lost_at; });
  if (r.status == schemas::ReservationStatus::kFulfilled) {
    out += "Every stop is checked in: reservation " + r.reservation_id + " is fulfilled\n";
  } else if (next != r.items.end()) {
    out += fmt::format("Next: {} ({}) from {}\n", next->station, next->city,
                       places.At(next->start_at, next->city));
  }
  return out + FormatReservation(r, places);
}

}  // namespace tripmesh::vehicle
