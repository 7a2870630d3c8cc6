// engine::RunPart on a keeper that sells seats from one counter: what each
// message does to the goods, whatever the profile (the rules themselves are
// engine_part_test's).
#include <gtest/gtest.h>

#include <map>

#include "tripmesh/engine/participant.h"

namespace tripmesh::engine {
namespace {

using schemas::SagaPhase;

constexpr Time kNow = 1'800'000'000;

struct SeatAck {
  bool ok = false;
  Errc code = Errc::kInternal;
  int seats = 0;  // a request's: how many it holds
};

// Holds, books and gives back seats of one counter; remembers each part.
class SeatKeeper {
 public:
  struct Part {
    PartState state = PartState::kHeld;
    std::string coordinator;
    Time hold_until = 0;
    int seats = 0;
  };
  using Request = int;  // seats wanted
  using Ack = SeatAck;

  int free = 3;
  int booked = 0;
  bool store_fails = false;
  std::vector<bool> book_lapsed;  // each Book's `lapsed`
  std::map<std::string, Part> parts;

  Result<std::optional<Part>> Find(const std::string& saga_id) {
    if (store_fails) return Fail(Errc::kInternal, "disk I/O error");
    auto it = parts.find(saga_id);
    if (it == parts.end()) return std::nullopt;
    return it->second;
  }
  static PartNow StateOf(const Part& p) {
    return {
        .state = p.state,
        .coordinator = p.coordinator,
        .hold_until = p.state == PartState::kHeld ? std::optional(p.hold_until) : std::nullopt,
        .code = p.state == PartState::kRefused ? std::optional(Errc::kUnavailable) : std::nullopt,
        .detail = "sold out"};
  }
  Ack Hold(const PartMessage& m, const Request& seats) {
    if (seats > free) {
      parts[m.saga_id] = {.state = PartState::kRefused, .coordinator = m.from, .hold_until = 0};
      return Refuse(m, Error{Errc::kUnavailable, "sold out"});
    }
    free -= seats;
    parts[m.saga_id] = {.coordinator = m.from, .hold_until = kNow + 60, .seats = seats};
    return {.ok = true, .code = Errc::kInternal, .seats = seats};
  }
  Ack Holding(const PartMessage&, const Part& p) {
    return {.ok = true, .code = Errc::kInternal, .seats = p.seats};
  }
  Ack Book(const PartMessage& m, const Part& p, bool lapsed) {
    book_lapsed.push_back(lapsed);
    booked += p.seats;
    parts[m.saga_id].state = PartState::kCommitted;
    return Done(m);
  }
  Ack Release(const PartMessage& m, const Part& p, bool lapsed) {
    if (!lapsed) free += p.seats;
    if (p.state == PartState::kCommitted) booked -= p.seats;
    parts[m.saga_id].state = PartState::kCompensated;
    return Done(m);
  }
  Ack RememberAbort(const PartMessage& m) {
    parts[m.saga_id] = {.state = PartState::kAborted, .coordinator = m.from};
    return Done(m);
  }
  static Ack Done(const PartMessage&) { return {.ok = true, .code = Errc::kInternal}; }
  static Ack Refuse(const PartMessage&, const Error& e) { return {.ok = false, .code = e.code}; }
};

static_assert(PartKeeper<SeatKeeper>);

SeatAck Send(SeatKeeper& k, SagaPhase phase, const std::string& saga_id,
             std::optional<int> seats = std::nullopt, const std::string& from = "tucano",
             Time now = kNow) {
  PartMessage m{.phase = phase, .saga_id = saga_id, .from = from, .reason = "", .joined = nullptr};
  return RunPart(k, m, seats ? &*seats : nullptr, now);
}

TEST(EngineParticipantTest, ARequestHoldsOnceACommitBooksACompensationGivesBack) {
  SeatKeeper k;
  auto held = Send(k, SagaPhase::kRequest, "s1", 2);
  ASSERT_TRUE(held.ok);
  EXPECT_EQ(held.seats, 2);
  auto again = Send(k, SagaPhase::kRequest, "s1", 2);
  EXPECT_TRUE(again.ok);
  EXPECT_EQ(again.seats, 2);
  EXPECT_EQ(k.free, 1) << "a repeated request holds nothing more";

  EXPECT_TRUE(Send(k, SagaPhase::kCommit, "s1").ok);
  EXPECT_TRUE(Send(k, SagaPhase::kCommit, "s1").ok);
  EXPECT_EQ(k.booked, 2) << "a repeated commit books nothing more";
  EXPECT_EQ(k.book_lapsed, std::vector<bool>{false});

  EXPECT_TRUE(Send(k, SagaPhase::kCompensate, "s1").ok);
  EXPECT_TRUE(Send(k, SagaPhase::kCompensate, "s1").ok);
  EXPECT_EQ(k.free, 3);
  EXPECT_EQ(k.booked, 0);
}

TEST(EngineParticipantTest, ARefusedRequestIsRefusedAgainWithItsReason) {
  SeatKeeper k;
  EXPECT_EQ(Send(k, SagaPhase::kRequest, "s1", 4).code, Errc::kUnavailable);
  k.free = 10;  // seats came back: the saga's answer does not change
  EXPECT_EQ(Send(k, SagaPhase::kRequest, "s1", 4).code, Errc::kUnavailable);
  EXPECT_EQ(k.free, 10);
}

TEST(EngineParticipantTest, ACompensationBeforeItsRequestMakesTheRequestHoldNothing) {
  SeatKeeper k;
  EXPECT_TRUE(Send(k, SagaPhase::kCompensate, "s1").ok);
  auto late = Send(k, SagaPhase::kRequest, "s1", 1);
  EXPECT_FALSE(late.ok);
  EXPECT_EQ(late.code, Errc::kConflict);
  EXPECT_EQ(k.free, 3);
}

TEST(EngineParticipantTest, ACommitAfterTheHoldRanOutTellsTheKeeperItLapsed) {
  SeatKeeper k;
  ASSERT_TRUE(Send(k, SagaPhase::kRequest, "s1", 1).ok);
  EXPECT_TRUE(Send(k, SagaPhase::kCommit, "s1", std::nullopt, "tucano", kNow + 60).ok);
  EXPECT_EQ(k.book_lapsed, std::vector<bool>{true});
}

TEST(EngineParticipantTest, OnlyThePartsCoordinatorReachesIt) {
  SeatKeeper k;
  ASSERT_TRUE(Send(k, SagaPhase::kRequest, "s1", 2).ok);
  EXPECT_EQ(Send(k, SagaPhase::kCommit, "s1", std::nullopt, "jangada").code, Errc::kNotFound);
  EXPECT_EQ(Send(k, SagaPhase::kCompensate, "s1", std::nullopt, "jangada").code, Errc::kForbidden);
  EXPECT_EQ(k.free, 1);
  EXPECT_EQ(k.booked, 0);
}

TEST(EngineParticipantTest, AFailedStoreOrARequestWithoutItsBodyTouchesNothing) {
  SeatKeeper k;
  k.store_fails = true;
  EXPECT_EQ(Send(k, SagaPhase::kRequest, "s1", 1).code, Errc::kInternal);
  EXPECT_EQ(Send(k, SagaPhase::kCompensate, "s1").code, Errc::kInternal);
  k.store_fails = false;
  EXPECT_EQ(Send(k, SagaPhase::kRequest, "s1").code, Errc::kInvalidRequest);
  EXPECT_TRUE(k.parts.empty());
  EXPECT_EQ(k.free, 3);
}

}  // namespace
}  // namespace tripmesh::engine
