// A saga's life, the same for both profiles and on each store: a
// participant refuses and the others give back; held, a participant killed,
// then confirmed, cancelled, and asked again; a reserve repeated while its
// saga waits hears the first answer; a hold left unconfirmed lapses
// everywhere; repeated and reordered saga messages leave the state of a
// clean run; the broker restarted under load lets every saga finish; the
// profile's simulated crowd leaves every store consistent. (The
// coordinator killed at each step and a frozen participant:
// saga_crash_test.)
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "profile_world.h"
#include "tripmesh/schemas/encode.h"

namespace tripmesh::testing {
namespace {

using namespace std::chrono_literals;
using schemas::ReservationStatus;

class SagaProfileTest : public ProfileTest {
 protected:
  // The first requester, at the coordinator.
  std::unique_ptr<Requester> JoinHome(const std::string& name = "one") {
    auto r = world_->Join(name, world_->Agents().front());
    EXPECT_TRUE(r) << name;
    return r;
  }
};

INSTANTIATE_TEST_SUITE_P(Profiles, SagaProfileTest, ::testing::ValuesIn(EveryProfile()),
                         NameOfProfileCase());

TEST_P(SagaProfileTest, ARefusingParticipantGetsTheOthersToGiveBack) {
  StartAll();
  auto requester = JoinHome();
  ASSERT_TRUE(requester);
  auto agents = world_->Agents();
  const std::string refusing = agents[1];
  world_->Take(refusing);
  int taken = world_->Claimed(refusing);
  ASSERT_GT(taken, 0);

  auto r = requester->Reserve("refused");
  ASSERT_FALSE(r) << "reserved what another holds";
  EXPECT_EQ(r.error().code, world_->TakenCode()) << r.error().message;
  EXPECT_NE(r.error().message.find(refusing), std::string::npos) << r.error().message;
  auto outcome = requester->Final("refused");
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, ReservationStatus::kFailed);
  EXPECT_TRUE(NothingClaimedAt(agents[0]));
  EXPECT_TRUE(NothingClaimedAt(agents[2]));
  EXPECT_EQ(world_->Claimed(refusing), taken) << "the refusing agent's own claim changed";

  world_->GiveBack();
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  for (const auto& a : agents) EXPECT_TRUE(NothingClaimedAt(a)) << a;
}

TEST_P(SagaProfileTest, HeldThenConfirmedAcrossAParticipantKillThenCancelledEveryAgentFollows) {
  StartAll();
  auto requester = JoinHome();
  ASSERT_TRUE(requester);
  auto held = requester->Reserve("two-step", HoldOnly::kYes);
  ASSERT_TRUE(held) << held.error().message;
  ASSERT_EQ(held->status, ReservationStatus::kHeld);
  auto agents = world_->Agents();
  for (const auto& a : agents) EXPECT_GT(world_->Claimed(a), 0) << a << " holds nothing";

  const std::string killed = agents[1];
  running_[killed]->Signal(SIGKILL);
  ASSERT_TRUE(running_[killed]->Wait(5s));
  running_[killed] = world_->Start(killed, {});
  ASSERT_TRUE(running_[killed]);
  const std::string id = held->reservation_id;
  auto confirmed = requester->Request(topics::Op::kConfirm, id);
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  EXPECT_EQ(*confirmed, ReservationStatus::kConfirmed);
  auto twice = requester->Request(topics::Op::kConfirm, id);
  ASSERT_TRUE(twice) << twice.error().message;
  EXPECT_EQ(*twice, ReservationStatus::kConfirmed);
  auto stranger = JoinHome("stranger");
  ASSERT_TRUE(stranger);
  auto theirs = stranger->Request(topics::Op::kCancel, id);
  ASSERT_FALSE(theirs) << "another requester cancelled it";
  EXPECT_EQ(theirs.error().code, Errc::kNotFound) << theirs.error().message;
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  for (const auto& a : agents) EXPECT_GT(world_->Claimed(a), 0) << a << " booked nothing";

  auto cancelled = requester->Request(topics::Op::kCancel, id);
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(*cancelled, ReservationStatus::kCancelled);
  checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  for (const auto& a : agents) EXPECT_TRUE(NothingClaimedAt(a)) << a;
  auto again = requester->Request(topics::Op::kCancel, id);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, ReservationStatus::kCancelled);
  auto late = requester->Request(topics::Op::kConfirm, id);
  ASSERT_FALSE(late) << "confirmed a cancelled reservation";
  EXPECT_EQ(late.error().code, Errc::kConflict) << late.error().message;
}

// A client that sends its reserve again while the saga waits on a frozen
// participant (as one does after its connection came back) hears what the
// first hears, when the first does: not the saga halfway, not a refusal.
TEST_P(SagaProfileTest, AReserveRepeatedWhileItsSagaWaitsHearsTheFirstAnswer) {
  StartAll();
  auto requester = JoinHome();
  ASSERT_TRUE(requester);
  const std::string frozen = world_->Agents()[1];
  running_[frozen]->Signal(SIGSTOP);
  Result<Booking> first = Fail(Errc::kTimeout, "not answered");
  std::thread asking([&] { first = requester->Reserve("twice"); });
  std::this_thread::sleep_for(300ms);
  std::thread thawing([&] {
    std::this_thread::sleep_for(700ms);
    running_[frozen]->Signal(SIGCONT);
  });
  auto again = requester->Reserve("twice");
  asking.join();
  thawing.join();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(first->status, ReservationStatus::kConfirmed);
  EXPECT_EQ(again->status, ReservationStatus::kConfirmed);
  EXPECT_EQ(again->reservation_id, first->reservation_id);
  auto settled = requester->Reserve("twice");
  ASSERT_TRUE(settled) << settled.error().message;
  EXPECT_EQ(settled->status, ReservationStatus::kConfirmed);
  EXPECT_EQ(settled->reservation_id, first->reservation_id);
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
}

TEST_P(SagaProfileTest, AnUnconfirmedHoldLapsesEverywhere) {
  StartAll({"--hold-ttl", "1"});
  auto requester = JoinHome();
  ASSERT_TRUE(requester);
  auto held = requester->Reserve("late", HoldOnly::kYes);
  ASSERT_TRUE(held) << held.error().message;
  ASSERT_EQ(held->status, ReservationStatus::kHeld);
  std::this_thread::sleep_for(2500ms);
  auto late = requester->Request(topics::Op::kConfirm, held->reservation_id);
  ASSERT_FALSE(late) << "confirmed a lapsed hold";
  EXPECT_EQ(late.error().code, Errc::kExpired) << late.error().message;
  auto checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  for (const auto& a : world_->Agents()) EXPECT_TRUE(NothingClaimedAt(a)) << a;
  auto got = requester->Request(topics::Op::kGet, held->reservation_id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, ReservationStatus::kExpired);
  auto cancel = requester->Request(topics::Op::kCancel, held->reservation_id);
  ASSERT_FALSE(cancel) << "cancelled a lapsed hold";
  EXPECT_EQ(cancel.error().code, Errc::kConflict) << cancel.error().message;
}

// The saga wire played by hand to one participant: a compensation that
// overtakes its request, also across a restart; a request and a commit
// each twice; another coordinator's messages.
TEST_P(SagaProfileTest, RepeatedAndReorderedSagaMessagesLeaveTheStateOfACleanRun) {
  StartAll();
  auto agents = world_->Agents();
  ASSERT_TRUE(JoinHome());  // the trip whose resources the requests ask for
  const std::string part = agents[1];
  PlayedCoordinator home(broker_->uri(), agents[0], part);
  PlayedCoordinator other(broker_->uri(), agents[2], part);
  ASSERT_TRUE(home.connected() && other.connected());
  auto send = [&](PlayedCoordinator& from, topics::SagaKind kind, const std::string& payload) {
    auto ack = world_->AckOf(from.Send(kind, payload).value_or(""));
    EXPECT_TRUE(ack) << "no ack to " << payload;
    return ack.value_or(PartAck{});
  };
  auto compensate = [](const std::string& saga) {
    return schemas::Encode(schemas::SagaCompensate{saga, "gave up"});
  };
  auto commit = [](const std::string& saga) { return schemas::Encode(schemas::SagaCommit{saga}); };

  // A compensation before its request: the late request is refused, and
  // still is after the participant restarts in between.
  EXPECT_TRUE(send(home, topics::SagaKind::kCompensate, compensate("s-early")).ok);
  auto late = send(home, topics::SagaKind::kRequest, world_->PartRequest(part, "s-early"));
  EXPECT_FALSE(late.ok);
  EXPECT_EQ(late.code, Errc::kConflict) << late.payload;
  EXPECT_TRUE(send(home, topics::SagaKind::kCompensate, compensate("s-restart")).ok);
  running_[part]->Signal(SIGKILL);
  ASSERT_TRUE(running_[part]->Wait(10s));
  running_[part] = world_->Start(part, {});
  ASSERT_TRUE(running_[part]);
  auto after = send(home, topics::SagaKind::kRequest, world_->PartRequest(part, "s-restart"));
  EXPECT_FALSE(after.ok);
  EXPECT_EQ(after.code, Errc::kConflict) << after.payload;

  // A request twice gets the same answer; a commit twice books once.
  auto first = send(home, topics::SagaKind::kRequest, world_->PartRequest(part, "s-dup"));
  auto second = send(home, topics::SagaKind::kRequest, world_->PartRequest(part, "s-dup"));
  ASSERT_TRUE(first.ok) << first.payload;
  EXPECT_EQ(first.payload, second.payload);
  EXPECT_TRUE(send(home, topics::SagaKind::kCommit, commit("s-dup")).ok);
  EXPECT_TRUE(send(home, topics::SagaKind::kCommit, commit("s-dup")).ok);
  EXPECT_EQ(world_->ClaimedBy(part, "s-dup"), 1);
  EXPECT_EQ(world_->ClaimedBy(part, "s-early"), 0);
  EXPECT_EQ(world_->ClaimedBy(part, "s-restart"), 0);

  // Another coordinator can neither take the part over nor end it.
  auto taken = send(other, topics::SagaKind::kRequest, world_->PartRequest(part, "s-dup"));
  EXPECT_EQ(taken.code, Errc::kForbidden) << taken.payload;
  auto ended = send(other, topics::SagaKind::kCompensate, compensate("s-dup"));
  EXPECT_EQ(ended.code, Errc::kForbidden) << ended.payload;
  auto committed = send(other, topics::SagaKind::kCommit, commit("s-dup"));
  EXPECT_EQ(committed.code, Errc::kNotFound) << committed.payload;
  EXPECT_EQ(world_->Claimed(part), 1);
  EXPECT_EQ(world_->ClaimedBy(part, "s-dup"), 1);
}

// One reservation a member of the crowd asked for, and what it heard.
struct Asked {
  int member = 0;
  std::string request_id;
  Result<Booking> heard = Fail(Errc::kInternal, "not asked");
};

TEST_P(SagaProfileTest, ABrokerRestartUnderLoadLetsEverySagaFinish) {
  StartAll();
  constexpr int kRequesters = 12, kMostEach = 20;
  auto agents = world_->Agents();
  auto planner =
      JoinHome("planner");  // its plan is reserved once; the crowd's trips again and again
  ASSERT_TRUE(planner);
  std::vector<std::unique_ptr<Requester>> crowd;
  for (int i = 0; i < kRequesters; ++i) {
    crowd.push_back(world_->Join("crowd-" + std::to_string(i), agents[i % 3], 8s));
    ASSERT_TRUE(crowd.back()) << i;
  }
  // Each reserves and cancels, again and again, until the broker is back.
  std::atomic<bool> back{false};
  std::atomic<int> busy{0};  // requesters waiting on a reserve or a cancel
  std::vector<std::vector<Asked>> asked(kRequesters);
  std::vector<std::thread> threads;
  threads.reserve(kRequesters);
  for (int i = 0; i < kRequesters; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kMostEach && (k == 0 || !back); ++k) {
        Asked a{i, "crowd-" + std::to_string(i) + "-" + std::to_string(k)};
        ++busy;
        a.heard = crowd[i]->Reserve(a.request_id);
        if (a.heard && a.heard->status == ReservationStatus::kConfirmed) {
          (void)crowd[i]->Request(topics::Op::kCancel, a.heard->reservation_id);
        }
        --busy;
        asked[i].push_back(std::move(a));
      }
    });
  }
  std::this_thread::sleep_for(150ms);
  int busy_at_kill = busy;
  broker_->Kill();
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(broker_->Restart());
  back = true;
  for (auto& t : threads) t.join();
  for (const auto& a : agents) EXPECT_TRUE(WaitOnline(broker_->uri(), a)) << a;
  auto checked = Settle(40s);
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
  // A reservation a requester heard of ended as it heard, or was cancelled
  // after; one it heard nothing of may have had its answer lost, and the
  // checker vouches for it.
  int answered = 0, unanswered = 0;
  for (const auto& mine : asked) {
    for (const auto& a : mine) {
      if (!a.heard) {
        ++unanswered;
        continue;
      }
      ++answered;
      auto outcome = crowd[a.member]->Final(a.request_id);
      ASSERT_TRUE(outcome) << a.request_id << ": " << outcome.error().message;
      if (a.heard->status == ReservationStatus::kConfirmed) {
        EXPECT_TRUE(*outcome == ReservationStatus::kConfirmed ||
                    *outcome == ReservationStatus::kCancelled)
            << a.request_id << " is " << *outcome;
      } else {
        EXPECT_EQ(*outcome, a.heard->status) << a.request_id;
      }
    }
  }
  EXPECT_GT(busy_at_kill, 0) << "no request was under way when the broker died";
  RecordProperty("answered", answered);
  RecordProperty("unanswered", unanswered);
  RecordProperty("busy_at_kill", busy_at_kill);
}

// The profile's simulator (`tripmesh sim`, its crowd of vehicles or
// passengers) checks the stores itself when it ends; the suite's checker
// agrees once every saga has settled.
TEST_P(SagaProfileTest, TheSimulatorsCrowdLeavesEveryStoreConsistent) {
  StartAll();
  std::string flags;
  for (const auto& agent : world_->Agents()) {
    flags += " --check-db " + agent + "=" + world_->StoreOf(agent);
  }
  std::string out;
  int code = RunCommand(TripmeshBinary() + " sim" + world_->SimFlags() +
                            " --vehicles 40 --seed 7 --broker " + broker_->uri() + " --data " +
                            DataDir() + flags + " 2>&1",
                        &out);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("40/40"), std::string::npos) << "no progress to the end:\n" << out;
  EXPECT_NE(out.find("\nconsistency: "), std::string::npos) << out;
  EXPECT_EQ(out.find("FINDINGS"), std::string::npos) << out;
  Checked checked = Settle();
  EXPECT_TRUE(checked.ok) << checked.summary;
  EXPECT_EQ(checked.in_flight, 0) << checked.summary;
}

}  // namespace
}  // namespace tripmesh::testing
