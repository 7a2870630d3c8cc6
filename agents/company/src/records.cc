#include "records.h"

#include <array>
#include <iterator>
#include <string_view>

namespace tripmesh::company::records {
namespace {

// Version 1: every table, as the SQLite stores made before versioning have them
// (BIGINT is INTEGER to SQLite).
constexpr const char* kTables[] = {
    "CREATE TABLE IF NOT EXISTS reservations("
    " id TEXT PRIMARY KEY, vehicle TEXT NOT NULL, request_id TEXT, status TEXT NOT NULL,"
    " created_at BIGINT NOT NULL, expires_at BIGINT, body TEXT NOT NULL, due_at BIGINT)",
    "CREATE INDEX IF NOT EXISTS reservations_by_vehicle ON reservations(vehicle)",
    "CREATE INDEX IF NOT EXISTS reservations_by_request ON reservations(vehicle, request_id)",
    // due_at: for a confirmed reservation, the start of its first stop the
    // vehicle has not checked in at (the no-show sweep looks there).
    "CREATE INDEX IF NOT EXISTS reservations_by_due ON reservations(due_at)",
    // reservation_id names the owner: a local reservation, or the saga id of a
    // saga's items held here as a participant.
    "CREATE TABLE IF NOT EXISTS bookings("
    " reservation_id TEXT NOT NULL, station TEXT NOT NULL,"
    " point TEXT NOT NULL, start_at BIGINT NOT NULL, end_at BIGINT NOT NULL, expires_at BIGINT,"
    " PRIMARY KEY(station, point, start_at))",
    "CREATE INDEX IF NOT EXISTS bookings_by_reservation ON bookings(reservation_id)",
    "CREATE TABLE IF NOT EXISTS saga_parts("
    " saga_id TEXT PRIMARY KEY, coordinator TEXT NOT NULL, reservation_id TEXT NOT NULL,"
    " vehicle TEXT NOT NULL, state TEXT NOT NULL, expires_at BIGINT, ack TEXT NOT NULL)",
    // A point its operator took out of service (an OCPI status other than
    // AVAILABLE) from since until `until` (NULL: until further notice).
    "CREATE TABLE IF NOT EXISTS point_status("
    " station TEXT NOT NULL, point TEXT NOT NULL, status TEXT NOT NULL, since BIGINT NOT NULL,"
    " until BIGINT, reason TEXT, PRIMARY KEY(station, point))",
    // saga.changed messages a participant resends until their coordinator takes them.
    "CREATE TABLE IF NOT EXISTS saga_outbox("
    " change_id TEXT PRIMARY KEY, saga_id TEXT NOT NULL, coordinator TEXT NOT NULL,"
    " payload TEXT NOT NULL)",
    // The company's own catalogue: its info, and each station's JSON (points
    // and tariffs included). Seeded from data/ once; the admin ops change it.
    "CREATE TABLE IF NOT EXISTS catalogue_info(company TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS catalogue_stations(id TEXT PRIMARY KEY, body TEXT NOT NULL)",
};

// Each version once, in order; a store records the versions it has
// (schema_version). Version 1 runs kTables; the others follow. Lists end at
// the first null.
struct Migration {
  int version;
  const char* what;
  std::array<const char*, 4> sqlite;
  std::array<const char*, 4> postgres;
};
constexpr Migration kMigrations[] = {
    {1, "tables", {}, {}},
    // Two writers on one database still cannot book one point twice at
    // overlapping times: the database itself refuses ([start, end) ranges).
    {2,
     "bookings never overlap",
     {},
     {"CREATE EXTENSION IF NOT EXISTS btree_gist",
      "ALTER TABLE bookings ADD CONSTRAINT bookings_never_overlap EXCLUDE USING gist"
      " (station WITH =, point WITH =, int8range(start_at, end_at) WITH &&)"}},
};
constexpr std::int64_t kMigrationLock = 0x7472697061676e74;  // any constant of ours

constexpr const char* kSelectPart =
    "SELECT saga_id, coordinator, reservation_id, vehicle, state, expires_at, ack FROM saga_parts";

runtime::Value Opt(const std::optional<Time>& t) {
  return t ? runtime::Value(*t) : runtime::Value(nullptr);
}
runtime::Value Opt(const std::string& s) {
  return s.empty() ? runtime::Value(nullptr) : runtime::Value(s);
}
std::optional<Time> OptTime(const runtime::Row& row, std::size_t i) {
  return row.IsNull(i) ? std::nullopt : std::optional<Time>(row.Int(i));
}

// Stores made before due_at existed get the column before its index.
Status AddDueAt(runtime::Tx& tx) {
  bool table = false, present = false;
  auto st = tx.Query("PRAGMA table_info(reservations)", {}, [&](const runtime::Row& row) {
    table = true;
    present = present || row.Str(1) == "due_at";
  });
  if (!st || !table || present) return st;
  return tx.Exec("ALTER TABLE reservations ADD COLUMN due_at INTEGER");
}

PartRow PartOf(const runtime::Row& row) {
  return {.saga_id = row.Str(0),
          .coordinator = row.Str(1),
          .reservation_id = row.Str(2),
          .vehicle = row.Str(3),
          .state = row.Str(4),
          .expires_at = OptTime(row, 5),
          .ack = row.Str(6)};
}

}  // namespace

Status CreateTables(runtime::Tx& tx) {
  bool postgres = tx.kind() == runtime::StoreKind::kPostgres;
  if (postgres) {
    // Agents of one company starting together migrate one at a time.
    auto st = tx.Query("SELECT pg_advisory_xact_lock(?)", {kMigrationLock}, [](const auto&) {});
    if (!st) return st;
  } else if (auto st = AddDueAt(tx); !st) {
    return st;
  }
  auto st = tx.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version(version BIGINT PRIMARY KEY, what TEXT NOT NULL)");
  if (!st) return st;
  std::int64_t current = 0;
  st = tx.Query("SELECT max(version) FROM schema_version", {},
                [&](const runtime::Row& row) { current = row.IsNull(0) ? 0 : row.Int(0); });
  if (!st) return st;
  for (const auto& m : kMigrations) {
    if (m.version <= current) continue;
    if (m.version == 1) {
      for (const char* sql : kTables) {
        if (st = tx.Exec(sql); !st) return st;
      }
    }
    for (const char* sql : postgres ? m.postgres : m.sqlite) {
      if (!sql) break;
      if (st = tx.Exec(sql); !st) return st;
    }
    st = tx.Exec("INSERT INTO schema_version(version, what) VALUES(?,?)",
                 {std::int64_t{m.version}, std::string(m.what)});
    if (!st) return st;
  }
  return {};
}

std::int64_t SchemaVersion() { return std::size(kMigrations); }

const engine::SaleRecords& Reservations() {
  static const engine::SaleRecords kReservations("reservations", "vehicle",
                                                 {{"expires_at"}, {"due_at"}});
  return kReservations;
}

std::vector<runtime::Value> ReservationColumns(std::optional<Time> expires_at,
                                               std::optional<Time> due_at) {
  return {Opt(expires_at), Opt(due_at)};
}

Status MoveBooking(runtime::Tx& tx, const std::string& station, const std::string& from_point,
                   Time start_at, const std::string& to_point) {
  return tx.Exec("UPDATE bookings SET point=? WHERE station=? AND point=? AND start_at=?",
                 {to_point, station, from_point, start_at});
}

Status DeleteBooking(runtime::Tx& tx, const std::string& station, const std::string& point,
                     Time start_at) {
  return tx.Exec("DELETE FROM bookings WHERE station=? AND point=? AND start_at=?",
                 {station, point, start_at});
}

Status InsertOutbox(runtime::Tx& tx, const OutboxRow& o) {
  return tx.Exec(
      "INSERT INTO saga_outbox(change_id, saga_id, coordinator, payload) VALUES(?,?,?,?)"
      " ON CONFLICT(change_id) DO UPDATE SET saga_id=excluded.saga_id,"
      " coordinator=excluded.coordinator, payload=excluded.payload",
      {o.change_id, o.saga_id, o.coordinator, o.payload});
}

Status DeleteOutbox(runtime::Tx& tx, const std::string& change_id) {
  return tx.Exec("DELETE FROM saga_outbox WHERE change_id=?", {change_id});
}

Status SelectOutbox(runtime::Tx& tx, const std::function<void(const OutboxRow&)>& each) {
  return tx.Query("SELECT change_id, saga_id, coordinator, payload FROM saga_outbox", {},
                  [&](const runtime::Row& row) {
                    each({.change_id = row.Str(0),
                          .saga_id = row.Str(1),
                          .coordinator = row.Str(2),
                          .payload = row.Str(3)});
                  });
}

Status UpsertPointStatus(runtime::Tx& tx, const PointStatusRow& p) {
  return tx.Exec(
      "INSERT INTO point_status(station, point, status, since, until, reason) VALUES(?,?,?,?,?,?)"
      " ON CONFLICT(station, point) DO UPDATE SET status=excluded.status, since=excluded.since,"
      " until=excluded.until, reason=excluded.reason",
      {p.station, p.point, p.status, p.since, Opt(p.until), Opt(p.reason)});
}

Status DeletePointStatus(runtime::Tx& tx, const std::string& station, const std::string& point) {
  return tx.Exec("DELETE FROM point_status WHERE station=? AND point=?", {station, point});
}

Status SelectPointStatuses(runtime::Tx& tx,
                           const std::function<void(const PointStatusRow&)>& each) {
  return tx.Query("SELECT station, point, status, since, until, reason FROM point_status", {},
                  [&](const runtime::Row& row) {
                    each({.station = row.Str(0),
                          .point = row.Str(1),
                          .status = row.Str(2),
                          .since = row.Int(3),
                          .until = OptTime(row, 4),
                          .reason = row.IsNull(5) ? std::string() : row.Str(5)});
                  });
}

Status SelectDue(
    runtime::Tx& tx, const std::string& status, Time by, int limit,
    const std::function<void(const std::string& vehicle, const std::string& id)>& each) {
  return tx.Query("SELECT vehicle, id FROM reservations WHERE due_at <= ? AND status=? LIMIT ?",
                  {by, status, std::int64_t{limit}},
                  [&](const runtime::Row& row) { each(row.Str(0), row.Str(1)); });
}

Status InsertBooking(runtime::Tx& tx, const BookingRow& b) {
  return tx.Exec(
      "INSERT INTO bookings(reservation_id, station, point, start_at, end_at, expires_at)"
      " VALUES(?,?,?,?,?,?)",
      {b.owner, b.station, b.point, b.start_at, b.end_at, Opt(b.expires_at)});
}

Status FirmBookings(runtime::Tx& tx, const std::string& owner) {
  return tx.Exec("UPDATE bookings SET expires_at=NULL WHERE reservation_id=?", {owner});
}

Status DeleteBookings(runtime::Tx& tx, const std::string& owner) {
  return tx.Exec("DELETE FROM bookings WHERE reservation_id=?", {owner});
}

Status SelectBookings(runtime::Tx& tx, const std::function<void(const BookingRow&)>& each) {
  return tx.Query(
      "SELECT reservation_id, station, point, start_at, end_at, expires_at FROM bookings", {},
      [&](const runtime::Row& row) {
        each({.owner = row.Str(0),
              .station = row.Str(1),
              .point = row.Str(2),
              .start_at = row.Int(3),
              .end_at = row.Int(4),
              .expires_at = OptTime(row, 5)});
      });
}

Status ReadLegacySagas(runtime::Tx& tx, const std::function<void(const LegacySagaRow&)>& each) {
  auto present = runtime::HasTable(tx, "sagas");
  if (!present) return tl::unexpected<Error>(present.error());
  if (!*present) return {};
  return tx.Query(
      "SELECT saga_id, reservation_id, state, outcome, hold_only, request_id, body FROM sagas"
      " WHERE state != 'done'",
      {}, [&](const runtime::Row& row) {
        each({.saga_id = row.Str(0),
              .reservation_id = row.Str(1),
              .state = row.Str(2),
              .outcome = row.IsNull(3) ? std::nullopt : std::optional<std::string>(row.Str(3)),
              .hold_only = row.Int(4) != 0,
              .request_id = row.IsNull(5) ? "" : row.Str(5),
              .body = row.Str(6)});
      });
}

Status TakeLegacySagas(runtime::Tx& tx, const std::function<void(const LegacySagaRow&)>& each) {
  auto present = runtime::HasTable(tx, "sagas");
  if (!present) return tl::unexpected<Error>(present.error());
  if (!*present) return {};
  if (auto st = ReadLegacySagas(tx, each); !st) return st;
  return tx.Exec("DROP TABLE sagas");
}

Status UpsertPart(runtime::Tx& tx, const PartRow& p) {
  return tx.Exec(
      "INSERT INTO saga_parts(saga_id, coordinator, reservation_id, vehicle, state, expires_at,"
      " ack) VALUES(?,?,?,?,?,?,?) ON CONFLICT(saga_id) DO UPDATE SET state=excluded.state,"
      " expires_at=excluded.expires_at, ack=excluded.ack",
      {p.saga_id, p.coordinator, p.reservation_id, p.vehicle, p.state, Opt(p.expires_at), p.ack});
}

Status SelectPart(runtime::Tx& tx, const std::string& saga_id,
                  const std::function<void(const PartRow&)>& each) {
  return tx.Query(std::string(kSelectPart) + " WHERE saga_id=?", {saga_id},
                  [&](const runtime::Row& row) { each(PartOf(row)); });
}

Status SelectParts(runtime::Tx& tx, const std::optional<std::string>& state,
                   const std::function<void(const PartRow&)>& each) {
  std::vector<runtime::Value> args;
  if (state) args.emplace_back(*state);
  return tx.Query(std::string(kSelectPart) + (state ? " WHERE state=?" : ""), args,
                  [&](const runtime::Row& row) { each(PartOf(row)); });
}

Status UpsertCatalogueInfo(runtime::Tx& tx, const std::string& company, const std::string& body) {
  return tx.Exec(
      "INSERT INTO catalogue_info(company, body) VALUES(?,?)"
      " ON CONFLICT(company) DO UPDATE SET body=excluded.body",
      {company, body});
}

Status UpsertCatalogueStation(runtime::Tx& tx, const std::string& id, const std::string& body) {
  return tx.Exec(
      "INSERT INTO catalogue_stations(id, body) VALUES(?,?)"
      " ON CONFLICT(id) DO UPDATE SET body=excluded.body",
      {id, body});
}

Status DeleteCatalogueStation(runtime::Tx& tx, const std::string& id) {
  return tx.Exec("DELETE FROM catalogue_stations WHERE id=?", {id});
}

Status SelectCatalogue(runtime::Tx& tx, const BodyFn& info, const BodyFn& each_station) {
  auto st = tx.Query("SELECT body FROM catalogue_info", {},
                     [&](const runtime::Row& row) { info(row.Str(0)); });
  if (!st) return st;
  return tx.Query("SELECT body FROM catalogue_stations ORDER BY id", {},
                  [&](const runtime::Row& row) { each_station(row.Str(0)); });
}

}  // namespace tripmesh::company::records
