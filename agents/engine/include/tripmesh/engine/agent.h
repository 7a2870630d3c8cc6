// The agent every company runs, whatever it sells: one writer per company
// (the store's lock, or the database's lease), one MQTT session with a Will,
// the subscriptions of PROTOCOL.md, requests held until the peers' retained
// catalogues are in, every request on its requester's lane with its
// deadline, namespace and op checked, saga and admin messages routed, a
// ticker, metrics, and a clean stop. What is sold, planned and booked is the
// profile's.
//
// Thread safety: Start and Stop from one thread. The profile is called from
// Start (Online), the network thread (HearCatalogue, OnReply, OnSagaMessage:
// post only, no disk), lanes (Handle, HandleAdmin), the ticker (Tick,
// AddMetrics, UnfinishedSagas, TimeZone) and any of them (IsCompany).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/core/clock.h"
#include "tripmesh/runtime/store.h"
#include "tripmesh/runtime/transport.h"
#include "tripmesh/topics/topics.h"

namespace tripmesh::engine {

// A request's answer: published on the reply topic, unless a saga answers later.
struct Reply {
  std::string payload;        // encoded result or error
  std::optional<Errc> error;  // set when payload is an error
  bool deferred = false;      // a saga publishes the reply when it settles
};

// Where a deferred reply goes once the saga settles.
struct ReplyTo {
  std::string topic, correlation, request_id;
};

// An error reply to `payload`, carrying its request id when it has one.
Reply ErrorReply(Errc code, std::string message, std::string_view payload, std::string field = {});

// What the agent lends its profile. Valid while the agent runs.
struct Services {
  runtime::Store& store;
  runtime::Transport& transport;
  const core::Clock& clock;
  // Publishes now; a refused publish is logged.
  std::function<void(runtime::OutboundMessage)> send;
  // A monitors' event: raised on a lane, it goes out after the task's own messages.
  std::function<void(runtime::OutboundMessage)> send_event;
  // Runs `task` on the lane of `key`, after what that lane already has.
  std::function<void(const std::string& key, std::function<void()> task)> post;
  // Adds to a counter of the company's metrics.
  std::function<void(const std::string& name, std::int64_t n)> count;
};

// What a domain brings to the agent: its catalogue, its request ops, its
// saga and admin handling, its periodic work.
class Profile {
 public:
  virtual ~Profile() = default;
  // The retained topics the other companies' catalogues arrive on: requests
  // wait until their retained messages are in.
  virtual std::vector<std::string> CatalogueFilters() const = 0;
  // A message on one of those filters (network thread); false when it is not a catalogue message.
  virtual bool HearCatalogue(const runtime::InboundMessage& m) = 0;
  // A reply on companies/{self}/replies to a question this company asked.
  virtual void OnReply(const runtime::InboundMessage& m) = 0;
  // Whether `id` names a company of this world (its requests come from peers).
  virtual bool IsCompany(const std::string& id) const = 0;
  // A request op from `agent` (a vehicle or passenger, or a company), on its lane.
  virtual Reply Handle(topics::Op op, const std::string& agent, bool agent_is_company,
                       std::string_view payload, const ReplyTo& reply_to) = 0;
  // An operator's op, on the one admin lane.
  virtual Reply HandleAdmin(topics::AdminOp op, std::string_view payload) = 0;
  // A saga message from company `from` (network thread: post, do not wait).
  // An error when it does not decode; the agent drops and counts it.
  [[nodiscard]] virtual Status OnSagaMessage(const std::string& from, topics::SagaKind kind,
                                             std::string_view payload) = 0;
  // Subscribed: the retained catalogue goes out and unfinished sagas resume.
  virtual void Online() = 0;
  // Every tick (kTick), counted from 1, on the ticker thread.
  virtual void Tick(int tick) = 0;
  // The profile's own counters in company.metrics.
  virtual void AddMetrics(std::map<std::string, std::int64_t>& counters) = 0;
  // Sagas this agent coordinates that have not settled (`sagas.unfinished`
  // in company.metrics; a simulation waits for none).
  virtual std::size_t UnfinishedSagas() const = 0;
  // The zone the company's status reports.
  virtual std::string TimeZone() const = 0;
};

struct AgentOptions {
  std::string id;           // the company
  std::string db_path;      // empty: var/<id>.db
  std::size_t workers = 0;  // lanes; 0: four per core
  runtime::TransportKind transport = runtime::TransportKind::kMosquitto;
  runtime::TransportOptions
      mqtt;                       // broker, credentials, keepalive; client id and Will are set here
  bool sync_full = true;          // SQLite synchronous=FULL (else NORMAL)
  std::string time_zone = "UTC";  // the status's zone until the profile is loaded
  // On a PostgreSQL store: while another agent of the company serves, wait
  // (a standby) and take over once its lease runs out, instead of refusing
  // to start. The wait ends without serving when `interrupted` says so.
  bool standby = false;
  std::function<bool()> interrupted;
  // Called once, from a transport or lease thread, when the agent stopped
  // serving on its own (another connection took its client id, or another
  // instance its lease). Must not block.
  std::function<void(const Error&)> on_fatal;
};

// Makes the profile once the store is this agent's; kNotFound when the
// company is in neither the store nor the data.
using ProfileFactory =
    std::function<Result<std::unique_ptr<Profile>>(Services& services, const std::string& db)>;

class Agent {
 public:
  static constexpr auto kTick = std::chrono::milliseconds(200);
  // Takes the store (one agent per store: kConflict naming the holder),
  // checks that no other agent serves the company (kConflict), makes the
  // profile, connects, subscribes, and starts answering. A standby waits for
  // the database's lease here. `clock` must outlive the agent.
  [[nodiscard]] static Result<std::unique_ptr<Agent>> Start(AgentOptions options,
                                                            const core::Clock& clock,
                                                            const ProfileFactory& profile);
  virtual ~Agent() = default;
  // Publishes status offline (unless another agent took over), stops taking
  // messages, drains the lanes.
  virtual void Stop() = 0;
};

// Runs until SIGINT or SIGTERM, or until the agent stops serving on its own;
// returns the process exit code. `start` is given the on_fatal and
// interrupted hooks to pass on in its AgentOptions.
using Starter = std::function<Result<std::unique_ptr<Agent>>(
    std::function<void(const Error&)> on_fatal, std::function<bool()> interrupted)>;
int RunUntilSignalled(const Starter& start);

}  // namespace tripmesh::engine
