#include "tripmesh/base/ids.h"

#include <fmt/format.h>

#include <mutex>
#include <random>

namespace tripmesh {
namespace {

std::mutex mu;
std::mt19937_64& Generator() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

std::string RandomHex() {
  std::lock_guard lock(mu);
  return fmt::format("{:016x}", Generator()());
}

void SeedIds(std::uint64_t seed) {
  std::lock_guard lock(mu);
  Generator().seed(seed);
}

}  // namespace tripmesh
