// Random ids (plans, reservations). One generator for the process, seeded
// from the OS; the deterministic simulation seeds it, so that a seed replays
// the same ids and with them the same order of work.
// Thread safety: any thread.
#pragma once

#include <cstdint>
#include <string>

namespace tripmesh::company {

// 16 hex digits.
std::string RandomHex();
// Makes every later RandomHex() a function of `seed` (for the simulation).
void SeedIds(std::uint64_t seed);

}  // namespace tripmesh::company
