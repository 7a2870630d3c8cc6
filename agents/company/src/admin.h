// The admin ops of PROTOCOL.md: an operator's changes to the company's
// network, from its "<company>-admin" account. Knows nothing of MQTT: a
// payload in, an encoded reply out.
// Thread safety: Handle() may be called from any lane, one call at a time
// (the agent runs admin ops on one lane, so two operators' changes are
// serialised).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "handlers.h"
#include "network.h"
#include "reservation_book.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

class Admin {
 public:
  struct Hooks {
    // Writes, in the same transaction, what a point's outage does to the
    // participant's saga parts (their saga.changed into its outbox) ...
    ReservationBook::DisplacedWrite also;
    // ... and then sends that outbox to the sagas' coordinators.
    std::function<void()> relay;
    // The catalogue changed at this station (the world shows it already).
    std::function<void(const std::string& station)> catalogue_changed;
  };
  Admin(std::string company, Network& network, ReservationBook& book, const core::Clock& clock,
        Hooks hooks)
      : company_(std::move(company)),
        network_(network),
        book_(book),
        clock_(clock),
        hooks_(std::move(hooks)) {}

  Reply Handle(topics::AdminOp op, std::string_view payload);

 private:
  Result<std::string> SetPointStatus(std::string_view payload);
  Result<std::string> ChangeCatalogue(schemas::CatalogueOp op, std::string_view payload);
  // Takes the points of a removed station, or a removed point, out of
  // service for good, before the catalogue loses them.
  Result<std::vector<ReservationBook::Displaced>> RemovePoints(schemas::CatalogueOp op,
                                                               const schemas::CatalogueChange& c,
                                                               const schemas::Station& s);
  // A change that would no longer fit what is booked on a point (another
  // connector or power type, less power) waits until the point is empty.
  Status CheckPointChange(const schemas::CatalogueChange& c, const schemas::Station& s) const;
  void Relay(const std::vector<ReservationBook::Displaced>& displaced);
  schemas::AdminResult ResultOf(const std::string& request_id, std::string_view op,
                                const std::string& station, const std::string& point,
                                const std::vector<ReservationBook::Displaced>& displaced) const;

  std::string company_;
  Network& network_;
  ReservationBook& book_;
  const core::Clock& clock_;
  Hooks hooks_;
};

}  // namespace tripmesh::company
