// Random ids (plans, reservations, correlations). One generator for the
// process, seeded from the OS; the deterministic simulations seed it, so
// that a seed replays the same ids and with them the same order of work.
// Thread safety: any thread.
#pragma once

#include <cstdint>
#include <string>

namespace tripmesh {

// 16 hex digits.
std::string RandomHex();
// Makes every later RandomHex() a function of `seed` (for a simulation).
void SeedIds(std::uint64_t seed);

}  // namespace tripmesh
