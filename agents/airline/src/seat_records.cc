#include "seat_records.h"

namespace tripmesh::airline::records {
namespace {

bool Active(schemas::ReservationStatus s) {
  return s == schemas::ReservationStatus::kHeld || s == schemas::ReservationStatus::kConfirmed;
}

}  // namespace

Status CreateTables(runtime::Tx& tx) {
  for (const char* sql : {
           "CREATE TABLE IF NOT EXISTS air_reservations(id TEXT PRIMARY KEY,"
           " passenger TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL,"
           " body TEXT NOT NULL)",
           "CREATE TABLE IF NOT EXISTS air_seats(leg_id TEXT NOT NULL, seat TEXT NOT NULL,"
           " owner TEXT NOT NULL, PRIMARY KEY(leg_id, seat))",
           "CREATE INDEX IF NOT EXISTS air_seats_owner ON air_seats(owner)",
           "CREATE TABLE IF NOT EXISTS air_released_early(saga_id TEXT PRIMARY KEY)",
       }) {
    if (auto st = tx.Exec(sql); !st) return st;
  }
  return {};
}

Status Save(runtime::Tx& tx, const schemas::AirReservation& r) {
  auto st = tx.Exec(
      "INSERT INTO air_reservations(id, passenger, status, created_at, body) VALUES(?,?,?,?,?)"
      " ON CONFLICT(id) DO UPDATE SET status=excluded.status, body=excluded.body",
      {r.reservation_id, r.passenger, std::string(schemas::ReservationStatusName(r.status)),
       r.created_at, schemas::Encode(r)});
  if (!st) return st;
  if (st = tx.Exec("DELETE FROM air_seats WHERE owner=?", {r.reservation_id}); !st) return st;
  if (!Active(r.status)) return {};
  for (const auto& leg : r.legs) {
    for (const auto& seat : leg.seats) {
      st = tx.Exec("INSERT INTO air_seats(leg_id, seat, owner) VALUES(?,?,?)",
                   {leg.leg_id, seat, r.reservation_id});
      if (!st) return st;
    }
  }
  return {};
}

Status SelectReservations(runtime::Tx& tx, const std::function<void(const std::string&)>& each) {
  return tx.Query("SELECT body FROM air_reservations ORDER BY created_at, id", {},
                  [&](const runtime::Row& row) { each(row.Str(0)); });
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
