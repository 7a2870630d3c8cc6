#include "catalogue_messages.h"

#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::company {
namespace {

runtime::OutboundMessage Retained(std::string topic, std::string payload) {
  return {.topic = std::move(topic), .payload = std::move(payload), .retain = true};
}

void AddStation(std::vector<runtime::OutboundMessage>& out, const std::string& company,
                const schemas::Station& s, const StationStateOf& state) {
  out.push_back(Retained(topics::Station(company, s.id), schemas::Encode(s)));
  out.push_back(
      Retained(topics::StationAvailability(company, s.id), schemas::Encode(state.availability(s))));
  out.push_back(
      Retained(topics::StationSchedule(company, s.id), schemas::Encode(state.schedule(s))));
}

}  // namespace

std::vector<runtime::OutboundMessage> CatalogueMessages(const std::string& company,
                                                        const core::World& world,
                                                        const StationStateOf& state) {
  std::vector<runtime::OutboundMessage> out;
  const schemas::Catalogue* own = world.FindCompany(company);
  if (!own) return out;
  out.push_back(Retained(topics::CompanyInfo(company), schemas::Encode(own->info)));
  for (const auto& s : own->stations) AddStation(out, company, s, state);
  return out;
}

std::vector<runtime::OutboundMessage> StationChangedMessages(const std::string& company,
                                                             const core::World& world,
                                                             const std::string& station,
                                                             const StationStateOf& state) {
  std::vector<runtime::OutboundMessage> out;
  if (const schemas::Catalogue* own = world.FindCompany(company)) {
    out.push_back(Retained(topics::CompanyInfo(company), schemas::Encode(own->info)));
  }
  if (const schemas::Station* s = world.FindStation(station)) {
    AddStation(out, company, *s, state);
  } else {
    out.push_back(Retained(topics::Station(company, station), ""));
    out.push_back(Retained(topics::StationAvailability(company, station), ""));
    out.push_back(Retained(topics::StationSchedule(company, station), ""));
  }
  return out;
}

runtime::OutboundMessage MapMessage(const core::World& world) {
  return Retained(topics::WorldMap(), schemas::Encode(world.map()));
}

CatalogueHeard HearCatalogue(const runtime::InboundMessage& m, Network& network) {
  static const std::string kCompanies = std::string(topics::kRoot) + "/companies/";
  if (m.topic.rfind(kCompanies, 0) != 0) return CatalogueHeard::kNotCatalogue;
  auto route = topics::ParseTopic(m.topic);
  if (!route ||
      (route->kind != topics::Kind::kCompanyInfo && route->kind != topics::Kind::kStation)) {
    return CatalogueHeard::kNotCatalogue;
  }
  if (route->kind == topics::Kind::kCompanyInfo) {
    if (m.payload.empty()) return CatalogueHeard::kTaken;
    auto info = schemas::Decode<schemas::CompanyInfo>(m.payload);
    if (!info || info->company != route->company) return CatalogueHeard::kDropped;
    network.OnPeerInfo(std::move(*info));
    return CatalogueHeard::kTaken;
  }
  std::optional<schemas::Station> station;
  if (!m.payload.empty()) {
    auto decoded = schemas::Decode<schemas::Station>(m.payload);
    if (!decoded) return CatalogueHeard::kDropped;
    station = std::move(*decoded);
  }
  network.OnPeerStation(route->company, route->station, std::move(station));
  return CatalogueHeard::kTaken;
}

}  // namespace tripmesh::company
