#include "tripmesh/vehicle/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "driving.h"
#include "notice_inbox.h"
#include "tripmesh/runtime/serial_lanes.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::vehicle {
namespace {

using Clock = std::chrono::steady_clock;

struct CarModel {
  const char* name;
  double battery_kwh, consumption_kwh_per_km, max_charge_kw;
  std::vector<std::string> connectors;
};

// Electric cars sold in Brazil, with their usable battery, highway
// consumption and peak DC power.
const std::vector<CarModel>& Models() {
  static const std::vector<CarModel> kModels = {
      {"BYD Dolphin", 44.9, 0.150, 60, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"BYD Seal", 82.5, 0.165, 150, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"Renault Kwid E-Tech", 26.8, 0.135, 30, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"GWM Ora 03", 48.0, 0.155, 80, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"Volvo EX30", 64.0, 0.170, 153, {"IEC_62196_T2_COMBO", "IEC_62196_T2"}},
      {"Nissan Leaf", 40.0, 0.160, 50, {"CHADEMO", "IEC_62196_T2"}},
  };
  return kModels;
}

enum class Behaviour { kBook, kHoldThenConfirm, kBookThenCancel, kHoldAndWalkAway };

struct Plan {
  std::string id, home;
  const char* car = "";  // the car model's name
  schemas::PlanRequest trip;
  Time depart_offset_s = 0;  // on a simulation clock: departure after the reservation
  Behaviour behaviour = Behaviour::kBook;
  bool skips_a_stop = false;    // a no-show driver, when driving
  std::uint64_t skip_pick = 0;  // which stop, modulo the stops planned
};

// What one vehicle ended with.
struct Outcome {
  std::unique_ptr<VehicleClient> client;  // kept to drive and to ask about its hold
  Result<schemas::Reservation> reservation = Fail(Errc::kInternal, "not run");
  std::optional<schemas::Plan> plan;
  int retries = 0;
  bool cancelled = false;
  bool gave_up = false;  // the best plan waited longer than the driver accepts
};

std::vector<Plan> MakeFleet(const SimOptions& o, const core::World& world) {
  std::mt19937_64 rng(o.seed);
  std::vector<std::string> companies = o.homes;
  if (companies.empty()) {
    for (const auto& c : world.catalogues()) companies.push_back(c.info.company);
  }
  // Trips start and end in cities that have a station, where drivers live.
  std::vector<std::string> cities;
  for (const auto& c : world.catalogues()) {
    for (const auto& s : c.stations) cities.push_back(s.city);
  }
  std::sort(cities.begin(), cities.end());
  cities.erase(std::unique(cities.begin(), cities.end()), cities.end());
  Time now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  Time tomorrow = (now / kDayS + 1) * kDayS + 9 * kHourS;  // 06:00 in Brazil
  std::uniform_int_distribution<std::size_t> pick_city(0, cities.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_model(0, Models().size() - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<Plan> fleet;
  for (int i = 0; i < o.vehicles; ++i) {
    Plan p;
    p.id = fmt::format("{}-{}", o.id_prefix, i + 1);
    p.home = companies[static_cast<std::size_t>(i) % companies.size()];
    std::string from = cities[pick_city(rng)], to;
    do {
      to = cities[pick_city(rng)];
    } while (to == from);
    const CarModel& m = Models()[pick_model(rng)];
    p.car = m.name;
    p.trip.request_id.clear();
    p.trip.from = from;
    p.trip.to = to;
    p.trip.depart_at = tomorrow + static_cast<Time>(unit(rng) * 14 * 3600) / 300 * 300;
    p.depart_offset_s = 1200 + static_cast<Time>(unit(rng) * static_cast<double>(std::max<Time>(
                                                                 0, o.depart_within_s - 1200)));
    p.trip.vehicle = {m.battery_kwh, m.consumption_kwh_per_km, 0.5 + 0.5 * unit(rng),
                      0.10,          m.max_charge_kw,          m.connectors};
    double b = unit(rng);
    double hold = o.hold_share, cancel = hold + o.cancel_share, expire = cancel + o.expire_share;
    p.behaviour = b < hold     ? Behaviour::kHoldThenConfirm
                  : b < cancel ? Behaviour::kBookThenCancel
                  : b < expire ? Behaviour::kHoldAndWalkAway
                               : Behaviour::kBook;
    p.skips_a_stop = unit(rng) < o.no_show_share;
    p.skip_pick = rng();
    fleet.push_back(std::move(p));
  }
  return fleet;
}

}  // namespace

std::string SimSummary::Format() const {
  std::string failures = failed.Format();
  std::string out = fmt::format(
      "trips {} in {:.1f} s: confirmed {} (held then confirmed {}, then cancelled {}), failed "
      "{}{}\n"
      "holds let go {} ({} seen expired); drivers who would not wait over {:.0f} h: {}\n"
      "across companies: {} confirmed at 2 companies, {} at 3 ({:.0f} % of confirmed)\n"
      "waits for a free point: mean {:.1f} min, max {:.0f} min per trip\n"
      "latency of plan/reserve/confirm: p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms; retries {}",
      trips, seconds, confirmed, held_then_confirmed, cancelled, failed.Total(),
      failures.empty() ? "" : " (" + failures + ")", holds_let_go, holds_expired,
      static_cast<double>(max_wait_s) / 3600, gave_up, spanning_two, spanning_three,
      confirmed ? 100.0 * (spanning_two + spanning_three) / confirmed : 0.0, wait_mean_min,
      wait_max_min, p50_ms, p99_ms, max_ms, retries);
  if (disrupted > 0) {
    out += fmt::format(
        "\ndisrupted trips (a stop lost to a point out of service): {}; planned again and "
        "reserved: {} before leaving, {} on the way",
        disrupted, recovered, recovered_on_the_way);
  }
  if (!unreachable_by_car.empty()) {
    std::string cars;
    for (const auto& [car, n] : unreachable_by_car) cars += fmt::format(", {} {}", car, n);
    out += "\nunreachable by car: " + cars.substr(2);
  }
  if (telemetry > 0) {
    std::string failed_checkins = checkin_failed.Format();
    out += fmt::format(
        "\ndriven: {} trips to their destination, {} telemetry messages, {} check-ins{}\n"
        "reservations ended: fulfilled {}, no_show {}",
        arrived, telemetry, checkins,
        failed_checkins.empty() ? "" : " (failed: " + failed_checkins + ")", fulfilled, no_show);
  }
  return out;
}

namespace {

// A vehicle's connection: the fleet's, or its own account where it has one.
VehicleOptions OptionsOf(const SimOptions& o, const Plan& p) {
  VehicleOptions vo{.id = p.id, .home = p.home, .transport = o.transport, .mqtt = o.mqtt};
  if (auto it = o.passwords.find(p.id); it != o.passwords.end()) {
    vo.mqtt.username = p.id;
    vo.mqtt.password = it->second;
  }
  return vo;
}

// Plans, then books the best plan (re-planning after `unavailable`), and
// carries out the driver's behaviour.
Outcome Reserve(const SimOptions& o, const Plan& p, crowd::Latencies& latencies,
                std::optional<Error>& connect_error) {
  Outcome out;
  VehicleOptions vo = OptionsOf(o, p);
  vo.timeout = std::chrono::seconds(60);
  auto client = VehicleClient::Connect(vo);
  if (!client) {
    connect_error = client.error();
    out.reservation = tl::unexpected<Error>(client.error());
    return out;
  }
  out.client = std::move(*client);
  auto& car = *out.client;
  schemas::PlanRequest trip = p.trip;
  trip.alternatives = 1;
  bool hold =
      p.behaviour == Behaviour::kHoldThenConfirm || p.behaviour == Behaviour::kHoldAndWalkAway;
  for (int attempt = 0; attempt <= o.max_retries; ++attempt) {
    if (o.clock) trip.depart_at = o.clock->Now() + p.depart_offset_s;
    Result<schemas::PlanResult> plans = Fail(Errc::kInternal, "not run");
    crowd::Timed(latencies, [&] { plans = car.Plan(trip); });
    if (!plans) {
      out.reservation = tl::unexpected<Error>(plans.error());
      return out;
    }
    out.plan = plans->plans.front();
    if (out.plan->wait_s > o.max_wait_s) {
      out.gave_up = true;
      out.reservation = Fail(Errc::kUnavailable, "the best plan waits too long");
      return out;
    }
    crowd::Timed(latencies, [&] {
      out.reservation = car.Reserve({"", out.plan->plan_id, std::nullopt, hold});
    });
    auto& r = out.reservation;
    if (r && r->status == schemas::ReservationStatus::kHeld &&
        p.behaviour == Behaviour::kHoldThenConfirm) {
      crowd::Timed(latencies, [&] { r = car.Confirm(r->reservation_id); });
    }
    bool again = r && r->status == schemas::ReservationStatus::kFailed && r->error &&
                 r->error->code == Errc::kUnavailable;
    if (!again || attempt == o.max_retries) break;
    ++out.retries;
  }
  auto& r = out.reservation;
  if (r && r->status == schemas::ReservationStatus::kConfirmed &&
      p.behaviour == Behaviour::kBookThenCancel) {
    auto c = car.Cancel(r->reservation_id);
    out.cancelled = c && c->status == schemas::ReservationStatus::kCancelled;
  }
  return out;
}

// Asks each walked-away driver's hold until it reads expired; gives up when
// the clock is well past the last expiry.
int CountExpired(const SimOptions& o, std::vector<Outcome>& outcomes) {
  int expired = 0;
  for (auto& out : outcomes) {
    if (!out.reservation || out.reservation->status != schemas::ReservationStatus::kHeld ||
        !out.client)
      continue;
    const auto& r = *out.reservation;
    for (int i = 0; i < 100; ++i) {
      auto now = o.clock ? o.clock->Now() : 0;
      auto got = out.client->Get(r.reservation_id);
      if (got && got->status == schemas::ReservationStatus::kExpired) {
        ++expired;
        break;
      }
      if (!o.clock || !r.expires_at || now > *r.expires_at + 600) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return expired;
}

// A driver told that a stop ahead is lost stops at its next moment (leaving,
// or reaching a stop), plans the rest of the trip from there with the charge
// it has, and books it; only then is the old reservation cancelled, so the
// driver is never without one. Where nothing is found it drives on as before.
// Returns the events of the new rest of the trip (none: go on as before).
std::vector<DriveEvent> PlanTheRestAgain(const SimOptions& o, const Plan& p, Outcome& out,
                                         const std::set<std::string>& lost, const DriveEvent& at,
                                         const LegKm& leg_km) {
  if (!out.reservation || lost.count(out.reservation->reservation_id) == 0) return {};
  schemas::PlanRequest trip = p.trip;
  trip.from = at.telemetry.city;
  trip.vehicle.soc = at.telemetry.soc;
  trip.depart_at = o.clock->Now() + 60;
  trip.alternatives = 1;
  if (trip.from == trip.to) return {};
  auto plans = out.client->Plan(trip);
  if (!plans || plans->plans.empty()) return {};
  auto booked = out.client->Reserve({"", plans->plans.front().plan_id, std::nullopt, false});
  if (!booked || booked->status != schemas::ReservationStatus::kConfirmed) return {};
  (void)out.client->Cancel(out.reservation->reservation_id);
  out.reservation = std::move(booked);
  out.plan = plans->plans.front();
  return Timeline(p.id, *out.plan, trip.from, trip.to, trip.vehicle.soc, std::nullopt, leg_km);
}

// The road's km between two neighbouring cities of a route (the straight line
// when the map has no such road).
LegKm RoadKm(const core::World& world) {
  return [&world](const std::string& a, const std::string& b) {
    int from = world.CityIndex(a), to = world.CityIndex(b);
    if (from < 0 || to < 0) return 0.0;
    double km = world.RoadKm(from, to);
    return km > 0 ? km : world.ChordKm(from, to);
  };
}

// The notices that reach a driving fleet, and what its drivers did about them.
struct OnTheWay {
  NoticeInbox& inbox;
  std::set<std::string>& disrupted;                   // reservations told of a lost stop
  std::map<std::string, std::set<std::string>> told;  // vehicle -> its reservations told
};

// Drives every confirmed trip on the clock: telemetry at each change, a
// check-in at each stop (on the vehicle's own lane, so the schedule never
// waits for a reply), none from the stop a no-show driver skips onwards; a
// driver told of a lost stop plans the rest again on that lane meanwhile.
// Then reads how each reservation ended.
void Drive(const SimOptions& o, const std::vector<Plan>& fleet, std::vector<Outcome>& outcomes,
           OnTheWay& way, SimSummary& summary, const SimProgress& progress, const LegKm& leg_km) {
  std::vector<std::vector<DriveEvent>> timelines(outcomes.size());
  std::vector<std::size_t> driven;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& out = outcomes[i];
    if (!out.client || !out.plan ||
        out.reservation->status != schemas::ReservationStatus::kConfirmed)
      continue;
    std::optional<std::size_t> skip;
    if (fleet[i].skips_a_stop && !out.plan->stops.empty()) {
      skip = fleet[i].skip_pick % out.plan->stops.size();
    }
    timelines[i] = Timeline(fleet[i].id, *out.plan, fleet[i].trip.from, fleet[i].trip.to,
                            fleet[i].trip.vehicle.soc, skip, leg_km);
    if (skip) {
      Time skipped = out.plan->stops[*skip].start_at;
      for (auto& e : timelines[i]) {
        if (e.telemetry.timestamp >= skipped) e.checkin_station.clear();
      }
    }
    if (!out.plan->stops.empty()) driven.push_back(i);  // a trip without stops has nothing to end
  }
  std::mutex mu;  // guards the counts and `way`
  FleetState last;
  Detours detours;
  {
    runtime::SerialLanes lanes(8);
    DriveHooks hooks;
    hooks.stop = o.stop;
    hooks.publish = [&](std::size_t i, const DriveEvent& e) {
      auto& out = outcomes[i];
      (void)out.client->PublishTelemetry(e.telemetry);
      if (e.checkin_station.empty()) return;
      lanes.Post(fleet[i].id, [&out, &mu, &summary, station = e.checkin_station] {
        auto r = out.client->CheckIn(out.reservation->reservation_id, station);
        std::lock_guard lock(mu);
        if (r) {
          ++summary.checkins;
        } else {
          summary.checkin_failed.Add(r.error().code);
        }
      });
    };
    hooks.detour = [&](std::size_t i, const DriveEvent& e) {
      if (e.telemetry.state == "parked") return false;
      std::set<std::string> lost;
      {
        std::lock_guard lock(mu);
        for (auto& n : way.inbox.Take()) {
          way.disrupted.insert(n.reservation_id);
          way.told[n.vehicle].insert(n.reservation_id);
        }
        auto it = way.told.find(fleet[i].id);
        if (it == way.told.end()) return false;
        lost = std::move(it->second);
        way.told.erase(it);
      }
      lanes.Post(fleet[i].id, [&, i, lost = std::move(lost), e] {
        auto rest = PlanTheRestAgain(o, fleet[i], outcomes[i], lost, e, leg_km);
        if (!rest.empty()) {
          std::lock_guard lock(mu);
          ++summary.recovered_on_the_way;
          summary.replanned.push_back(fleet[i].id);
        }
        detours.Resume(i, std::move(rest));
      });
      return true;
    };
    hooks.progress = [&](const FleetState& f) {
      last = f;
      if (progress) {
        progress(
            {true, f.arrived, f.total, summary.confirmed, f.now, f.driving, f.charging, f.waiting});
      }
    };
    DriveFleet(std::move(timelines), *o.clock, o.time_scale, detours, hooks);
  }
  summary.arrived = last.arrived;
  summary.telemetry = last.published;
  // A missed stop turns into no_show once its grace has passed on the clock.
  auto until = Clock::now() + std::chrono::seconds(20);
  for (std::size_t i : driven) {
    auto& out = outcomes[i];
    Result<schemas::Reservation> r = Fail(Errc::kInternal, "not asked");
    do {
      r = out.client->Get(out.reservation->reservation_id);
      if (!r || r->status != schemas::ReservationStatus::kConfirmed) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (Clock::now() < until && !(o.stop && o.stop()));
    summary.fulfilled += r && r->status == schemas::ReservationStatus::kFulfilled;
    summary.no_show += r && r->status == schemas::ReservationStatus::kNoShow;
  }
}

Status CheckSimOptions(const SimOptions& o, const core::World& world) {
  if (o.vehicles < 1) return Fail(Errc::kInvalidRequest, "at least one vehicle", "vehicles");
  if (o.clock && o.vehicles > kMosquittoFleetLimit &&
      o.transport == runtime::TransportKind::kMosquitto) {
    return Fail(Errc::kInvalidRequest,
                fmt::format("a driving fleet over {} vehicles keeps too many libmosquitto clients "
                            "in one process (select() stops at 1024 descriptors); use "
                            "--transport paho",
                            kMosquittoFleetLimit),
                "transport");
  }
  if (o.clock && o.time_scale <= 0) {
    return Fail(Errc::kInvalidRequest, "time scale must be positive", "time_scale");
  }
  for (const auto& h : o.homes) {
    if (!world.FindCompany(h)) return Fail(Errc::kNotFound, "no company " + h, "homes");
  }
  return {};
}

// What the reserving phase leaves: each vehicle's outcome and every request's latency.
struct Reserved {
  std::vector<Outcome> outcomes;
  crowd::Latencies latencies;
  std::optional<Error> fatal;  // a connection failure, fatal when nobody connected
  int connected = 0;
};

// Every vehicle plans and reserves, o.concurrency at a time.
Reserved ReserveAll(const SimOptions& o, const std::vector<Plan>& fleet,
                    const SimProgress& progress) {
  Reserved out;
  out.outcomes.resize(fleet.size());
  std::vector<std::optional<Error>> connect_errors(fleet.size());
  int done = 0, confirmed = 0;
  auto play = [&](int i, crowd::Latencies& latencies) {
    auto at = static_cast<std::size_t>(i);
    auto& one = out.outcomes[at];
    one = Reserve(o, fleet[at], latencies, connect_errors[at]);
    // Vehicles that will not drive or be asked again need no connection.
    bool keep = one.reservation && !one.cancelled &&
                (one.reservation->status == schemas::ReservationStatus::kHeld ||
                 (o.clock && one.reservation->status == schemas::ReservationStatus::kConfirmed));
    if (!keep) one.client.reset();
  };
  auto after = [&](int i) {
    auto at = static_cast<std::size_t>(i);
    const auto& error = connect_errors[at];
    if (error && !out.fatal) out.fatal = error;
    out.connected += !error;
    ++done;
    const auto& r = out.outcomes[at].reservation;
    confirmed += r && r->status == schemas::ReservationStatus::kConfirmed;
    if (progress) progress({false, done, o.vehicles, confirmed, 0, 0, 0, 0});
  };
  out.latencies = crowd::Run({o.vehicles, o.concurrency, o.stop}, play, after);
  return out;
}

// The summary's counts of how the reservations ended, and the waits planned.
void CountOutcomes(const std::vector<Plan>& fleet, const std::vector<Outcome>& outcomes,
                   SimSummary& summary) {
  std::vector<double> waits;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const auto& out = outcomes[i];
    ++summary.trips;
    summary.retries += out.retries;
    const auto& r = out.reservation;
    if (r && r->status == schemas::ReservationStatus::kConfirmed) {
      ++summary.confirmed;
      summary.held_then_confirmed += fleet[i].behaviour == Behaviour::kHoldThenConfirm;
      summary.cancelled += out.cancelled;
      std::set<std::string> companies;
      for (const auto& item : r->items) companies.insert(item.company);
      summary.spanning_two += companies.size() == 2;
      summary.spanning_three += companies.size() >= 3;
      if (out.plan) waits.push_back(static_cast<double>(out.plan->wait_s) / 60);
    } else if (r && r->status == schemas::ReservationStatus::kHeld) {
      ++summary.holds_let_go;
    } else if (out.gave_up) {
      ++summary.gave_up;
    } else {
      Errc code = !r ? r.error().code : r->error ? r->error->code : Errc::kInternal;
      summary.failed.Add(code);
      if (code == Errc::kUnreachable) ++summary.unreachable_by_car[fleet[i].car];
    }
  }
  if (!waits.empty()) {
    for (double w : waits) summary.wait_mean_min += w / static_cast<double>(waits.size());
    summary.wait_max_min = *std::max_element(waits.begin(), waits.end());
  }
}

// A driver told that a stop of the trip is lost (its point broke and no other
// point was free) plans the trip again and reserves it, when it has not left
// yet: the old reservation is cancelled first, so its other stops are free to
// take again. Returns how many trips were planned again and reserved (their
// vehicles in `replanned`).
int Recover(const SimOptions& o, const std::vector<Plan>& fleet, Reserved& reserved,
            const std::vector<schemas::VehicleNotice>& notices, std::set<std::string>& seen,
            std::vector<std::string>& replanned) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < fleet.size(); ++i) index[fleet[i].id] = i;
  int recovered = 0;
  for (const auto& n : notices) {
    auto it = index.find(n.vehicle);
    if (it == index.end() || !seen.insert(n.reservation_id).second) continue;
    auto& out = reserved.outcomes[it->second];
    if (!out.reservation || out.reservation->reservation_id != n.reservation_id || !out.plan ||
        (o.clock && o.clock->Now() >= out.plan->depart_at)) {
      continue;  // already on the road: it drives what is left
    }
    const Plan& p = fleet[it->second];
    auto client = VehicleClient::Connect(OptionsOf(o, p));
    if (!client || !(*client)->Cancel(n.reservation_id)) continue;
    std::optional<Error> connect_error;
    Outcome again = Reserve(o, p, reserved.latencies, connect_error);
    if (again.reservation && again.reservation->status == schemas::ReservationStatus::kConfirmed) {
      ++recovered;
      replanned.push_back(p.id);
      if (!o.clock) again.client.reset();
      out = std::move(again);
    }
  }
  return recovered;
}

}  // namespace

Result<SimSummary> RunSim(const SimOptions& o, const core::World& world,
                          const SimProgress& progress) {
  if (auto st = CheckSimOptions(o, world); !st) return tl::unexpected<Error>(st.error());
  auto started = Clock::now();
  std::vector<Plan> fleet = MakeFleet(o, world);
  std::set<std::string> ids;
  for (const auto& p : fleet) ids.insert(p.id);
  auto inbox = NoticeInbox::Open(o.transport, o.mqtt, std::move(ids));
  if (!inbox) return tl::unexpected<Error>(inbox.error());
  Reserved reserved = ReserveAll(o, fleet, progress);
  if (reserved.fatal && reserved.connected == 0) return tl::unexpected<Error>(*reserved.fatal);
  SimSummary summary;
  summary.max_wait_s = o.max_wait_s;
  // Notices of the reserving phase (a point broke meanwhile) are acted on
  // before anyone leaves; a moment lets the last of them arrive.
  std::set<std::string> disrupted;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  summary.recovered = Recover(o, fleet, reserved, (*inbox)->Take(), disrupted, summary.replanned);
  CountOutcomes(fleet, reserved.outcomes, summary);
  if (o.clock) {
    OnTheWay way{**inbox, disrupted, {}};
    Drive(o, fleet, reserved.outcomes, way, summary, progress, RoadKm(world));
  }
  for (const auto& n : (*inbox)->Take()) disrupted.insert(n.reservation_id);
  summary.disrupted = static_cast<int>(disrupted.size());
  summary.holds_expired = CountExpired(o, reserved.outcomes);
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const auto& latencies = reserved.latencies;
  summary.p50_ms = latencies.At(0.50);
  summary.p99_ms = latencies.At(0.99);
  summary.max_ms = latencies.Max();
  return summary;
}

}  // namespace tripmesh::vehicle
