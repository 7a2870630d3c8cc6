#include "seat_records.h"

#include <utility>
#include <vector>

#include "tripmesh/air/seat_book.h"

namespace tripmesh::airline::records {
namespace {

// A store made before settled reservations left memory has no request_id
// column: added, and filled from the bodies, once.
Status AddRequestIds(runtime::Tx& tx) {
  auto has = runtime::HasColumn(tx, "air_reservations", "request_id");
  if (!has) return tl::unexpected<Error>(has.error());
  if (*has) return {};
  auto st = tx.Exec("ALTER TABLE air_reservations ADD COLUMN request_id TEXT NOT NULL DEFAULT ''");
  if (!st) return st;
  std::vector<std::pair<std::string, std::string>> ids;  // (id, request_id)
  st = tx.Query("SELECT id, body FROM air_reservations", {}, [&](const runtime::Row& row) {
    auto r = schemas::Decode<schemas::AirReservation>(row.Str(1));
    if (r && !r->request_id.empty()) ids.emplace_back(row.Str(0), r->request_id);
  });
  for (const auto& [id, request_id] : ids) {
    if (!st) break;
    st = tx.Exec("UPDATE air_reservations SET request_id=? WHERE id=?", {request_id, id});
  }
  return st;
}

// A store made before a saga's part named its coordinator has no
// coordinator column: added, and the parts then in it (their ids are the
// saga's, "s" + the itinerary's) answer any coordinator, as they did.
Status AddCoordinators(runtime::Tx& tx) {
  auto has = runtime::HasColumn(tx, "air_reservations", "coordinator");
  if (!has) return tl::unexpected<Error>(has.error());
  if (*has) return {};
  auto st = tx.Exec("ALTER TABLE air_reservations ADD COLUMN coordinator TEXT NOT NULL DEFAULT ''");
  if (!st) return st;
  return tx.Exec("UPDATE air_reservations SET coordinator=? WHERE id LIKE 's%'",
                 {std::string(kAnyCoordinator)});
}

}  // namespace

Status CreateTables(runtime::Tx& tx) {
  for (const char* sql : {
           "CREATE TABLE IF NOT EXISTS air_reservations(id TEXT PRIMARY KEY,"
           " passenger TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL,"
           " body TEXT NOT NULL, request_id TEXT NOT NULL DEFAULT '')",
           "CREATE TABLE IF NOT EXISTS air_seats(leg_id TEXT NOT NULL, seat TEXT NOT NULL,"
           " owner TEXT NOT NULL, PRIMARY KEY(leg_id, seat))",
           "CREATE INDEX IF NOT EXISTS air_seats_owner ON air_seats(owner)",
           "CREATE TABLE IF NOT EXISTS air_released_early(saga_id TEXT PRIMARY KEY)",
       }) {
    if (auto st = tx.Exec(sql); !st) return st;
  }
  if (auto st = AddRequestIds(tx); !st) return st;
  if (auto st = AddCoordinators(tx); !st) return st;
  return tx.Exec(
      "CREATE INDEX IF NOT EXISTS air_reservations_by_passenger"
      " ON air_reservations(passenger, request_id)");
}

Status Save(runtime::Tx& tx, const schemas::AirReservation& r, const std::string& coordinator) {
  auto st = Reservations().Save(tx, {.id = r.reservation_id,
                                     .requester = r.passenger,
                                     .request_id = r.request_id,
                                     .status = r.status,
                                     .created_at = r.created_at,
                                     .body = schemas::Encode(r),
                                     .more = {coordinator}});
  if (!st) return st;
  if (st = tx.Exec("DELETE FROM air_seats WHERE owner=?", {r.reservation_id}); !st) return st;
  if (!air::HoldsSeats(r.status)) return {};
  for (const auto& leg : r.legs) {
    for (const auto& seat : leg.seats) {
      st = tx.Exec("INSERT INTO air_seats(leg_id, seat, owner) VALUES(?,?,?)",
                   {leg.leg_id, seat, r.reservation_id});
      if (!st) return st;
    }
  }
  return {};
}

const engine::SaleRecords& Reservations() {
  // A part's coordinator stays as the first save wrote it.
  static const engine::SaleRecords kReservations("air_reservations", "passenger",
                                                 {{"coordinator", false}});
  return kReservations;
}

Status SelectKeys(runtime::Tx& tx, const std::function<void(const ReservationKeys&)>& each) {
  return tx.Query("SELECT id, passenger, request_id FROM air_reservations", {},
                  [&](const runtime::Row& row) {
                    each({row.Str(0), row.Str(1), row.Str(2)});
                  });
}

Result<std::optional<std::string>> SelectCoordinator(runtime::Tx& tx, const std::string& id) {
  std::optional<std::string> coordinator;
  auto st = tx.Query("SELECT coordinator FROM air_reservations WHERE id=?", {id},
                     [&](const runtime::Row& row) { coordinator = row.Str(0); });
  if (!st) return tl::unexpected<Error>(st.error());
  return coordinator;
}

Status SelectHeldParts(
    runtime::Tx& tx,
    const std::function<void(const std::string& id, const std::string& coordinator)>& each) {
  return tx.Query(
      "SELECT id, coordinator FROM air_reservations WHERE status='held' AND coordinator<>''", {},
      [&](const runtime::Row& row) { each(row.Str(0), row.Str(1)); });
}

Status SelectSeats(
    runtime::Tx& tx,
    const std::function<void(const std::string&, const std::string&, const std::string&)>& each) {
  return tx.Query("SELECT leg_id, seat, owner FROM air_seats ORDER BY leg_id, seat", {},
                  [&](const runtime::Row& row) { each(row.Str(0), row.Str(1), row.Str(2)); });
}

Status InsertReleasedEarly(runtime::Tx& tx, const std::string& saga_id) {
  return tx.Exec("INSERT INTO air_released_early(saga_id) VALUES(?) ON CONFLICT DO NOTHING",
                 {saga_id});
}

Status SelectReleasedEarly(runtime::Tx& tx, const std::function<void(const std::string&)>& each) {
  return tx.Query("SELECT saga_id FROM air_released_early", {},
                  [&](const runtime::Row& row) { each(row.Str(0)); });
}

}  // namespace tripmesh::airline::records
