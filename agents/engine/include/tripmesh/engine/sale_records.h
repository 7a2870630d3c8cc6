// Where a profile keeps its reservations: one row each, with its id, whose
// it is (the requester column: a vehicle, a passenger), the request that made
// it, its status, when it was made, and the reservation itself as JSON in
// `body`. The charging profile's table is `reservations` (by `vehicle`), the
// air profile's `air_reservations` (by `passenger`); each makes its table
// (with columns of its own) and says what goes in a row. Writing and reading
// the rows is the engine's.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::engine {

using BodyFn = std::function<void(const std::string& body)>;

// A column of a profile's own in its reservations table: its name, and
// whether a save of a row already there writes it again (else the first
// save's value stays).
struct SaleColumn {
  std::string_view name;
  bool rewritten = true;
};

// One reservation's row.
struct SaleRow {
  std::string id, requester;
  std::string request_id;  // "" when none
  schemas::ReservationStatus status = schemas::ReservationStatus::kHeld;
  Time created_at = 0;
  std::string body;
  std::vector<runtime::Value> more;  // the profile's own columns, in the order named
};

class SaleRecords {
 public:
  SaleRecords(std::string_view table, std::string_view requester,
              std::initializer_list<SaleColumn> more = {});

  // Inserts the row, or for one already there writes its status, its body
  // and the rewritten columns of the profile's own. kInternal when `row`
  // does not give every column of the profile's own.
  [[nodiscard]] Status Save(runtime::Tx& tx, const SaleRow& row) const;

  [[nodiscard]] Status ById(runtime::Tx& tx, const std::string& id, const BodyFn& each) const;
  // Only when it is `requester`'s.
  [[nodiscard]] Status ByIdOf(runtime::Tx& tx, const std::string& id, const std::string& requester,
                              const BodyFn& each) const;
  // What `requester`'s request `request_id` made (the first, should it have made several).
  [[nodiscard]] Status ByRequest(runtime::Tx& tx, const std::string& requester,
                                 const std::string& request_id, const BodyFn& each) const;
  // `requester`'s reservations, oldest first.
  [[nodiscard]] Status Of(runtime::Tx& tx, const std::string& requester, const BodyFn& each) const;
  // Those in any of `statuses`, oldest first.
  [[nodiscard]] Status WithStatus(runtime::Tx& tx,
                                  std::initializer_list<schemas::ReservationStatus> statuses,
                                  const BodyFn& each) const;
  // Every reservation, in no particular order.
  [[nodiscard]] Status All(runtime::Tx& tx, const BodyFn& each) const;
  // The status of `id` as its row says; none when there is no such row.
  [[nodiscard]] Result<std::optional<schemas::ReservationStatus>> StatusOf(
      runtime::Tx& tx, const std::string& id) const;

 private:
  std::size_t more_ = 0;
  std::string table_, save_, by_id_, by_id_of_, by_request_, of_, all_, status_of_;
};

// The reservations `select` passes the bodies of (in a read of `store`),
// decoded, in its order. kInternal when the store cannot be read or a body
// does not decode.
template <typename Reservation>
[[nodiscard]] Result<std::vector<Reservation>> ReadAll(
    runtime::Store& store, const std::function<Status(runtime::Tx&, const BodyFn&)>& select) {
  std::vector<Reservation> out;
  std::optional<Error> unreadable;
  auto st = store.Read([&](runtime::Tx& tx) {
    return select(tx, [&](const std::string& body) {
      auto r = schemas::Decode<Reservation>(body);
      if (r) {
        out.push_back(std::move(*r));
      } else {
        unreadable = r.error();
      }
    });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  if (unreadable) {
    return Fail(Errc::kInternal, "a stored reservation does not decode: " + unreadable->message);
  }
  return out;
}

// The one reservation `select` passes the body of; none when it passes none.
template <typename Reservation>
[[nodiscard]] Result<std::optional<Reservation>> ReadOne(
    runtime::Store& store, const std::function<Status(runtime::Tx&, const BodyFn&)>& select) {
  auto all = ReadAll<Reservation>(store, select);
  if (!all) return tl::unexpected<Error>(all.error());
  if (all->empty()) return std::nullopt;
  return std::optional<Reservation>(std::move(all->back()));
}

}  // namespace tripmesh::engine
