// The admin ops of PROTOCOL.md: an operator's changes to the company's
// network, from its "<company>-admin" account. Knows nothing of MQTT: a
// payload in, an encoded reply out.
// Thread safety: Handle() may be called from any lane (the agent runs admin
// ops on one lane, so two operators' changes are serialised).
#pragma once

#include <string>
#include <string_view>

#include "handlers.h"
#include "reservation_book.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {

class Admin {
 public:
  // `also` writes, in the same transaction, what a point's outage does to the
  // participant's saga parts.
  Admin(std::string company, ReservationBook& book, const core::Clock& clock,
        ReservationBook::DisplacedWrite also)
      : company_(std::move(company)), book_(book), clock_(clock), also_(std::move(also)) {}

  Reply Handle(topics::AdminOp op, std::string_view payload);

 private:
  Result<std::string> SetPointStatus(std::string_view payload);

  std::string company_;
  ReservationBook& book_;
  const core::Clock& clock_;
  ReservationBook::DisplacedWrite also_;
};

}  // namespace tripmesh::company
