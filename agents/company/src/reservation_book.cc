#include "reservation_book.h"

#include <fmt/format.h>

#include <algorithm>

#include "tripmesh/base/ids.h"
#include "tripmesh/core/money.h"
#include "tripmesh/core/planner.h"
#include "tripmesh/engine/sale.h"
#include "tripmesh/runtime/log.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {

Error ForRequester(const Error& e) {
  if (!e.internal_words) return e;
  runtime::Log(runtime::LogLevel::kWarn, "store error kept from a requester: {}", e.message);
  if (e.code == Errc::kConflict) {
    return {Errc::kConflict,
            "a point of this reservation was taken at the same moment by another; plan again",
            e.field};
  }
  return {Errc::kInternal,
          "the company's store failed (the details are in its log); try again shortly", e.field};
}
namespace {

std::optional<Time> DueAt(const schemas::Reservation& r) {
  if (r.status != schemas::ReservationStatus::kConfirmed) return std::nullopt;
  std::optional<Time> due;
  for (const auto& i : r.items) {
    if (!i.checked_in_at && !i.lost_at && (!due || i.start_at < *due)) due = i.start_at;
  }
  return due;
}

}  // namespace

engine::SaleRow ReservationBook::RowOf(const schemas::Reservation& r,
                                       const std::string& request_id) {
  schemas::Reservation body = r;
  body.request_id.clear();
  return {.id = r.reservation_id,
          .requester = r.vehicle,
          .request_id = request_id,
          .status = r.status,
          .created_at = r.created_at,
          .body = schemas::Encode(body),
          .more = records::ReservationColumns(r.expires_at, DueAt(r))};
}

std::string ReservationBook::NewReservationId(const std::string& company) {
  return "r-" + company + "-" + RandomHex();
}

ReservationBook::ReservationBook(std::string company, const WorldView& world, runtime::Store& store,
                                 const core::Clock& clock)
    : company_(std::move(company)), world_(world), store_(store), clock_(clock) {
  auto now = world_.Now();
  if (const auto* cat = now->FindCompany(company_)) {
    for (const auto& s : cat->stations) {
      for (const auto& p : s.points) ledgers_.emplace(Key(s.id, p.id), core::PointLedger{});
    }
  }
}

Status ReservationBook::Load() {
  std::vector<schemas::Reservation> loaded;
  std::vector<std::pair<core::Interval, PointKey>> intervals;
  auto st = store_.Write([&](runtime::Tx& tx) -> Status {
    if (auto s = records::CreateTables(tx); !s) return s;
    auto q = records::Reservations().WithStatus(
        tx, {schemas::ReservationStatus::kHeld}, [&](const std::string& body) {
          if (auto r = schemas::Decode<schemas::Reservation>(body)) loaded.push_back(std::move(*r));
        });
    if (!q) return q;
    if (auto o = LoadOutages(tx); !o) return o;
    return records::SelectBookings(tx, [&](const records::BookingRow& b) {
      intervals.emplace_back(core::Interval{b.start_at, b.end_at, b.owner, b.expires_at},
                             Key(b.station, b.point));
    });
  });
  if (!st) return st;
  for (const auto& r : loaded) Remember(r);
  for (auto& [iv, key] : intervals) {
    // A point the catalogue no longer has keeps the bookings it had (its
    // past), on a ledger of its own.
    auto it = ledgers_.try_emplace(key).first;
    if (auto s = it->second.Add(std::move(iv)); !s) {
      return Fail(Errc::kInternal, "stored bookings overlap on " + key);
    }
  }
  for (const auto& [key, o] : outages_) {
    if (!ledgers_.at(key).Add({o.since, o.until, OutageOwner(o.station, o.point), {}})) {
      return Fail(Errc::kInternal, "a stored booking lies in the outage of " + key);
    }
  }
  ExpireHolds();
  return {};
}

core::PointLedger& ReservationBook::LedgerOf(const std::string& station, const std::string& point) {
  // A planner looks up hundreds of points per plan: build the key in a buffer
  // this thread keeps, not in a new string each time.
  thread_local std::string key;
  key.assign(station).append("/").append(point);
  std::shared_lock lock(ledgers_mu_);
  return ledgers_.at(key);
}

bool ReservationBook::HasLedger(const std::string& station, const std::string& point) const {
  std::shared_lock lock(ledgers_mu_);
  return ledgers_.count(Key(station, point)) > 0;
}

void ReservationBook::AddPoints(const schemas::Station& s) {
  std::unique_lock lock(ledgers_mu_);
  for (const auto& p : s.points) ledgers_.try_emplace(Key(s.id, p.id));
}

int ReservationBook::BookingsAfter(const std::string& station, const std::string& point,
                                   Time t) const {
  auto guard = station_locks_.Lock({station});
  std::shared_lock lock(ledgers_mu_);
  auto it = ledgers_.find(Key(station, point));
  if (it == ledgers_.end()) return 0;
  int n = 0;
  std::string outage = OutageOwner(station, point);
  for (const auto& [start, iv] : it->second.intervals()) {
    if (iv.end > t && iv.owner != outage) ++n;
  }
  return n;
}

std::vector<std::string_view> ReservationBook::StationsOf(
    const std::vector<schemas::ReservationItem>& items) const {
  std::vector<std::string_view> keys;
  keys.reserve(items.size());
  for (const auto& i : items) keys.push_back(i.station);
  return keys;
}

void ReservationBook::Remember(const schemas::Reservation& r) {
  std::lock_guard lock(mu_);
  bool held = r.status == schemas::ReservationStatus::kHeld && r.expires_at && !IsCrossCompany(r);
  if (held) {
    hold_vehicles_[r.reservation_id] = r.vehicle;
  } else {
    hold_vehicles_.erase(r.reservation_id);
  }
  hold_expiries_.Set(r.reservation_id, held ? r.expires_at : std::nullopt);
}

void ReservationBook::MarkDirty(const std::vector<schemas::ReservationItem>& items) {
  std::lock_guard lock(mu_);
  for (const auto& i : items) dirty_stations_.insert(i.station);
}

std::set<std::string> ReservationBook::TakeDirtyStations() {
  std::lock_guard lock(mu_);
  return std::exchange(dirty_stations_, {});
}

Status ReservationBook::Persist(const schemas::Reservation& r, const PersistOptions& o) {
  bool held = r.status == schemas::ReservationStatus::kHeld;
  engine::SaleRow row = RowOf(r, o.request_id);
  return store_.Write(
      [&](runtime::Tx& tx) -> Status {
        auto st = records::Reservations().Save(tx, row);
        if (!st) return st;
        switch (o.bookings) {
          case Bookings::kKeep:
            break;
          case Bookings::kDelete:
            st = records::DeleteBookings(tx, r.reservation_id);
            break;
          case Bookings::kMakeFirm:
            st = records::FirmBookings(tx, r.reservation_id);
            break;
          case Bookings::kInsert:
            for (const auto& i : r.items) {
              st = records::InsertBooking(tx, {.owner = r.reservation_id,
                                               .station = i.station,
                                               .point = i.point,
                                               .start_at = i.start_at,
                                               .end_at = i.end_at,
                                               .expires_at = held ? r.expires_at : std::nullopt});
              if (!st) return st;
            }
            break;
        }
        if (!st) return st;
        return o.also ? o.also(tx) : Status{};
      },
      o.queued);
}

double ReservationBook::TotalCost(const std::vector<schemas::ReservationItem>& items) {
  double cost = 0;
  for (const auto& i : items) {
    if (!i.lost_at) cost += i.cost;  // a lost stop is not charged
  }
  return core::RoundToCents(cost);
}

Result<schemas::Reservation> ReservationBook::FromPlan(const std::string& company,
                                                       const std::string& vehicle,
                                                       const schemas::Plan& plan, Time now) {
  schemas::Reservation r;
  r.reservation_id = NewReservationId(company);
  r.vehicle = vehicle;
  r.created_at = now;
  for (const auto& s : plan.stops) {
    if (s.start_at < now - kPastGraceS) {
      return Fail(Errc::kExpired,
                  "the plan's stop at " + s.station + " started in the past; plan again");
    }
    r.items.push_back({.company = s.company,
                       .station = s.station,
                       .city = s.city,
                       .point = s.point,
                       .start_at = s.start_at,
                       .end_at = s.end_at,
                       .kwh = s.kwh,
                       .cost = s.cost});
  }
  r.cost = TotalCost(r.items);
  return r;
}

Result<schemas::Reservation> ReservationBook::Reserve(const std::string& vehicle,
                                                      const std::string& request_id,
                                                      const schemas::Plan& plan, Time hold_ttl_s) {
  Time now = clock_.Now();
  for (const auto& s : plan.stops) {
    if (s.company != company_) {
      return Fail(Errc::kInternal,
                  "stop at " + s.station + " belongs to " + s.company + ": a saga must reserve it");
    }
  }
  auto made = FromPlan(company_, vehicle, plan, now);
  if (!made) return made;
  schemas::Reservation& r = *made;
  bool hold = hold_ttl_s > 0;
  if (hold) r.expires_at = now + hold_ttl_s;

  std::optional<runtime::KeyedLocks::Guard> guard;
  guard.emplace(station_locks_.Lock(StationsOf(r.items)));
  std::optional<Error> failure;
  auto world = world_.Now();
  for (const auto& item : r.items) {
    if (!world->FindStation(item.station)) {
      failure = Error{Errc::kNotFound, "unknown station " + item.station, "plan_id"};
    }
  }
  // The planned point, or one with its connector that charges at least as
  // fast, so the planned energy still fits the window.
  std::vector<Slot> slots;
  slots.reserve(r.items.size());
  for (const auto& i : r.items) slots.push_back({i.station, i.point, i.start_at, i.end_at});
  if (!failure) {
    if (auto taken = TakePoints(r.reservation_id, slots, r.expires_at, false); !taken) {
      failure = taken.error();
    }
  }
  for (std::size_t i = 0; i < slots.size() && !failure; ++i) r.items[i].point = slots[i].point;
  if (failure) {
    r.status = schemas::ReservationStatus::kFailed;
    r.error = *failure;
    r.expires_at.reset();
  } else {
    r.status = hold ? schemas::ReservationStatus::kHeld : schemas::ReservationStatus::kConfirmed;
  }
  auto write = [&](const std::function<void()>& queued) {
    return Persist(r, {.request_id = request_id,
                       .bookings = failure ? Bookings::kKeep : Bookings::kInsert,
                       .queued = queued});
  };
  auto undo = [&] {
    if (!failure) FreePoints(r.reservation_id, slots);
  };
  if (auto st = WriteThenRelease(guard, StationsOf(r.items), write, undo); !st) {
    return tl::unexpected<Error>(st.error());
  }
  Remember(r);
  if (!failure) MarkDirty(r.items);
  if (listener_) listener_(r);
  return r;
}

Result<schemas::Reservation> ReservationBook::Get(const std::string& vehicle,
                                                  const std::string& id) const {
  auto r = engine::ReadOne<schemas::Reservation>(
      store_, [&](runtime::Tx& tx, const records::BodyFn& each) {
        return records::Reservations().ByIdOf(tx, id, vehicle, each);
      });
  if (!r) return tl::unexpected<Error>(r.error());
  if (!*r) {
    return Fail(Errc::kNotFound, "no reservation " + id + " for vehicle " + vehicle,
                "reservation_id");
  }
  return **r;
}

Result<std::vector<schemas::Reservation>> ReservationBook::List(const std::string& vehicle) const {
  return engine::ReadAll<schemas::Reservation>(
      store_, [&](runtime::Tx& tx, const records::BodyFn& each) {
        return records::Reservations().Of(tx, vehicle, each);
      });
}

Result<schemas::Reservation> ReservationBook::GetLocked(
    const std::string& vehicle, const std::string& id,
    std::optional<runtime::KeyedLocks::Guard>& guard) const {
  auto current = Get(vehicle, id);
  if (!current) return current;
  guard.emplace(station_locks_.Lock(StationsOf(current->items)));
  return Get(vehicle, id);  // again, under the stations' locks
}

class ReservationBook::Keeper {
 public:
  using Sale = schemas::Reservation;
  explicit Keeper(ReservationBook& book) : book_(book) {}

  Result<Sale> Take(const std::string& vehicle, const std::string& id) {
    auto r = book_.GetLocked(vehicle, id, guard_);
    if (r && book_.IsCrossCompany(*r))
      return Fail(Errc::kInternal, id + " is coordinated by a saga");
    return r;
  }

  static engine::SaleNow Now(const Sale& r) { return {r.status, r.expires_at}; }

  Result<Sale> Book(const Sale& held) {
    const std::string& id = held.reservation_id;
    for (const auto& item : held.items) {
      if (auto st = book_.LedgerOf(item.station, item.point).MakeBooking(id, item.start_at); !st) {
        return Fail(Errc::kInternal, "ledger lost a hold of " + id);
      }
    }
    Sale r = held;
    r.status = schemas::ReservationStatus::kConfirmed;
    r.expires_at.reset();
    if (auto st = book_.Persist(r, {.bookings = Bookings::kMakeFirm}); !st) {
      for (const auto& item : r.items) {
        book_.LedgerOf(item.station, item.point).Remove(id, item.start_at);
        (void)book_.LedgerOf(item.station, item.point)
            .Add({item.start_at, item.end_at, id, held.expires_at});
      }
      return tl::unexpected<Error>(st.error());
    }
    return Changed(r);
  }

  Result<Sale> End(const Sale& was, schemas::ReservationStatus outcome) {
    Sale r = was;
    r.status = outcome;
    if (outcome != schemas::ReservationStatus::kExpired) r.expires_at.reset();
    if (auto st = book_.Persist(r, {.bookings = Bookings::kDelete}); !st)
      return tl::unexpected<Error>(st.error());
    for (const auto& item : r.items) {
      book_.LedgerOf(item.station, item.point).Remove(r.reservation_id, item.start_at);
    }
    return Changed(r);
  }

 private:
  // Durable and in the ledgers: tracked, its stations marked, announced.
  Result<Sale> Changed(const Sale& r) {
    book_.Remember(r);
    book_.MarkDirty(r.items);
    if (book_.listener_) book_.listener_(r);
    return r;
  }

  ReservationBook& book_;
  std::optional<runtime::KeyedLocks::Guard> guard_;  // the stations' locks, once taken
};

Result<schemas::Reservation> ReservationBook::Confirm(const std::string& vehicle,
                                                      const std::string& id) {
  Keeper keeper(*this);
  return engine::RunConfirm(keeper, vehicle, id, clock_);
}

Result<schemas::Reservation> ReservationBook::Cancel(const std::string& vehicle,
                                                     const std::string& id) {
  return Release(vehicle, id, schemas::ReservationStatus::kCancelled);
}

Result<schemas::Reservation> ReservationBook::EndAsNoShow(const std::string& vehicle,
                                                          const std::string& id) {
  return Release(vehicle, id, schemas::ReservationStatus::kNoShow);
}

Result<schemas::Reservation> ReservationBook::CheckIn(const std::string& vehicle,
                                                      const std::string& id,
                                                      const std::string& station) {
  // Under the stations' locks, like confirm and cancel, so a check-in and the
  // no-show sweep never both decide.
  std::optional<runtime::KeyedLocks::Guard> guard;
  auto current = GetLocked(vehicle, id, guard);
  if (!current) return current;
  schemas::Reservation r = *current;
  if (r.status == schemas::ReservationStatus::kFulfilled) return r;
  if (r.status != schemas::ReservationStatus::kConfirmed) {
    return Fail(
        r.status == schemas::ReservationStatus::kNoShow ? Errc::kExpired : Errc::kConflict,
        "reservation " + id + " is " + std::string(schemas::ReservationStatusName(r.status)),
        "reservation_id");
  }
  Time now = clock_.Now();
  schemas::ReservationItem* stop = nullptr;
  for (auto& i : r.items) {
    if (i.station != station || i.lost_at) continue;
    if (i.checked_in_at) return r;  // said twice
    if (!stop || (now >= i.start_at - kEarlyCheckinS && now <= i.end_at)) stop = &i;
  }
  if (!stop) {
    return Fail(Errc::kNotFound, "reservation " + id + " has no stop at " + station, "station");
  }
  if (now < stop->start_at - kEarlyCheckinS) {
    return Fail(Errc::kConflict,
                "too early: the stop at " + station + " starts at " + FormatTime(stop->start_at),
                "station");
  }
  if (now > stop->end_at) {
    return Fail(Errc::kExpired, "the stop at " + station + " ended at " + FormatTime(stop->end_at),
                "station");
  }
  stop->checked_in_at = now;
  bool all = std::all_of(r.items.begin(), r.items.end(),
                         [](const auto& i) { return i.checked_in_at || i.lost_at; });
  if (all) r.status = schemas::ReservationStatus::kFulfilled;
  if (auto st = Persist(r, {}); !st) return tl::unexpected<Error>(st.error());
  if (all && listener_) listener_(r);
  return r;
}

std::vector<std::pair<std::string, std::string>> ReservationBook::DueNoShows(Time now) const {
  std::vector<std::pair<std::string, std::string>> out;
  (void)store_.Read([&](runtime::Tx& tx) {
    return records::SelectDue(
        tx, std::string(schemas::ReservationStatusName(schemas::ReservationStatus::kConfirmed)),
        now - no_show_grace_s_, 256,
        [&](const std::string& vehicle, const std::string& id) { out.emplace_back(vehicle, id); });
  });
  return out;
}

Result<schemas::Reservation> ReservationBook::Release(const std::string& vehicle,
                                                      const std::string& id,
                                                      schemas::ReservationStatus status) {
  Keeper keeper(*this);
  return engine::RunEnd(keeper, vehicle, id, status, clock_);
}

std::size_t ReservationBook::ExpireHolds() {
  Time now = clock_.Now();
  std::vector<std::pair<std::string, std::string>> due;  // (vehicle, id)
  {
    std::lock_guard lock(mu_);
    for (const auto& id : hold_expiries_.Due(now)) due.emplace_back(hold_vehicles_.at(id), id);
  }
  std::size_t expired = 0;
  for (const auto& [vehicle, id] : due) {
    if (Release(vehicle, id, schemas::ReservationStatus::kExpired)) ++expired;
  }
  return expired;
}

Time ReservationBook::EarliestStart(const std::string& station, const std::string& point, Time from,
                                    Time duration) {
  auto lock = station_locks_.LockOne(station);
  return LedgerOf(station, point).EarliestStart(from, duration);
}

Time ReservationBook::Ledgers::EarliestStart(const schemas::Station& station,
                                             const schemas::Point& point, Time from,
                                             Time duration) const {
  auto it = points_.find(&point);
  // A point added after these ledgers were found (an operator's new station).
  if (it == points_.end()) return book_->EarliestStart(station.id, point.id, from, duration);
  std::lock_guard lock(*it->second.station_lock);
  return it->second.ledger->EarliestStart(from, duration);
}

std::shared_ptr<const ReservationBook::Ledgers> ReservationBook::LedgersOf(
    const std::shared_ptr<const core::World>& world) {
  std::lock_guard lock(ledgers_by_point_mu_);
  if (ledgers_by_point_ && ledgers_by_point_->world_.get() == world.get()) return ledgers_by_point_;
  auto made = std::make_shared<Ledgers>();
  made->book_ = this;
  made->world_ = world;
  if (const auto* mine = world->FindCompany(company_)) {
    std::shared_lock read(ledgers_mu_);
    for (const auto& s : mine->stations) {
      for (const auto& p : s.points) {
        auto found = ledgers_.find(Key(s.id, p.id));
        if (found == ledgers_.end()) continue;
        made->points_.emplace(&p, Ledgers::Entry{&station_locks_.StripeOf(s.id), &found->second});
      }
    }
  }
  ledgers_by_point_ = made;
  return made;
}

std::vector<schemas::FreeInterval> ReservationBook::FreeIntervals(const std::string& station,
                                                                  const std::string& point,
                                                                  Time from, Time to) {
  auto guard = station_locks_.Lock({station});
  return LedgerOf(station, point).FreeIntervals(from, to);
}

schemas::StationAvailability ReservationBook::Availability(const schemas::Station& station) {
  schemas::StationAvailability a;
  a.company = company_;
  a.station = station.id;
  a.timestamp = clock_.Now();
  auto guard = station_locks_.Lock({station.id});
  for (const auto& p : station.points) {
    const auto& ledger = LedgerOf(station.id, p.id);
    auto out = outages_.find(Key(station.id, p.id));
    if (out != outages_.end() && out->second.since <= a.timestamp &&
        a.timestamp < out->second.until) {
      std::optional<Time> back;
      if (out->second.until < kNever) back = ledger.NextFreeAt(a.timestamp);
      a.points.push_back({p.id, std::string(schemas::PointStatusName(out->second.status)), back});
      continue;
    }
    a.points.push_back({p.id, ledger.StatusAt(a.timestamp), ledger.NextFreeAt(a.timestamp)});
  }
  return a;
}

schemas::StationSchedule ReservationBook::Schedule(const schemas::Station& station, Time span) {
  schemas::StationSchedule out;
  out.company = company_;
  out.station = station.id;
  out.timestamp = out.from = clock_.Now();
  out.to = out.from + span;
  auto guard = station_locks_.Lock({station.id});
  for (const auto& p : station.points) {
    auto& point = out.points.emplace_back(schemas::PointSchedule{p.id, {}});
    std::string outage = OutageOwner(station.id, p.id);
    for (const auto& [start, iv] : LedgerOf(station.id, p.id).intervals()) {
      if (start >= out.to) break;
      if (iv.end <= out.from || (iv.expires_at && *iv.expires_at <= out.from)) continue;
      auto kind = iv.owner == outage ? schemas::SlotKind::kOutage
                  : iv.expires_at    ? schemas::SlotKind::kHold
                                     : schemas::SlotKind::kBooking;
      point.taken.push_back({std::max(iv.start, out.from), std::min(iv.end, out.to), kind});
    }
  }
  return out;
}

std::map<std::string, std::vector<core::Interval>> ReservationBook::Snapshot() {
  // The keys first: a station's lock is never awaited under ledgers_mu_.
  std::vector<PointKey> keys;
  {
    std::shared_lock lock(ledgers_mu_);
    for (const auto& [key, ledger] : ledgers_) keys.push_back(key);
  }
  std::map<std::string, std::vector<core::Interval>> out;
  for (const auto& key : keys) {
    std::string station = key.substr(0, key.find('/'));
    auto guard = station_locks_.Lock({station});
    for (const auto& [start, iv] : LedgerOf(station, key.substr(station.size() + 1)).intervals()) {
      out[key].push_back(iv);
    }
  }
  return out;
}

bool ReservationBook::IsCrossCompany(const schemas::Reservation& r) const {
  return std::any_of(r.items.begin(), r.items.end(),
                     [&](const auto& i) { return i.company != company_; });
}

Status ReservationBook::Record(const schemas::Reservation& r, const std::string& request_id,
                               const std::function<Status(runtime::Tx&)>& also) {
  if (auto st = Persist(r, {.request_id = request_id, .also = also}); !st) return st;
  Remember(r);
  if (listener_) listener_(r);
  return {};
}

Result<std::optional<schemas::Reservation>> ReservationBook::FindByRequest(
    const std::string& vehicle, const std::string& request_id) const {
  if (request_id.empty()) return std::optional<schemas::Reservation>();
  return engine::ReadOne<schemas::Reservation>(
      store_, [&](runtime::Tx& tx, const records::BodyFn& each) {
        return records::Reservations().ByRequest(tx, vehicle, request_id, each);
      });
}

}  // namespace tripmesh::company
