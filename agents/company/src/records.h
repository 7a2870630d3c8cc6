// A company's tables and every statement on them: reservations (its rows
// saved and read by the engine's SaleRecords), bookings, saga_parts and
// saga_outbox (the participant's), point_status and the catalogue. The sagas
// it coordinates are the engine's (engine_sagas). Nothing else in the company
// writes SQL; the checker reads through here too. States are stored by name;
// their owners parse them.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/engine/sale_records.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::company::records {

// Creates what is missing, and moves an older store's tables forward: each
// schema version once, recorded in the store's schema_version table.
[[nodiscard]] Status CreateTables(runtime::Tx& tx);
// The version a store is at once CreateTables has run.
std::int64_t SchemaVersion();

// ---- reservations: one row per reservation, its JSON in `body` ----
using engine::BodyFn;

// The reservations table, written and read as the engine does a profile's
// (by vehicle), with two columns of its own: the hold's expiry, and for a
// confirmed reservation the start of its first stop not checked in at.
const engine::SaleRecords& Reservations();
std::vector<runtime::Value> ReservationColumns(std::optional<Time> expires_at,
                                               std::optional<Time> due_at);
// (vehicle, id) of up to `limit` reservations in `status` due at or before `by`.
[[nodiscard]] Status SelectDue(
    runtime::Tx& tx, const std::string& status, Time by, int limit,
    const std::function<void(const std::string& vehicle, const std::string& id)>& each);

// ---- bookings: a point's interval, held (expires_at) or booked ----
struct BookingRow {
  std::string owner;  // a local reservation's id, or the saga id of a saga's part
  std::string station, point;
  Time start_at = 0, end_at = 0;
  std::optional<Time> expires_at;
};

[[nodiscard]] Status InsertBooking(runtime::Tx& tx, const BookingRow& b);
// The owner's holds become bookings.
[[nodiscard]] Status FirmBookings(runtime::Tx& tx, const std::string& owner);
[[nodiscard]] Status DeleteBookings(runtime::Tx& tx, const std::string& owner);
[[nodiscard]] Status SelectBookings(runtime::Tx& tx,
                                    const std::function<void(const BookingRow&)>& each);
// The booking at (station, point, start_at) moves to another point of the station.
[[nodiscard]] Status MoveBooking(runtime::Tx& tx, const std::string& station,
                                 const std::string& from_point, Time start_at,
                                 const std::string& to_point);
[[nodiscard]] Status DeleteBooking(runtime::Tx& tx, const std::string& station,
                                   const std::string& point, Time start_at);

// ---- saga_outbox: the participant's saga.changed, until its coordinator acks ----
struct OutboxRow {
  std::string change_id, saga_id, coordinator;
  std::string payload;  // the encoded saga.changed
};

[[nodiscard]] Status InsertOutbox(runtime::Tx& tx, const OutboxRow& o);
[[nodiscard]] Status DeleteOutbox(runtime::Tx& tx, const std::string& change_id);
[[nodiscard]] Status SelectOutbox(runtime::Tx& tx,
                                  const std::function<void(const OutboxRow&)>& each);

// ---- point_status: points out of service, as their operator set them ----
struct PointStatusRow {
  std::string station, point;
  std::string status;  // an OCPI EVSE status other than AVAILABLE
  Time since = 0;
  std::optional<Time> until;  // none: until further notice
  std::string reason;
};

[[nodiscard]] Status UpsertPointStatus(runtime::Tx& tx, const PointStatusRow& p);
[[nodiscard]] Status DeletePointStatus(runtime::Tx& tx, const std::string& station,
                                       const std::string& point);
[[nodiscard]] Status SelectPointStatuses(runtime::Tx& tx,
                                         const std::function<void(const PointStatusRow&)>& each);

// ---- sagas: where stores made before the engine kept the sagas they coordinate ----
struct LegacySagaRow {
  std::string saga_id, reservation_id, state;
  std::optional<std::string> outcome;
  bool hold_only = false;
  std::string request_id, body;  // body: the reservation's JSON
};

// The unfinished rows of the old `sagas` table, if the store has one.
[[nodiscard]] Status ReadLegacySagas(runtime::Tx& tx,
                                     const std::function<void(const LegacySagaRow&)>& each);
// The same, once: the table is dropped.
[[nodiscard]] Status TakeLegacySagas(runtime::Tx& tx,
                                     const std::function<void(const LegacySagaRow&)>& each);

// ---- saga_parts: the participant's, the ack it gave in `ack` ----
struct PartRow {
  std::string saga_id, coordinator, reservation_id, vehicle, state;
  std::optional<Time> expires_at;
  std::string ack;
};

[[nodiscard]] Status UpsertPart(runtime::Tx& tx, const PartRow& p);
[[nodiscard]] Status SelectPart(runtime::Tx& tx, const std::string& saga_id,
                                const std::function<void(const PartRow&)>& each);
// Every part, or those in `state`.
[[nodiscard]] Status SelectParts(runtime::Tx& tx, const std::optional<std::string>& state,
                                 const std::function<void(const PartRow&)>& each);

// ---- catalogue_info, catalogue_stations: the company's own catalogue ----
[[nodiscard]] Status UpsertCatalogueInfo(runtime::Tx& tx, const std::string& company,
                                         const std::string& body);
[[nodiscard]] Status UpsertCatalogueStation(runtime::Tx& tx, const std::string& id,
                                            const std::string& body);
[[nodiscard]] Status DeleteCatalogueStation(runtime::Tx& tx, const std::string& id);
// The info's body (none in a store not seeded yet), then each station's, by id.
[[nodiscard]] Status SelectCatalogue(runtime::Tx& tx, const BodyFn& info,
                                     const BodyFn& each_station);

}  // namespace tripmesh::company::records
