// The seats of one leg: who holds or has booked each. The first hold on a
// seat wins; a hold carries an expiry, a booking does not. Not thread-safe:
// the airline agent serialises all work on a leg.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tripmesh/air/timetable.h"
#include "tripmesh/base/result.h"

namespace tripmesh::air {

struct SeatTaken {
  std::string owner;               // reservation id
  std::optional<Time> expires_at;  // set for a hold
};

class SeatLedger {
 public:
  explicit SeatLedger(Aircraft aircraft) : aircraft_(std::move(aircraft)) {}

  // Holds `count` seats of `cabin` for `owner` until `expires_at`: the named
  // ones when `named` is not empty (then count is its size), else the first
  // free seats from the front. All or none. invalid_request for a seat that is
  // not on this aircraft in that cabin (field "seats"), conflict when a named
  // seat is taken by another owner, unavailable when fewer seats are free.
  // Holding again what `owner` already holds is a no-op that returns them.
  [[nodiscard]] Result<std::vector<std::string>> Hold(const std::string& owner, Cabin cabin,
                                                      int count,
                                                      const std::vector<std::string>& named,
                                                      Time expires_at);
  // Turns every hold of `owner` into a booking; not_found when it holds none.
  [[nodiscard]] Status Book(const std::string& owner);
  // Frees every seat of `owner`; returns them.
  std::vector<std::string> Release(const std::string& owner);
  // Frees holds whose expiry is <= now; returns their owners, once each.
  std::vector<std::string> ExpireHolds(Time now);

  int SeatsLeft(Cabin cabin) const;
  std::vector<std::string> SeatsOf(const std::string& owner) const;
  const std::map<std::string, SeatTaken>& taken() const { return taken_; }
  const Aircraft& aircraft() const { return aircraft_; }

 private:
  std::vector<std::string> SeatsIn(Cabin cabin) const;  // front to back, letters in order

  Aircraft aircraft_;
  std::map<std::string, SeatTaken> taken_;  // seat ("12C") -> who
};

}  // namespace tripmesh::air
