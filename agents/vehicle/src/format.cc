#include "tripmesh/vehicle/format.h"

#include <fmt/format.h>

namespace tripmesh::vehicle {
namespace {

// "2026-11-23 14:05Z": the date and minute a driver needs, in UTC.
std::string Short(Time t) {
  std::string s = FormatTime(t);
  return s.substr(0, 10) + " " + s.substr(11, 5) + "Z";
}

std::string Percent(double soc) { return fmt::format("{:.0f}%", soc * 100); }

constexpr const char* kRow = "  {:<4}{:<46}{:>6}  {:<18}{:>7}{:>9}  {:<11}{:<11}{:>9}\n";

}  // namespace

std::string FormatDuration(std::int64_t s) {
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60);
  return fmt::format("{}h {:02}m", s / 3600, s / 60 % 60);
}

std::string FormatPlans(const schemas::PlanResult& result) {
  std::string out;
  int n = 0;
  for (const auto& p : result.plans) {
    out += fmt::format("Plan {} of {}  {}\n", ++n, result.plans.size(), p.plan_id);
    out += fmt::format(kRow, "leg", "to (station/point)", "km", "arrive", "wait", "charge", "SoC",
                       "company", "cost");
    std::string from = p.route.front();
    double odometer = 0;
    int leg = 0;
    for (const auto& s : p.stops) {
      out += fmt::format(
          kRow, ++leg, s.city + " (" + s.station + "/" + s.point + ")",
          fmt::format("{:.0f}", s.odometer_km - odometer), Short(s.arrive_at),
          FormatDuration(s.start_at - s.arrive_at), FormatDuration(s.end_at - s.start_at),
          Percent(s.soc_in) + "->" + Percent(s.soc_out), s.company, fmt::format("{:.2f}", s.cost));
      odometer = s.odometer_km;
    }
    out += fmt::format(kRow, ++leg, p.route.back() + " (arrival)",
                       fmt::format("{:.0f}", p.total_km - odometer), Short(p.arrive_at), "", "",
                       Percent(p.arrival_soc), "", "");
    out += fmt::format(kRow, "", "total", fmt::format("{:.0f}", p.total_km),
                       "in " + FormatDuration(p.total_duration_s), FormatDuration(p.wait_s),
                       FormatDuration(p.charge_s), "", "",
                       fmt::format("{} {:.2f}", p.currency, p.cost));
    out += fmt::format("  depart {} from {}; drive {}; {} stop(s)\n", Short(p.depart_at), from,
                       FormatDuration(p.drive_s), p.stops.size());
    out += fmt::format("  route: {}\n\n", fmt::join(p.route, " > "));
  }
  return out;
}

std::string FormatReservation(const schemas::Reservation& r) {
  std::string out = fmt::format("Reservation {}  {}  vehicle {}  {} {:.2f}\n", r.reservation_id,
                                r.status, r.vehicle, r.currency, r.cost);
  if (r.expires_at) out += fmt::format("  hold expires {}\n", Short(*r.expires_at));
  if (r.error) out += fmt::format("  error: {}\n", r.error->message);
  for (const auto& i : r.items) {
    out += fmt::format("  {:<24}{:<28}{:<11}{} -> {}{:>8.1f} kWh{:>9.2f}\n", i.city,
                       i.station + "/" + i.point, i.company, Short(i.start_at),
                       Short(i.end_at).substr(11), i.kwh, i.cost);
  }
  return out;
}

std::string FormatList(const schemas::ReservationList& list) {
  std::string out =
      fmt::format("{} reservation(s) of {}\n", list.reservations.size(), list.vehicle);
  for (const auto& r : list.reservations) {
    out += fmt::format("  {:<36}{:<11}{:>3} stop(s)  {} {:.2f}  created {}\n", r.reservation_id,
                       r.status, r.items.size(), r.currency, r.cost, Short(r.created_at));
  }
  return out;
}

}  // namespace tripmesh::vehicle
