#include "saga_records.h"

#include <charconv>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>

namespace tripmesh::engine::saga_records {
namespace {

constexpr std::int64_t kMigrationLock = 0x656e67696e65;  // any constant of the engine's

runtime::Value OptionalTime(const std::optional<Time>& t) {
  return t ? runtime::Value{*t} : runtime::Value{nullptr};
}

// The parts in one column, each field as "<length>:<bytes>" (participant,
// request, held, for each part), so any encoding of the profile's fits. One
// column is one b-tree write where a row per part was several, on every
// step of every saga.
void Field(std::string& out, std::string_view v) {
  out += std::to_string(v.size());
  out += ':';
  out += v;
}

std::optional<std::string> TakeField(std::string_view& s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + colon, n);
  if (ec != std::errc() || end != s.data() + colon || n > s.size() - colon - 1) return std::nullopt;
  std::string v(s.substr(colon + 1, n));
  s.remove_prefix(colon + 1 + n);
  return v;
}

std::string EncodeParts(const std::map<std::string, SagaRecord::Part>& parts) {
  std::string out;
  for (const auto& [participant, part] : parts) {
    Field(out, participant);
    Field(out, part.request);
    Field(out, part.held);
  }
  return out;
}

std::map<std::string, SagaRecord::Part> DecodeParts(std::string_view s) {
  std::map<std::string, SagaRecord::Part> parts;
  while (!s.empty()) {
    auto participant = TakeField(s), request = TakeField(s), held = TakeField(s);
    if (!participant || !request || !held) break;  // not ours: the rest is unreadable
    parts[*participant] = {std::move(*request), std::move(*held)};
  }
  return parts;
}

// Stores made before the parts had their column get it; their parts stay
// in engine_saga_parts, which Load still reads for them.
Result<bool> HasPartsColumn(runtime::Tx& tx) {
  return runtime::HasColumn(tx, "engine_sagas", "parts");
}

Status AddPartsColumn(runtime::Tx& tx) {
  if (tx.kind() == runtime::StoreKind::kPostgres) {
    return tx.Exec("ALTER TABLE engine_sagas ADD COLUMN IF NOT EXISTS parts TEXT");
  }
  auto present = HasPartsColumn(tx);
  if (!present) return tl::unexpected<Error>(present.error());
  if (*present) return {};
  return tx.Exec("ALTER TABLE engine_sagas ADD COLUMN parts TEXT");
}

}  // namespace

Status CreateTables(runtime::Tx& tx) {
  if (tx.kind() == runtime::StoreKind::kPostgres) {
    // Agents sharing one database (a standby beside the serving one) create
    // and alter the tables one at a time.
    auto st = tx.Query("SELECT pg_advisory_xact_lock(?)", {kMigrationLock}, [](const auto&) {});
    if (!st) return st;
  }
  for (const char* sql : {
           "CREATE TABLE IF NOT EXISTS engine_sagas(saga_id TEXT PRIMARY KEY,"
           " requester TEXT NOT NULL, request_id TEXT NOT NULL, step TEXT NOT NULL,"
           " outcome TEXT, hold_only BIGINT NOT NULL, created_at BIGINT NOT NULL,"
           " expires_at BIGINT, error_code TEXT, error_message TEXT, body TEXT NOT NULL,"
           " parts TEXT)",
           "CREATE INDEX IF NOT EXISTS engine_sagas_requester"
           " ON engine_sagas(requester, request_id)",
           "CREATE TABLE IF NOT EXISTS engine_saga_parts(saga_id TEXT NOT NULL,"
           " participant TEXT NOT NULL, request TEXT NOT NULL, held TEXT NOT NULL,"
           " PRIMARY KEY(saga_id, participant))",
       }) {
    if (auto st = tx.Exec(sql); !st) return st;
  }
  return AddPartsColumn(tx);
}

Status Save(runtime::Tx& tx, const SagaRecord& r, bool with_parts) {
  runtime::Value outcome = nullptr, code = nullptr, message = nullptr, parts = nullptr;
  if (r.outcome) outcome = std::string(schemas::ReservationStatusName(*r.outcome));
  if (r.error) {
    code = std::string(ErrcName(r.error->code));
    message = r.error->message;
  }
  if (with_parts) parts = EncodeParts(r.parts);
  return tx.Exec(
      "INSERT INTO engine_sagas(saga_id, requester, request_id, step, outcome, hold_only,"
      " created_at, expires_at, error_code, error_message, body, parts)"
      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT(saga_id) DO UPDATE SET step=excluded.step, outcome=excluded.outcome,"
      " expires_at=excluded.expires_at, error_code=excluded.error_code,"
      " error_message=excluded.error_message, body=excluded.body,"
      " parts=COALESCE(excluded.parts, engine_sagas.parts)",
      {r.saga_id, r.requester, r.request_id, std::string(SagaStepName(r.step)), outcome,
       std::int64_t{r.hold_only ? 1 : 0}, r.created_at, OptionalTime(r.expires_at), code, message,
       r.body, parts});
}

namespace {

constexpr const char* kColumns =
    "saga_id, requester, request_id, step, outcome, hold_only, created_at, expires_at,"
    " error_code, error_message, body, ";

SagaRecord RecordOf(const runtime::Row& row) {
  SagaRecord r;
  r.saga_id = row.Str(0);
  r.requester = row.Str(1);
  r.request_id = row.Str(2);
  r.step = ParseSagaStep(row.Str(3)).value_or(SagaStep::kAborting);
  if (!row.IsNull(4)) r.outcome = schemas::ParseReservationStatus(row.Str(4));
  r.hold_only = row.Int(5) != 0;
  r.created_at = row.Int(6);
  if (!row.IsNull(7)) r.expires_at = row.Int(7);
  if (!row.IsNull(8)) {
    Error e{Errc::kInternal, row.Str(9), ""};
    if (!ParseErrc(row.Str(8), e.code)) e.code = Errc::kInternal;
    r.error = std::move(e);
  }
  r.body = row.Str(10);
  if (!row.IsNull(11)) r.parts = DecodeParts(row.Str(11));
  return r;
}

// Rows of engine_sagas `where` says, with their parts from either place;
// `parts` is the column's name, or NULL for a store made before it.
Status Select(runtime::Tx& tx, const std::string& where, const std::vector<runtime::Value>& args,
              std::string_view parts, const std::function<void(SagaRecord)>& each) {
  // Only stores from before the parts column have rows here.
  std::map<std::string, std::map<std::string, SagaRecord::Part>> old_parts;
  auto st = tx.Query(
      "SELECT saga_id, participant, request, held FROM engine_saga_parts"
      " WHERE saga_id IN (SELECT saga_id FROM engine_sagas" +
          where + ")",
      args, [&](const runtime::Row& row) {
        old_parts[row.Str(0)][row.Str(1)] = {row.Str(2), row.Str(3)};
      });
  if (!st) return st;
  return tx.Query(std::string("SELECT ") + kColumns + std::string(parts) + " FROM engine_sagas" +
                      where + " ORDER BY created_at, saga_id",
                  args, [&](const runtime::Row& row) {
                    SagaRecord r = RecordOf(row);
                    if (row.IsNull(11)) r.parts = std::move(old_parts[r.saga_id]);
                    each(std::move(r));
                  });
}

}  // namespace

// The one read a checker may make of a store an older version left, so the
// only one that looks at what the store has; the agent's own reads come
// after Load made the tables.
Status SelectAll(runtime::Tx& tx, const std::function<void(SagaRecord)>& each,
                 bool unfinished_only) {
  auto present = runtime::HasTable(tx, "engine_sagas");
  if (!present) return tl::unexpected<Error>(present.error());
  if (!*present) return {};  // a store no agent of this version has opened
  auto with_column = HasPartsColumn(tx);
  if (!with_column) return tl::unexpected<Error>(with_column.error());
  return Select(tx, unfinished_only ? " WHERE step != 'done'" : "", {},
                *with_column ? "parts" : "NULL", each);
}

Status SelectOne(runtime::Tx& tx, const std::string& saga_id,
                 const std::function<void(SagaRecord)>& each) {
  return Select(tx, " WHERE saga_id = ?", {saga_id}, "parts", each);
}

Status SelectOf(runtime::Tx& tx, const std::string& requester,
                const std::optional<std::string>& request_id,
                const std::function<void(SagaRecord)>& each) {
  if (request_id) {
    return Select(tx, " WHERE requester = ? AND request_id = ?", {requester, *request_id}, "parts",
                  each);
  }
  return Select(tx, " WHERE requester = ?", {requester}, "parts", each);
}

}  // namespace tripmesh::engine::saga_records
