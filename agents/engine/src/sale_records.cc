#include "tripmesh/engine/sale_records.h"

#include <fmt/format.h>

namespace tripmesh::engine {
namespace {

Status Bodies(runtime::Tx& tx, std::string_view sql, const std::vector<runtime::Value>& args,
              const BodyFn& each) {
  return tx.Query(sql, args, [&](const runtime::Row& row) { each(row.Str(0)); });
}

}  // namespace

SaleRecords::SaleRecords(std::string_view table, std::string_view requester,
                         std::initializer_list<SaleColumn> more)
    : more_(more.size()),
      table_(table),
      by_id_(fmt::format("SELECT body FROM {} WHERE id=?", table)),
      by_id_of_(fmt::format("SELECT body FROM {} WHERE id=? AND {}=?", table, requester)),
      by_request_(fmt::format(
          "SELECT body FROM {} WHERE {}=? AND request_id=? ORDER BY created_at, id LIMIT 1", table,
          requester)),
      of_(fmt::format("SELECT body FROM {} WHERE {}=? ORDER BY created_at, id", table, requester)),
      all_(fmt::format("SELECT body FROM {}", table)),
      status_of_(fmt::format("SELECT status FROM {} WHERE id=?", table)) {
  std::string names, marks, updates;
  for (const auto& c : more) {
    names += fmt::format(", {}", c.name);
    marks += ",?";
    if (c.rewritten) updates += fmt::format(", {0}=excluded.{0}", c.name);
  }
  save_ = fmt::format(
      "INSERT INTO {}(id, {}, request_id, status, created_at, body{}) VALUES(?,?,?,?,?,?{})"
      " ON CONFLICT(id) DO UPDATE SET status=excluded.status, body=excluded.body{}",
      table, requester, names, marks, updates);
}

Status SaleRecords::Save(runtime::Tx& tx, const SaleRow& row) const {
  if (row.more.size() != more_) {
    return Fail(Errc::kInternal, fmt::format("a row of {} needs {} columns of its own, not {}",
                                             table_, more_, row.more.size()));
  }
  std::vector<runtime::Value> args = {
      row.id,         row.requester,
      row.request_id, std::string(schemas::ReservationStatusName(row.status)),
      row.created_at, row.body};
  args.insert(args.end(), row.more.begin(), row.more.end());
  return tx.Exec(save_, args);
}

Status SaleRecords::ById(runtime::Tx& tx, const std::string& id, const BodyFn& each) const {
  return Bodies(tx, by_id_, {id}, each);
}

Status SaleRecords::ByIdOf(runtime::Tx& tx, const std::string& id, const std::string& requester,
                           const BodyFn& each) const {
  return Bodies(tx, by_id_of_, {id, requester}, each);
}

Status SaleRecords::ByRequest(runtime::Tx& tx, const std::string& requester,
                              const std::string& request_id, const BodyFn& each) const {
  return Bodies(tx, by_request_, {requester, request_id}, each);
}

Status SaleRecords::Of(runtime::Tx& tx, const std::string& requester, const BodyFn& each) const {
  return Bodies(tx, of_, {requester}, each);
}

Status SaleRecords::WithStatus(runtime::Tx& tx,
                               std::initializer_list<schemas::ReservationStatus> statuses,
                               const BodyFn& each) const {
  std::string in;
  std::vector<runtime::Value> names;
  for (auto s : statuses) {
    in += in.empty() ? "?" : ",?";
    names.emplace_back(std::string(schemas::ReservationStatusName(s)));
  }
  return Bodies(
      tx,
      fmt::format("SELECT body FROM {} WHERE status IN ({}) ORDER BY created_at, id", table_, in),
      names, each);
}

Status SaleRecords::All(runtime::Tx& tx, const BodyFn& each) const {
  return Bodies(tx, all_, {}, each);
}

Result<std::optional<schemas::ReservationStatus>> SaleRecords::StatusOf(
    runtime::Tx& tx, const std::string& id) const {
  std::optional<std::string> name;
  auto st = tx.Query(status_of_, {id}, [&](const runtime::Row& row) { name = row.Str(0); });
  if (!st) return tl::unexpected<Error>(st.error());
  if (!name) return std::nullopt;
  auto status = schemas::ParseReservationStatus(*name);
  if (!status) return Fail(Errc::kInternal, "a stored reservation has status " + *name);
  return status;
}

}  // namespace tripmesh::engine
