// The participant's rules, the same for every profile: what each phase does
// to a part in each state, and that only the part's coordinator reaches it.
#include <gtest/gtest.h>

#include "tripmesh/engine/part.h"

namespace tripmesh::engine {
namespace {

using schemas::SagaPhase;

constexpr Time kNow = 1'800'000'000;

PartNow Part(PartState state, std::string coordinator = "voltpoint") {
  return {.state = state,
          .coordinator = std::move(coordinator),
          .hold_until = std::nullopt,
          .code = std::nullopt,
          .detail = ""};
}

PartStep StepOf(SagaPhase phase, const std::optional<PartNow>& part,
                const std::string& from = "voltpoint") {
  return DecidePart(phase, "s1", from, part, kNow).step;
}

Error RefusalOf(SagaPhase phase, const std::optional<PartNow>& part,
                const std::string& from = "voltpoint") {
  auto d = DecidePart(phase, "s1", from, part, kNow);
  EXPECT_EQ(d.step, PartStep::kRefuse);
  return d.refusal;
}

TEST(EnginePartTest, WithoutAPartARequestHoldsACompensationIsRememberedACommitFindsNothing) {
  EXPECT_EQ(StepOf(SagaPhase::kRequest, std::nullopt), PartStep::kHold);
  EXPECT_EQ(StepOf(SagaPhase::kCompensate, std::nullopt), PartStep::kRememberAbort);
  auto commit = RefusalOf(SagaPhase::kCommit, std::nullopt);
  EXPECT_EQ(commit.code, Errc::kNotFound);
  EXPECT_EQ(commit.message, "no saga s1 from voltpoint");
  EXPECT_EQ(RefusalOf(SagaPhase::kChanged, std::nullopt).code, Errc::kInvalidRequest);
}

TEST(EnginePartTest, AHeldPartAnswersAgainIsBookedOrGivenBack) {
  auto held = Part(PartState::kHeld);
  EXPECT_EQ(StepOf(SagaPhase::kRequest, held), PartStep::kAnswerHolding);
  EXPECT_EQ(StepOf(SagaPhase::kCommit, held), PartStep::kCommit);
  EXPECT_EQ(StepOf(SagaPhase::kCompensate, held), PartStep::kRelease);
  held.hold_until = kNow + 1;
  EXPECT_EQ(StepOf(SagaPhase::kCommit, held), PartStep::kCommit);
  held.hold_until = kNow;  // the coordinator decided in time, its commit came late
  EXPECT_EQ(StepOf(SagaPhase::kCommit, held), PartStep::kRehold);
  EXPECT_EQ(StepOf(SagaPhase::kCompensate, held), PartStep::kRelease);
  EXPECT_EQ(StepOf(SagaPhase::kCommit, Part(PartState::kExpired)), PartStep::kRehold);
}

TEST(EnginePartTest, ABookedPartTakesARepeatedCommitAndIsCancelledByACompensation) {
  auto booked = Part(PartState::kCommitted);
  EXPECT_EQ(StepOf(SagaPhase::kRequest, booked), PartStep::kAnswerHolding);
  EXPECT_EQ(StepOf(SagaPhase::kCommit, booked), PartStep::kAcknowledge);
  EXPECT_EQ(StepOf(SagaPhase::kCompensate, booked), PartStep::kRelease);
}

TEST(EnginePartTest, AnEndedPartRefusesALateRequestAndCommitAndTakesACompensationAgain) {
  for (auto state :
       {PartState::kCompensated, PartState::kExpired, PartState::kAborted, PartState::kRefused}) {
    SCOPED_TRACE(std::string(PartStateName(state)));
    auto request = RefusalOf(SagaPhase::kRequest, Part(state));
    EXPECT_EQ(request.code, Errc::kConflict);
    EXPECT_EQ(request.message,
              "saga s1 was " + std::string(PartStateName(state)) + " before this request");
    if (state == PartState::kExpired) {
      // Compensated from now on: a commit sent before, arriving after, is refused.
      EXPECT_EQ(StepOf(SagaPhase::kCompensate, Part(state)), PartStep::kEndLapsed);
    } else {
      EXPECT_EQ(StepOf(SagaPhase::kCompensate, Part(state)), PartStep::kAcknowledge);
      EXPECT_EQ(RefusalOf(SagaPhase::kCommit, Part(state)).code, Errc::kConflict);
    }
  }
}

TEST(EnginePartTest, ARefusedRequestIsRefusedAgainForTheSameReason) {
  auto refused = Part(PartState::kRefused);
  refused.code = Errc::kUnavailable;
  refused.detail = "point p1 is taken";
  auto again = RefusalOf(SagaPhase::kRequest, refused);
  EXPECT_EQ(again.code, Errc::kUnavailable);
  EXPECT_EQ(again.message, "point p1 is taken");
}

TEST(EnginePartTest, OnlyThePartsCoordinatorReachesIt) {
  for (auto state : {PartState::kHeld, PartState::kCommitted, PartState::kCompensated}) {
    SCOPED_TRACE(std::string(PartStateName(state)));
    auto part = Part(state, "voltpoint");
    EXPECT_EQ(RefusalOf(SagaPhase::kRequest, part, "eflux").code, Errc::kForbidden);
    EXPECT_EQ(RefusalOf(SagaPhase::kCompensate, part, "eflux").code, Errc::kForbidden);
    auto commit = RefusalOf(SagaPhase::kCommit, part, "eflux");
    EXPECT_EQ(commit.code, Errc::kNotFound);
    EXPECT_EQ(commit.message, "no saga s1 from eflux");
  }
  // No coordinator at all: a requester's own reservation under that id.
  EXPECT_EQ(RefusalOf(SagaPhase::kCompensate, Part(PartState::kCommitted, "")).code,
            Errc::kForbidden);
  // Stored before parts named their coordinator: any may act on it.
  auto legacy = Part(PartState::kHeld, std::string(kAnyCoordinator));
  EXPECT_EQ(StepOf(SagaPhase::kCommit, legacy, "eflux"), PartStep::kCommit);
}

TEST(EnginePartTest, EveryStateHasANameThatParsesBack) {
  for (auto s : {PartState::kHeld, PartState::kCommitted, PartState::kRefused, PartState::kAborted,
                 PartState::kCompensated, PartState::kExpired}) {
    EXPECT_EQ(ParsePartState(PartStateName(s)), s);
  }
  EXPECT_EQ(ParsePartState("settled"), std::nullopt);
}

}  // namespace
}  // namespace tripmesh::engine
