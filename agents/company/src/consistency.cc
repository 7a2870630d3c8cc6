#include "tripmesh/company/consistency.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "records.h"
#include "saga_coordinator.h"
#include "tripmesh/engine/check.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::company {
namespace {

using Booking = records::BookingRow;

struct Part {
  std::string coordinator, reservation_id, state;
};

struct CompanyState {
  std::map<std::string, schemas::Reservation> reservations;  // by id
  std::vector<Booking> bookings;
  std::map<std::string, Part> parts;  // by saga id
  // Reservation ids of the sagas it coordinates that are not settled (see
  // engine::CheckedStore), or that it keeps the old way.
  std::set<std::string> unsettled;
  std::vector<records::PointStatusRow> outages;
};

Status ReadRows(runtime::Tx& tx, CompanyState& s) {
  auto q = records::Reservations().All(tx, [&](const std::string& body) {
    if (auto r = schemas::Decode<schemas::Reservation>(body)) {
      s.reservations[r->reservation_id] = std::move(*r);
    }
  });
  if (!q) return q;
  q = records::SelectBookings(tx, [&](const records::BookingRow& b) { s.bookings.push_back(b); });
  if (!q) return q;
  q = records::SelectParts(tx, std::nullopt, [&](const records::PartRow& p) {
    s.parts[p.saga_id] = {p.coordinator, p.reservation_id, p.state};
  });
  if (!q) return q;
  q = records::SelectPointStatuses(
      tx, [&](const records::PointStatusRow& o) { s.outages.push_back(o); });
  if (!q) return q;
  // A store this version has not opened yet keeps its sagas the old way.
  return records::ReadLegacySagas(
      tx, [&](const records::LegacySagaRow& r) { s.unsettled.insert(r.reservation_id); });
}

std::string Where(const std::string& company, const Booking& b) {
  return fmt::format("{} {}/{} {}..{}", company, b.station, b.point, FormatTime(b.start_at),
                     FormatTime(b.end_at));
}

}  // namespace

std::string ConsistencyReport::Summary() const {
  return fmt::format(
      "{} reservations, {} bookings/holds, {} sagas in flight: {} missing items, {} orphans, "
      "{} overlaps, {} stale holds, {} on points out of service",
      reservations, bookings, sagas_in_flight, missing_items.size(), orphans.size(),
      overlaps.size(), stale_holds.size(), on_unavailable_points.size());
}

schemas::CheckResult ConsistencyReport::Result() const {
  schemas::CheckResult out;
  out.profile = "ev";
  out.counts = {
      {"reservations", reservations}, {"bookings", bookings}, {"in_flight", sagas_in_flight}};
  using Kind = std::pair<const char*, const std::vector<std::string>*>;
  for (const auto& [kind, items] :
       std::initializer_list<Kind>{{"missing", &missing_items},
                                   {"orphan", &orphans},
                                   {"overlap", &overlaps},
                                   {"stale_hold", &stale_holds},
                                   {"out_of_service", &on_unavailable_points}}) {
    for (const auto& detail : *items) out.findings.push_back({kind, detail});
  }
  return out;
}

namespace {

using schemas::ReservationStatus;

std::string Key(const std::string& company, const std::string& id) {
  std::string key = company;
  key += '/';
  key += id;
  return key;
}

// The reservation that owns a booking, as its coordinator records it.
struct Owner {
  enum class Known { kYes, kNo, kUnchecked } known = Known::kNo;  // unchecked: store not read
  ReservationStatus status = ReservationStatus::kFailed;
  std::string saga_key;  // "<coordinator>/<reservation id>" for a saga's part
};

class Checker {
 public:
  Checker(std::map<std::string, CompanyState> all, Time now, Time grace_s)
      : all_(std::move(all)), now_(now), grace_s_(grace_s) {}

  ConsistencyReport Run() {
    for (const auto& [company, s] : all_) {
      for (const auto& id : s.unsettled) in_flight_.insert(Key(company, id));
    }
    out_.sagas_in_flight = static_cast<int>(in_flight_.size());
    for (const auto& [company, s] : all_) CheckBookings(company, s);
    for (const auto& [coordinator, s] : all_) CheckConfirmedAreBooked(coordinator, s);
    return std::move(out_);
  }

 private:
  Owner OwnerOf(const CompanyState& s, const std::string& owner) const {
    if (auto it = s.reservations.find(owner); it != s.reservations.end()) {
      return {Owner::Known::kYes, it->second.status, ""};
    }
    auto part = s.parts.find(owner);
    if (part == s.parts.end()) return {};
    Owner o;
    o.saga_key = part->second.coordinator + "/" + part->second.reservation_id;
    auto c = all_.find(part->second.coordinator);
    if (c == all_.end()) {
      o.known = Owner::Known::kUnchecked;
      return o;
    }
    auto r = c->second.reservations.find(part->second.reservation_id);
    if (r != c->second.reservations.end()) {
      o.known = Owner::Known::kYes;
      o.status = r->second.status;
    }
    return o;
  }

  // Stale holds, bookings nobody owns, and overlaps at one company.
  void CheckBookings(const std::string& company, const CompanyState& s) {
    out_.reservations += static_cast<int>(s.reservations.size());
    out_.bookings += static_cast<int>(s.bookings.size());
    std::map<std::string, std::vector<const Booking*>> by_point;
    std::vector<engine::Claim> claims;
    for (const auto& b : s.bookings) {
      by_point[b.station + "/" + b.point].push_back(&b);
      claims.push_back({b.station + "/" + b.point, b.owner, b.start_at, b.end_at});
      if (b.expires_at && *b.expires_at + grace_s_ < now_) {
        out_.stale_holds.push_back(Where(company, b) + " held by " + b.owner + " expired at " +
                                   FormatTime(*b.expires_at));
      }
      CheckOwner(company, s, b);
    }
    for (const auto& o : s.outages) {
      auto it = by_point.find(o.station + "/" + o.point);
      if (it == by_point.end()) continue;
      for (const Booking* b : it->second) {
        if (b->end_at > o.since && (!o.until || b->start_at < *o.until)) {
          out_.on_unavailable_points.push_back(Where(company, *b) + " (" + b->owner + ") while " +
                                               o.status + " since " + FormatTime(o.since));
        }
      }
    }
    for (auto [earlier, later] : engine::Overlapping(claims)) {
      out_.overlaps.push_back(Where(company, s.bookings[later]) + " (" + s.bookings[later].owner +
                              ") overlaps " + s.bookings[earlier].owner);
    }
  }

  void CheckOwner(const std::string& company, const CompanyState& s, const Booking& b) {
    Owner o = OwnerOf(s, b.owner);
    if (o.known == Owner::Known::kUnchecked || in_flight_.count(o.saga_key)) return;
    bool known = o.known == Owner::Known::kYes;
    bool live = false;
    if (b.expires_at) {
      // A hold of a saga whose coordinator has not recorded it yet is live until it expires.
      live = known
                 ? o.status == ReservationStatus::kHeld || o.status == ReservationStatus::kConfirmed
                 : s.parts.count(b.owner) > 0;
    } else {
      live = known && (o.status == ReservationStatus::kConfirmed ||
                       o.status == ReservationStatus::kFulfilled);
    }
    if (!live) {
      out_.orphans.push_back(
          Where(company, b) + " owned by " + b.owner + " whose reservation is " +
          (known ? std::string(schemas::ReservationStatusName(o.status)) : "unknown"));
    }
  }

  // Every item of every confirmed reservation is booked at its company.
  void CheckConfirmedAreBooked(const std::string& coordinator, const CompanyState& s) {
    for (const auto& [id, r] : s.reservations) {
      if (r.status != ReservationStatus::kConfirmed && r.status != ReservationStatus::kFulfilled)
        continue;
      bool local = std::all_of(r.items.begin(), r.items.end(),
                               [&](const auto& i) { return i.company == coordinator; });
      std::string owner = local ? id : engine::SagaIdOf(id);
      for (const auto& item : r.items) {
        auto c = all_.find(item.company);
        if (c == all_.end() || item.lost_at) continue;  // a lost stop is booked nowhere
        bool found = std::any_of(
            c->second.bookings.begin(), c->second.bookings.end(), [&](const Booking& b) {
              return b.owner == owner && b.station == item.station && b.point == item.point &&
                     b.start_at == item.start_at && b.end_at == item.end_at && !b.expires_at;
            });
        if (!found) {
          out_.missing_items.push_back(fmt::format("{} ({} at {}): {}/{} {} not booked at {}", id,
                                                   r.vehicle, coordinator, item.station, item.point,
                                                   FormatTime(item.start_at), item.company));
        }
      }
    }
  }

  std::map<std::string, CompanyState> all_;
  Time now_, grace_s_;
  std::set<std::string> in_flight_;
  ConsistencyReport out_;
};

}  // namespace

Result<ConsistencyReport> CheckConsistency(const std::map<std::string, std::string>& stores,
                                           Time now, Time grace_s) {
  std::map<std::string, CompanyState> all;
  auto read = engine::ReadRunningStores(stores, [&](const std::string& company, runtime::Tx& tx) {
    return ReadRows(tx, all[company]);
  });
  if (!read) return Fail(Errc::kInternal, read.error().message);
  for (const auto& [company, checked] : *read) {
    for (const auto& saga : checked.sagas) {
      if (!checked.Settled(saga.saga_id))
        all[company].unsettled.insert(engine::ReservationIdOf(saga.saga_id));
    }
  }
  return Checker(std::move(all), now, grace_s).Run();
}

}  // namespace tripmesh::company
