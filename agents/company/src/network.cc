#include "network.h"

#include <algorithm>
#include <set>

#include "records.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::company {
namespace {

Status WriteStation(runtime::Tx& tx, const schemas::Catalogue& c, const std::string& id) {
  auto it = std::find_if(c.stations.begin(), c.stations.end(),
                         [&](const schemas::Station& s) { return s.id == id; });
  return it == c.stations.end() ? records::DeleteCatalogueStation(tx, id)
                                : records::UpsertCatalogueStation(tx, id, schemas::Encode(*it));
}

// The stored catalogue, or none in a store not seeded yet; kInternal when
// what it holds does not decode.
Result<std::optional<schemas::Catalogue>> ReadStored(runtime::Store& store) {
  std::optional<schemas::Catalogue> out;
  std::optional<Error> bad;
  auto st = store.Write([&](runtime::Tx& tx) -> Status {
    if (auto s = records::CreateTables(tx); !s) return s;
    return records::SelectCatalogue(
        tx,
        [&](const std::string& body) {
          auto info = schemas::Decode<schemas::CompanyInfo>(body);
          if (!info) bad = info.error();
          if (info) out.emplace().info = std::move(*info);
        },
        [&](const std::string& body) {
          auto s = schemas::Decode<schemas::Station>(body);
          if (!s) bad = s.error();
          if (s && out) out->stations.push_back(std::move(*s));
        });
  });
  if (!st) return tl::unexpected<Error>(st.error());
  if (bad) return Fail(Errc::kInternal, "the stored catalogue does not decode: " + bad->message);
  return out;
}

}  // namespace

Result<std::unique_ptr<Network>> Network::Load(const std::string& company, const core::World& seed,
                                               runtime::Store& store) {
  auto stored = ReadStored(store);
  if (!stored) return tl::unexpected<Error>(stored.error());
  std::optional<schemas::Catalogue> own = std::move(*stored);
  if (!own) {
    const schemas::Catalogue* seeded = seed.FindCompany(company);
    if (!seeded) return Fail(Errc::kNotFound, "no catalogue for company " + company);
    own = *seeded;
    auto st = store.Write([&](runtime::Tx& tx) -> Status {
      auto s = records::UpsertCatalogueInfo(tx, company, schemas::Encode(own->info));
      for (const auto& station : own->stations) {
        if (!s) return s;
        s = records::UpsertCatalogueStation(tx, station.id, schemas::Encode(station));
      }
      return s;
    });
    if (!st) return tl::unexpected<Error>(st.error());
  }
  auto world = seed.WithCatalogue(std::move(*own));
  if (!world) return tl::unexpected<Error>(world.error());
  return std::unique_ptr<Network>(
      new Network(company, store, std::make_shared<const core::World>(std::move(*world))));
}

schemas::Catalogue Network::Own() const {
  auto world = view_.Current();
  return *world->FindCompany(company_);
}

Status Network::Commit(schemas::Catalogue next, const std::string& station_id) {
  std::lock_guard write(write_mu_);
  auto world = view_.Current()->WithCatalogue(next);
  if (!world) return tl::unexpected<Error>(world.error());
  auto st = store_.Write([&](runtime::Tx& tx) -> Status {
    if (auto s = records::UpsertCatalogueInfo(tx, company_, schemas::Encode(next.info)); !s) {
      return s;
    }
    return WriteStation(tx, next, station_id);
  });
  if (!st) return st;
  view_.Swap(std::make_shared<const core::World>(std::move(*world)));
  return {};
}

void Network::OnPeerInfo(schemas::CompanyInfo info) {
  if (info.company == company_) return;
  std::lock_guard lock(pending_mu_);
  std::string id = info.company;
  pending_[id].info = std::move(info);
  heard_.fetch_add(1);
}

void Network::OnPeerStation(const std::string& company, const std::string& id,
                            std::optional<schemas::Station> station) {
  if (company == company_ || (station && (station->company != company || station->id != id))) {
    return;
  }
  std::lock_guard lock(pending_mu_);
  pending_[company].stations[id] = std::move(station);
  heard_.fetch_add(1);
}

void Network::CatchUp() {
  if (applied_.load() >= heard_.load()) return;
  std::lock_guard write(write_mu_);
  std::uint64_t upto = heard_.load();
  if (applied_.load() >= upto) return;  // another reader did it meanwhile
  std::map<std::string, PeerChanges> changes;
  {
    std::lock_guard lock(pending_mu_);
    upto = heard_.load();
    changes.swap(pending_);
  }
  auto world = view_.Current();
  std::optional<core::World> next;
  for (auto& [company, change] : changes) {
    const core::World& w = next ? *next : *world;
    schemas::Catalogue c;
    if (const auto* known = w.FindCompany(company)) c = *known;
    c.info.company = company;
    if (change.info) c.info = std::move(*change.info);
    for (auto& [id, station] : change.stations) {
      const std::string& gone = id;  // a lambda may not capture a structured binding here
      std::erase_if(c.stations, [&](const schemas::Station& s) { return s.id == gone; });
      if (!station) continue;
      if (Fits(w, company, *station)) {
        c.stations.push_back(std::move(*station));
      } else {
        refused_.fetch_add(1);
      }
    }
    auto built = w.WithCatalogue(std::move(c));
    if (built) {
      next = std::move(*built);
    } else {
      refused_.fetch_add(change.stations.size());
    }
  }
  if (next) view_.Swap(std::make_shared<const core::World>(std::move(*next)));
  applied_.store(upto);
}

bool Network::Fits(const core::World& w, const std::string& company,
                   const schemas::Station& s) const {
  if (w.CityIndex(s.city) < 0) return false;
  const schemas::Station* same = w.FindStation(s.id);
  if (same && same->company != company) return false;
  std::set<std::string> points;
  for (const auto& p : s.points) {
    if (!points.insert(p.id).second) return false;
  }
  return true;
}

}  // namespace tripmesh::company
