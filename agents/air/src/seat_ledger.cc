#include "tripmesh/air/seat_ledger.h"

#include <algorithm>
#include <set>

namespace tripmesh::air {

std::vector<std::string> SeatLedger::SeatsIn(Cabin cabin) const {
  std::vector<std::string> seats;
  for (const auto& c : aircraft_.cabins) {
    if (c.cabin != cabin) continue;
    for (int row = c.first_row; row <= c.last_row; ++row) {
      for (char letter : c.letters) seats.push_back(std::to_string(row) + letter);
    }
  }
  return seats;
}

Result<std::vector<std::string>> SeatLedger::Hold(const std::string& owner, Cabin cabin, int count,
                                                  const std::vector<std::string>& named,
                                                  Time expires_at) {
  if (auto mine = SeatsOf(owner); !mine.empty()) return mine;
  std::vector<std::string> chosen;
  if (!named.empty()) {
    std::set<std::string> distinct(named.begin(), named.end());
    if (distinct.size() != named.size())
      return Fail(Errc::kInvalidRequest, "a seat is named twice", "seats");
    for (const auto& seat : named) {
      if (!aircraft_.HasSeat(cabin, seat)) {
        return Fail(Errc::kInvalidRequest,
                    "no seat " + seat.substr(0, 8) + " in that cabin of the " + aircraft_.type,
                    "seats");
      }
      if (taken_.count(seat)) return Fail(Errc::kConflict, "seat " + seat + " is taken");
    }
    chosen = named;
  } else {
    if (count < 1) return Fail(Errc::kInvalidRequest, "at least one seat", "passengers");
    for (const auto& seat : SeatsIn(cabin)) {
      if (static_cast<int>(chosen.size()) == count) break;
      if (!taken_.count(seat)) chosen.push_back(seat);
    }
    if (static_cast<int>(chosen.size()) < count) {
      return Fail(Errc::kUnavailable, std::to_string(SeatsLeft(cabin)) + " seats left, " +
                                          std::to_string(count) + " asked for");
    }
  }
  for (const auto& seat : chosen) taken_[seat] = {owner, expires_at};
  return chosen;
}

Status SeatLedger::Book(const std::string& owner) {
  bool any = false;
  for (auto& [seat, t] : taken_) {
    if (t.owner != owner) continue;
    t.expires_at.reset();
    any = true;
  }
  if (!any) return Fail(Errc::kNotFound, "no seats held for " + owner);
  return {};
}

std::vector<std::string> SeatLedger::Release(const std::string& owner) {
  std::vector<std::string> freed;
  for (auto it = taken_.begin(); it != taken_.end();) {
    if (it->second.owner == owner) {
      freed.push_back(it->first);
      it = taken_.erase(it);
    } else {
      ++it;
    }
  }
  return freed;
}

std::vector<std::string> SeatLedger::ExpireHolds(Time now) {
  std::set<std::string> owners;
  for (auto it = taken_.begin(); it != taken_.end();) {
    if (it->second.expires_at && *it->second.expires_at <= now) {
      owners.insert(it->second.owner);
      it = taken_.erase(it);
    } else {
      ++it;
    }
  }
  return {owners.begin(), owners.end()};
}

int SeatLedger::SeatsLeft(Cabin cabin) const {
  int left = aircraft_.SeatsIn(cabin);
  for (const auto& [seat, t] : taken_) left -= aircraft_.HasSeat(cabin, seat) ? 1 : 0;
  return left;
}

std::vector<std::string> SeatLedger::SeatsOf(const std::string& owner) const {
  std::vector<std::string> seats;
  for (const auto& [seat, t] : taken_) {
    if (t.owner == owner) seats.push_back(seat);
  }
  return seats;
}

}  // namespace tripmesh::air
