// One profile's three agents on one broker, as the saga suites that run for
// both profiles drive them: a charging network of three companies, or three
// airlines. A test speaks of agents, a requester, a trip across all three,
// and what each agent's store claims; the world knows how its profile says it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "testing.h"
#include "tripmesh/harness/process.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/schemas/messages.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::testing {

enum class Profile { kCharging, kAir };

// What the profile's checker says of every store.
struct Checked {
  bool ok = false;
  int in_flight = 0;
  std::string summary;
};

// A reservation as its requester heard of it.
struct Booking {
  std::string reservation_id;
  schemas::ReservationStatus status = schemas::ReservationStatus::kFailed;
};

// Whether a reserve only holds (hold_only: a confirm buys later) or buys at once.
enum class HoldOnly { kNo, kYes };

// An agent's answer on the saga wire, whatever its profile.
struct PartAck {
  schemas::SagaPhase phase = schemas::SagaPhase::kRequest;
  bool ok = false;
  std::optional<Errc> code;
  std::string payload;  // as it came
};

// Speaks the saga wire as agent `from` to agent `to` with a plain MQTT
// client: one message, then the payload of its ack (none when no ack came).
class PlayedCoordinator {
 public:
  PlayedCoordinator(const std::string& broker, std::string from, std::string to);
  ~PlayedCoordinator();
  bool connected() const { return connected_; }
  std::optional<std::string> Send(topics::SagaKind kind, const std::string& payload);

 private:
  std::size_t Acks();
  std::string from_, to_;
  std::unique_ptr<runtime::Transport> transport_;
  bool connected_ = false;
  std::mutex mu_;
  std::vector<std::string> acks_;
};

// A vehicle or a passenger, and the trip across all three it reserves.
class Requester {
 public:
  virtual ~Requester() = default;
  // Asks its home agent to reserve the trip: the reservation, or why it
  // failed (no answer, or the saga's error).
  virtual Result<Booking> Reserve(const std::string& request_id, HoldOnly hold = HoldOnly::kNo) = 0;
  // A confirm, cancel or get of a reservation it made.
  virtual Result<schemas::ReservationStatus> Request(topics::Op op,
                                                     const std::string& reservation_id) = 0;
  // The reservation `request_id` made, once it is no longer held (asked
  // again while its home is away).
  Result<schemas::ReservationStatus> Final(const std::string& request_id);

 protected:
  // Where the reservation `request_id` made stands now (none: not yet).
  virtual Result<std::optional<schemas::ReservationStatus>> Listed(
      const std::string& request_id) = 0;
};

class ProfileWorld {
 public:
  ProfileWorld(std::string broker, std::string dir)
      : broker_(std::move(broker)), dir_(std::move(dir)) {}
  virtual ~ProfileWorld() = default;
  // The coordinator (the first requester's home) first.
  virtual std::vector<std::string> Agents() const = 0;
  virtual std::unique_ptr<harness::Process> Start(const std::string& agent,
                                                  const std::vector<std::string>& extra) = 0;
  // Requester `name` at `home`, waiting `answers` for each answer (null,
  // and a test failure, when it cannot connect). The first to join plans
  // the trip; each later one reserves the same trip on its own terms (a
  // vehicle leaves 10 minutes after the one before it, a passenger gets
  // seats of its own).
  virtual std::unique_ptr<Requester> Join(
      const std::string& name, const std::string& home,
      std::chrono::milliseconds answers = std::chrono::seconds(20)) = 0;
  // Another buyer takes what `agent` would give the first requester's trip,
  // so that agent refuses it; GiveBack ends that buyer's claim.
  virtual void Take(const std::string& agent) = 0;
  virtual void GiveBack() = 0;
  // The code of an agent's refusal of what another took: no charging point
  // is free (unavailable); the seat named is another's (conflict).
  virtual Errc TakenCode() const = 0;
  virtual Checked Check() = 0;
  // How many resources (a charging point for a while, a seat on a leg) the
  // agent's store has held or booked, whoever for.
  virtual int Claimed(const std::string& agent) = 0;
  // Of those, how many `owner` (a saga id) holds or has booked.
  virtual int ClaimedBy(const std::string& agent, const std::string& owner) = 0;
  // The profile's saga request `saga_id` for one resource of `agent`'s (a
  // charging point for half an hour, a seat on a leg).
  virtual std::string PartRequest(const std::string& agent, const std::string& saga_id) = 0;
  // The profile's saga ack as the suite reads it.
  virtual std::optional<PartAck> AckOf(const std::string& payload) const = 0;
  // The flags of `tripmesh sim` for this profile's crowd, in real time.
  virtual std::string SimFlags() const = 0;
  // Where `agent` keeps its state, as `--check-db` takes it.
  virtual std::string StoreOf(const std::string& agent) const = 0;

 protected:
  std::string broker_, dir_;
};

// Three charging companies on stores of `backend`.
std::unique_ptr<ProfileWorld> NewChargingWorld(Backend backend, const std::string& broker,
                                               const std::string& dir);
// Three airlines on SQLite files.
std::unique_ptr<ProfileWorld> NewAirWorld(const std::string& broker, const std::string& dir);

inline std::unique_ptr<ProfileWorld> NewProfileWorld(Profile profile, Backend backend,
                                                     const std::string& broker,
                                                     const std::string& dir) {
  return profile == Profile::kAir ? NewAirWorld(broker, dir)
                                  : NewChargingWorld(backend, broker, dir);
}

// "charging_sqlite", "charging_postgres", "air_sqlite".
std::string ProfileCaseName(Profile profile, Backend backend);

// A test's profile, its store, and what else it varies ("" when nothing).
struct ProfileCase {
  Profile profile;
  Backend backend;
  const char* variant;
};

// Charging on each store and air on SQLite, each with `variant`.
std::vector<ProfileCase> EveryProfile(const char* variant = "");

struct NameOfProfileCase {
  std::string operator()(const ::testing::TestParamInfo<ProfileCase>& info) const {
    std::string v = info.param.variant;
    return ProfileCaseName(info.param.profile, info.param.backend) + (v.empty() ? "" : "_" + v);
  }
};

// A broker of its own and the case's world on it (its agents not started).
class ProfileTest : public ::testing::TestWithParam<ProfileCase> {
 protected:
  void SetUp() override;
  // Starts every agent, `home_extra` added to the home agent's flags.
  void StartAll(const std::vector<std::string>& home_extra = {});
  // Polls the profile's checker until every saga has settled and it finds
  // nothing, or the time is up; the last report.
  Checked Settle(std::chrono::seconds limit = std::chrono::seconds(20));
  // Waits until `agent` holds and has booked nothing.
  bool NothingClaimedAt(const std::string& agent);

  std::string dir_;
  std::unique_ptr<harness::LocalBroker> broker_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<ProfileWorld> world_;
  std::map<std::string, std::unique_ptr<harness::Process>> running_;
};

}  // namespace tripmesh::testing
