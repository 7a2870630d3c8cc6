// Decoders: JSON text -> message struct, with simdjson. They never throw; a
// failure names the offending field (Error::field, dotted path such as
// "vehicle.soc") and the code is kInvalidJson or kInvalidRequest. Unknown
// fields are ignored; a "type" field, when present, must name the message.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "tripmesh/base/result.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::schemas {

// Largest request payload an agent accepts; larger ones get invalid_request.
inline constexpr std::size_t kMaxPayloadBytes = std::size_t{64} * 1024;

// Thread safety: every function here may be called from any thread.
template <typename T>
[[nodiscard]] Result<T> Decode(std::string_view json);

template <>
Result<Catalogue> Decode<Catalogue>(std::string_view);
template <>
Result<Station> Decode<Station>(std::string_view);
template <>
Result<Map> Decode<Map>(std::string_view);
template <>
Result<CompanyInfo> Decode<CompanyInfo>(std::string_view);
template <>
Result<CompanyStatus> Decode<CompanyStatus>(std::string_view);
template <>
Result<CompanyMetrics> Decode<CompanyMetrics>(std::string_view);
template <>
Result<StationAvailability> Decode<StationAvailability>(std::string_view);
template <>
Result<PlanRequest> Decode<PlanRequest>(std::string_view);
template <>
Result<ReserveRequest> Decode<ReserveRequest>(std::string_view);
template <>
Result<ReservationRef> Decode<ReservationRef>(std::string_view);
template <>
Result<CheckinRequest> Decode<CheckinRequest>(std::string_view);
template <>
Result<ListRequest> Decode<ListRequest>(std::string_view);
template <>
Result<AvailabilityRequest> Decode<AvailabilityRequest>(std::string_view);
template <>
Result<PlanResult> Decode<PlanResult>(std::string_view);
template <>
Result<Reservation> Decode<Reservation>(std::string_view);
template <>
Result<ReservationList> Decode<ReservationList>(std::string_view);
template <>
Result<AvailabilityResult> Decode<AvailabilityResult>(std::string_view);
template <>
Result<ErrorReply> Decode<ErrorReply>(std::string_view);
template <>
Result<Event> Decode<Event>(std::string_view);
template <>
Result<PointStatusRequest> Decode<PointStatusRequest>(std::string_view);
template <>
Result<AdminResult> Decode<AdminResult>(std::string_view);
// The request of a catalogue admin op: the fields `op` takes, those it needs
// present, and a "type", when present, of "<op>.request".
[[nodiscard]] Result<CatalogueChange> DecodeCatalogueChange(CatalogueOp op, std::string_view json);
template <>
Result<VehicleNotice> Decode<VehicleNotice>(std::string_view);
template <>
Result<SagaChanged> Decode<SagaChanged>(std::string_view);
template <>
Result<VehicleTelemetry> Decode<VehicleTelemetry>(std::string_view);
template <>
Result<SagaRequest> Decode<SagaRequest>(std::string_view);
template <>
Result<SagaAck> Decode<SagaAck>(std::string_view);
template <>
Result<SagaCommit> Decode<SagaCommit>(std::string_view);
template <>
Result<SagaCompensate> Decode<SagaCompensate>(std::string_view);

// The "type" of a payload ("" when it has none), and its "request_id" ("" when none),
// for routing and for addressing an error reply to a request that did not decode.
[[nodiscard]] Result<std::string> PeekType(std::string_view json);
// `json` without the whitespace between its tokens (a file's message as one line).
[[nodiscard]] Result<std::string> Minified(std::string_view json);
std::string PeekRequestId(std::string_view json);
// A request's "deadline" (absent: none); kInvalidRequest naming `deadline`
// when it is not an RFC 3339 time.
[[nodiscard]] Result<std::optional<Time>> PeekDeadline(std::string_view json);

}  // namespace tripmesh::schemas
