// ReservationBook's points out of service: an operator's OCPI status blocks
// the point's ledger for the outage, and whatever was booked or held there
// moves to another point of the station or, when none is free, is dropped
// and its reservation says the stop was lost.
#include <algorithm>
#include <map>

#include "reservation_book.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::company {

std::string ReservationBook::LostReason(const Outage& o) const {
  std::string why = "point " + o.point + " of " + o.station + " is " +
                    std::string(schemas::PointStatusName(o.status));
  if (o.until < kNever) {
    auto world = world_.Now();
    const schemas::Station* s = world->FindStation(o.station);
    why += " until " +
           (s ? runtime::FormatLocal(o.until, s->time_zone, o.since) : FormatTime(o.until));
  }
  if (!o.reason.empty()) why += " (" + o.reason + ")";
  return why + "; no other point of the station was free";
}

Result<std::vector<ReservationBook::Displaced>> ReservationBook::SetPointStatuses(
    const std::vector<Outage>& outages, const DisplacedWrite& also) {
  if (outages.empty()) return std::vector<Displaced>{};
  const std::string& station_id = outages.front().station;
  auto world = world_.Now();
  const schemas::Station* station = world->FindStation(station_id);
  if (!station || station->company != company_) {
    return Fail(Errc::kNotFound, "no station " + station_id + " at " + company_, "station");
  }
  for (const auto& o : outages) {
    if (o.station != station_id || !HasLedger(o.station, o.point)) {
      return Fail(Errc::kNotFound, "no point " + o.point + " at " + station_id, "point");
    }
  }
  std::optional<runtime::KeyedLocks::Guard> guard;
  guard.emplace(station_locks_.Lock({station_id}));
  std::map<std::string, Outage> before;  // by point
  for (const auto& o : outages) {
    if (auto it = outages_.find(Key(o.station, o.point)); it != outages_.end()) {
      before[o.point] = it->second;
      LedgerOf(o.station, o.point).Remove(OutageOwner(o.station, o.point), it->second.since);
      outages_.erase(it);
    }
  }
  std::vector<Outage> out_of_service;
  for (const auto& o : outages) {
    if (o.status != schemas::PointStatus::kAvailable) out_of_service.push_back(o);
  }
  std::vector<Displaced> displaced = Displace(out_of_service, *station);
  std::vector<std::pair<schemas::Reservation, Displaced>> followed;
  auto write = [&](const std::function<void()>& queued) {
    return store_.Write(
        [&](runtime::Tx& tx) -> Status {
          for (const auto& o : outages) {
            if (auto st = WritePointStatus(tx, o); !st) return st;
          }
          for (const auto& d : displaced) {
            auto st =
                d.to_point.empty()
                    ? records::DeleteBooking(tx, d.station, d.from_point, d.start_at)
                    : records::MoveBooking(tx, d.station, d.from_point, d.start_at, d.to_point);
            if (!st) return st;
          }
          auto local = FollowOutage(tx, displaced);
          if (!local) return tl::unexpected<Error>(local.error());
          followed = std::move(*local);
          return also ? also(tx, displaced) : Status{};
        },
        queued);
  };
  auto undo = [&] {
    for (const auto& o : out_of_service) {
      LedgerOf(o.station, o.point).Remove(OutageOwner(o.station, o.point), o.since);
      outages_.erase(Key(o.station, o.point));
    }
    Undisplace(displaced);
    for (const auto& [point, b] : before) {
      (void)LedgerOf(b.station, point).Add({b.since, b.until, OutageOwner(b.station, point), {}});
      outages_[Key(b.station, point)] = b;
    }
  };
  if (auto st = WriteThenRelease(guard, {station_id}, write, undo); !st) {
    return tl::unexpected<Error>(st.error());
  }
  {
    std::lock_guard lock(mu_);
    dirty_stations_.insert(station_id);
  }
  for (const auto& [r, d] : followed) {
    if (outage_listener_) outage_listener_(r, d);
  }
  return displaced;
}

Status ReservationBook::WritePointStatus(runtime::Tx& tx, const Outage& o) {
  if (o.status == schemas::PointStatus::kAvailable) {
    return records::DeletePointStatus(tx, o.station, o.point);
  }
  return records::UpsertPointStatus(
      tx, {.station = o.station,
           .point = o.point,
           .status = std::string(schemas::PointStatusName(o.status)),
           .since = o.since,
           .until = o.until < kNever ? std::optional(o.until) : std::nullopt,
           .reason = o.reason});
}

std::vector<ReservationBook::Displaced> ReservationBook::Displace(
    const std::vector<Outage>& outages, const schemas::Station& station) {
  // Every broken point is emptied and blocked before anything is placed, so
  // nothing moves onto a point that is going out of service too.
  std::vector<std::pair<const Outage*, core::Interval>> hit;
  for (const auto& o : outages) {
    auto& broken = LedgerOf(o.station, o.point);
    std::vector<core::Interval> there;
    for (const auto& [start, iv] : broken.intervals()) {
      if (iv.end > o.since && iv.start < o.until) there.push_back(iv);
    }
    for (auto& iv : there) {
      broken.Remove(iv.owner, iv.start);
      hit.emplace_back(&o, std::move(iv));
    }
    // Nothing of anyone's is left there in the outage, so this cannot overlap.
    (void)broken.Add({o.since, o.until, OutageOwner(o.station, o.point), {}});
    outages_[Key(o.station, o.point)] = o;
  }
  std::vector<Displaced> out;
  for (const auto& [o, iv] : hit) {
    Displaced d{.owner = iv.owner,
                .station = o->station,
                .from_point = o->point,
                .start_at = iv.start,
                .end_at = iv.end,
                .reason = LostReason(*o)};
    for (const auto& p : SlotCandidates(station, o->point)) {
      if (p != o->point && HasLedger(o->station, p) && LedgerOf(o->station, p).Add(iv)) {
        d.to_point = p;
        break;
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

void ReservationBook::Undisplace(const std::vector<Displaced>& moved) {
  for (const auto& d : moved) {
    std::optional<Time> expires;
    if (!d.to_point.empty()) {
      auto& ledger = LedgerOf(d.station, d.to_point);
      auto it = ledger.intervals().find(d.start_at);
      if (it != ledger.intervals().end()) expires = it->second.expires_at;
      ledger.Remove(d.owner, d.start_at);
    }
    (void)LedgerOf(d.station, d.from_point).Add({d.start_at, d.end_at, d.owner, expires});
  }
}

Result<std::vector<std::pair<schemas::Reservation, ReservationBook::Displaced>>>
ReservationBook::FollowOutage(runtime::Tx& tx, std::vector<Displaced>& displaced) {
  std::vector<std::pair<schemas::Reservation, Displaced>> out;
  Time now = clock_.Now();
  for (auto& d : displaced) {
    std::optional<schemas::Reservation> r;
    auto st = records::Reservations().ById(tx, d.owner, [&](const std::string& body) {
      if (auto decoded = schemas::Decode<schemas::Reservation>(body)) r = std::move(*decoded);
    });
    if (!st) return tl::unexpected<Error>(st.error());
    if (!r) continue;  // a saga's part: its owner follows in `also`
    d.reservation_id = r->reservation_id;
    d.vehicle = r->vehicle;
    for (auto& i : r->items) {
      if (i.station != d.station || i.point != d.from_point || i.start_at != d.start_at) continue;
      if (d.to_point.empty()) {
        i.lost_at = now;
        auto it = outages_.find(Key(d.station, d.from_point));
        i.lost_reason = it != outages_.end() ? LostReason(it->second) : "point out of service";
      } else {
        i.point = d.to_point;
      }
    }
    r->cost = TotalCost(r->items);
    if (auto w = records::Reservations().Save(tx, RowOf(*r, {})); !w) {
      return tl::unexpected<Error>(w.error());
    }
    out.emplace_back(std::move(*r), d);
  }
  return out;
}

std::optional<ReservationBook::Outage> ReservationBook::OutageOf(const std::string& station,
                                                                 const std::string& point) const {
  auto guard = station_locks_.Lock({station});
  auto it = outages_.find(Key(station, point));
  if (it == outages_.end() || it->second.until <= clock_.Now()) return std::nullopt;
  return it->second;
}

Status ReservationBook::LoadOutages(runtime::Tx& tx) {
  return records::SelectPointStatuses(tx, [&](const records::PointStatusRow& row) {
    auto status = schemas::ParsePointStatus(row.status);
    if (!status) return;
    ledgers_.try_emplace(Key(row.station, row.point));  // also a point the catalogue lost
    outages_[Key(row.station, row.point)] = {.station = row.station,
                                             .point = row.point,
                                             .status = *status,
                                             .since = row.since,
                                             .until = row.until.value_or(kNever),
                                             .reason = row.reason};
  });
}

}  // namespace tripmesh::company
