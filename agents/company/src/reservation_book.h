// The reservations of one company and the ledgers of its points. Reservations
// live in the agent's SQLite store (durable before any reply) and are read
// from it; memory holds the ledgers and the live holds, so it stays flat
// however many reservations have been made.
//
// Thread safety: every method may be called from any lane. Work on a station's
// points runs under that station's keyed lock (stations taken in sorted order);
// the reservation index has its own mutex, never held while waiting on the store.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "records.h"
#include "tripmesh/base/expiry_index.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/core/ledger.h"
#include "tripmesh/core/world.h"
#include "tripmesh/runtime/keyed_locks.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/messages.h"
#include "world_view.h"

namespace tripmesh::company {

// What a requester reads of an error: a store's own words (SQLite's) go to
// the log, and the requester gets the code with a sentence a person
// understands. Other errors pass unchanged.
[[nodiscard]] Error ForRequester(const Error& e);

class ReservationBook {
 public:
  // Called with every reservation whose status changed, after it is durable.
  using ChangeListener = std::function<void(const schemas::Reservation&)>;

  ReservationBook(std::string company, const WorldView& world, runtime::Store& store,
                  const core::Clock& clock);

  static constexpr Time kPastGraceS = 300;  // a stop may start this long ago and still be booked
  static std::string NewReservationId(const std::string& company);

  // Creates the tables and loads every booking and live hold into memory.
  [[nodiscard]] Status Load();
  void SetChangeListener(ChangeListener listener) { listener_ = std::move(listener); }

  // A new reservation of the plan's stops (items with their quoted costs, the
  // total in cents), not yet stored; kExpired when a stop already started.
  [[nodiscard]] static Result<schemas::Reservation> FromPlan(const std::string& company,
                                                             const std::string& vehicle,
                                                             const schemas::Plan& plan, Time now);
  // What the stops cost together (lost stops are not charged), to the cent.
  static double TotalCost(const std::vector<schemas::ReservationItem>& items);
  // Books (or holds, with hold_ttl_s > 0) every stop of `plan` at this
  // company. A point taken since planning is swapped for another point of the
  // same station with its connector and no less power (SlotCandidates), for the
  // same window; when none is free the reservation is stored as failed
  // (kUnavailable in its error). The caller answers a repeated (vehicle,
  // request_id) with the first answer (FindByRequest) before it plans: a
  // vehicle's requests run one at a time, so no repeat comes in between, and
  // the store is read once per reservation, not twice.
  [[nodiscard]] Result<schemas::Reservation> Reserve(const std::string& vehicle,
                                                     const std::string& request_id,
                                                     const schemas::Plan& plan, Time hold_ttl_s);
  [[nodiscard]] Result<schemas::Reservation> Confirm(const std::string& vehicle,
                                                     const std::string& id);
  [[nodiscard]] Result<schemas::Reservation> Cancel(const std::string& vehicle,
                                                    const std::string& id);
  [[nodiscard]] Result<schemas::Reservation> Get(const std::string& vehicle,
                                                 const std::string& id) const;
  // kInternal when the store cannot be read (never an empty list instead).
  [[nodiscard]] Result<std::vector<schemas::Reservation>> List(const std::string& vehicle) const;
  // The vehicle arrived at `station`, a stop of its confirmed reservation:
  // allowed from kEarlyCheckinS before the stop starts until it ends. When
  // every stop is checked in the reservation is fulfilled. Also for the
  // coordinator's record of a reservation that spans companies.
  [[nodiscard]] Result<schemas::Reservation> CheckIn(const std::string& vehicle,
                                                     const std::string& id,
                                                     const std::string& station);
  static constexpr Time kEarlyCheckinS = 3600;
  // A stop not checked in this long after its start makes the reservation a no-show.
  void set_no_show_grace(Time seconds) { no_show_grace_s_ = seconds; }
  // Confirmed reservations (vehicle, id) with a stop missed by more than the grace.
  std::vector<std::pair<std::string, std::string>> DueNoShows(Time now) const;
  // Ends a local reservation as no_show and frees every point it held.
  [[nodiscard]] Result<schemas::Reservation> EndAsNoShow(const std::string& vehicle,
                                                         const std::string& id);
  // Releases every hold whose expiry has passed; returns how many reservations expired.
  std::size_t ExpireHolds();

  // Earliest free start for `duration` at a point.
  Time EarliestStart(const std::string& station, const std::string& point, Time from,
                     Time duration);
  // This company's ledgers, found by the points of one world snapshot: a
  // planner asks about hundreds of points a plan, and a pointer is cheaper to
  // look up than a station and point id.
  class Ledgers {
   public:
    // As EarliestStart above, for `point` of `station`, both of the snapshot.
    Time EarliestStart(const schemas::Station& station, const schemas::Point& point, Time from,
                       Time duration) const;
    // How many of the snapshot's points it found a ledger for.
    std::size_t size() const { return points_.size(); }

   private:
    friend class ReservationBook;
    struct Entry {
      std::mutex* station_lock;
      core::PointLedger* ledger;  // a ledger is never erased, nor moved by a rehash
    };
    ReservationBook* book_ = nullptr;
    std::shared_ptr<const core::World> world_;  // its points stay where they are
    std::unordered_map<const schemas::Point*, Entry> points_;
  };
  // The ledgers by `world`'s points: made once for each snapshot.
  std::shared_ptr<const Ledgers> LedgersOf(const std::shared_ptr<const core::World>& world);
  // The OCPI status of each of the station's points now.
  schemas::StationAvailability Availability(const schemas::Station& station);
  // The holds and bookings of the station's points that overlap [now, now + span).
  schemas::StationSchedule Schedule(const schemas::Station& station, Time span);
  std::vector<schemas::FreeInterval> FreeIntervals(const std::string& station,
                                                   const std::string& point, Time from, Time to);
  // Stations whose ledger changed since the last call.
  std::set<std::string> TakeDirtyStations();
  // Every interval of every point, for consistency checks in tests and tools.
  std::map<std::string, std::vector<core::Interval>> Snapshot();

  // ---- the coordinator's record of a reservation that spans companies ----
  // Stores (and announces) `r` as it is; its items live at the participants,
  // so this touches no ledger. Confirm/Cancel/ExpireHolds leave such records alone.
  // `also` runs in the same transaction (the coordinator's saga state).
  [[nodiscard]] Status Record(const schemas::Reservation& r, const std::string& request_id,
                              const std::function<Status(runtime::Tx&)>& also = {});
  // The vehicle's earlier reservation for this request id, if any.
  // kInternal when the store cannot be read.
  [[nodiscard]] Result<std::optional<schemas::Reservation>> FindByRequest(
      const std::string& vehicle, const std::string& request_id) const;
  bool IsCrossCompany(const schemas::Reservation& r) const;

  // ---- points out of service, as their operator sets them ----
  struct Outage {
    std::string station, point;
    schemas::PointStatus status = schemas::PointStatus::kOutOfOrder;
    Time since = 0, until = kNever;
    std::string reason;
  };
  // A booking or hold that was on a point when it went out of service.
  struct Displaced {
    std::string owner;  // a local reservation's id, or a saga's id (a participant's part)
    std::string station, from_point;
    std::string to_point;  // the point it moved to; empty: none was free, it is gone
    Time start_at = 0, end_at = 0;
    std::string reservation_id, vehicle;  // whose stop it was (filled in by its owner's writer)
    std::string coordinator;              // a saga's part: the company coordinating the saga
    std::string reason;                   // why the point is out of service
  };
  // Writes what the owners of displaced parts keep, and fills in their
  // reservation_id and vehicle.
  using DisplacedWrite = std::function<Status(runtime::Tx&, std::vector<Displaced>&)>;
  // Takes a point out of service from now (any status but AVAILABLE; a new
  // status replaces the one it had) or puts it back (AVAILABLE). Every booking
  // and hold on it during the outage moves to another point of its station
  // with the same connector and no less power that is free then
  // (SlotCandidates), or, when none is, is dropped. In the same transaction
  // local reservations follow (a moved stop names its point, a dropped one is
  // marked lost) and `also` writes the rest (the participant's parts). Their
  // listener hears of every local reservation that changed. kNotFound for a
  // point this company does not have.
  [[nodiscard]] Result<std::vector<Displaced>> SetPointStatus(const Outage& outage,
                                                              const DisplacedWrite& also) {
    return SetPointStatuses({outage}, also);
  }
  // The same for several points of one station at once: what was on one of
  // them only moves to a point that stays in service.
  [[nodiscard]] Result<std::vector<Displaced>> SetPointStatuses(const std::vector<Outage>& outages,
                                                                const DisplacedWrite& also);
  // Ledgers for the points of `s` that have none yet (a point the catalogue
  // gained). A point the catalogue lost keeps its ledger, blocked.
  void AddPoints(const schemas::Station& s);
  // Bookings and holds on the point that end after t.
  int BookingsAfter(const std::string& station, const std::string& point, Time t) const;
  // What a vehicle reads of why a stop was lost to `o`.
  // (times in the station's zone).
  std::string LostReason(const Outage& o) const;
  // The point's outage now, if it is out of service.
  std::optional<Outage> OutageOf(const std::string& station, const std::string& point) const;
  // Local reservations changed by an outage (their stops moved or lost), as stored.
  using OutageListener = std::function<void(const schemas::Reservation&, const Displaced&)>;
  void SetOutageListener(OutageListener listener) { outage_listener_ = std::move(listener); }

  // ---- owner-level slots, for the saga participant (owner = saga id) ----
  struct Slot {
    std::string station, point;  // point empty: any free point of the station
    Time start_at = 0, end_at = 0;
  };
  using ExtraWrite = std::function<Status(runtime::Tx&)>;
  // Holds (expires_at set) or books every slot for `owner`, or none. A slot
  // whose point is taken (or empty) gets another point of its station with the
  // same connector that charges at least as fast. `extra` runs in the same
  // transaction and sees the points chosen; with `exact` no other point is tried.
  using PlacedWrite = std::function<Status(runtime::Tx&, const std::vector<Slot>&)>;
  [[nodiscard]] Result<std::vector<Slot>> PlaceSlots(const std::string& owner,
                                                     std::vector<Slot> slots,
                                                     std::optional<Time> expires_at, bool exact,
                                                     const PlacedWrite& extra);
  // Turns the owner's holds at these slots into bookings; kNotFound (nothing
  // changed) when one is no longer held.
  [[nodiscard]] Status BookSlots(const std::string& owner, const std::vector<Slot>& slots,
                                 const ExtraWrite& extra);
  // Removes the owner's holds or bookings at these slots.
  [[nodiscard]] Status ReleaseSlots(const std::string& owner, const std::vector<Slot>& slots,
                                    const ExtraWrite& extra);

 private:
  std::vector<std::string_view> StationsOf(const std::vector<Slot>& slots) const;
  // The points of `station` that may take a slot planned at `point`, best
  // first: that point, then the others with its connector that charge at least
  // as fast, fastest first (any point when `point` is empty or unknown).
  std::vector<std::string> SlotCandidates(const schemas::Station& station,
                                          const std::string& point) const;
  // The one placement routine, for local reservations and saga parts alike:
  // puts every slot on its point or a candidate (with `exact`, only its own
  // point) in the ledgers for `owner`, all or none; sets each slot's point. On
  // failure nothing stays taken and the error names the slot. The caller holds
  // the slots' station locks.
  [[nodiscard]] Status TakePoints(const std::string& owner, std::vector<Slot>& slots,
                                  std::optional<Time> expires_at, bool exact);
  // Frees what TakePoints took (under the same locks).
  void FreePoints(const std::string& owner, const std::vector<Slot>& slots);
  // The one way a change the ledgers already show is written: `write` is
  // given the callback its store write calls once queued, which releases the
  // stations' locks in `guard` (the next writer's commit then comes after this
  // one). When the write fails, the stations are locked again and `undo` puts
  // the ledgers back.
  using QueuedWrite = std::function<Status(const std::function<void()>& queued)>;
  [[nodiscard]] Status WriteThenRelease(std::optional<runtime::KeyedLocks::Guard>& guard,
                                        const std::vector<std::string_view>& stations,
                                        const QueuedWrite& write,
                                        const std::function<void()>& undo);
  using PointKey = std::string;  // "<station>/<point>"
  static PointKey Key(const std::string& station, const std::string& point) {
    return station + "/" + point;
  }
  core::PointLedger& LedgerOf(const std::string& station, const std::string& point);
  bool HasLedger(const std::string& station, const std::string& point) const;
  // Moves a reservation to a final state that frees its points (cancelled,
  // no_show, expired), as engine::DecideEnd allows.
  [[nodiscard]] Result<schemas::Reservation> Release(const std::string& vehicle,
                                                     const std::string& id,
                                                     schemas::ReservationStatus status);
  // A local reservation's points, booked or given back for engine::RunConfirm
  // and RunEnd under its stations' locks (in the .cc).
  class Keeper;
  friend class Keeper;
  // What a write of a reservation does to its rows in `bookings`.
  enum class Bookings {
    kKeep,     // as they are
    kInsert,   // new rows, held until expires_at when the reservation is held
    kDelete,   // gone: the points are free again
    kMakeFirm  // the holds become bookings
  };
  struct PersistOptions {
    std::string request_id;  // recorded once, for a retried request
    Bookings bookings = Bookings::kKeep;
    std::function<Status(runtime::Tx&)> also;  // more writes in the same transaction
    std::function<void()> queued;              // called once the write is queued
  };
  [[nodiscard]] Status Persist(const schemas::Reservation& r, const PersistOptions& o);
  static engine::SaleRow RowOf(const schemas::Reservation& r, const std::string& request_id);
  // Moves (or drops) every interval of others on `o`'s point during the
  // outage, under the station's lock; returns what it did.
  // Blocks each outage's point and moves every interval of others there.
  std::vector<Displaced> Displace(const std::vector<Outage>& outages,
                                  const schemas::Station& station);
  void Undisplace(const std::vector<Displaced>& moved);
  static Status WritePointStatus(runtime::Tx& tx, const Outage& o);
  // The local reservations among the owners, changed as `displaced` says, in tx.
  Result<std::vector<std::pair<schemas::Reservation, Displaced>>> FollowOutage(
      runtime::Tx& tx, std::vector<Displaced>& displaced);
  [[nodiscard]] Status LoadOutages(runtime::Tx& tx);
  static std::string OutageOwner(const std::string& station, const std::string& point) {
    return "outage:" + station + "/" + point;
  }
  // The reservation, read again once its stations' locks are in `guard`.
  [[nodiscard]] Result<schemas::Reservation> GetLocked(
      const std::string& vehicle, const std::string& id,
      std::optional<runtime::KeyedLocks::Guard>& guard) const;
  // Tracks r's hold for expiry while it is held.
  void Remember(const schemas::Reservation& r);
  void MarkDirty(const std::vector<schemas::ReservationItem>& items);
  std::vector<std::string_view> StationsOf(
      const std::vector<schemas::ReservationItem>& items) const;

  std::string company_;
  const WorldView& world_;
  runtime::Store& store_;
  const core::Clock& clock_;
  ChangeListener listener_;
  Time no_show_grace_s_ = 900;
  mutable runtime::KeyedLocks station_locks_;
  // One ledger per point this company has had, each guarded by its
  // station's lock; the map itself by ledgers_mu_ (AddPoints grows it).
  mutable std::shared_mutex ledgers_mu_;
  std::unordered_map<PointKey, core::PointLedger> ledgers_;
  std::mutex ledgers_by_point_mu_;
  std::shared_ptr<const Ledgers> ledgers_by_point_;  // of the last snapshot asked for
  // Points out of service; guarded by their station's lock, like the ledgers.
  std::unordered_map<PointKey, Outage> outages_;
  OutageListener outage_listener_;

  mutable std::mutex mu_;                                       // guards the fields below
  std::unordered_map<std::string, std::string> hold_vehicles_;  // held local reservation -> vehicle
  ExpiryIndex hold_expiries_;
  std::set<std::string> dirty_stations_;
};

}  // namespace tripmesh::company
