#include "admin.h"

#include <algorithm>

#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {

Reply Admin::Handle(topics::AdminOp op, std::string_view payload) {
  Result<std::string> out = Fail(Errc::kUnknownOp, "unknown admin op");
  switch (op) {
    case topics::AdminOp::kSetPointStatus:
      out = SetPointStatus(payload);
      break;
  }
  if (out) return {std::move(*out), std::nullopt};
  Error e = ForRequester(out.error());
  std::string id =
      payload.size() <= schemas::kMaxPayloadBytes ? schemas::PeekRequestId(payload) : "";
  return {schemas::Encode(schemas::ErrorReply{id, e}), e.code};
}

Result<std::string> Admin::SetPointStatus(std::string_view payload) {
  auto req = schemas::Decode<schemas::PointStatusRequest>(payload);
  if (!req) return tl::unexpected<Error>(req.error());
  Time now = clock_.Now();
  if (req->until && *req->until <= now) {
    return Fail(Errc::kInvalidRequest, "until " + FormatTime(*req->until) + " is not in the future",
                "until");
  }
  if (req->status == schemas::PointStatus::kAvailable && req->until) {
    return Fail(Errc::kInvalidRequest, "AVAILABLE takes no until: the point is back from now",
                "until");
  }
  ReservationBook::Outage outage{.station = req->station,
                                 .point = req->point,
                                 .status = req->status,
                                 .since = now,
                                 .until = req->until.value_or(kNever),
                                 .reason = req->reason};
  auto displaced = book_.SetPointStatus(outage, also_);
  if (!displaced) return tl::unexpected<Error>(displaced.error());
  bool parts = std::any_of(displaced->begin(), displaced->end(),
                           [](const auto& d) { return !d.coordinator.empty(); });
  if (relay_ && parts) relay_();
  schemas::AdminResult result{
      .request_id = req->request_id,
      .company = company_,
      .op = std::string(topics::AdminOpName(topics::AdminOp::kSetPointStatus)),
      .station = req->station,
      .point = req->point,
      .status = req->status,
      .until = req->until};
  for (const auto& d : *displaced) {
    schemas::StopChange c{.reservation_id = d.reservation_id.empty() ? d.owner : d.reservation_id,
                          .vehicle = d.vehicle.empty() ? "unknown" : d.vehicle,
                          .station = d.station,
                          .from_point = d.from_point,
                          .to_point = d.to_point,
                          .start_at = d.start_at,
                          .end_at = d.end_at};
    (d.to_point.empty() ? result.lost : result.moved).push_back(std::move(c));
  }
  return schemas::Encode(result);
}

}  // namespace tripmesh::company
