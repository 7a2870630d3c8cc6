// ReservationBook's points out of service: an operator's OCPI status blocks
// the point's ledger for the outage, and whatever was booked or held there
// moves to another point of the station or, when none is free, is dropped
// and its reservation says the stop was lost.
#include <algorithm>

#include "reservation_book.h"
#include "tripmesh/runtime/local_time.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::company {

std::string ReservationBook::LostReason(const Outage& o) const {
  std::string why = "point " + o.point + " of " + o.station + " is " +
                    std::string(schemas::PointStatusName(o.status));
  if (o.until < kNever) {
    const schemas::Station* s = world_.FindStation(o.station);
    why += " until " +
           (s ? runtime::FormatLocal(o.until, s->time_zone, o.since) : FormatTime(o.until));
  }
  if (!o.reason.empty()) why += " (" + o.reason + ")";
  return why + "; no other point of the station was free";
}

Result<std::vector<ReservationBook::Displaced>> ReservationBook::SetPointStatus(
    const Outage& outage, const DisplacedWrite& also) {
  const schemas::Station* station = world_.FindStation(outage.station);
  if (!station || station->company != company_) {
    return Fail(Errc::kNotFound, "no station " + outage.station + " at " + company_, "station");
  }
  if (!ledgers_.count(Key(outage.station, outage.point))) {
    return Fail(Errc::kNotFound, "no point " + outage.point + " at " + outage.station, "point");
  }
  bool in_service = outage.status == schemas::PointStatus::kAvailable;
  std::optional<runtime::KeyedLocks::Guard> guard;
  guard.emplace(station_locks_.Lock({outage.station}));
  std::optional<Outage> before;
  if (auto it = outages_.find(Key(outage.station, outage.point)); it != outages_.end()) {
    before = it->second;
  }
  auto& ledger = LedgerOf(outage.station, outage.point);
  if (before) ledger.Remove(OutageOwner(outage.station, outage.point), before->since);
  std::vector<Displaced> displaced;
  if (!in_service) {
    displaced = Displace(outage, *station);
    for (auto& d : displaced) d.reason = LostReason(outage);
    // Nothing of anyone's is left there in the outage, so this cannot overlap.
    (void)ledger.Add({outage.since, outage.until, OutageOwner(outage.station, outage.point), {}});
    outages_[Key(outage.station, outage.point)] = outage;
  } else {
    outages_.erase(Key(outage.station, outage.point));
  }
  std::vector<std::pair<schemas::Reservation, Displaced>> followed;
  auto write = [&](const std::function<void()>& queued) {
    return store_.Write(
        [&](runtime::Tx& tx) -> Status {
          Status st = in_service
                          ? records::DeletePointStatus(tx, outage.station, outage.point)
                          : records::UpsertPointStatus(
                                tx, {.station = outage.station,
                                     .point = outage.point,
                                     .status = std::string(schemas::PointStatusName(outage.status)),
                                     .since = outage.since,
                                     .until = outage.until < kNever ? std::optional(outage.until)
                                                                    : std::nullopt,
                                     .reason = outage.reason});
          for (const auto& d : displaced) {
            if (!st) return st;
            st = d.to_point.empty()
                     ? records::DeleteBooking(tx, d.station, d.from_point, d.start_at)
                     : records::MoveBooking(tx, d.station, d.from_point, d.start_at, d.to_point);
          }
          if (!st) return st;
          auto local = FollowOutage(tx, displaced);
          if (!local) return tl::unexpected<Error>(local.error());
          followed = std::move(*local);
          return also ? also(tx, displaced) : Status{};
        },
        queued);
  };
  auto undo = [&] {
    auto& l = LedgerOf(outage.station, outage.point);
    l.Remove(OutageOwner(outage.station, outage.point), outage.since);
    Undisplace(displaced);
    outages_.erase(Key(outage.station, outage.point));
    if (before) {
      (void)l.Add({before->since, before->until, OutageOwner(outage.station, outage.point), {}});
      outages_[Key(outage.station, outage.point)] = *before;
    }
  };
  if (auto st = WriteThenRelease(guard, {outage.station}, write, undo); !st) {
    return tl::unexpected<Error>(st.error());
  }
  {
    std::lock_guard lock(mu_);
    dirty_stations_.insert(outage.station);
  }
  for (const auto& [r, d] : followed) {
    if (outage_listener_) outage_listener_(r, d);
  }
  return displaced;
}

std::vector<ReservationBook::Displaced> ReservationBook::Displace(const Outage& o,
                                                                  const schemas::Station& station) {
  auto& broken = LedgerOf(o.station, o.point);
  std::vector<core::Interval> hit;
  for (const auto& [start, iv] : broken.intervals()) {
    if (iv.end > o.since && iv.start < o.until) hit.push_back(iv);
  }
  std::vector<std::string> others = SlotCandidates(station, o.point);
  others.erase(std::remove(others.begin(), others.end(), o.point), others.end());
  std::vector<Displaced> out;
  for (const auto& iv : hit) {
    broken.Remove(iv.owner, iv.start);
    Displaced d{.owner = iv.owner,
                .station = o.station,
                .from_point = o.point,
                .start_at = iv.start,
                .end_at = iv.end};
    for (const auto& p : others) {
      if (LedgerOf(o.station, p).Add(iv)) {
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
    auto st = records::SelectReservationById(tx, d.owner, [&](const std::string& body) {
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
    if (auto w = records::UpsertReservation(tx, RowOf(*r, {})); !w) {
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
    if (!status || !ledgers_.count(Key(row.station, row.point))) return;
    outages_[Key(row.station, row.point)] = {.station = row.station,
                                             .point = row.point,
                                             .status = *status,
                                             .since = row.since,
                                             .until = row.until.value_or(kNever),
                                             .reason = row.reason};
  });
}

}  // namespace tripmesh::company
