// A deterministic simulation of the engine's saga: for each seed, a few
// sagas over three simulated participants, with every message delivered,
// repeated or held back in a random order, acks overtaking each other,
// participants that refuse or whose holds run out, timeouts on a manual clock and the coordinator
// restarted at random points (what it had posted but not run is lost, as in
// a crash), and messages forged by another coordinator. The participants
// follow the engine's own rules (engine::DecidePart) on a simulated ledger.
// However it goes, every saga ends, and a confirmed one is bought at every
// participant while a failed one is held at none.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>

#include "testing.h"
#include "tripmesh/engine/part.h"
#include "tripmesh/engine/saga.h"

namespace tripmesh::engine {
namespace {

using schemas::ReservationStatus;
using schemas::SagaPhase;

constexpr Time kNow = 1799020800;
const std::vector<std::string> kParticipants = {"a", "b", "c"};

const std::string kCoordinator = "home";

struct Message {
  std::string to, saga_id;
  SagaPhase phase;
  std::string from = kCoordinator;
};

struct Ack {
  std::string from, saga_id;
  SagaPhase phase;
  PartAnswer answer;
};

class World {
 public:
  World(std::uint64_t seed, std::string path) : rng_(seed), path_(std::move(path)) { Open(); }

  void Open() {
    saga_.reset();
    store_.reset();
    tasks_.clear();  // a crash loses what was posted but not run
    auto store = runtime::Store::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    SagaOptions o;
    o.request_timeout = std::chrono::milliseconds(1000);
    o.steady_now = [this] { return steady_; };
    saga_ = std::make_unique<Saga>(
        *store_, clock_, o,
        Saga::Hooks{.send =
                        [this](const SagaRecord& r, const std::string& p, SagaPhase phase) {
                          wire_.push_back({.to = p, .saga_id = r.saga_id, .phase = phase});
                        },
                    .reply = [](const SagaRecord&, const ReplyTo&) {},
                    .reply_error = [](const Error&, const ReplyTo&) {},
                    .post = [this](const std::string&,
                                   std::function<void()> t) { tasks_.push_back(std::move(t)); },
                    .changed = {}});
    ASSERT_TRUE(saga_->Load());
    saga_->Resume();
  }

  void Start(const std::string& id) {
    SagaRecord r;
    r.saga_id = id;
    r.requester = "ana";
    r.created_at = clock_.Now();
    for (const auto& p : kParticipants) {
      if (rng_() % 3 != 0 || r.parts.empty()) r.parts[p] = {"request", ""};
    }
    saga_->Start(r, {});
  }

  // A participant answers by the engine's rules; what it holds is simulated:
  // a first request is refused now and then, a lapsed hold is taken again
  // only if nobody took its goods meanwhile.
  Ack Answer(const Message& m) {
    auto& part = parts_[{m.to, m.saga_id}];
    PartAnswer a{.ok = true, .code = std::nullopt, .detail = "", .held = "", .expires_at = {}};
    // No part here holds until a time: holds lapse when ExpireAHold says.
    constexpr Time kAnyTime = 0;
    auto decision = DecidePart(m.phase, m.saga_id, m.from, part, kAnyTime);
    auto refuse = [&a](Errc code) {
      a.ok = false;
      a.code = code;
    };
    switch (decision.step) {
      case PartStep::kHold:
        part = PartNow{.state = PartState::kHeld, .coordinator = m.from};
        if (rng_() % 5 == 0) {
          part->state = PartState::kRefused;
          part->code = Errc::kUnavailable;
          refuse(Errc::kUnavailable);
        } else {
          a.held = m.to + " holds";
        }
        break;
      case PartStep::kAnswerHolding:
        a.held = m.to + " holds";
        break;
      case PartStep::kCommit:
        part->state = PartState::kCommitted;
        break;
      case PartStep::kRehold:
        if (rng_() % 2 == 0) {
          part->state = PartState::kCommitted;
        } else {
          refuse(Errc::kExpired);  // taken meanwhile
        }
        break;
      case PartStep::kRelease:
      case PartStep::kEndLapsed:
        part->state = PartState::kCompensated;
        break;
      case PartStep::kRememberAbort:
        part = PartNow{.state = PartState::kAborted,
                       .coordinator = m.from,
                       .code = Errc::kConflict,
                       .detail = "aborted before its request arrived"};
        break;
      case PartStep::kAcknowledge:
        break;
      case PartStep::kRefuse:
        refuse(decision.refusal.code);
        break;
    }
    return {m.to, m.saga_id, m.phase, a};
  }

  // A participant's hold runs out before its commit arrives.
  void ExpireAHold() {
    std::vector<PartNow*> held;
    for (auto& [key, part] : parts_) {
      if (part && part->state == PartState::kHeld) held.push_back(&*part);
    }
    if (!held.empty()) held[rng_() % held.size()]->state = PartState::kExpired;
  }

  // Another coordinator commits or compensates one of these sagas: neither
  // may book or give back what the saga's own coordinator decides. Its
  // answer goes to it, not to this saga's coordinator.
  void Forge() {
    Message m{.to = kParticipants[rng_() % kParticipants.size()],
              .saga_id = "s" + std::to_string(rng_() % 4),
              .phase = rng_() % 2 == 0 ? SagaPhase::kCommit : SagaPhase::kCompensate,
              .from = "mallory"};
    Answer(m);
  }

  bool Bought(const std::string& participant, const std::string& saga_id) {
    const auto& part = parts_[{participant, saga_id}];
    return part && part->state == PartState::kCommitted;
  }
  bool Held(const std::string& participant, const std::string& saga_id) {
    const auto& part = parts_[{participant, saga_id}];
    return part && part->state == PartState::kHeld;
  }

  // One random step; false once nothing is left to do but time.
  bool Step() {
    int choice = static_cast<int>(rng_() % 100);
    if (choice < 35 && !tasks_.empty()) {
      auto t = std::move(tasks_.front());
      tasks_.pop_front();
      t();
    } else if (choice < 60 && !wire_.empty()) {
      std::size_t i = rng_() % wire_.size();
      Message m = wire_[i];
      if (rng_() % 4 != 0) wire_.erase(wire_.begin() + static_cast<long>(i));  // else repeated
      acks_.push_back(Answer(m));
    } else if (choice < 85 && !acks_.empty()) {
      std::size_t i = rng_() % acks_.size();
      Ack a = acks_[i];
      acks_.erase(acks_.begin() + static_cast<long>(i));
      saga_->OnAck(a.from, a.saga_id, a.phase, a.answer);
    } else if (choice < 94) {
      steady_ += std::chrono::milliseconds(rng_() % 700);
      saga_->Tick();
    } else if (choice < 96) {
      ExpireAHold();
    } else if (choice < 98) {
      Forge();
    } else if (restarts_ < 3) {
      ++restarts_;
      Open();
    }
    return !tasks_.empty() || !wire_.empty() || !acks_.empty() || saga_->UnfinishedCount() > 0;
  }

  // Delivers everything, in order, with time passing, until every saga ends.
  void Settle() {
    for (int round = 0; round < 200 && saga_->UnfinishedCount() > 0; ++round) {
      steady_ += std::chrono::milliseconds(1000);
      saga_->Tick();
      while (!tasks_.empty() || !wire_.empty() || !acks_.empty()) {
        while (!tasks_.empty()) {
          auto t = std::move(tasks_.front());
          tasks_.pop_front();
          t();
        }
        for (const auto& m : std::exchange(wire_, {})) acks_.push_back(Answer(m));
        for (const auto& a : std::exchange(acks_, {}))
          saga_->OnAck(a.from, a.saga_id, a.phase, a.answer);
      }
    }
  }

  std::mt19937_64 rng_;
  std::string path_;
  core::ManualClock clock_{kNow};
  std::chrono::steady_clock::time_point steady_{};
  std::unique_ptr<runtime::Store> store_;
  std::unique_ptr<Saga> saga_;
  std::deque<std::function<void()>> tasks_;
  std::vector<Message> wire_;
  std::vector<Ack> acks_;
  std::map<std::pair<std::string, std::string>, std::optional<PartNow>> parts_;
  int restarts_ = 0;
};

TEST(EngineSagaDstTest, EverySagaEndsBoughtEverywhereOrHeldNowhere) {
  constexpr int kSeeds = 300, kSagas = 4;
  std::string dir = tripmesh::testing::NewTempDir("EngineSagaDst");
  for (int seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    World w(static_cast<std::uint64_t>(seed), dir + "/s" + std::to_string(seed) + ".db");
    for (int i = 0; i < kSagas; ++i) w.Start("s" + std::to_string(i));
    for (int step = 0; step < 400 && w.Step(); ++step) {
    }
    w.Settle();
    ASSERT_EQ(w.saga_->UnfinishedCount(), 0u);
    for (int i = 0; i < kSagas; ++i) {
      std::string id = "s" + std::to_string(i);
      auto r = w.saga_->Find(id);
      if (!r) continue;  // never stored: the coordinator died before its first step
      ASSERT_EQ(r->step, SagaStep::kDone) << id;
      for (const auto& [p, part] : r->parts) {
        if (r->outcome == ReservationStatus::kConfirmed) {
          EXPECT_TRUE(w.Bought(p, id)) << id << " at " << p;
        } else {
          EXPECT_FALSE(w.Bought(p, id)) << id << " at " << p;
          EXPECT_FALSE(w.Held(p, id)) << id << " at " << p;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tripmesh::engine
