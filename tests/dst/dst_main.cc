// saga_dst: runs the deterministic simulation of the saga over many seeds.
//   saga_dst --seeds 10000 [--first 1] [--seed S] [--profile charging|air]
//            [--beyond-mqtt] [--trace]
// A failing seed prints the seed, what broke and the trace of its last
// steps; the same seed replays it exactly (its trace hash says so).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "simulation.h"
#include "testing.h"

int main(int argc, char** argv) {
  std::uint64_t first = 1, seeds = 100;
  bool beyond = false, trace = false;
  auto profile = tripmesh::dst::SimProfile::kCharging;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::uint64_t {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "saga_dst: %s needs a number\n", a.c_str());
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (a == "--seeds") {
      seeds = next();
    } else if (a == "--first") {
      first = next();
    } else if (a == "--seed") {
      first = next();
      seeds = 1;
    } else if (a == "--profile" && i + 1 < argc &&
               (std::strcmp(argv[i + 1], "air") == 0 ||
                std::strcmp(argv[i + 1], "charging") == 0)) {
      profile = std::strcmp(argv[++i], "air") == 0 ? tripmesh::dst::SimProfile::kAir
                                                   : tripmesh::dst::SimProfile::kCharging;
    } else if (a == "--beyond-mqtt") {
      beyond = true;
    } else if (a == "--trace") {
      trace = true;
    } else {
      std::fprintf(stderr,
                   "usage: saga_dst [--seeds N] [--first S] [--seed S] [--profile charging|air] "
                   "[--beyond-mqtt] [--trace]\n");
      return 2;
    }
  }
  // Memory-backed when the machine has it: the stores' syncs cost nothing there.
  std::string dir = access("/dev/shm", W_OK) == 0
                        ? "/dev/shm/tripmesh-dst-" + std::to_string(getpid())
                        : tripmesh::testing::NewTempDir("dst");
  bool air = profile == tripmesh::dst::SimProfile::kAir;
  auto started = std::chrono::steady_clock::now();
  std::uint64_t passed = 0, failed = 0, steps = 0, crashes = 0, confirmed = 0;
  for (std::uint64_t seed = first; seed < first + seeds; ++seed) {
    tripmesh::dst::SimConfig c;
    c.profile = profile;
    c.seed = seed;
    c.dir = dir + "/seed-" + std::to_string(seed);
    c.beyond_mqtt = beyond;
    auto r = tripmesh::dst::RunSimulation(c);
    steps += static_cast<std::uint64_t>(r.steps);
    crashes += static_cast<std::uint64_t>(r.crashes);
    confirmed += static_cast<std::uint64_t>(r.confirmed_heard);
    if (trace || !r.ok) {
      for (const auto& line : r.trace) std::printf("  %s\n", line.c_str());
    }
    if (r.ok) {
      ++passed;
      continue;
    }
    ++failed;
    std::printf(
        "seed %llu FAILED: %s\n  replay: saga_dst --seed %llu%s%s --trace (trace hash %016llx)\n",
        static_cast<unsigned long long>(seed), r.failure.c_str(),
        static_cast<unsigned long long>(seed), air ? " --profile air" : "",
        beyond ? " --beyond-mqtt" : "", static_cast<unsigned long long>(r.trace_hash));
    std::printf("  stores kept in %s\n", c.dir.c_str());
    if (failed >= 3) break;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "saga_dst%s: seeds %llu..%llu%s, %llu steps, %llu crashes, %llu confirmations heard, %.1f "
      "s\n",
      air ? " (air)" : "", static_cast<unsigned long long>(first),
      static_cast<unsigned long long>(first + passed + failed - 1),
      beyond ? " (beyond MQTT: losses and reordering)" : "", static_cast<unsigned long long>(steps),
      static_cast<unsigned long long>(crashes), static_cast<unsigned long long>(confirmed), s);
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(passed),
              static_cast<unsigned long long>(failed));
  return failed ? 1 : 0;
}
