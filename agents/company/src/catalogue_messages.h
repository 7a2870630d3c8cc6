// What a company publishes of its catalogue (retained), and what it reads of
// the other companies' into its Network.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "network.h"
#include "tripmesh/core/world.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::company {

// What a station's retained messages say of its points now: their status,
// and their holds and bookings of the next hours.
struct StationStateOf {
  std::function<schemas::StationAvailability(const schemas::Station&)> availability;
  std::function<schemas::StationSchedule(const schemas::Station&)> schedule;
};

// The retained info, and each station with its availability and schedule.
std::vector<runtime::OutboundMessage> CatalogueMessages(const std::string& company,
                                                        const core::World& world,
                                                        const StationStateOf& state);
// After a change at `station`: the info, and the station with its availability
// and schedule, or all cleared (an empty retained payload) when it is gone.
std::vector<runtime::OutboundMessage> StationChangedMessages(const std::string& company,
                                                             const core::World& world,
                                                             const std::string& station,
                                                             const StationStateOf& state);
// The road map every company plans on, retained for any client (the live map).
runtime::OutboundMessage MapMessage(const core::World& world);

enum class CatalogueHeard {
  kNotCatalogue,  // another topic
  kTaken,         // into the network (or this company's own, ignored there)
  kDropped        // on a catalogue topic, but it does not decode
};
// A company's retained info or station (an empty payload: the station was
// removed) from the wire; cheap enough for the network thread.
CatalogueHeard HearCatalogue(const runtime::InboundMessage& m, Network& network);

}  // namespace tripmesh::company
