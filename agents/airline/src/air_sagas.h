// An itinerary whose legs are at several airlines, sold as one saga that the
// passenger's home airline coordinates on the engine's saga: each airline
// (the home one too) holds its legs for the passenger, then all buy them or
// all give them back. Also this airline's side as a participant of the
// others' sagas.
// Thread safety: any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seat_sales.h"
#include "tripmesh/air/timetable.h"
#include "tripmesh/engine/agent.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/schemas/air.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::airline {

using TimetableSource = std::function<Result<std::shared_ptr<const air::Timetable>>()>;

struct AirSagaOptions {
  Time hold_ttl_s = 600;         // hold_only itineraries
  Time commit_hold_ttl_s = 120;  // parts that are committed at once
  engine::SagaOptions saga;
};

class AirSagas {
 public:
  AirSagas(std::string self, SeatSales& sales, engine::Services& services,
           TimetableSource timetable, AirSagaOptions options);

  [[nodiscard]] Status Load();
  void Resume() { saga_.Resume(); }
  void Tick() { saga_.Tick(); }

  // Starts the saga of a reserve whose legs are not all this airline's,
  // answered on `reply` once it settles; bad legs are refused at once
  // (invalid_request, field legs or fare_class).
  [[nodiscard]] Status Reserve(const air::Timetable& timetable, const std::string& passenger,
                               const schemas::AirReserveRequest& request,
                               const engine::ReplyTo& reply);
  // Whether `reservation_id` is an itinerary this airline coordinates.
  bool Coordinates(const std::string& reservation_id) const;
  engine::Reply Confirm(const std::string& passenger, const schemas::ReservationRef& ref,
                        const engine::ReplyTo& reply);
  engine::Reply Cancel(const std::string& passenger, const schemas::ReservationRef& ref,
                       const engine::ReplyTo& reply);
  std::optional<schemas::AirReservation> Get(const std::string& passenger,
                                             const std::string& reservation_id) const;
  // A reserve that repeats `request_id` while its saga is in memory gets
  // the first's answer (engine::Saga::Rejoin): false when it is not.
  bool Rejoin(const std::string& passenger, const std::string& request_id,
              const engine::ReplyTo& reply) {
    return saga_.RejoinRequest(passenger, request_id, reply);
  }
  std::optional<schemas::AirReservation> ByRequest(const std::string& passenger,
                                                   const std::string& request_id) const;
  std::vector<schemas::AirReservation> Of(const std::string& passenger) const;
  std::size_t Unfinished() const { return saga_.UnfinishedCount(); }

  // A saga message from airline `from`: requests, commits and compensations
  // of its sagas, acks of ours. An error when it does not decode.
  [[nodiscard]] Status OnMessage(const std::string& from, topics::SagaKind kind,
                                 std::string_view payload);

 private:
  void Send(const engine::SagaRecord& r, const std::string& participant, schemas::SagaPhase phase);
  // This airline's own part of a saga it coordinates, run in process (the
  // engine's `own`): with `joined`, in the same commit as the saga's state.
  schemas::AirSagaAck RunLocal(const engine::SagaRecord& r, schemas::SagaPhase phase,
                               engine::JoinedWrite* joined);
  void Acked(const std::string& from, const schemas::AirSagaAck& ack);
  // The itinerary's saga, kept or stored.
  std::optional<engine::SagaRecord> Recall(const std::string& reservation_id) const;
  // What a cancel does with an itinerary that has left memory.
  enum class IfSettled { kRevive, kAnswer };
  void End(const std::string& passenger, const std::string& reservation_id,
           const engine::ReplyTo& reply, IfSettled if_settled);
  void AnswerSettled(const std::string& passenger, const std::string& reservation_id,
                     schemas::ReservationStatus wanted, const engine::ReplyTo& reply);
  void Answer(const engine::SagaRecord& r, const engine::ReplyTo& to);
  void AnswerError(const Error& e, const engine::ReplyTo& to);
  // The itinerary as its passenger sees it: the draft with the seats each airline holds.
  static schemas::AirReservation View(const engine::SagaRecord& r);

  std::string self_;
  SeatSales& sales_;
  engine::Services& services_;
  TimetableSource timetable_;
  AirSagaOptions options_;
  engine::Saga saga_;
};

}  // namespace tripmesh::airline
