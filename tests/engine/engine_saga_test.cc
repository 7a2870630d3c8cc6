// The engine's saga coordinator on a fake transport, a manual clock and a
// real SQLite store: all participants hold and it commits; one refuses or is
// silent and every one is compensated; hold_only waits for confirm; a held
// saga expires; a confirmed one is cancelled; and a restart at any step ends
// every saga the same way.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "testing.h"
#include "tripmesh/engine/saga.h"

namespace tripmesh::engine {
namespace {

using schemas::ReservationStatus;
using schemas::SagaPhase;

constexpr Time kNow = 1799020800;

struct Sent {
  std::string participant;
  SagaPhase phase;
};

class EngineSagaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = tripmesh::testing::NewTempDir(std::string("EngineSagaTest-") + info->name()) + "/s.db";
    Open();
  }

  void Open() {
    saga_.reset();
    store_.reset();
    auto store = runtime::Store::Open(path_);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    SagaOptions options;
    options.request_timeout = std::chrono::milliseconds(1000);
    options.steady_now = [this] { return steady_; };
    Saga::Hooks hooks{
        .send =
            [this](const SagaRecord&, const std::string& p, SagaPhase phase) {
              sent_.push_back({p, phase});
            },
        .reply = [this](const SagaRecord& r, const ReplyTo&) { replies_.push_back(r); },
        .reply_error = [this](const Error& e, const ReplyTo&) { errors_.push_back(e); },
        .post = [this](const std::string&,
                       std::function<void()> task) { tasks_.push_back(std::move(task)); },
        .changed = {}};
    saga_ = std::make_unique<Saga>(*store_, clock_, options, hooks);
    ASSERT_TRUE(saga_->Load());
  }

  void Pump() {
    while (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      task();
    }
  }

  void Start(const std::string& id, bool hold_only = false) {
    SagaRecord r;
    r.saga_id = id;
    r.requester = "ana";
    r.request_id = "q-" + id;
    r.hold_only = hold_only;
    r.created_at = clock_.Now();
    r.body = "what is sold";
    r.parts["jangada"] = {"req-j", ""};
    r.parts["sabia"] = {"req-s", ""};
    saga_->Start(std::move(r), ReplyTo{"t", "c", "q"});
    Pump();
  }

  void Ack(const std::string& from, const std::string& id, SagaPhase phase, bool ok = true,
           std::optional<Time> expires_at = std::nullopt) {
    PartAnswer a{.ok = ok,
                 .code = ok ? std::nullopt : std::optional<Errc>(Errc::kUnavailable),
                 .detail = ok ? "" : "no seats",
                 .held = ok ? "held-by-" + from : "",
                 .expires_at = expires_at};
    saga_->OnAck(from, id, phase, a);
    Pump();
  }

  // The phases sent since the last call, by participant.
  std::map<std::string, std::vector<SagaPhase>> TakeSent() {
    std::map<std::string, std::vector<SagaPhase>> out;
    for (const auto& s : sent_) out[s.participant].push_back(s.phase);
    sent_.clear();
    return out;
  }

  void Tick() {
    saga_->Tick();
    Pump();
  }

  std::string path_;
  core::ManualClock clock_{kNow};
  std::chrono::steady_clock::time_point steady_{};
  std::unique_ptr<runtime::Store> store_;
  std::unique_ptr<Saga> saga_;
  std::deque<std::function<void()>> tasks_;
  std::vector<Sent> sent_;
  std::vector<SagaRecord> replies_;
  std::vector<Error> errors_;
};

using Phases = std::vector<SagaPhase>;

TEST_F(EngineSagaTest, EveryParticipantHoldsThenCommitsAndTheRequesterHearsConfirmed) {
  Start("s1");
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"jangada", {SagaPhase::kRequest}},
                                                       {"sabia", {SagaPhase::kRequest}}}));
  Ack("jangada", "s1", SagaPhase::kRequest);
  EXPECT_TRUE(replies_.empty());
  Ack("sabia", "s1", SagaPhase::kRequest);
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"jangada", {SagaPhase::kCommit}},
                                                       {"sabia", {SagaPhase::kCommit}}}));
  Ack("jangada", "s1", SagaPhase::kCommit);
  Ack("jangada", "s1", SagaPhase::kCommit);  // a repeat changes nothing
  EXPECT_TRUE(replies_.empty());
  Ack("sabia", "s1", SagaPhase::kCommit);
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(replies_[0].Status(), ReservationStatus::kConfirmed);
  EXPECT_EQ(replies_[0].parts.at("sabia").held, "held-by-sabia");
  EXPECT_EQ(saga_->UnfinishedCount(), 0u);
  EXPECT_EQ(saga_->ByRequest("ana", "q-s1")->saga_id, "s1");
  EXPECT_FALSE(saga_->ByRequest("bia", "q-s1"));
}

TEST_F(EngineSagaTest, ARefusalCompensatesEveryParticipantAndSaysWhy) {
  Start("s1");
  TakeSent();
  Ack("jangada", "s1", SagaPhase::kRequest);
  Ack("sabia", "s1", SagaPhase::kRequest, false);
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(replies_[0].Status(), ReservationStatus::kFailed);
  ASSERT_TRUE(replies_[0].error);
  EXPECT_EQ(replies_[0].error->code, Errc::kUnavailable);
  EXPECT_EQ(replies_[0].error->message, "sabia: no seats");
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"jangada", {SagaPhase::kCompensate}},
                                                       {"sabia", {SagaPhase::kCompensate}}}));
  // Unacknowledged compensations are resent, with backoff, until acked.
  Ack("jangada", "s1", SagaPhase::kCompensate);
  steady_ += std::chrono::milliseconds(600);
  Tick();
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"sabia", {SagaPhase::kCompensate}}}));
  Ack("sabia", "s1", SagaPhase::kCompensate);
  EXPECT_EQ(saga_->Find("s1")->step, SagaStep::kDone);
}

TEST_F(EngineSagaTest, ASilentParticipantTimesOutAndIsNamed) {
  Start("s1");
  TakeSent();
  Ack("jangada", "s1", SagaPhase::kRequest);
  steady_ += std::chrono::milliseconds(999);
  Tick();
  EXPECT_TRUE(replies_.empty());
  steady_ += std::chrono::milliseconds(1);
  Tick();
  ASSERT_EQ(replies_.size(), 1u);
  EXPECT_EQ(replies_[0].error->code, Errc::kTimeout);
  EXPECT_NE(replies_[0].error->message.find("sabia"), std::string::npos);
  EXPECT_EQ(replies_[0].error->message.find("jangada"), std::string::npos);
  // Its late ack is stale: the saga compensates regardless.
  Ack("sabia", "s1", SagaPhase::kRequest);
  EXPECT_EQ(saga_->Find("s1")->step, SagaStep::kCompensating);
}

TEST_F(EngineSagaTest, AHoldWaitsForConfirmExpiresUnconfirmedAndACancelUndoesAConfirmation) {
  Start("s1", true);
  Start("s2", true);
  for (const auto* id : {"s1", "s2"}) {
    Ack("jangada", id, SagaPhase::kRequest, true, kNow + 600);
    Ack("sabia", id, SagaPhase::kRequest, true, kNow + 300);
  }
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_EQ(replies_[0].Status(), ReservationStatus::kHeld);
  EXPECT_EQ(replies_[0].expires_at, kNow + 300);  // the earliest hold
  TakeSent();
  saga_->Confirm("bia", "s1", {});
  Pump();
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code, Errc::kNotFound);
  saga_->Confirm("ana", "s1", {});
  Pump();
  Ack("jangada", "s1", SagaPhase::kCommit);
  Ack("sabia", "s1", SagaPhase::kCommit);
  EXPECT_EQ(replies_.back().Status(), ReservationStatus::kConfirmed);
  EXPECT_FALSE(replies_.back().expires_at);

  clock_.Advance(300);
  Tick();
  EXPECT_EQ(saga_->Find("s2")->Status(), ReservationStatus::kExpired);
  saga_->Confirm("ana", "s2", {});
  Pump();
  EXPECT_EQ(errors_.back().code, Errc::kConflict);

  TakeSent();
  saga_->Cancel("ana", "s1", {});
  Pump();
  EXPECT_EQ(replies_.back().Status(), ReservationStatus::kCancelled);
  auto sent = TakeSent();
  EXPECT_EQ(sent["jangada"], Phases{SagaPhase::kCompensate});
  EXPECT_EQ(sent["sabia"], Phases{SagaPhase::kCompensate});
}

TEST_F(EngineSagaTest, ARestartCompensatesWhatWasRequestingAndResendsWhatWasCommitting) {
  Start("s1");
  Start("s2");
  Ack("jangada", "s2", SagaPhase::kRequest);
  Ack("sabia", "s2", SagaPhase::kRequest);  // s2 is committing
  TakeSent();
  Open();  // the coordinator restarts
  saga_->Resume();
  Pump();
  auto s1 = saga_->Find("s1");
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->step, SagaStep::kCompensating);
  EXPECT_EQ(s1->outcome, ReservationStatus::kFailed);
  auto s2 = saga_->Find("s2");
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->step, SagaStep::kCommitting);
  EXPECT_EQ(s2->parts.at("jangada").held, "held-by-jangada");
  EXPECT_EQ(s2->body, "what is sold");
  auto sent = TakeSent()["jangada"];
  std::sort(sent.begin(), sent.end());  // the two sagas resume in any order
  EXPECT_EQ(sent, (Phases{SagaPhase::kCommit, SagaPhase::kCompensate}));
  for (const auto* p : {"jangada", "sabia"}) {
    Ack(p, "s1", SagaPhase::kCompensate);
    Ack(p, "s2", SagaPhase::kCommit);
  }
  EXPECT_EQ(saga_->Find("s1")->Status(), ReservationStatus::kFailed);
  EXPECT_EQ(saga_->Find("s2")->Status(), ReservationStatus::kConfirmed);
  EXPECT_EQ(saga_->UnfinishedCount(), 0u);
  EXPECT_EQ(saga_->Of("ana").size(), 2u);
}

}  // namespace
}  // namespace tripmesh::engine
