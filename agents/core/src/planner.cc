#include "tripmesh/core/planner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_set>

#include "tripmesh/core/money.h"
#include "tripmesh/core/suggest.h"

namespace tripmesh::core {
namespace {

using schemas::Prefer;

// Levels a stop may charge to during the search; the final plan trims each stop
// to what the following legs need.
constexpr double kLevels[] = {0.5, 0.8, 1.0};
// Weighted A*: the estimate of the rest counts this much. Above 1 the search
// trades a little optimality for far fewer labels on large maps.
constexpr double kHeuristicWeight = 1.3;
// Further arrivals at the destination are kept as alternatives while their key
// is within this factor of the best one's.
constexpr double kAlternativeSlack = 1.25;
constexpr double kEps = 1e-9;
// A label whose charge is within this of an earlier label at the same city is
// not expanded: it can only be marginally better, and it multiplies the search.
constexpr double kSocResolution = 0.05;

struct Label {
  double key1 = 0, key2 = 0;  // fastest: (time, cost); cheapest: (cost, time)
  Time time = 0;
  double soc = 0, cost = 0;
  int city = 0;
  int parent = -1;
  const struct UsableStation* station = nullptr;  // set when this label is a charge
  double level = 0;
};

// A candidate plan before timing: the city sequence and where it charges.
struct Skeleton {
  std::vector<int> route;
  std::vector<std::pair<std::size_t, const struct UsableStation*>> stops;  // (route index, station)
  std::vector<double> levels;
};

struct Choice {
  const schemas::Point* point = nullptr;
  Time start = 0, charge = 0;
  double price = 0;
};

// A station as this vehicle sees it: only its compatible points, with their power.
struct UsableStation {
  const schemas::Station* station = nullptr;
  std::vector<std::pair<const schemas::Point*, double>> points;  // (point, kW for this vehicle)
};

class Search {
 public:
  Search(const World& w, const schemas::PlanRequest& req, const PlanContext& ctx)
      : w_(w), v_(req.vehicle), ctx_(ctx), from_(w.CityIndex(req.from)), to_(w.CityIndex(req.to)) {
    // Bounds for the A* estimate: the fastest charging and the lowest price
    // anywhere for the vehicle's connectors (the world keeps them per connector).
    for (const auto& [connector, bound] : w_.connector_bounds()) {
      if (!v_.connectors.empty() &&
          std::find(v_.connectors.begin(), v_.connectors.end(), connector) == v_.connectors.end()) {
        continue;
      }
      max_kw_ = std::max(
          max_kw_, v_.max_charge_kw ? std::min(bound.max_kw, *v_.max_charge_kw) : bound.max_kw);
      min_price_ = std::min(min_price_, bound.min_price_per_kwh);
    }
    if (min_price_ == std::numeric_limits<double>::max()) min_price_ = 0;
    remaining_km_.assign(w_.city_count(), -1);
    usable_.resize(w_.city_count());
    usable_known_.assign(w_.city_count(), 0);
  }

  // The stations of a city this vehicle may use, worked out on first need:
  // a search touches a corridor, not the whole map.
  const std::vector<UsableStation>& UsableAt(int c) {
    if (!usable_known_[c]) {
      usable_known_[c] = 1;
      for (const auto* s : w_.stations_in(c)) {
        if (!ctx_.station_allowed(*s)) continue;
        UsableStation u{s, {}};
        for (const auto& p : s->points) {
          if (Compatible(p, v_)) u.points.push_back({&p, ChargePowerKw(p, v_)});
        }
        if (!u.points.empty()) usable_[c].push_back(std::move(u));
      }
    }
    return usable_[c];
  }

  // Straight-line km to the destination: no road is shorter.
  double RemainingKm(int city) {
    double& km = remaining_km_[city];
    if (km < 0) km = w_.ChordKm(city, to_);
    return km;
  }

  double Need(double km) const { return km * v_.consumption_kwh_per_km / v_.battery_kwh; }

  // The point of a station for a charge from `soc_in` to `soc_out` on arrival at `t`.
  Choice ChoosePoint(const UsableStation& u, double soc_in, double soc_out, Time t,
                     Prefer prefer) const {
    Choice best;
    double best_kw = 0;
    const schemas::Station& s = *u.station;
    for (const auto& [p, kw] : u.points) {
      Time charge = ChargeSeconds(soc_in, soc_out, v_.battery_kwh, kw) + kPlugOverheadS;
      Time start = ctx_.earliest_start(s, *p, t, charge);
      if (start >= kNever) continue;
      double price = PriceOf(s, *p, (soc_out - soc_in) * v_.battery_kwh, charge, start);
      // Fastest: earliest feasible start, then power, then price; cheapest: price first.
      auto key = [&](Time st, Time ch, double pr, double k) {
        return prefer == Prefer::kCheapest ? std::make_tuple(pr, static_cast<double>(st + ch), -k)
                                           : std::make_tuple(static_cast<double>(st), -k, pr);
      };
      if (!best.point ||
          key(start, charge, price, kw) < key(best.start, best.charge, best.price, best_kw)) {
        best = {p, start, charge, price};
        best_kw = kw;
      }
    }
    return best;
  }

  // Label-setting A* search: labels leave the queue by (time or cost) plus an
  // optimistic estimate of the rest; at each city only a label with more
  // charge than every earlier one is expanded.
  // Fills `out` with up to `max_out` ways to the destination, best first: the
  // search goes on past the first one for as long as the next ones cost at most
  // kAlternativeSlack more.
  bool Run(Time depart, Prefer prefer, const std::set<std::string>& excluded, std::size_t max_out,
           std::vector<Skeleton>& out, std::string& reason) {
    Frontier f{.prefer = prefer, .excluded = &excluded};
    f.labels.reserve(4096);
    f.best_soc.assign(static_cast<std::size_t>(w_.city_count()), -1.0);
    f.nearest = from_;
    Label start;
    start.time = depart;
    start.soc = v_.soc;
    start.city = from_;
    Push(f, start);
    std::vector<int> found;
    while (!f.queue.empty()) {
      auto [key, key2, idx] = f.queue.top();
      f.queue.pop();
      Label l = f.labels[idx];
      if (l.city == to_) {  // every arrival is a candidate: no domination here
        if (!found.empty() && key > f.labels[found.front()].key1 * kAlternativeSlack) break;
        found.push_back(idx);
        if (found.size() >= max_out) break;
        continue;
      }
      if (l.soc <= f.best_soc[l.city] + kSocResolution) continue;
      f.best_soc[l.city] = l.soc;
      if (Closer(l.city, f.nearest)) f.nearest = l.city;
      Drive(f, l, idx);
      if (!l.station) Charge(f, l, idx);  // not twice in a row at one city
    }
    if (found.empty()) {
      reason = f.last_station < 0
                   ? "no compatible station within range of " + w_.city(from_).id
                   : "no compatible station within range after " + w_.city(f.last_station).id +
                         " (the vehicle gets as far as " + w_.city(f.nearest).id + ")";
      return false;
    }
    for (int end : found) out.push_back(SkeletonOf(f.labels, end));
    return true;
  }

  // Times, waits, points and costs of a skeleton, each stop trimmed to what the
  // legs up to the next stop (or the destination) need; none when a stop's
  // station has no point that will be free (the search saw another charge).
  std::optional<schemas::Plan> Realize(const Skeleton& sk, Time depart, Prefer prefer) const {
    std::vector<double> km_after(sk.route.size(), 0);  // km from route[i] to the destination
    for (std::size_t i = sk.route.size() - 1; i-- > 0;) {
      km_after[i] = km_after[i + 1] + LegKm(sk.route[i], sk.route[i + 1]);
    }
    schemas::Plan plan;
    plan.depart_at = depart;
    Time t = depart;
    double soc = v_.soc;
    std::size_t next_stop = 0;
    for (std::size_t i = 0; i < sk.route.size(); ++i) {
      plan.route.push_back(w_.city(sk.route[i]).id);
      if (i > 0) {
        double km = LegKm(sk.route[i - 1], sk.route[i]);
        plan.total_km += km;
        plan.drive_s += DriveSeconds(km);
        t += DriveSeconds(km);
        soc -= Need(km);
      }
      while (next_stop < sk.stops.size() && sk.stops[next_stop].first == i) {
        const UsableStation& u = *sk.stops[next_stop].second;
        const schemas::Station& s = *u.station;
        std::size_t until =
            next_stop + 1 < sk.stops.size() ? sk.stops[next_stop + 1].first : sk.route.size() - 1;
        double need = Need(km_after[i] - km_after[until]) + v_.min_soc + kArrivalMargin;
        double target = std::min(std::max(need, soc), std::max(sk.levels[next_stop], soc));
        target = std::min(target, 1.0);
        ++next_stop;
        if (target <= soc + 0.005) continue;  // the trimmed stop charges nothing
        Choice c = ChoosePoint(u, soc, target, t, prefer);
        if (!c.point) return std::nullopt;
        schemas::Stop stop;
        stop.company = s.company;
        stop.station = s.id;
        stop.city = s.city;
        stop.point = c.point->id;
        stop.arrive_at = t;
        stop.start_at = c.start;
        stop.end_at = c.start + c.charge;
        stop.soc_in = soc;
        stop.soc_out = target;
        stop.kwh = std::round((target - soc) * v_.battery_kwh * 1000) / 1000;
        stop.cost = c.price;
        stop.odometer_km = plan.total_km;
        plan.wait_s += c.start - t;
        plan.charge_s += c.charge;
        plan.cost += c.price;
        t = stop.end_at;
        soc = target;
        plan.stops.push_back(std::move(stop));
      }
    }
    plan.arrive_at = t;
    plan.total_duration_s = t - depart;
    plan.arrival_soc = soc;
    plan.cost = RoundToCents(plan.cost);
    return plan;
  }

  double LegKm(int a, int b) const { return w_.RoadKm(a, b); }

  bool Connected() const {
    std::vector<char> seen(w_.city_count(), 0);
    std::vector<int> stack = {from_};
    seen[from_] = 1;
    while (!stack.empty()) {
      int c = stack.back();
      stack.pop_back();
      if (c == to_) return true;
      for (const auto& r : w_.roads_from(c)) {
        if (!seen[r.to]) {
          seen[r.to] = 1;
          stack.push_back(r.to);
        }
      }
    }
    return false;
  }

 private:
  // One search's labels and queue.
  struct Frontier {
    using Item = std::tuple<double, double, int>;  // (key1, key2, label index)
    Prefer prefer = Prefer::kFastest;
    const std::set<std::string>* excluded = nullptr;
    std::vector<Label> labels;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
    std::vector<double> best_soc;  // per city, of the labels expanded there
    int nearest = 0, last_station = -1;
  };

  void Push(Frontier& f, Label l) {
    double km = RemainingKm(l.city);
    double deficit_kwh = std::max(0.0, Need(km) - (l.soc - v_.min_soc)) * v_.battery_kwh;
    double h_time = km / kDriveKmh * 3600.0 + deficit_kwh / max_kw_ * 3600.0;
    double h_cost = deficit_kwh * min_price_;
    h_time *= kHeuristicWeight;
    h_cost *= kHeuristicWeight;
    bool cheapest = f.prefer == Prefer::kCheapest;
    l.key1 = cheapest ? l.cost + h_cost : static_cast<double>(l.time) + h_time;
    l.key2 = cheapest ? static_cast<double>(l.time) + h_time : l.cost + h_cost;
    f.labels.push_back(l);
    f.queue.push({l.key1, l.key2, static_cast<int>(f.labels.size() - 1)});
  }

  // Every road out of l's city that the charge left reaches.
  void Drive(Frontier& f, const Label& l, int idx) {
    for (const auto& r : w_.roads_from(l.city)) {
      double soc = l.soc - Need(r.km);
      if (soc < v_.min_soc - kEps || soc <= f.best_soc[r.to] + kSocResolution) continue;
      Label next = l;
      next.parent = idx;
      next.station = nullptr;
      next.city = r.to;
      next.soc = soc;
      next.time = l.time + DriveSeconds(r.km);
      Push(f, next);
    }
  }

  // Every charge to each level at each usable station of l's city.
  void Charge(Frontier& f, const Label& l, int idx) {
    for (const auto& u : UsableAt(l.city)) {
      if (f.excluded->count(u.station->id)) continue;
      if (f.last_station < 0 || Closer(l.city, f.last_station)) f.last_station = l.city;
      for (double level : kLevels) {
        if (level < l.soc + 0.1) continue;
        Choice c = ChoosePoint(u, l.soc, level, l.time, f.prefer);
        if (!c.point) break;  // no point of the station will be free
        Label next = l;
        next.parent = idx;
        next.station = &u;
        next.level = level;
        next.soc = level;
        next.time = c.start + c.charge;
        next.cost = l.cost + c.price;
        Push(f, next);
      }
    }
  }

  // The route and stops of the labels from the start to `end`.
  static Skeleton SkeletonOf(const std::vector<Label>& labels, int end) {
    std::vector<const Label*> path;
    for (int i = end; i >= 0; i = labels[i].parent) path.push_back(&labels[i]);
    std::reverse(path.begin(), path.end());
    Skeleton sk;
    for (const Label* l : path) {
      if (l->station) {
        sk.stops.push_back({sk.route.size() - 1, l->station});
        sk.levels.push_back(l->level);
      } else {
        sk.route.push_back(l->city);
      }
    }
    return sk;
  }

  bool Closer(int a, int b) { return RemainingKm(a) < RemainingKm(b); }

  const World& w_;
  const schemas::VehicleSpec& v_;
  const PlanContext& ctx_;
  int from_, to_;
  double max_kw_ = 1.0;
  std::vector<std::vector<UsableStation>> usable_;
  std::vector<char> usable_known_;
  double min_price_ = std::numeric_limits<double>::max();
  std::vector<double> remaining_km_;
};

std::string Signature(const schemas::Plan& p) {
  std::string sig;
  for (const auto& c : p.route) sig += c + ">";
  sig += "|";
  for (const auto& s : p.stops) sig += s.station + ";";
  return sig;
}

bool Better(const schemas::Plan& a, const schemas::Plan& b, Prefer prefer) {
  return prefer == Prefer::kCheapest
             ? std::make_tuple(a.cost, a.total_duration_s, a.stops.size()) <
                   std::make_tuple(b.cost, b.total_duration_s, b.stops.size())
             : std::make_tuple(a.total_duration_s, a.cost, a.stops.size()) <
                   std::make_tuple(b.total_duration_s, b.cost, b.stops.size());
}

}  // namespace

bool Compatible(const schemas::Point& p, const schemas::VehicleSpec& v) {
  if (v.connectors.empty()) return true;
  return std::find(v.connectors.begin(), v.connectors.end(), p.connector) != v.connectors.end();
}

double ChargePowerKw(const schemas::Point& p, const schemas::VehicleSpec& v) {
  return v.max_charge_kw ? std::min(p.max_power_kw, *v.max_charge_kw) : p.max_power_kw;
}

Time ChargeSeconds(double soc_from, double soc_to, double battery_kwh, double power_kw) {
  if (soc_to <= soc_from || power_kw <= 0) return 0;
  // Full power below 80 %; above, power falls linearly to 30 % of it at 100 %:
  // f(s) = 1 - k (s - 0.8) with k = 0.7 / 0.2, and the time integral of 1/f is -ln(f)/k.
  constexpr double kSlope = (1.0 - kTaperFloor) / (1.0 - kTaperFromSoc);
  double flat = std::max(0.0, std::min(soc_to, kTaperFromSoc) - std::min(soc_from, kTaperFromSoc));
  double taper = 0;
  if (soc_to > kTaperFromSoc) {
    double a = std::max(soc_from, kTaperFromSoc);
    taper = (std::log(1 - kSlope * (a - kTaperFromSoc)) -
             std::log(1 - kSlope * (soc_to - kTaperFromSoc))) /
            kSlope;
  }
  return static_cast<Time>(std::ceil((flat + taper) * battery_kwh / power_kw * 3600.0));
}

double PriceOf(const schemas::Station& s, const schemas::Point& p, double kwh, Time charge_s,
               Time start_at) {
  const schemas::Tariff& t = TariffAt(s, p, start_at);
  double cost = kwh * t.price_per_kwh;
  if (t.price_per_hour) cost += *t.price_per_hour * static_cast<double>(charge_s) / 3600.0;
  return RoundToCents(cost);
}

Time DriveSeconds(double km) { return static_cast<Time>(std::lround(km / kDriveKmh * 3600)); }

namespace {

void PruneFarWorse(std::vector<schemas::Plan>& plans, Prefer prefer) {
  if (plans.empty()) return;
  const schemas::Plan best = plans.front();
  auto far_worse = [&](const schemas::Plan& p) {
    if (prefer == Prefer::kCheapest)
      return p.cost > kAlternativeFactor * best.cost + kAlternativeCostSlack;
    return static_cast<double>(p.total_duration_s) >
           kAlternativeFactor * static_cast<double>(best.total_duration_s) + kAlternativeTimeSlackS;
  };
  plans.erase(std::remove_if(plans.begin() + 1, plans.end(), far_worse), plans.end());
}

}  // namespace

Result<std::vector<schemas::Plan>> PlanTrip(const World& w, const schemas::PlanRequest& req,
                                            Time depart_at, const PlanContext& ctx) {
  auto unknown = [&](const std::string& id, const char* field) {
    std::vector<std::string> ids = w.CityIds();
    return Fail(Errc::kUnknownCity, "unknown city " + id + DidYouMean(id, ids), field);
  };
  if (w.CityIndex(req.from) < 0) return unknown(req.from, "from");
  if (w.CityIndex(req.to) < 0) return unknown(req.to, "to");
  Search search(w, req, ctx);
  if (!search.Connected())
    return Fail(Errc::kNoRoute, "no road joins " + req.from + " and " + req.to);
  if (req.vehicle.soc < req.vehicle.min_soc && w.stations_in(w.CityIndex(req.from)).empty()) {
    return Fail(Errc::kUnreachable,
                "the battery starts below min_soc and " + req.from + " has no station");
  }

  // Candidates: the best plan by each preference, then alternatives that avoid
  // one station of a plan already found, until there are enough distinct ones.
  std::vector<schemas::Plan> found;
  std::unordered_set<std::string> seen;
  std::string reason;
  std::size_t wanted = static_cast<std::size_t>(std::max(1, req.alternatives));
  auto add = [&](Prefer prefer, const std::set<std::string>& excluded) {
    std::vector<Skeleton> skeletons;
    std::string why;
    if (!search.Run(depart_at, prefer, excluded, 3 * wanted, skeletons, why)) {
      if (reason.empty()) reason = why;
      return;
    }
    for (const auto& sk : skeletons) {
      auto p = search.Realize(sk, depart_at, prefer);
      if (p && seen.insert(Signature(*p)).second) found.push_back(std::move(*p));
    }
  };
  add(Prefer::kFastest, {});
  if (found.empty()) return Fail(Errc::kUnreachable, reason);  // no preference finds a way then
  add(Prefer::kCheapest, {});
  for (std::size_t i = 0; i < found.size() && found.size() < wanted && i < 4; ++i) {
    std::vector<std::string> stations;
    for (const auto& s : found[i].stops) stations.push_back(s.station);
    for (const auto& st : stations) {
      if (found.size() >= wanted) break;
      add(Prefer::kFastest, {st});  // independent of req.prefer, so both preferences rank one set
    }
  }
  std::sort(found.begin(), found.end(),
            [&](const auto& a, const auto& b) { return Better(a, b, req.prefer); });
  PruneFarWorse(found, req.prefer);
  if (found.size() > wanted) found.resize(wanted);
  return found;
}

}  // namespace tripmesh::core
