// The subcommands of the tripmesh binary. Each Add* registers its flags on the
// CLI11 app and sets `run` to the function the subcommand runs.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>

#include "tripmesh/core/world.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"
#include "tripmesh/topics/topics.h"
#include "tripmesh/vehicle/simulator.h"
#include "tripmesh/vehicle/vehicle_client.h"

namespace tripmesh::cli {

using Runner = std::function<int()>;

inline constexpr int kSuccess = 0;
inline constexpr int kError = 1;       // an error reply or a failure
inline constexpr int kUsageError = 2;  // the command line is wrong

// Parses the command line: -1 when a subcommand is to run, else the exit code
// (0 after --help or --version, kUsageError after one line naming the wrong word).
int Parse(CLI::App& app, int argc, char** argv);

// Flags every MQTT-speaking subcommand shares.
struct BrokerFlags {
  std::string broker;
  std::string username, password;
  std::string cafile, certfile, keyfile;
  std::string transport = "mosquitto";
  // Applies $TRIPMESH_BROKER / $TRIPMESH_USERNAME / $TRIPMESH_PASSWORD /
  // $TRIPMESH_CAFILE / $TRIPMESH_CERT / $TRIPMESH_KEY and defaults.
  runtime::TransportOptions Resolve() const;
};
void AddBrokerFlags(CLI::App* cmd, BrokerFlags& flags);
// A vehicle's or a passenger's client options: `id` asks its `home` company
// over the broker the flags name, waiting `timeout_s` for each answer.
vehicle::VehicleOptions RequesterOptions(const std::string& id, const std::string& home,
                                         const BrokerFlags& flags, double timeout_s);
// "tripmesh: <code>: <message>" on stderr; returns kError.
int PrintError(const Error& e);
// --time-scale, --clock-start and --clock-origin (RFC 3339, checked while
// parsing) of a simulation clock shared by the companies and the fleet.
void AddClockFlags(CLI::App* cmd, double& time_scale, Time& clock_start, Time& clock_origin,
                   double min_scale);

// A progress bar on a TTY, else a line every tenth: (done, total, confirmed)
// of the crowd's `members`; simulation times in `zone`.
void PrintProgress(const vehicle::SimProgressInfo& p, bool tty, const std::string& zone,
                   std::string_view members = "vehicles");
// The zone of the world's region (its first city's), for times of the whole fleet.
std::string RegionZone(const core::World& world);
// `company=store` specs (a SQLite path or a postgresql:// URI) into `stores`;
// false, with the line printed, on a spec without a company.
bool AddStoreSpecs(const std::vector<std::string>& specs,
                   std::map<std::string, std::string>& stores);

// What a profile's checker says of some stores: whether it found nothing,
// and its one-line summary.
struct CheckVerdict {
  bool ok = false;
  std::string summary;
};
using StoreChecker =
    std::function<Result<CheckVerdict>(const std::map<std::string, std::string>& stores)>;
// After a simulation: `check` over each agent's store in `folder` (when one
// is given) and the `--check-db` specs, with its line printed. kSuccess when
// it found nothing, or when there was nothing to check.
int CheckAfterSim(const std::vector<std::string>& agents, const std::string& folder,
                  const std::vector<std::string>& specs, const StoreChecker& check);

// An admin op to `company` over MQTT, answered on the company's own replies;
// the raw reply (a result or an error), or kTimeout.
[[nodiscard]] Result<std::string> AskAdmin(runtime::TransportKind kind,
                                           runtime::TransportOptions mqtt,
                                           const std::string& company, topics::AdminOp op,
                                           std::string payload, double timeout_s);
// A request's reply from the agent `client` asks: its body, or the error it carries.
[[nodiscard]] inline Result<std::string> AskAgent(vehicle::VehicleClient& client,
                                                  const std::string& op, const std::string& body) {
  return vehicle::ResultOf(client.Request(op, body));
}
// An admin.result as a person reads it, times in `zone`.
std::string FormatAdminResult(const schemas::AdminResult& r, const std::string& zone);

void AddCompany(CLI::App& app, Runner& run);
void AddVehicle(CLI::App& app, Runner& run);
void AddDemo(CLI::App& app, Runner& run);
void AddSecure(CLI::App& app, Runner& run);
void AddMonitor(CLI::App& app, Runner& run);
void AddCheck(CLI::App& app, Runner& run);
void AddSim(CLI::App& app, Runner& run);
void AddWorld(CLI::App& app, Runner& run);
void AddAdmin(CLI::App& app, Runner& run);
void AddAirline(CLI::App& app, Runner& run);
void AddPassenger(CLI::App& app, Runner& run);
// The air profile's demo: three airlines and `passengers` buying itineraries
// that mix them, then the stores checked; the process exit code.
int RunAirDemo(const std::string& data, const std::string& dir, int passengers, int fleet,
               int linger_s);
// `sim.vehicles` passengers over the airlines of <data>/air, then the
// airlines' stores in `check` (a folder) and `check_dbs` checked; the exit code.
int RunAirSimulation(const vehicle::SimOptions& sim, const std::string& data,
                     const std::string& check, const std::vector<std::string>& check_dbs);
// reserve, confirm, cancel, get and list under `tripmesh passenger`.
void AddPassengerSeats(CLI::App* passenger, Runner& run);

}  // namespace tripmesh::cli
