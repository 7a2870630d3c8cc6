// Error values of tripmesh. Every failure that can reach the wire is one of the
// codes of PROTOCOL.md; nothing throws across a target boundary.
#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace tripmesh {

enum class Errc {
  kInvalidJson,     // payload is not one UTF-8 JSON object
  kInvalidRequest,  // a field is missing, of the wrong type or out of range (Error::field names it)
  kUnknownOp,       // the op of a request topic is not one tripmesh knows
  kUnknownCity,     // a city id that is not on the map
  kNoRoute,         // the cities are not connected by road
  kUnreachable,     // connected, but the vehicle cannot make it even with charging
  kUnavailable,     // no capacity for the requested time
  kNotFound,        // no such plan, reservation or station
  kConflict,        // the state does not allow the operation (e.g. confirm a cancelled reservation)
  kExpired,         // the hold or plan expired
  kTimeout,         // a peer did not answer in time
  kForbidden,       // the requester may not do this (e.g. reply topic outside its namespace)
  kOverloaded,      // the agent sheds load
  kInternal,        // a bug or an I/O failure on our side
  // Said by clients only, never on the wire: the broker cannot be reached, or
  // a company's retained status says it is offline; a company id no company
  // of the broker's uses.
  kOffline,
  kUnknownCompany,
};

struct Error {
  Errc code = Errc::kInternal;
  std::string message;
  std::string field;  // the offending field, for kInvalidRequest
  // The message is a library's own words (the store's): for the log, never
  // for a requester.
  bool internal_words = false;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> Fail(Errc code, std::string message, std::string field = {}) {
  return tl::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}

// The same, marked as a library's own words (Error::internal_words).
inline tl::unexpected<Error> FailWithInternalWords(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), {}, true});
}

// The wire spelling of a code ("invalid_json", ...), and back.
std::string_view ErrcName(Errc code);
[[nodiscard]] bool ParseErrc(std::string_view name, Errc& out);

}  // namespace tripmesh
