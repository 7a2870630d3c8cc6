// What a catalogue admin op makes of a company's catalogue, checked against
// the world it lives in. Pure: the caller writes the result and swaps the
// world; a failure changes nothing.
#pragma once

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"
#include "tripmesh/core/world.h"
#include "tripmesh/schemas/messages.h"

namespace tripmesh::company {

// The catalogue after `op`: kNotFound for a station or point it does not
// have, kConflict for an id it already has, kInvalidRequest for a change the
// world does not take (a city not on the map, a zone not the city's, a
// valid_from in the past). Tariff changes that came due are folded into the
// tariffs they change.
[[nodiscard]] Result<schemas::Catalogue> EditCatalogue(const core::World& world,
                                                       const schemas::Catalogue& catalogue,
                                                       schemas::CatalogueOp op,
                                                       const schemas::CatalogueChange& change,
                                                       Time now);

}  // namespace tripmesh::company
