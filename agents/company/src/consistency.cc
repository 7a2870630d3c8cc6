#include "tripmesh/company/consistency.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "saga_coordinator.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/schemas/decode.h"

namespace tripmesh::company {
namespace {

struct Booking {
  std::string owner, station, point;
  Time start = 0, end = 0;
  std::optional<Time> expires_at;
};

struct Part {
  std::string coordinator, reservation_id, state;
};

struct CompanyState {
  std::map<std::string, schemas::Reservation> reservations;  // by id
  std::vector<Booking> bookings;
  std::map<std::string, Part> parts;         // by saga id
  std::map<std::string, std::string> sagas;  // coordinator: reservation id -> saga state
};

Result<CompanyState> ReadStore(const std::string& path) {
  runtime::StoreOptions options;
  options.synchronous_full = false;
  auto store = runtime::Store::Open(path, options);
  if (!store) return tl::unexpected<Error>(store.error());
  CompanyState s;
  auto st = (*store)->Read([&](runtime::Tx& tx) -> Status {
    auto q = tx.Query("SELECT body FROM reservations", {}, [&](const runtime::Row& row) {
      if (auto r = schemas::Decode<schemas::Reservation>(row.Str(0))) {
        s.reservations[r->reservation_id] = std::move(*r);
      }
    });
    if (!q) return q;
    q = tx.Query(
        "SELECT reservation_id, station, point, start_at, end_at, expires_at FROM bookings", {},
        [&](const runtime::Row& row) {
          Booking b{row.Str(0), row.Str(1), row.Str(2), row.Int(3), row.Int(4), {}};
          if (!row.IsNull(5)) b.expires_at = row.Int(5);
          s.bookings.push_back(std::move(b));
        });
    if (!q) return q;
    q = tx.Query("SELECT saga_id, coordinator, reservation_id, state FROM saga_parts", {},
                 [&](const runtime::Row& row) {
                   s.parts[row.Str(0)] = {row.Str(1), row.Str(2), row.Str(3)};
                 });
    if (!q) return q;
    return tx.Query("SELECT reservation_id, state FROM sagas", {},
                    [&](const runtime::Row& row) { s.sagas[row.Str(0)] = row.Str(1); });
  });
  if (!st) return Fail(Errc::kInternal, path + ": " + st.error().message);
  return s;
}

std::string Where(const std::string& company, const Booking& b) {
  return fmt::format("{} {}/{} {}..{}", company, b.station, b.point, FormatTime(b.start),
                     FormatTime(b.end));
}

}  // namespace

std::string ConsistencyReport::Summary() const {
  return fmt::format(
      "{} reservations, {} bookings/holds, {} sagas in flight: {} missing items, {} orphans, "
      "{} overlaps, {} stale holds",
      reservations, bookings, sagas_in_flight, missing_items.size(), orphans.size(),
      overlaps.size(), stale_holds.size());
}

Result<ConsistencyReport> CheckConsistency(const std::map<std::string, std::string>& stores,
                                           Time now, Time grace_s) {
  std::map<std::string, CompanyState> all;
  for (const auto& [company, path] : stores) {
    auto s = ReadStore(path);
    if (!s) return tl::unexpected<Error>(s.error());
    all[company] = std::move(*s);
  }
  ConsistencyReport out;
  std::set<std::string> in_flight;
  for (const auto& [company, s] : all) {
    for (const auto& [id, state] : s.sagas) {
      if (state != "done") in_flight.insert(company + "/" + id);
    }
  }
  out.sagas_in_flight = static_cast<int>(in_flight.size());

  // The reservation that owns a booking, as its coordinator sees it.
  auto owner_status = [&](const std::string& company, const CompanyState& s,
                          const std::string& owner, std::string* coordinator_key) -> std::string {
    if (auto it = s.reservations.find(owner); it != s.reservations.end()) {
      return it->second.status;
    }
    auto part = s.parts.find(owner);
    if (part == s.parts.end()) return "";
    *coordinator_key = part->second.coordinator + "/" + part->second.reservation_id;
    auto c = all.find(part->second.coordinator);
    if (c == all.end()) return "unchecked";
    auto r = c->second.reservations.find(part->second.reservation_id);
    (void)company;
    return r == c->second.reservations.end() ? "" : r->second.status;
  };

  for (const auto& [company, s] : all) {
    out.reservations += static_cast<int>(s.reservations.size());
    out.bookings += static_cast<int>(s.bookings.size());
    std::map<std::string, std::vector<const Booking*>> by_point;
    for (const auto& b : s.bookings) {
      by_point[b.station + "/" + b.point].push_back(&b);
      if (b.expires_at && *b.expires_at + grace_s < now) {
        out.stale_holds.push_back(Where(company, b) + " held by " + b.owner + " expired at " +
                                  FormatTime(*b.expires_at));
      }
      std::string key;
      std::string status = owner_status(company, s, b.owner, &key);
      if (status == "unchecked" || (!key.empty() && in_flight.count(key))) continue;
      bool live = b.expires_at ? (status == "held" || status == "confirmed" || status.empty())
                               : (status == "confirmed" || status == "fulfilled");
      // A hold of a saga whose coordinator has not recorded it yet is live until it expires.
      if (b.expires_at && status.empty() && !s.parts.count(b.owner)) live = false;
      if (!live) {
        out.orphans.push_back(Where(company, b) + " owned by " + b.owner +
                              " whose reservation is " + (status.empty() ? "unknown" : status));
      }
    }
    for (auto& [point, list] : by_point) {
      std::sort(list.begin(), list.end(), [](const Booking* a, const Booking* b) {
        return std::tie(a->start, a->end) < std::tie(b->start, b->end);
      });
      for (std::size_t i = 1; i < list.size(); ++i) {
        if (list[i]->start < list[i - 1]->end) {
          out.overlaps.push_back(Where(company, *list[i]) + " (" + list[i]->owner + ") overlaps " +
                                 list[i - 1]->owner);
        }
      }
    }
  }

  // Every item of every confirmed reservation is booked at its company.
  for (const auto& [coordinator, s] : all) {
    for (const auto& [id, r] : s.reservations) {
      if (r.status != "confirmed" && r.status != "fulfilled") continue;
      for (const auto& item : r.items) {
        auto c = all.find(item.company);
        if (c == all.end()) continue;
        std::string owner =
            item.company == coordinator &&
                    std::all_of(r.items.begin(), r.items.end(),
                                [&](const auto& i) { return i.company == coordinator; })
                ? id
                : SagaCoordinator::SagaIdOf(id);
        bool found = std::any_of(
            c->second.bookings.begin(), c->second.bookings.end(), [&](const Booking& b) {
              return b.owner == owner && b.station == item.station && b.point == item.point &&
                     b.start == item.start_at && b.end == item.end_at && !b.expires_at;
            });
        if (!found) {
          out.missing_items.push_back(fmt::format("{} ({} at {}): {}/{} {} not booked at {}", id,
                                                  r.vehicle, coordinator, item.station, item.point,
                                                  FormatTime(item.start_at), item.company));
        }
      }
    }
  }
  return out;
}

}  // namespace tripmesh::company
