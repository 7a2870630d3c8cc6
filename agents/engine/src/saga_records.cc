#include "saga_records.h"

#include <map>

namespace tripmesh::engine::saga_records {
namespace {

runtime::Value OptionalTime(const std::optional<Time>& t) {
  return t ? runtime::Value{*t} : runtime::Value{nullptr};
}

}  // namespace

Status CreateTables(runtime::Tx& tx) {
  for (const char* sql : {
           "CREATE TABLE IF NOT EXISTS engine_sagas(saga_id TEXT PRIMARY KEY,"
           " requester TEXT NOT NULL, request_id TEXT NOT NULL, step TEXT NOT NULL,"
           " outcome TEXT, hold_only BIGINT NOT NULL, created_at BIGINT NOT NULL,"
           " expires_at BIGINT, error_code TEXT, error_message TEXT, body TEXT NOT NULL)",
           "CREATE TABLE IF NOT EXISTS engine_saga_parts(saga_id TEXT NOT NULL,"
           " participant TEXT NOT NULL, request TEXT NOT NULL, held TEXT NOT NULL,"
           " PRIMARY KEY(saga_id, participant))",
       }) {
    if (auto st = tx.Exec(sql); !st) return st;
  }
  return {};
}

Status Save(runtime::Tx& tx, const SagaRecord& r) {
  runtime::Value outcome = nullptr, code = nullptr, message = nullptr;
  if (r.outcome) outcome = std::string(schemas::ReservationStatusName(*r.outcome));
  if (r.error) {
    code = std::string(ErrcName(r.error->code));
    message = r.error->message;
  }
  auto st = tx.Exec(
      "INSERT INTO engine_sagas(saga_id, requester, request_id, step, outcome, hold_only,"
      " created_at, expires_at, error_code, error_message, body) VALUES(?,?,?,?,?,?,?,?,?,?,?)"
      " ON CONFLICT(saga_id) DO UPDATE SET step=excluded.step, outcome=excluded.outcome,"
      " expires_at=excluded.expires_at, error_code=excluded.error_code,"
      " error_message=excluded.error_message, body=excluded.body",
      {r.saga_id, r.requester, r.request_id, std::string(SagaStepName(r.step)), outcome,
       std::int64_t{r.hold_only ? 1 : 0}, r.created_at, OptionalTime(r.expires_at), code, message,
       r.body});
  if (!st) return st;
  for (const auto& [participant, part] : r.parts) {
    st = tx.Exec(
        "INSERT INTO engine_saga_parts(saga_id, participant, request, held) VALUES(?,?,?,?)"
        " ON CONFLICT(saga_id, participant) DO UPDATE SET held=excluded.held",
        {r.saga_id, participant, part.request, part.held});
    if (!st) return st;
  }
  return {};
}

Status SelectAll(runtime::Tx& tx, const std::function<void(SagaRecord)>& each) {
  std::map<std::string, std::map<std::string, SagaRecord::Part>> parts;
  auto st = tx.Query("SELECT saga_id, participant, request, held FROM engine_saga_parts", {},
                     [&](const runtime::Row& row) {
                       parts[row.Str(0)][row.Str(1)] = {row.Str(2), row.Str(3)};
                     });
  if (!st) return st;
  return tx.Query(
      "SELECT saga_id, requester, request_id, step, outcome, hold_only, created_at, expires_at,"
      " error_code, error_message, body FROM engine_sagas ORDER BY created_at, saga_id",
      {}, [&](const runtime::Row& row) {
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
        r.parts = std::move(parts[r.saga_id]);
        each(std::move(r));
      });
}

}  // namespace tripmesh::engine::saga_records
