// ReservationBook's owner-level slots: the participant side of a saga holds,
// books and releases intervals through these, on the same ledgers and under
// the same station locks as local reservations, so nothing is booked twice.
#include <algorithm>

#include "reservation_book.h"

namespace tripmesh::company {
namespace {

Status WriteSlots(runtime::Tx& tx, const std::string& owner,
                  const std::vector<ReservationBook::Slot>& slots, std::optional<Time> expires_at) {
  for (const auto& s : slots) {
    auto st = records::InsertBooking(tx, {.owner = owner,
                                          .station = s.station,
                                          .point = s.point,
                                          .start_at = s.start_at,
                                          .end_at = s.end_at,
                                          .expires_at = expires_at});
    if (!st) return st;
  }
  return {};
}

}  // namespace

std::vector<std::string_view> ReservationBook::StationsOf(const std::vector<Slot>& slots) const {
  std::vector<std::string_view> keys;
  keys.reserve(slots.size());
  for (const auto& s : slots) keys.push_back(s.station);
  return keys;
}

std::vector<std::string> ReservationBook::SlotCandidates(const schemas::Station& station,
                                                         const std::string& point) const {
  const schemas::Point* planned = nullptr;
  for (const auto& p : station.points) {
    if (p.id == point) planned = &p;
  }
  std::vector<const schemas::Point*> others;
  for (const auto& p : station.points) {
    if (&p == planned) continue;
    if (!planned ||
        (p.connector == planned->connector && p.max_power_kw >= planned->max_power_kw)) {
      others.push_back(&p);
    }
  }
  std::stable_sort(others.begin(), others.end(),
                   [](const auto* a, const auto* b) { return a->max_power_kw > b->max_power_kw; });
  std::vector<std::string> out;
  if (planned) out.push_back(planned->id);
  for (const auto* p : others) out.push_back(p->id);
  return out;
}

Result<std::vector<ReservationBook::Slot>> ReservationBook::PlaceSlots(
    const std::string& owner, std::vector<Slot> slots, std::optional<Time> expires_at, bool exact,
    const PlacedWrite& extra) {
  auto world = world_.Now();
  for (const auto& s : slots) {
    const schemas::Station* station = world->FindStation(s.station);
    if (!station || station->company != company_) {
      return Fail(Errc::kNotFound, "no station " + s.station + " at " + company_, "items");
    }
    if (!s.point.empty() && !HasLedger(s.station, s.point)) {
      return Fail(Errc::kNotFound, "no point " + s.point + " at " + s.station, "items");
    }
  }
  std::optional<runtime::KeyedLocks::Guard> guard;
  guard.emplace(station_locks_.Lock(StationsOf(slots)));
  if (auto taken = TakePoints(owner, slots, expires_at, exact); !taken)
    return tl::unexpected<Error>(taken.error());
  auto write = [&](const std::function<void()>& queued) {
    return store_.Write(
        [&](runtime::Tx& tx) -> Status {
          if (auto w = WriteSlots(tx, owner, slots, expires_at); !w) return w;
          return extra ? extra(tx, slots) : Status{};
        },
        queued);
  };
  if (auto st =
          WriteThenRelease(guard, StationsOf(slots), write, [&] { FreePoints(owner, slots); });
      !st) {
    return tl::unexpected<Error>(st.error());
  }
  std::lock_guard lock(mu_);
  for (const auto& s : slots) dirty_stations_.insert(s.station);
  return slots;
}

Status ReservationBook::WriteThenRelease(std::optional<runtime::KeyedLocks::Guard>& guard,
                                         const std::vector<std::string_view>& stations,
                                         const QueuedWrite& write,
                                         const std::function<void()>& undo) {
  auto st = write([&] { guard.reset(); });
  if (!st) {
    guard.reset();  // a write refused before it was queued still holds them
    guard.emplace(station_locks_.Lock(stations));
    undo();
  }
  return st;
}

Status ReservationBook::TakePoints(const std::string& owner, std::vector<Slot>& slots,
                                   std::optional<Time> expires_at, bool exact) {
  std::size_t placed = 0;
  // A station removed since planning has every point blocked: nothing fits.
  auto world = world_.Now();
  for (auto& s : slots) {
    const schemas::Station* station = world->FindStation(s.station);
    std::vector<std::string> candidates = {s.point};
    if (!exact && station) candidates = SlotCandidates(*station, s.point);
    auto fits = [&](const std::string& point) {
      return HasLedger(s.station, point) &&
             LedgerOf(s.station, point).Add({s.start_at, s.end_at, owner, expires_at});
    };
    auto it = std::find_if(candidates.begin(), candidates.end(), fits);
    if (it == candidates.end()) {
      FreePoints(owner, {slots.begin(), slots.begin() + static_cast<std::ptrdiff_t>(placed)});
      return Fail(Errc::kUnavailable, "no free compatible point at " + s.station + " from " +
                                          FormatTime(s.start_at) + " to " + FormatTime(s.end_at));
    }
    s.point = *it;
    ++placed;
  }
  return {};
}

void ReservationBook::FreePoints(const std::string& owner, const std::vector<Slot>& slots) {
  for (const auto& s : slots) LedgerOf(s.station, s.point).Remove(owner, s.start_at);
}

Status ReservationBook::BookSlots(const std::string& owner, const std::vector<Slot>& slots,
                                  const ExtraWrite& extra) {
  std::optional<runtime::KeyedLocks::Guard> guard;
  guard.emplace(station_locks_.Lock(StationsOf(slots)));
  std::vector<core::Interval> holds;
  for (const auto& s : slots) {
    const auto& ivs = LedgerOf(s.station, s.point).intervals();
    auto it = ivs.find(s.start_at);
    if (it == ivs.end() || it->second.owner != owner) {
      return Fail(Errc::kNotFound, "no hold of " + owner + " at " + s.station + "/" + s.point);
    }
    holds.push_back(it->second);
  }
  // Booked in the ledgers first (a booking never expires, so no sweep frees it
  // while the write is in flight), then the stations are released once the
  // write is queued; a failed write turns the bookings back into the holds.
  for (const auto& s : slots) (void)LedgerOf(s.station, s.point).MakeBooking(owner, s.start_at);
  auto write = [&](const std::function<void()>& queued) {
    return store_.Write(
        [&](runtime::Tx& tx) -> Status {
          auto w = records::FirmBookings(tx, owner);
          if (!w) return w;
          return extra ? extra(tx) : Status{};
        },
        queued);
  };
  auto undo = [&] {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      auto& ledger = LedgerOf(slots[i].station, slots[i].point);
      ledger.Remove(owner, slots[i].start_at);
      (void)ledger.Add(holds[i]);
    }
  };
  if (auto st = WriteThenRelease(guard, StationsOf(slots), write, undo); !st) return st;
  std::lock_guard lock(mu_);
  for (const auto& s : slots) dirty_stations_.insert(s.station);
  return {};
}

Status ReservationBook::ReleaseSlots(const std::string& owner, const std::vector<Slot>& slots,
                                     const ExtraWrite& extra) {
  auto guard = station_locks_.Lock(StationsOf(slots));
  auto st = store_.Write([&](runtime::Tx& tx) -> Status {
    auto w = records::DeleteBookings(tx, owner);
    if (!w) return w;
    return extra ? extra(tx) : Status{};
  });
  if (!st) return st;
  for (const auto& s : slots) LedgerOf(s.station, s.point).Remove(owner, s.start_at);
  std::lock_guard lock(mu_);
  for (const auto& s : slots) dirty_stations_.insert(s.station);
  return {};
}

}  // namespace tripmesh::company
