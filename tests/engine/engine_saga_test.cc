// The engine's saga coordinator on a fake transport, a manual clock and a
// real SQLite store: all participants hold and it commits; one refuses or is
// silent and every one is compensated; hold_only waits for confirm; a held
// saga expires; a confirmed one is cancelled; a restart at any step ends
// every saga the same way; the agent's own part joins the state's commit; a
// settled saga leaves memory and is revived to end; an amend is stored first;
// a repeated request hears the first answer.
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
    if (own_) {
      // jangada is this agent: its part runs in process, and settled sagas leave memory.
      options.self = "jangada";
      options.keep_settled = false;
      hooks.own = [this](const SagaRecord&, SagaPhase phase, JoinedWrite* joined) {
        own_calls_.push_back({joined != nullptr ? "joined" : "alone", phase});
        if (joined)
          joined->done = bool(store_->Write([&](runtime::Tx& tx) { return joined->write(tx); }));
        return PartAnswer{
            .ok = true, .code = {}, .detail = "", .held = "held-by-self", .expires_at = {}};
      };
    }
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
                 // Any bytes: the store keeps them as they are.
                 .held = ok ? "held-by-" + from + " 12:3C\x1f\x1e" : "",
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
  bool own_ = false;
  std::vector<Sent> own_calls_;  // participant: how the own part ran (joined or alone)
};

// The stored record of saga `id`.
std::optional<SagaRecord> Stored(runtime::Store& store, const std::string& id) {
  std::optional<SagaRecord> found;
  EXPECT_TRUE(ReadSagas(store, [&](SagaRecord r) {
    if (r.saga_id == id) found = std::move(r);
  }));
  return found;
}

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
  EXPECT_EQ(replies_[0].parts.at("sabia").held, "held-by-sabia 12:3C\x1f\x1e");
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
  EXPECT_EQ(errors_.back().code, Errc::kExpired);  // as for a hold read back settled

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
  EXPECT_EQ(s2->parts.at("jangada").held, "held-by-jangada 12:3C\x1f\x1e");
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

TEST_F(EngineSagaTest, TheOwnPartRunsInTheSameCommitAsTheStateAndASettledSagaLeavesMemory) {
  own_ = true;
  Open();
  Start("s1");
  // The own part held in the commit that stored `requesting`; only sabia hears.
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"sabia", {SagaPhase::kRequest}}}));
  ASSERT_EQ(own_calls_.size(), 1u);
  EXPECT_EQ(own_calls_[0].participant, "joined");
  EXPECT_EQ(Stored(*store_, "s1")->step, SagaStep::kRequesting);
  Ack("sabia", "s1", SagaPhase::kRequest);
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"sabia", {SagaPhase::kCommit}}}));
  ASSERT_EQ(own_calls_.size(), 2u);
  EXPECT_EQ(own_calls_[1].participant, "joined");
  EXPECT_EQ(own_calls_[1].phase, SagaPhase::kCommit);
  Ack("sabia", "s1", SagaPhase::kCommit);
  ASSERT_FALSE(replies_.empty());
  EXPECT_EQ(replies_.back().Status(), ReservationStatus::kConfirmed);
  EXPECT_FALSE(saga_->Knows("s1"));
  EXPECT_FALSE(saga_->Find("s1"));
  auto stored = Stored(*store_, "s1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->step, SagaStep::kDone);
  EXPECT_EQ(stored->parts.at("jangada").held, "held-by-self");

  // A settled saga is unknown until revived; then it ends as no_show everywhere.
  bool unknown = false;
  saga_->End("ana", "s1", ReservationStatus::kNoShow, std::nullopt, [&] { unknown = true; });
  Pump();
  EXPECT_TRUE(unknown);
  saga_->Revive(*stored);
  saga_->End("ana", "s1", ReservationStatus::kNoShow, std::nullopt);
  Pump();
  EXPECT_EQ(TakeSent(), (std::map<std::string, Phases>{{"sabia", {SagaPhase::kCompensate}}}));
  EXPECT_EQ(own_calls_.back().phase, SagaPhase::kCompensate);
  EXPECT_EQ(own_calls_.back().participant, "alone");
  Ack("sabia", "s1", SagaPhase::kCompensate);
  EXPECT_FALSE(saga_->Knows("s1"));
  EXPECT_EQ(Stored(*store_, "s1")->outcome, ReservationStatus::kNoShow);

  // A restart loads only what is unfinished.
  Start("s2", true);
  Open();
  EXPECT_TRUE(saga_->Knows("s2"));
  EXPECT_FALSE(saga_->Knows("s1"));
}

TEST_F(EngineSagaTest, AnAmendIsStoredBeforeItsCallerHearsAndARepeatChangesNothing) {
  Start("s1", true);
  Ack("jangada", "s1", SagaPhase::kRequest);
  Ack("sabia", "s1", SagaPhase::kRequest);
  std::vector<bool> heard;
  auto change = [](SagaRecord& r) {
    if (r.body == "moved") return false;
    r.body = "moved";
    return true;
  };
  auto then = [&](const SagaRecord& r, bool changed) {
    EXPECT_EQ(Stored(*store_, "s1")->body, "moved");  // stored before this runs
    EXPECT_EQ(r.body, "moved");
    heard.push_back(changed);
  };
  bool unknown = false;
  saga_->Amend("s1", change, then, [&] { unknown = true; });
  saga_->Amend("s1", change, then, [&] { unknown = true; });
  saga_->Amend("nope", change, then, [&] { unknown = true; });
  Pump();
  EXPECT_EQ(heard, (std::vector<bool>{true, false}));
  EXPECT_TRUE(unknown);
  EXPECT_EQ(saga_->Find("s1")->body, "moved");
}

// A reserve repeated while its saga runs (a client resending after the
// broker came back) hears what the first hears, when the first does; once
// the saga is held or settled, it hears that at once.
TEST_F(EngineSagaTest, ARepeatedRequestWaitsForTheFirstAnswerAndNeverHearsHalfway) {
  Start("s1");
  EXPECT_FALSE(saga_->RejoinRequest("bia", "q-s1", {}));  // another's request
  EXPECT_FALSE(saga_->RejoinRequest("ana", "q-none", {}));
  ASSERT_TRUE(saga_->RejoinRequest("ana", "q-s1", {}));
  Pump();
  Ack("jangada", "s1", SagaPhase::kRequest);
  Ack("sabia", "s1", SagaPhase::kRequest);
  ASSERT_TRUE(saga_->Rejoin("ana", "s1", {}));  // the same plan, while committing
  Pump();
  EXPECT_TRUE(replies_.empty());
  Ack("jangada", "s1", SagaPhase::kCommit);
  Ack("sabia", "s1", SagaPhase::kCommit);
  ASSERT_EQ(replies_.size(), 3u);
  for (const auto& r : replies_) EXPECT_EQ(r.Status(), ReservationStatus::kConfirmed);
  ASSERT_TRUE(saga_->RejoinRequest("ana", "q-s1", {}));
  Pump();
  ASSERT_EQ(replies_.size(), 4u);
  EXPECT_EQ(replies_.back().Status(), ReservationStatus::kConfirmed);

  // A hold answers held, to the first and to a repeat after it.
  Start("s2", true);
  ASSERT_TRUE(saga_->RejoinRequest("ana", "q-s2", {}));
  Ack("jangada", "s2", SagaPhase::kRequest);
  Ack("sabia", "s2", SagaPhase::kRequest);
  ASSERT_EQ(replies_.size(), 6u);
  ASSERT_TRUE(saga_->RejoinRequest("ana", "q-s2", {}));
  Pump();
  ASSERT_EQ(replies_.size(), 7u);
  for (auto i = 4u; i < 7u; ++i) EXPECT_EQ(replies_[i].Status(), ReservationStatus::kHeld);
  EXPECT_TRUE(errors_.empty());
}

// A repeat that finds its saga in memory, which then settles and leaves
// memory before the repeat's turn, hears the stored record.
TEST_F(EngineSagaTest, ARepeatedRequestOfASagaThatLeftMemoryHearsTheStoredOne) {
  own_ = true;
  Open();
  Start("s1");
  Ack("sabia", "s1", SagaPhase::kRequest);
  ASSERT_TRUE(saga_->RejoinRequest("ana", "q-s1", {}));  // queued behind the commit's ack
  saga_->OnAck("sabia", "s1", SagaPhase::kCommit,
               PartAnswer{.ok = true, .code = {}, .detail = "", .held = "", .expires_at = {}});
  // The ack's step runs before the repeat's: reorder the queue so.
  std::rotate(tasks_.begin(), tasks_.end() - 1, tasks_.end());
  Pump();
  EXPECT_FALSE(saga_->Knows("s1"));
  ASSERT_EQ(replies_.size(), 2u);
  EXPECT_EQ(replies_[0].Status(), ReservationStatus::kConfirmed);
  EXPECT_EQ(replies_[1].Status(), ReservationStatus::kConfirmed);
  EXPECT_FALSE(saga_->RejoinRequest("ana", "q-s1", {}));  // settled: the profile's to answer
}

// Stores from before the parts' column kept them a row each: still read.
TEST_F(EngineSagaTest, PartsKeptARowEachByAnOlderStoreAreStillRead) {
  Start("s1");
  ASSERT_TRUE(store_->Write([](runtime::Tx& tx) -> Status {
    for (const char* sql :
         {"UPDATE engine_sagas SET parts = NULL",
          "INSERT INTO engine_saga_parts(saga_id, participant, request, held)"
          " VALUES('s1', 'jangada', 'req-j', ''), ('s1', 'sabia', 'req-s', 'seat 3C')"}) {
      if (auto st = tx.Exec(sql); !st) return st;
    }
    return {};
  }));
  Open();
  auto s1 = saga_->Find("s1");
  ASSERT_TRUE(s1);
  ASSERT_EQ(s1->parts.size(), 2u);
  EXPECT_EQ(s1->parts.at("jangada").request, "req-j");
  EXPECT_EQ(s1->parts.at("sabia").held, "seat 3C");
}

}  // namespace
}  // namespace tripmesh::engine
