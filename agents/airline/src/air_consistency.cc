#include "tripmesh/airline/air_consistency.h"

#include <fmt/format.h>

#include "seat_records.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::airline {
namespace {

using schemas::AirReservation;
using schemas::ReservationStatus;

bool Live(ReservationStatus s) {
  return s == ReservationStatus::kHeld || s == ReservationStatus::kConfirmed;
}

struct AirlineStore {
  std::map<std::string, AirReservation> reservations;  // by id
  std::map<std::string, std::string> seats;            // "leg/seat" -> owner
  std::vector<engine::SagaRecord> sagas;
  engine::SagaMarks began;  // where its sagas stood when the check began
};

Result<AirlineStore> Read(const std::string& where) {
  auto store = runtime::Store::Open(where);
  if (!store) return tl::unexpected<Error>(store.error());
  AirlineStore out;
  auto st = (*store)->Read([&](runtime::Tx& tx) -> Status {
    auto read = records::SelectReservations(tx, [&](const std::string& body) {
      if (auto r = schemas::Decode<AirReservation>(body)) out.reservations[r->reservation_id] = *r;
    });
    if (!read) return read;
    return records::SelectSeats(
        tx, [&](const std::string& leg, const std::string& seat, const std::string& owner) {
          out.seats[leg + "/" + seat] = owner;
        });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  return out;
}

Result<std::vector<engine::SagaRecord>> ReadSagasOf(const std::string& where) {
  auto store = runtime::Store::Open(where);
  if (!store) return tl::unexpected<Error>(store.error());
  std::vector<engine::SagaRecord> out;
  if (auto st =
          engine::ReadSagas(**store, [&](engine::SagaRecord r) { out.push_back(std::move(r)); });
      !st) {
    return tl::unexpected<Error>(st.error());
  }
  return out;
}

// Seats of one airline's store against its reservations.
void CheckSeats(const std::string& airline, const AirlineStore& s, AirConsistencyReport& report) {
  std::map<std::string, std::string> claimed;  // "leg/seat" -> reservation
  for (const auto& [id, r] : s.reservations) {
    ++report.reservations;
    if (!Live(r.status)) continue;
    for (const auto& leg : r.legs) {
      for (const auto& seat : leg.seats) {
        std::string key = leg.leg_id + "/" + seat;
        auto [it, fresh] = claimed.emplace(key, id);
        if (!fresh) {
          report.sold_twice.push_back(
              fmt::format("{} {}: {} and {}", airline, key, it->second, id));
        }
        auto row = s.seats.find(key);
        if (row == s.seats.end() || row->second != id)
          report.unbooked.push_back(fmt::format("{} {} of {}", airline, key, id));
      }
    }
  }
  for (const auto& [key, owner] : s.seats) {
    ++report.seats;
    auto r = s.reservations.find(owner);
    if (r == s.reservations.end() || !Live(r->second.status))
      report.orphans.push_back(fmt::format("{} {} of {}", airline, key, owner));
  }
}

// Each itinerary `coordinator` settled against its parts at the airlines it names.
void CheckSagas(const std::string& coordinator, const AirlineStore& s,
                const std::map<std::string, AirlineStore>& all, Time now, Time grace_s,
                AirConsistencyReport& report) {
  for (const auto& saga : s.sagas) {
    ++report.itineraries;
    if (saga.step != engine::SagaStep::kDone ||
        engine::MovedSince(s.began, saga.saga_id, {saga.step, saga.outcome})) {
      ++report.in_flight;
      continue;
    }
    bool confirmed = saga.outcome == ReservationStatus::kConfirmed;
    for (const auto& [airline, part] : saga.parts) {
      auto store = all.find(airline);
      if (store == all.end()) continue;  // not among the stores checked
      auto it = store->second.reservations.find(saga.saga_id);
      std::optional<ReservationStatus> status;
      if (it != store->second.reservations.end()) status = it->second.status;
      if (confirmed && status != ReservationStatus::kConfirmed) {
        report.sagas_apart.push_back(
            fmt::format("{} confirmed {}, {} has it {}", coordinator, saga.saga_id, airline,
                        status ? schemas::ReservationStatusName(*status) : "not at all"));
      }
      bool held_past =
          status == ReservationStatus::kHeld && it->second.expires_at.value_or(0) + grace_s < now;
      if (!confirmed && (status == ReservationStatus::kConfirmed || held_past)) {
        report.sagas_apart.push_back(fmt::format("{} ended {} as {}, {} still has it {}",
                                                 coordinator, saga.saga_id,
                                                 schemas::ReservationStatusName(saga.Status()),
                                                 airline, schemas::ReservationStatusName(*status)));
      }
    }
  }
}

}  // namespace

std::string AirConsistencyReport::Summary() const {
  std::string out =
      fmt::format("{} reservations, {} seats, {} itineraries across airlines ({} in flight); ",
                  reservations, seats, itineraries, in_flight);
  if (ok()) return out + "no seat sold twice, every itinerary agrees with its airlines";
  auto list = [&](const char* what, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += fmt::format("\n  {} ({}):", what, items.size());
    for (std::size_t i = 0; i < items.size() && i < 10; ++i) out += "\n    " + items[i];
  };
  list("seats sold or held twice", sold_twice);
  list("seat rows of no live reservation", orphans);
  list("seats of a live reservation not in the seat table", unbooked);
  list("itineraries their airlines do not agree on", sagas_apart);
  return out;
}

Result<AirConsistencyReport> CheckAirStores(const std::map<std::string, std::string>& stores,
                                            Time now, Time grace_s) {
  // Sagas, then every airline's seats, then sagas again: a saga settled
  // the same way at both ends had settled its parts before they were read.
  std::map<std::string, engine::SagaMarks> began;
  for (const auto& [airline, where] : stores) {
    auto marks = engine::ReadSagaMarks(where);
    if (!marks) return Fail(marks.error().code, airline + ": " + marks.error().message);
    began[airline] = std::move(*marks);
  }
  std::map<std::string, AirlineStore> all;
  for (const auto& [airline, where] : stores) {
    auto s = Read(where);
    if (!s) return Fail(s.error().code, airline + ": " + s.error().message);
    all[airline] = std::move(*s);
  }
  for (const auto& [airline, where] : stores) {
    auto sagas = ReadSagasOf(where);
    if (!sagas) return Fail(sagas.error().code, airline + ": " + sagas.error().message);
    auto& s = all[airline];
    s.sagas = std::move(*sagas);
    s.began = std::move(began[airline]);
  }
  AirConsistencyReport report;
  for (const auto& [airline, s] : all) {
    CheckSeats(airline, s, report);
    CheckSagas(airline, s, all, now, grace_s, report);
  }
  return report;
}

}  // namespace tripmesh::airline
