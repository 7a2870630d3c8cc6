// Reading the fields of one JSON object with precise errors. After the first
// error every further read is a no-op, so a decoder reads all its fields and
// checks ok() once.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tripmesh/base/result.h"
#include "tripmesh/base/time.h"

namespace tripmesh::schemas::internal {

// Whether a field must be present; an absent optional field leaves its output as it was.
enum class Need { kRequired, kOptional };
inline constexpr Need kRequired = Need::kRequired;
inline constexpr Need kOptional = Need::kOptional;

// The longest id a message may carry (a request's, a reservation's, a leg's).
inline constexpr std::size_t kIdLen = 128;

class Fields {
 public:
  Fields(simdjson::dom::object obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  bool ok() const { return !error_; }
  const Error& error() const { return *error_; }
  std::string PathOf(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  void Fail(std::string_view key, const std::string& message) {
    if (!error_) {
      std::string field = PathOf(key);
      error_ = Error{Errc::kInvalidRequest, "field '" + field + "': " + message, field};
    }
  }
  void Adopt(const Error& e) {
    if (!error_) error_ = e;
  }

  // Each returns false when the field is absent (and then fails if kRequired).
  bool Str(std::string_view key, std::string& out, Need need, std::size_t max_len = 256);
  bool Num(std::string_view key, double& out, Need need, double min, double max);
  bool Num(std::string_view key, std::optional<double>& out, double min, double max);
  bool Int(std::string_view key, std::int64_t& out, Need need, std::int64_t min, std::int64_t max);
  bool Bool(std::string_view key, bool& out, Need need);
  bool TimeField(std::string_view key, Time& out, Need need);
  bool TimeField(std::string_view key, std::optional<Time>& out);
  bool Object(std::string_view key, simdjson::dom::object& out, Need need);
  bool Array(std::string_view key, simdjson::dom::array& out, Need need, std::size_t max_len);
  bool IntArray(std::string_view key, std::vector<std::int64_t>& out, Need need,
                std::size_t max_len, std::int64_t min, std::int64_t max);
  bool StrArray(std::string_view key, std::vector<std::string>& out, Need need, std::size_t max_len,
                std::size_t max_str = 128);
  // The "type" field, if present, must equal `expected`; kRequired demands it.
  void Type(std::string_view expected, Need need);
  // Calls read(object, path) for each element of an array of objects.
  void Objects(std::string_view key, Need need, std::size_t max_len,
               const std::function<void(Fields&)>& read);

 private:
  bool Get(std::string_view key, simdjson::dom::element& out, Need need);

  simdjson::dom::object obj_;
  std::string path_;
  std::optional<Error> error_;
};

// Parses `json` as one object (thread-local parser) and hands its fields to `read`.
[[nodiscard]] Status ReadObject(std::string_view json, const std::function<void(Fields&)>& read);

// The object at `key` read by `read`; its first error becomes `f`'s.
void Nested(Fields& f, std::string_view key, Need need, const std::function<void(Fields&)>& read);

// A whole message: `json` parsed as one object into a T by `read`.
template <typename T>
Result<T> Read(std::string_view json, const std::function<void(Fields&, T&)>& read) {
  T out;
  auto st = ReadObject(json, [&](Fields& f) { read(f, out); });
  if (!st) return tl::unexpected<Error>(st.error());
  return out;
}

}  // namespace tripmesh::schemas::internal
