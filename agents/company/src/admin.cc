#include "admin.h"

#include <algorithm>

#include "catalogue_edit.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {
namespace {

const schemas::Point* FindPoint(const schemas::Station& s, const std::string& id) {
  auto it = std::find_if(s.points.begin(), s.points.end(),
                         [&](const schemas::Point& p) { return p.id == id; });
  return it == s.points.end() ? nullptr : &*it;
}

}  // namespace

Reply Admin::Handle(topics::AdminOp op, std::string_view payload) {
  // The catalogue ops are named alike on the topic and in their schemas.
  auto catalogue_op = schemas::ParseCatalogueOp(topics::AdminOpName(op));
  Result<std::string> out =
      catalogue_op ? ChangeCatalogue(*catalogue_op, payload) : SetPointStatus(payload);
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
  auto displaced = book_.SetPointStatus(outage, hooks_.also);
  if (!displaced) return tl::unexpected<Error>(displaced.error());
  Relay(*displaced);
  auto result = ResultOf(req->request_id, topics::AdminOpName(topics::AdminOp::kSetPointStatus),
                         req->station, req->point, *displaced);
  result.status = req->status;
  result.until = req->until;
  return schemas::Encode(result);
}

Result<std::string> Admin::ChangeCatalogue(schemas::CatalogueOp op, std::string_view payload) {
  using Op = schemas::CatalogueOp;
  auto req = schemas::DecodeCatalogueChange(op, payload);
  if (!req) return tl::unexpected<Error>(req.error());
  Time now = clock_.Now();
  auto world = network_.view().Now();
  auto next = EditCatalogue(*world, network_.Own(), op, *req, now);
  if (!next) return tl::unexpected<Error>(next.error());
  // The checks passed and nothing changed yet. What the points' bookings
  // need comes first: ledgers for new points, outages for removed ones.
  std::vector<ReservationBook::Displaced> displaced;
  if (const schemas::Station* before = world->FindStation(req->station)) {
    if (op == Op::kUpdatePoint) {
      if (auto st = CheckPointChange(*req, *before); !st) return tl::unexpected<Error>(st.error());
    }
    if (op == Op::kRemoveStation || op == Op::kRemovePoint) {
      auto removed = RemovePoints(op, *req, *before);
      if (!removed) return tl::unexpected<Error>(removed.error());
      displaced = std::move(*removed);
    }
  }
  auto after = std::find_if(next->stations.begin(), next->stations.end(),
                            [&](const schemas::Station& s) { return s.id == req->station; });
  if (after != next->stations.end()) book_.AddPoints(*after);
  if (auto st = network_.Commit(*next, req->station); !st) return tl::unexpected<Error>(st.error());
  // A point added again after it was removed is in service from now.
  if ((op == Op::kAddPoint || op == Op::kAddStation) && after != next->stations.end()) {
    for (const auto& p : after->points) {
      if (!book_.OutageOf(after->id, p.id)) continue;
      ReservationBook::Outage back{.station = after->id, .point = p.id, .since = now};
      back.status = schemas::PointStatus::kAvailable;
      if (auto st = book_.SetPointStatus(back, hooks_.also); !st) {
        return tl::unexpected<Error>(st.error());
      }
    }
  }
  Relay(displaced);
  if (hooks_.catalogue_changed) hooks_.catalogue_changed(req->station);
  auto result =
      ResultOf(req->request_id, schemas::CatalogueOpName(op), req->station, req->point, displaced);
  if (op == Op::kRemovePoint) result.status = schemas::PointStatus::kRemoved;
  if (op == Op::kSetTariff) result.valid_from = std::max(now, req->valid_from.value_or(now));
  return schemas::Encode(result);
}

Result<std::vector<ReservationBook::Displaced>> Admin::RemovePoints(
    schemas::CatalogueOp op, const schemas::CatalogueChange& c, const schemas::Station& s) {
  std::vector<ReservationBook::Outage> outages;
  for (const auto& p : s.points) {
    if (op == schemas::CatalogueOp::kRemovePoint && p.id != c.point) continue;
    outages.push_back({.station = s.id,
                       .point = p.id,
                       .status = schemas::PointStatus::kRemoved,
                       .since = clock_.Now(),
                       .until = kNever,
                       .reason = c.reason.empty() ? "removed by its operator" : c.reason});
  }
  return book_.SetPointStatuses(outages, hooks_.also);
}

Status Admin::CheckPointChange(const schemas::CatalogueChange& c, const schemas::Station& s) const {
  const schemas::Point* p = FindPoint(s, c.point);
  if (!p) return {};  // EditCatalogue has said so already
  bool fits = (!c.connector || *c.connector == p->connector) &&
              (!c.power_type || *c.power_type == p->power_type) &&
              (!c.max_power_kw || *c.max_power_kw >= p->max_power_kw);
  if (fits) return {};
  int booked = book_.BookingsAfter(s.id, p->id, clock_.Now());
  if (booked == 0) return {};
  return Fail(Errc::kConflict,
              "point " + p->id + " of " + s.id + " has " + std::to_string(booked) +
                  " bookings or holds to come that need it as it is: take it out of service "
                  "first (set_point_status), so they move, then change it",
              "point");
}

void Admin::Relay(const std::vector<ReservationBook::Displaced>& displaced) {
  bool parts = std::any_of(displaced.begin(), displaced.end(),
                           [](const auto& d) { return !d.coordinator.empty(); });
  if (hooks_.relay && parts) hooks_.relay();
}

schemas::AdminResult Admin::ResultOf(
    const std::string& request_id, std::string_view op, const std::string& station,
    const std::string& point, const std::vector<ReservationBook::Displaced>& displaced) const {
  schemas::AdminResult result{.request_id = request_id,
                              .company = company_,
                              .op = std::string(op),
                              .station = station,
                              .point = point};
  for (const auto& d : displaced) {
    schemas::StopChange c{.reservation_id = d.reservation_id.empty() ? d.owner : d.reservation_id,
                          .vehicle = d.vehicle.empty() ? "unknown" : d.vehicle,
                          .station = d.station,
                          .from_point = d.from_point,
                          .to_point = d.to_point,
                          .start_at = d.start_at,
                          .end_at = d.end_at};
    (d.to_point.empty() ? result.lost : result.moved).push_back(std::move(c));
  }
  return result;
}

}  // namespace tripmesh::company
