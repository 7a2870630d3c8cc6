// Encoders: message struct -> one-line JSON with its "type", written with fmt.
// Numbers are written with enough digits to round-trip what a person reads
// (money 2 decimals, soc 4, km 1); times as RFC 3339 UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tripmesh/schemas/messages.h"

namespace tripmesh::schemas {

// Thread safety: every function here may be called from any thread.
std::string Encode(const CompanyInfo& m);
std::string Encode(const CompanyStatus& m);
std::string Encode(const Station& m);
std::string Encode(const StationAvailability& m);
std::string Encode(const StationSchedule& m);
std::string Encode(const Map& m);
std::string Encode(const PlanRequest& m);
std::string Encode(const ReserveRequest& m);
std::string Encode(const ListRequest& m);
std::string Encode(const AvailabilityRequest& m);
std::string Encode(const PlanResult& m);
std::string Encode(const Reservation& m);
std::string Encode(const ReservationList& m);
std::string Encode(const AvailabilityResult& m);
std::string Encode(const ErrorReply& m);
std::string Encode(const Event& m);
std::string Encode(const VehicleTelemetry& m);
std::string Encode(const CompanyMetrics& m);
std::string Encode(const SagaRequest& m);
std::string Encode(const SagaAck& m);
std::string Encode(const SagaCommit& m);
std::string Encode(const SagaCompensate& m);
// confirm, cancel and get share one payload shape; `op` names the type ("confirm.request").
std::string EncodeRef(const ReservationRef& m, std::string_view op);
std::string Encode(const CheckinRequest& m);
std::string Encode(const PointStatusRequest& m);
std::string Encode(const AdminResult& m);
std::string Encode(CatalogueOp op, const CatalogueChange& m);
std::string Encode(const VehicleNotice& m);
std::string Encode(const SagaChanged& m);
// An encoded request with a "request_id" (unless it has one) and, when set, a
// "deadline": the fields every request may carry, added at its start.
std::string StampRequest(std::string payload, std::string_view request_id,
                         std::optional<Time> deadline);

}  // namespace tripmesh::schemas
