// The airline's tables and every statement on them: air_reservations (each
// reservation's JSON in `body`; its passenger and request id also as columns,
// to find a reservation that left memory, and a saga's part its coordinator;
// its rows saved and read by the engine's SaleRecords) and air_seats (one row
// per seat a held or confirmed reservation has on a leg), air_released_early.
// The seats' primary key is (leg, seat): the store itself refuses a seat sold
// twice.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tripmesh/base/result.h"
#include "tripmesh/engine/part.h"
#include "tripmesh/engine/sale_records.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::airline::records {

[[nodiscard]] Status CreateTables(runtime::Tx& tx);
// The coordinator of a part stored before parts named theirs: any airline's
// saga messages reach it.
using engine::kAnyCoordinator;

// The reservation's row, and its seats: those it has, none once it has ended.
// `coordinator`: the airline whose saga this part is, "" for a passenger's
// own sale; kept from the first save.
[[nodiscard]] Status Save(runtime::Tx& tx, const schemas::AirReservation& r,
                          const std::string& coordinator = "");
// The air_reservations table, saved and read as the engine does a profile's
// (by passenger), with a column of its own: a part's coordinator.
const engine::SaleRecords& Reservations();
// What names each reservation: its id, and its passenger's request id.
struct ReservationKeys {
  std::string id, passenger, request_id;
};
[[nodiscard]] Status SelectKeys(runtime::Tx& tx,
                                const std::function<void(const ReservationKeys&)>& each);
// The coordinator Save was given for `id`; none when there is no such reservation.
[[nodiscard]] Result<std::optional<std::string>> SelectCoordinator(runtime::Tx& tx,
                                                                   const std::string& id);
// (id, coordinator) of every held part of a saga.
[[nodiscard]] Status SelectHeldParts(
    runtime::Tx& tx,
    const std::function<void(const std::string& id, const std::string& coordinator)>& each);
// Every seat row: (leg, seat, owner).
[[nodiscard]] Status SelectSeats(
    runtime::Tx& tx, const std::function<void(const std::string& leg, const std::string& seat,
                                              const std::string& owner)>& each);

// Sagas compensated before their request arrived (air_released_early): a
// request that comes later, even after a restart, is refused.
[[nodiscard]] Status InsertReleasedEarly(runtime::Tx& tx, const std::string& saga_id);
[[nodiscard]] Status SelectReleasedEarly(runtime::Tx& tx,
                                         const std::function<void(const std::string&)>& each);

}  // namespace tripmesh::airline::records
