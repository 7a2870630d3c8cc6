#include "tripmesh/airline/air_consistency.h"

#include <fmt/format.h>

#include "seat_records.h"
#include "tripmesh/air/seat_book.h"
#include "tripmesh/engine/check.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/air.h"

namespace tripmesh::airline {
namespace {

using schemas::AirReservation;
using schemas::ReservationStatus;

struct AirlineStore {
  std::map<std::string, AirReservation> reservations;  // by id
  std::map<std::string, std::string> seats;            // "leg/seat" -> owner
  engine::CheckedStore sagas;
};

Status ReadRows(runtime::Tx& tx, AirlineStore& out) {
  auto read = records::Reservations().All(tx, [&](const std::string& body) {
    if (auto r = schemas::Decode<AirReservation>(body)) out.reservations[r->reservation_id] = *r;
  });
  if (!read) return read;
  return records::SelectSeats(
      tx, [&](const std::string& leg, const std::string& seat, const std::string& owner) {
        out.seats[leg + "/" + seat] = owner;
      });
}

// Seats of one airline's store against its reservations.
void CheckSeats(const std::string& airline, const AirlineStore& s, AirConsistencyReport& report) {
  std::vector<engine::Claim> claims;  // the seats of live reservations
  for (const auto& [id, r] : s.reservations) {
    ++report.reservations;
    if (!air::HoldsSeats(r.status)) continue;
    for (const auto& leg : r.legs) {
      for (const auto& seat : leg.seats) {
        std::string key = leg.leg_id + "/" + seat;
        auto row = s.seats.find(key);
        if (row == s.seats.end() || row->second != id)
          report.unbooked.push_back(fmt::format("{} {} of {}", airline, key, id));
        claims.push_back({std::move(key), id});
      }
    }
  }
  for (auto [first, second] : engine::Overlapping(claims)) {
    report.sold_twice.push_back(fmt::format("{} {}: {} and {}", airline, claims[first].resource,
                                            claims[first].owner, claims[second].owner));
  }
  for (const auto& [key, owner] : s.seats) {
    ++report.seats;
    auto r = s.reservations.find(owner);
    if (r == s.reservations.end() || !air::HoldsSeats(r->second.status))
      report.orphans.push_back(fmt::format("{} {} of {}", airline, key, owner));
  }
}

// Each itinerary `coordinator` settled against its parts at the airlines it names.
void CheckSagas(const std::string& coordinator, const AirlineStore& s,
                const std::map<std::string, AirlineStore>& all, Time now, Time grace_s,
                AirConsistencyReport& report) {
  for (const auto& saga : s.sagas.sagas) {
    ++report.itineraries;
    if (!s.sagas.Settled(saga.saga_id)) {
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

schemas::CheckResult AirConsistencyReport::Result() const {
  schemas::CheckResult out;
  out.profile = "air";
  out.counts = {{"reservations", reservations},
                {"seats", seats},
                {"itineraries", itineraries},
                {"in_flight", in_flight}};
  using Kind = std::pair<const char*, const std::vector<std::string>*>;
  for (const auto& [kind, items] : std::initializer_list<Kind>{{"sold_twice", &sold_twice},
                                                               {"orphan", &orphans},
                                                               {"unbooked", &unbooked},
                                                               {"itinerary_apart", &sagas_apart}}) {
    for (const auto& detail : *items) out.findings.push_back({kind, detail});
  }
  return out;
}

Result<AirConsistencyReport> CheckAirStores(const std::map<std::string, std::string>& stores,
                                            Time now, Time grace_s) {
  std::map<std::string, AirlineStore> all;
  auto read = engine::ReadRunningStores(stores, [&](const std::string& airline, runtime::Tx& tx) {
    return ReadRows(tx, all[airline]);
  });
  if (!read) return tl::unexpected<Error>(read.error());
  for (auto& [airline, sagas] : *read) all[airline].sagas = std::move(sagas);
  AirConsistencyReport report;
  for (const auto& [airline, s] : all) {
    CheckSeats(airline, s, report);
    CheckSagas(airline, s, all, now, grace_s, report);
  }
  return report;
}

}  // namespace tripmesh::airline
