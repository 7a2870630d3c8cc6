// A vehicle's side of the request/reply ops: publishes to its home company
// with an MQTT v5 Response Topic and Correlation Data, waits for the reply.
// Thread safety: every method may be called from any thread; calls run
// concurrently, each matched to its reply by correlation data.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::vehicle {

struct VehicleOptions {
  std::string id;    // vehicle id, [A-Za-z0-9_-]{1,64}
  std::string home;  // home company
  runtime::TransportKind transport = runtime::TransportKind::kMosquitto;
  runtime::TransportOptions mqtt;
  std::chrono::milliseconds timeout{15000};  // per request
  // Read the companies' retained status at connect and answer a request to a
  // company that is offline (kOffline) or unknown (kUnknownCompany) at once.
  bool check_home = true;
};

class VehicleClient {
 public:
  [[nodiscard]] static Result<std::unique_ptr<VehicleClient>> Connect(VehicleOptions options);
  virtual ~VehicleClient() = default;

  [[nodiscard]] virtual Result<schemas::PlanResult> Plan(const schemas::PlanRequest& req) = 0;
  [[nodiscard]] virtual Result<schemas::Reservation> Reserve(
      const schemas::ReserveRequest& req) = 0;
  [[nodiscard]] virtual Result<schemas::Reservation> Confirm(const std::string& reservation_id) = 0;
  [[nodiscard]] virtual Result<schemas::Reservation> Cancel(const std::string& reservation_id) = 0;
  [[nodiscard]] virtual Result<schemas::Reservation> Get(const std::string& reservation_id) = 0;
  [[nodiscard]] virtual Result<schemas::ReservationList> List() = 0;
  // The vehicle is at `station`, a stop of its confirmed reservation.
  [[nodiscard]] virtual Result<schemas::Reservation> CheckIn(const std::string& reservation_id,
                                                             const std::string& station) = 0;
  // Only the reservation an earlier reserve with this request_id made (empty
  // list: none, e.g. the request expired unserved).
  [[nodiscard]] virtual Result<schemas::ReservationList> ListForRequest(
      const std::string& request_id) = 0;
  // Any op with a raw payload; the raw reply (result or error) comes back as text.
  // Every request carries a request_id and a deadline (the wall-clock time
  // now + timeout, also as its MQTT Message Expiry Interval): a company does
  // not start it later.
  [[nodiscard]] virtual Result<std::string> Request(const std::string& op, std::string payload) = 0;
  // The request_id of the last request this client sent (to ask about it later).
  virtual std::string last_request_id() const = 0;
  // Publishes the vehicle's state on vehicles/{v}/telemetry (QoS 0: the next
  // one supersedes a lost one).
  [[nodiscard]] virtual Status PublishTelemetry(const schemas::VehicleTelemetry& m) = 0;
  // The last raw reply this client received (for --json output).
  virtual std::string last_reply() const = 0;
};

// A raw reply (VehicleClient::Request) as the result it carries, or as the
// error an error reply carries; kInternal when it cannot be read.
[[nodiscard]] Result<std::string> ResultOf(Result<std::string> reply);

// Waits until every one of `companies` says online on its retained status
// topic; kTimeout naming the missing ones after `timeout`, or as soon as
// `cancelled` returns true.
[[nodiscard]] Status WaitForCompanies(const runtime::TransportOptions& mqtt,
                                      const std::vector<std::string>& companies,
                                      std::chrono::milliseconds timeout,
                                      const std::function<bool()>& cancelled = {});

}  // namespace tripmesh::vehicle
