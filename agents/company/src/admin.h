// The admin ops of PROTOCOL.md: an operator's changes to the company's
// network, from its "<company>-admin" account. Knows nothing of MQTT: a
// payload in, an encoded reply out.
// Thread safety: Handle() may be called from any lane (the agent runs admin
// ops on one lane, so two operators' changes are serialised).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "handlers.h"
#include "reservation_book.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

class Admin {
 public:
  // `also` writes, in the same transaction, what a point's outage does to the
  // participant's saga parts (their saga.changed into its outbox); `relay`
  // then sends the outbox to the sagas' coordinators.
  using Relay = std::function<void()>;
  Admin(std::string company, ReservationBook& book, const core::Clock& clock,
        ReservationBook::DisplacedWrite also, Relay relay)
      : company_(std::move(company)),
        book_(book),
        clock_(clock),
        also_(std::move(also)),
        relay_(std::move(relay)) {}

  Reply Handle(topics::AdminOp op, std::string_view payload);

 private:
  Result<std::string> SetPointStatus(std::string_view payload);

  std::string company_;
  ReservationBook& book_;
  const core::Clock& clock_;
  ReservationBook::DisplacedWrite also_;
  Relay relay_;
};

}  // namespace tripmesh::company
