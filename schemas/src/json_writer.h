// A small streaming JSON writer over fmt::memory_buffer. Keys are trusted
// literals; string values are escaped.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tripmesh::schemas::internal {

// Decimal places of an amount of money on the wire.
inline constexpr int kMoney = 2;

class JsonWriter {
 public:
  JsonWriter& Begin() { return Open('{'); }
  JsonWriter& End() { return Close('}'); }
  JsonWriter& BeginArray(std::string_view key) { return Key(key).Open('['); }
  JsonWriter& BeginArray() { return Comma().Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& BeginObject(std::string_view key) { return Key(key).Open('{'); }
  JsonWriter& BeginObject() { return Comma().Open('{'); }

  JsonWriter& Str(std::string_view key, std::string_view v) { return Key(key).Quoted(v); }
  JsonWriter& Str(std::string_view v) { return Comma().Quoted(v); }
  JsonWriter& Num(std::string_view key, double v, int decimals);
  JsonWriter& Int(std::string_view key, std::int64_t v) {
    Key(key);
    fmt::format_to(std::back_inserter(buf_), "{}", v);
    need_comma_ = true;
    return *this;
  }
  JsonWriter& Bool(std::string_view key, bool v) {
    Key(key);
    Raw(v ? "true" : "false");
    need_comma_ = true;
    return *this;
  }
  JsonWriter& Time(std::string_view key, std::int64_t t);

  std::string Take() { return fmt::to_string(buf_); }

 private:
  JsonWriter& Key(std::string_view key) {
    Comma();
    Raw("\"");
    Raw(key);
    Raw("\":");
    return *this;
  }
  JsonWriter& Comma() {
    if (need_comma_) buf_.push_back(',');
    need_comma_ = false;
    return *this;
  }
  JsonWriter& Open(char c) {
    buf_.push_back(c);
    need_comma_ = false;
    return *this;
  }
  JsonWriter& Close(char c) {
    buf_.push_back(c);
    need_comma_ = true;
    return *this;
  }
  void Raw(std::string_view s) { buf_.append(s.data(), s.data() + s.size()); }
  JsonWriter& Quoted(std::string_view v);

  fmt::memory_buffer buf_;
  bool need_comma_ = false;
};

// A message's writer, its "type" written.
inline JsonWriter Typed(std::string_view type) {
  JsonWriter w;
  w.Begin().Str("type", type);
  return w;
}

inline void OptionalRequestId(JsonWriter& w, const std::string& id) {
  if (!id.empty()) w.Str("request_id", id);
}

}  // namespace tripmesh::schemas::internal
